//! `keepSessionOnEviction`: a sandbox evicted at the page's limit of live
//! interpreters (page/registry.rs) first exports its session, and the
//! fresh interpreter its next call boots restores it before anything else
//! runs there. Without the option (or when the export fails or does not
//! answer in time) the interpreter goes at once and its state is lost, as
//! before; the next run says which in `resetReason`.
//!
//! The session's state stays as bytes on this sandbox's page side: it is
//! restored only into this sandbox's next interpreter, never anywhere else.

use js_sys::Uint8Array;

use crate::supervisor::machine::deferred::Deferred;
use crate::supervisor::machine::files::{FileJob, FileOp, FileReply};
use crate::supervisor::Inner;

const LOST: &str = "the page went over its limit of live interpreters (maxLiveInterpreters) and this idle sandbox, the least recently used, gave up its interpreter";
const KEPT: &str = "the page went over its limit of live interpreters (maxLiveInterpreters) and this idle sandbox, the least recently used, gave up its interpreter; its session was exported first and restored into this one";
/// What a session call names in place of a path (its errors become
/// `SessionError`s, sandbox.rs).
pub(crate) const SESSION: &str = "(session)";

fn session_job(op: FileOp) -> FileJob {
    FileJob {
        op,
        path: crate::files::WORK_DIR.into(),
        given: SESSION.into(),
        // Nobody waits: a failure is logged (files.rs).
        deferred: Deferred::new().0,
        restore: true,
    }
}

impl Inner {
    /// Eviction chose this sandbox's active interpreter (idle and ready).
    pub(in crate::supervisor) fn evict_active(&mut self) {
        if !self.config.keep_session_on_eviction || self.active.is_none() {
            return self.give_up_active(None);
        }
        self.evicting = Some(self.next_id + 1);
        self.start_file(session_job(FileOp::ExportSession));
    }

    /// Whether file call `id` is the export before an eviction.
    pub(in crate::supervisor) fn is_eviction_export(&self, id: u32) -> bool {
        self.evicting == Some(id)
    }

    /// The export before the eviction answered (or failed, or timed out):
    /// the interpreter goes now.
    pub(in crate::supervisor) fn on_eviction_export(&mut self, reply: Result<FileReply, String>) {
        self.evicting = None;
        match reply {
            Ok(FileReply::Bytes(state)) => self.give_up_active(Some(state)),
            Ok(_) => self.give_up_active(None),
            Err(why) => {
                self.log(format!(
                    "its session could not be exported before its eviction: {why}"
                ));
                self.give_up_active(None);
            }
        }
    }

    fn give_up_active(&mut self, state: Option<Uint8Array>) {
        self.active = None;
        self.replaced_between_runs = Some(if state.is_some() { KEPT } else { LOST }.into());
        self.evicted_state = state;
        self.log("its interpreter was stopped: the page is at its live-interpreter limit".into());
        self.pump();
    }

    /// The restore of an evicted session, for the fresh interpreter.
    pub(in crate::supervisor) fn take_evicted_session(&mut self) -> Option<FileJob> {
        let state = self.evicted_state.take()?;
        Some(session_job(FileOp::RestoreSession(Some(state.buffer()))))
    }
}
