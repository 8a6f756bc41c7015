//! Policing what the sandbox sends: protocol violations and floods.

use super::*;

pub(super) fn bundle_weight(data: &JsValue) -> usize {
    if !data.is_object() {
        return 0;
    }
    Object::values(data.unchecked_ref::<Object>())
        .iter()
        .map(|v: JsValue| {
            v.dyn_ref::<js_sys::Uint8Array>()
                .map(|b| b.length() as usize)
                .or_else(|| {
                    v.dyn_ref::<js_sys::JsString>()
                        .map(|s| s.length() as usize * 2)
                })
                .unwrap_or(16)
        })
        .sum()
}

/// What one interpreter may send outside a run (booting, or idle between
/// runs): a few progress and log lines, a snapshot, a few fetches. A flood
/// here has no run to charge, so the interpreter itself is replaced.
const MAX_IDLE_MESSAGES: u32 = 1_000;
const MAX_IDLE_BYTES: usize = 4 << 20;
/// Log lines passed to `onLog` per run or idle window, and their length;
/// past the count they are dropped, with one line that says so.
const MAX_LOG_LINES: u32 = 100;
const MAX_LOG_CHARS: usize = 2_000;

/// What an interpreter has sent in its current window (a run, or the time
/// outside runs since the last one ended).
#[derive(Default)]
pub(super) struct Budget {
    messages: u32,
    bytes: usize,
    logs: u32,
}

impl Inner {
    /// Charges `message` to its window; false if the interpreter went over
    /// its budget and was replaced (the message is then dropped).
    pub(super) fn police(&mut self, role: Role, message: &FromSandbox) -> bool {
        let gen = self.interpreter(role).map(|s| s.gen);
        let weight = match message {
            FromSandbox::Display(d) => bundle_weight(&d.data),
            // Only the snapshot that was asked for is free; any other is
            // charged in full (up to 512 MiB each).
            FromSandbox::Snapshot(bytes) if gen.is_none() || self.snapshot_maker != gen => {
                bytes.length() as usize
            }
            other => other.weight(),
        };
        let in_run = role == Role::Active && self.current.is_some();
        if in_run {
            // Files have a budget of their own: they are larger than any
            // display item, but a run's display flood must still be cut
            // where it was (the page pays to receive each message).
            let is_file = matches!(message, FromSandbox::OutputFiles(_));
            let budget = if is_file {
                self.config.max_run_file_bytes + self.config.max_file_bytes + (1 << 20)
            } else {
                4 * self.config.max_output_bytes
                    + 2 * self.config.caps.max_run_figure_bytes
                    + (16 << 20)
            };
            if let Some(current) = &mut self.current {
                current.messages += 1;
                let spent = if is_file {
                    &mut current.file_flood
                } else {
                    &mut current.bytes
                };
                *spent += weight;
                if current.messages > MAX_RUN_MESSAGES || *spent > budget {
                    self.kill_current_crashed(
                        "the sandbox exceeded its message budget (flood)".into(),
                    );
                    return false;
                }
            }
            return true;
        }
        let file_call = usize::from(role == Role::Active && self.current_file.is_some());
        let Some(interpreter) = self.interpreter(role) else {
            return false;
        };
        interpreter.idle.messages += 1;
        interpreter.idle.bytes += weight;
        // A file call's answer may carry a whole file.
        let max_bytes = MAX_IDLE_BYTES + file_call * (self.config.max_file_bytes + (1 << 20));
        let Some(interpreter) = self.interpreter(role) else {
            return false;
        };
        if interpreter.idle.messages > MAX_IDLE_MESSAGES || interpreter.idle.bytes > max_bytes {
            let (messages, bytes) = (interpreter.idle.messages, interpreter.idle.bytes);
            self.log(format!(
                "an interpreter was replaced: it sent {messages} messages ({bytes} bytes) outside a run (flood)"
            ));
            self.interpreter_died(role, "the sandbox flooded the page outside a run".into());
            return false;
        }
        true
    }

    /// Passes a log line from the sandbox to `onLog`, within its budget.
    pub(super) fn sandbox_log(&mut self, role: Role, text: &str) {
        let logs = match (role, self.current.as_mut()) {
            (Role::Active, Some(current)) => &mut current.logs,
            _ => match self.interpreter(role) {
                Some(interpreter) => &mut interpreter.idle.logs,
                None => return,
            },
        };
        *logs += 1;
        match *logs {
            n if n < MAX_LOG_LINES => {
                self.log(crate::protocol::truncate(text, MAX_LOG_CHARS).to_string())
            }
            n if n == MAX_LOG_LINES => {
                self.log("the sandbox logs too much; further lines are dropped".into())
            }
            _ => {}
        }
    }

    /// The longest string any message may carry: a stream chunk, an error
    /// text or a mime value never needs more than the larger cap.
    pub(super) fn max_string(&self) -> u32 {
        let caps = &self.config.caps;
        self.config
            .max_output_bytes
            .max(caps.max_figure_bytes)
            .min(u32::MAX as usize) as u32
    }

    pub(super) fn violation(&mut self, role: Role, reason: String) {
        let Some(interpreter) = self.interpreter(role) else {
            return;
        };
        interpreter.violations += 1;
        let flooded = interpreter.violations > MAX_VIOLATIONS;
        if role == Role::Active {
            if let Some(current) = &mut self.current {
                if current.exec.violations.len() < MAX_REASONS {
                    current.exec.violations.push(reason);
                }
            }
        }
        if flooded {
            self.interpreter_died(role, "too many protocol violations".into());
        }
    }
}

pub(super) fn kind_name(message: &FromSandbox) -> &'static str {
    match message {
        FromSandbox::Progress(_) => "progress",
        FromSandbox::Ready(_) => "ready",
        FromSandbox::BootFailed(_) => "bootFailed",
        FromSandbox::Stream(_) => "stream (for no current run)",
        FromSandbox::Display(_) => "display (for no current run)",
        FromSandbox::Done(_) => "done (for no current run)",
        FromSandbox::Fetch(_) => "fetch",
        FromSandbox::Pong(_) => "pong (not asked for)",
        FromSandbox::Log(_) => "log",
        FromSandbox::Crashed(_) => "crashed",
        FromSandbox::Refused(_) => "refused",
        FromSandbox::Snapshot(_) => "snapshot (not asked for)",
        FromSandbox::FileResult(_) => "fileResult (for no file call)",
        FromSandbox::OutputFiles(_) => "files (for no current run)",
        FromSandbox::Input(_) => "input (for no current run, or unanswerable)",
        FromSandbox::MemoryLimit(_) => "memoryLimit (for no current run)",
    }
}
