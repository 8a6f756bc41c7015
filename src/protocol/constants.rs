//! The protocol's constants, declared once: the frame's control port, the
//! memory shared with the worker, and the limits on a message's shape. The
//! crate reads them as `protocol::NAME`; build.rs compiles this file too
//! and writes each as `PROTOCOL.NAME` into the JavaScript that the frame's
//! script and the worker's source start with (so the frame's CSP hash
//! covers them). Python uses none of them; `agreement_tests.rs` checks the
//! message strings it does use.
//!
//! Only `&str` and `u32` constants, and nothing from the crate: build.rs
//! compiles this file on its own.

/// A constant as a JavaScript literal.
pub(crate) trait JsLiteral {
    fn js(&self) -> String;
}

impl JsLiteral for &str {
    fn js(&self) -> String {
        let mut out = String::from("\"");
        for c in self.chars() {
            match c {
                '"' | '\\' => out.extend(['\\', c]),
                ' '..='~' => out.push(c),
                _ => out.push_str(&format!("\\u{:04x}", c as u32)),
            }
        }
        out.push('"');
        out
    }
}

impl JsLiteral for u32 {
    fn js(&self) -> String {
        self.to_string()
    }
}

macro_rules! constants {
    ($($(#[doc = $doc:literal])* $name:ident: $ty:ty = $value:expr;)*) => {
        $($(#[doc = $doc])* #[allow(dead_code)] pub(crate) const $name: $ty = $value;)*

        /// Every constant, by name, as a JavaScript literal (for build.rs).
        #[allow(dead_code)]
        pub(crate) fn js_constants() -> Vec<(&'static str, String)> {
            vec![$((stringify!($name), JsLiteral::js(&$name))),*]
        }
    };
}

constants! {
    // ---- The frame's control port (iframe mode: supervisor/host/container.rs,
    // heartbeat.rs; frame.js). A number on it asks to interrupt that run;
    // an object `{input, line}` is an answer to `input()`. ----

    /// Page to frame: the `type` of `FrameInit`, posted once the frame's
    /// document has loaded.
    FRAME_INIT: &str = "pycage:init";
    /// Frame to page: it took `FrameInit`.
    FRAME_TAKEN: &str = "pycage:frame";
    /// Page to frame: the heartbeat (supervisor/heartbeat.rs)...
    PING: &str = "pycage:ping";
    /// ...and the frame's answer.
    ALIVE: &str = "pycage:alive";
    /// Frame to page: `pycage:memory <bytes>`, what the frame and its worker
    /// hold in all as the browser measures it (memory.rs `on_measured`).
    MEMORY_MEASURED: &str = "pycage:memory ";
    /// Frame to page: `pycage:csp <directive> <blockedURI>`, what the page's
    /// policy blocked in the frame (csp_watch.rs).
    CSP_BLOCKED: &str = "pycage:csp ";
    /// Worker to frame, the last line of its source: it loaded, so an error
    /// from now on is not a refused script.
    WORKER_UP: &str = "pycage:up";

    // ---- The memory shared with the worker (supervisor/shared_buffer.rs
    // tells the handshakes): indexes of its i32 slots, their values, and
    // where the input() answer's bytes go. ----

    /// Pyodide's interrupt flag...
    SLOT_INTERRUPT: u32 = 0;
    /// ...set to this (SIGINT) to raise KeyboardInterrupt.
    SIGINT: u32 = 2;
    /// The run the page wants stopped.
    SLOT_STOP_RUN: u32 = 1;
    /// The run the worker is in (0: none).
    SLOT_IN_RUN: u32 = 2;
    /// The state of an `input()` answer: one of the three `INPUT_` values.
    SLOT_INPUT_STATE: u32 = 3;
    INPUT_WAITING: u32 = 0;
    INPUT_LINE: u32 = 1;
    INPUT_END: u32 = 2;
    /// The answer's length in bytes.
    SLOT_INPUT_LENGTH: u32 = 4;
    /// The request it answers (a late answer never lands in a later one).
    SLOT_INPUT_SEQ: u32 = 5;
    /// Where the answer's UTF-8 bytes start...
    INPUT_AT: u32 = 24;
    /// ...and the most of them.
    MAX_INPUT: u32 = 64 * 1024;
    /// The shared memory's size.
    SHARED_BYTES: u32 = INPUT_AT + MAX_INPUT;

    // ---- A message's shape, checked by the frame (frame.js `check`) and
    // by the page (decode.rs) before anything is copied. ----

    /// How deep a message is walked: the envelope, the message, a bundle or
    /// an error, a value. Anything deeper is refused, not walked.
    MAX_DEPTH: u32 = 4;
    /// The properties walked in one message, in all.
    MAX_NODES: u32 = 512;
    /// The largest snapshot accepted (Pyodide's is about 30 MiB).
    MAX_SNAPSHOT: u32 = 512 << 20;
}
