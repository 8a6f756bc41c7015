//! File calls (write, read, list, remove), queued in order with runs; the
//! files a run made (`Execution.files`); and what survives when an
//! interpreter is replaced: the page keeps every file written through
//! `write_file` and writes them into the next interpreter before anything
//! else runs there; files the code made are lost, and the next run says so.
//!
//! Everything the sandbox answers is attacker data: paths are checked
//! against the working directory again, bytes against the caps, and byte
//! arrays must own their buffer (a view could pin a larger one; shared
//! memory could change after it was checked).

use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;

use crate::errors::Error;
use crate::files::{self, FileErrorCode, FileInfo, OutputFile, Upload};
use crate::protocol;
use crate::protocol::ToSandbox;
use crate::supervisor::machine::budget::Budget;
use crate::supervisor::machine::deferred::Deferred;
use crate::supervisor::machine::kept_files::KeptFiles;
use crate::supervisor::machine::platform::Armed;
use crate::supervisor::{Event, Inner};

/// Most entries a listing returns (the worker refuses a larger one with
/// `EFBIG`): 100 000 took the page 6-14 s to receive.
const MAX_LISTING: usize = 10_000;
/// Files one run sends to the page, at most; the rest are counted in
/// `droppedOutputs`. The worker stops there; the page holds the line.
pub(in crate::supervisor) const MAX_RUN_FILES: usize = 1000;
/// The shortest time a file call gets before its interpreter is replaced.
const MIN_FILE_CALL_MS: f64 = 10_000.0;

pub(crate) enum FileOp {
    Write(Upload),
    Read,
    List,
    Remove,
    /// The session's state (session.rs): queued like a file call, it sees
    /// the runs before it.
    ExportSession,
    /// Loads a session's state (a buffer, moved to the worker once).
    RestoreSession(Option<js_sys::ArrayBuffer>),
}

pub(crate) enum FileReply {
    Done,
    Bytes(Uint8Array),
    List(Vec<FileInfo>),
    /// The sandbox's report of a restore (JSON text, parsed by session.rs).
    Restored(String),
}

pub(in crate::supervisor) struct FileJob {
    pub(in crate::supervisor) op: FileOp,
    /// Canonical, inside the working directory (files.rs `resolve`).
    pub(in crate::supervisor) path: String,
    /// As the caller gave it, for errors.
    pub(in crate::supervisor) given: String,
    pub(in crate::supervisor) deferred: Deferred<FileReply>,
    /// Restores an upload into a fresh interpreter; nobody waits for it.
    pub(in crate::supervisor) restore: bool,
}

/// The files one run returns (`Execution.files`): at most
/// [`MAX_RUN_FILES`], and `maxRunFileBytes` in all. Pure: tested natively.
#[derive(Default)]
pub(in crate::supervisor) struct RunFiles {
    count: usize,
    bytes: usize,
}

impl RunFiles {
    pub(in crate::supervisor) fn has_room(&self) -> bool {
        self.count < MAX_RUN_FILES
    }

    /// Takes a file of `size` bytes if it fits under `total` with those
    /// before it; one that does not is dropped, and a smaller one may
    /// still fit.
    pub(in crate::supervisor) fn take(&mut self, size: usize, total: usize) -> bool {
        match self.bytes.checked_add(size) {
            Some(bytes) if self.has_room() && bytes <= total => {
                self.count += 1;
                self.bytes = bytes;
                true
            }
            _ => false,
        }
    }
}

pub(in crate::supervisor) struct CurrentFile {
    id: u32,
    job: FileJob,
    _timer: Armed,
}

/// The bytes of a `Uint8Array` from the sandbox, if it owns a plain
/// (unshared) buffer of exactly its length and is within `max`
/// (`maxFileBytes`, or `maxSessionBytes` for a session).
fn owned_bytes(value: &JsValue, max: usize) -> Result<Uint8Array, String> {
    let bytes = value
        .dyn_ref::<Uint8Array>()
        .ok_or("the data is not a Uint8Array")?;
    let buffer = bytes.buffer();
    if !buffer.is_instance_of::<js_sys::ArrayBuffer>() {
        return Err("the data is in shared memory".into());
    }
    let len = bytes.byte_length();
    if bytes.byte_offset() != 0
        || buffer.unchecked_ref::<js_sys::ArrayBuffer>().byte_length() != len
    {
        return Err("the data is a view into a larger buffer".into());
    }
    if len as usize > max {
        return Err(format!("{len} bytes is over its cap ({max})"));
    }
    Ok(bytes.clone())
}

