//! What the state machine needs from the world, as two small traits: the
//! clock, timers, randomness, tasks and interpreters (`Platform`), and one
//! running interpreter (`Port`). The machine itself does no I/O: it only
//! calls these. `host::browser` gives the real ones (`setTimeout`, workers
//! in sandboxed frames, `spawn_local`); `machine::fake` gives a manual clock
//! and recorded interpreters, so every path through the machine runs
//! natively in `cargo test`, in milliseconds.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::Uint8Array;
use web_sys::Blob;

use crate::options::Isolation;
use crate::protocol::{FrameLimits, FromSandbox, Init, ToSandbox};

/// An armed timer: dropping it disarms it.
pub(in crate::supervisor) type Armed = Box<dyn std::any::Any>;

/// What an interpreter's host reports, decoded at the boundary: the machine
/// never sees the sandbox's raw values.
pub(in crate::supervisor) enum Report {
    /// A message on the protocol channel that decoded and carried the token.
    Message(FromSandbox),
    /// A message that did not: why, and the run or file call it named, if
    /// any (a refused result ends that run or call rather than hanging it).
    Refused {
        reason: String,
        done: Option<u32>,
        file: Option<u32>,
    },
    /// Something that is not protocol (user code calling `postMessage` on
    /// the worker global, a message carrying transferred objects).
    Stray(String),
    /// The worker died or could not start.
    Died(String),
    /// The frame's whole process is gone: a standby in it is gone too.
    Gone(String),
    /// What the frame and its worker hold, in bytes, as the browser measured.
    Measured(f64),
}

/// Where an interpreter's reports go.
pub(in crate::supervisor) type ReportSink = Rc<dyn Fn(Report)>;

/// How to start one interpreter.
pub(in crate::supervisor) struct Start<'a> {
    pub isolation: Isolation,
    pub runner_url: Option<&'a str>,
    pub init: Init<'a>,
    pub limits: FrameLimits,
    /// Its session token: the host decodes with it.
    pub token: &'a str,
    /// The longest string a message may carry (decode's limit).
    pub max_string: u32,
}

/// The world as the machine sees it.
pub(in crate::supervisor) trait Platform {
    /// Milliseconds on a monotonic clock.
    fn now(&self) -> f64;
    /// Calls `fire` once, `ms` from now, unless the handle is dropped first.
    fn arm(&self, ms: f64, fire: Box<dyn FnOnce()>) -> Armed;
    /// Runs `task` on a stack of its own, after the caller returns.
    fn spawn_task(&self, task: Pin<Box<dyn Future<Output = ()>>>);
    /// 16 random bytes as hex, or `None` when the page has no CSPRNG (a
    /// guessable token or nonce is worse than none).
    fn random_hex(&self) -> Option<String>;
    /// Starts an interpreter; it reports to `sink` until it is dropped.
    fn spawn(&self, start: Start<'_>, sink: ReportSink) -> Result<Box<dyn Port>, String>;
    /// Keeps a boot snapshot for `key` (for this page, and for later ones);
    /// the handle new interpreters boot from.
    fn store_snapshot(&self, key: &str, bytes: &Uint8Array) -> Option<Blob>;
    /// Drops the snapshot kept for `key` (it failed to boot).
    fn forget_snapshot(&self, key: &str);
    /// Whether compiled code gets faster with use, so that the page's
    /// warm-up pays (page/warm_up.rs): a browser's JIT, not a test's fake.
    fn warms_up(&self) -> bool;
}

/// One running (or booting) interpreter. Dropping it kills the interpreter.
pub(in crate::supervisor) trait Port {
    /// Sends a message (dropped if the interpreter is going away: its death
    /// is reported instead).
    fn post(&self, message: &ToSandbox<'_>);
    /// Asks Python to raise KeyboardInterrupt in run `id`; false if this
    /// interpreter cannot be interrupted.
    fn interrupt(&self, id: u32) -> bool;
    /// Answers `input()` request `seq` (`None`: end of input).
    fn answer_input(&self, seq: u32, line: Option<&str>);
    /// The interpreter is ready: its boot is over, watch it from now on.
    fn ready(&self);
}