/// A listing: JSON `[[path, size, modifiedMs], …]`, every path inside the
/// working directory.
fn parse_listing(text: &str) -> Result<Vec<FileInfo>, String> {
    let rows: Vec<(String, f64, f64)> =
        serde_json::from_str(text).map_err(|e| format!("bad listing: {e}"))?;
    if rows.len() > MAX_LISTING {
        return Err(format!("a listing of {} entries", rows.len()));
    }
    rows.into_iter()
        .map(|(path, size, modified_ms)| {
            if !files::within(&path) || !size.is_finite() || size < 0.0 || !modified_ms.is_finite()
            {
                return Err(format!(
                    "a bad listing entry {:?}",
                    protocol::truncate(&path, 100)
                ));
            }
            Ok(FileInfo {
                path,
                size,
                modified_ms,
            })
        })
        .collect()
}

impl Inner {
    pub(in crate::supervisor) fn start_file(&mut self, mut job: FileJob) {
        self.last_used = self.now();
        self.last_busy_at = self.last_used;
        self.next_id += 1;
        let id = self.next_id;
        let path = job.path.as_str();
        let message = match &mut job.op {
            FileOp::Write(upload) => ToSandbox::WriteFile {
                id,
                path,
                // A buffer to move, or a Blob (files/upload.rs).
                body: upload.body(),
            },
            FileOp::Read => ToSandbox::ReadFile { id, path },
            FileOp::List => ToSandbox::ListFiles { id, path },
            FileOp::Remove => ToSandbox::RemoveFile { id, path },
            FileOp::ExportSession => ToSandbox::ExportSession { id },
            FileOp::RestoreSession(body) => ToSandbox::RestoreSession {
                id,
                body: body.take().map_or(JsValue::UNDEFINED, Into::into),
            },
        };
        if let Some(interpreter) = &self.active {
            interpreter.host.post(&message);
        }
        let ms = self.config.timeout_ms.max(MIN_FILE_CALL_MS);
        let timer = self.arm(ms, Event::FileDeadline(id));
        self.current_file = Some(CurrentFile {
            id,
            job,
            _timer: timer,
        });
    }

    pub(in crate::supervisor) fn is_current_file(&self, id: u32) -> bool {
        self.current_file.as_ref().is_some_and(|c| c.id == id)
    }

    pub(in crate::supervisor) fn on_file_result(&mut self, result: protocol::FileResult) {
        let Some(CurrentFile { id, job, .. }) = self.current_file.take() else {
            return;
        };
        if self.is_eviction_export(id) {
            let reply = match (result.error, result.data) {
                (Some(failure), _) => Err(protocol::truncate(&failure.message, 500).to_string()),
                (None, data) => data
                    .ok_or_else(|| "it holds no data".to_string())
                    .and_then(|data| owned_bytes(&data, self.config.max_session_bytes))
                    .map(FileReply::Bytes),
            };
            return self.on_eviction_export(reply);
        }
        let refused = |why: String| {
            Error::file(
                FileErrorCode::Io,
                &job.given,
                format!("the sandbox's answer was refused: {why}"),
            )
        };
        let reply = match (result.error, &job.op) {
            (Some(failure), _) => Err(Error::file(
                FileErrorCode::parse(&failure.code),
                &job.given,
                protocol::truncate(&failure.message, 500),
            )),
            (None, FileOp::Read) => result
                .data
                .as_ref()
                .ok_or_else(|| "it holds no data".to_string())
                .and_then(|data| owned_bytes(data, self.config.max_file_bytes))
                .map(FileReply::Bytes)
                .map_err(refused),
            (None, FileOp::List) => result
                .listing
                .as_deref()
                .ok_or_else(|| "it holds no listing".to_string())
                .and_then(parse_listing)
                .map(FileReply::List)
                .map_err(refused),
            (None, FileOp::Write(upload)) => {
                if !job.restore {
                    self.kept_files.uploaded(&job.path, upload.kept.clone());
                }
                Ok(FileReply::Done)
            }
            (None, FileOp::Remove) => {
                self.kept_files.removed(&job.path);
                Ok(FileReply::Done)
            }
            (None, FileOp::ExportSession) => result
                .data
                .as_ref()
                .ok_or_else(|| "it holds no data".to_string())
                .and_then(|data| owned_bytes(data, self.config.max_session_bytes))
                .map(FileReply::Bytes)
                .map_err(refused),
            (None, FileOp::RestoreSession(_)) => result
                .summary
                .ok_or_else(|| "it holds no report".to_string())
                .map(FileReply::Restored)
                .map_err(refused),
        };
        if job.restore {
            if let Err(err) = &reply {
                self.log(format!("could not restore {}: {err}", job.path));
            }
        }
        job.deferred.settle(reply);
        if let Some(interpreter) = self.active.as_mut() {
            interpreter.idle = Budget::default();
        }
        self.pump();
    }

    /// The sandbox did not answer a file call in time: its interpreter is
    /// replaced, and the call fails.
    pub(in crate::supervisor) fn on_file_deadline(&mut self, id: u32) {
        if self.current_file.as_ref().is_some_and(|c| c.id == id) && self.is_eviction_export(id) {
            self.current_file = None;
            return self.on_eviction_export(Err("the sandbox did not answer in time".into()));
        }
        if self.current_file.as_ref().is_some_and(|c| c.id == id) {
            self.log("the sandbox did not answer a file call; its interpreter was replaced".into());
            self.replaced_between_runs =
                Some("the interpreter did not answer a file call and was replaced".into());
            self.active = None;
            self.fail_current_file(
                "the sandbox did not answer in time; its interpreter was replaced",
            );
            self.replace_active();
        }
    }

    /// The interpreter went during a file call.
    pub(in crate::supervisor) fn fail_current_file(&mut self, why: &str) {
        if let Some(CurrentFile { job, .. }) = self.current_file.take() {
            let error = Error::file(FileErrorCode::Io, &job.given, why);
            job.deferred.settle(Err(error));
        }
    }

    /// A batch of the files the current run made or changed.
    pub(in crate::supervisor) fn on_output_files(&mut self, batch: protocol::OutputFiles) {
        for file in batch.files {
            self.on_output_file(file);
        }
        for skipped in batch.skipped {
            self.on_file_skipped(skipped);
        }
    }

    /// A file the current run made or changed.
    fn on_output_file(&mut self, file: protocol::SentFile) {
        let (max, total) = (self.config.max_file_bytes, self.config.max_run_file_bytes);
        let Some(current) = &mut self.current else {
            return;
        };
        let path = protocol::truncate(&file.path, 200).to_string();
        if !files::within(&file.path) {
            current
                .exec
                .violations
                .push(format!("a file outside the working directory: {path:?}"));
            return;
        }
        if !current.files.has_room() {
            return current.exec.drop_reason(format!(
                "file {path}: over the {MAX_RUN_FILES} files a run may return"
            ));
        }
        let data = match owned_bytes(&file.data, max) {
            Ok(data) => data,
            Err(why) => return current.exec.drop_reason(format!("file {path}: {why}")),
        };
        let size = data.byte_length() as usize;
        if !current.files.take(size, total) {
            let why = format!("file {path} ({size} bytes) would take the run's files over maxRunFileBytes ({total})");
            return current.exec.drop_reason(why);
        }
        self.kept_files.made(&file.path);
        current.exec.file(OutputFile {
            mime: files::mime_for(&file.path).to_string(),
            path: file.path,
            size: size as f64,
            data,
        });
    }

    /// A file the current run changed that the sandbox found too large to send.
    fn on_file_skipped(&mut self, skipped: protocol::SkippedFile) {
        let (max, total) = (self.config.max_file_bytes, self.config.max_run_file_bytes);
        let Some(current) = &mut self.current else {
            return;
        };
        let path = protocol::truncate(&skipped.path, 200);
        // Not remembered for `lostFiles`: a skipped path costs the page
        // nothing but this reason (capped in the Execution).
        if files::within(&skipped.path) {
            let size = skipped.size;
            let why = if size > max as f64 {
                format!("file {path} ({size} bytes) is over maxFileBytes ({max})")
            } else {
                format!("file {path} ({size} bytes) would take the run's files over maxRunFileBytes ({total})")
            };
            current.exec.drop_reason(why);
        } else {
            current
                .exec
                .violations
                .push(format!("a file outside the working directory: {path:?}"));
        }
    }

    /// A fresh interpreter takes over: the uploads go back in first, and
    /// what the code made is reported lost. After `reset()` there is
    /// nothing to restore (`forget_files` ran first).
    pub(in crate::supervisor) fn queue_restore(&mut self) {
        let with_session = self.evicted_state.is_some();
        let restores = self.kept_files.interpreter_replaced(with_session);
        let jobs = restores.into_iter().map(|(path, data)| FileJob {
            op: FileOp::Write(Upload::kept(data)),
            given: path.clone(),
            path,
            deferred: Deferred::new().0,
            restore: true,
        });
        // The session holds the uploads too: it goes after them.
        let session = self.take_evicted_session();
        self.queue.restore_first(jobs.chain(session).collect());
    }

    pub(in crate::supervisor) fn forget_files(&mut self) {
        self.kept_files = KeptFiles::default();
        self.evicted_state = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_returns_at_most_a_thousand_files() {
        let mut files = RunFiles::default();
        for _ in 0..MAX_RUN_FILES {
            assert!(files.take(1, usize::MAX));
        }
        assert!(!files.has_room());
        assert!(!files.take(0, usize::MAX));
    }

    #[test]
    fn a_file_over_the_runs_byte_total_is_dropped_and_a_smaller_one_still_fits() {
        let mut files = RunFiles::default();
        assert!(files.take(60, 100));
        assert!(!files.take(50, 100), "60 + 50 is over 100");
        assert!(files.take(40, 100), "the dropped one took nothing");
        assert!(!files.take(1, 100));
    }

    #[test]
    fn sizes_near_the_top_of_usize_do_not_overflow() {
        let mut files = RunFiles::default();
        assert!(files.take(usize::MAX - 1, usize::MAX));
        assert!(!files.take(usize::MAX, usize::MAX));
    }
}
