//! Noticing a sandbox frame whose process died. Chromium runs the sandboxed
//! frames of a page in one shared renderer process, so one sandbox that
//! exhausts memory can take down the others' interpreters, and nothing on the
//! page hears of it: their runs would only end at their deadlines. Two
//! signals, whichever comes first: the `close` event on our end of a port
//! whose other end died (Chromium), and a heartbeat on the frame's control
//! port that the frame's own thread answers (every engine).

use std::cell::Cell;
use std::rc::Rc;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use web_sys::MessagePort;

use super::host::{HostEvent, Sink};
use super::timer::{now, Interval};

/// How often the page asks, and how long an answer may take before the
/// frame counts as dead. The frame answers from its own event loop, which
/// runs no user code, so a late answer means the process is gone or
/// stalled for as long (SECURITY.md, "Process sharing", says what stalls it).
/// Watched only once the interpreter is ready: a boot starves the frame's
/// thread for over a second on a loaded 2-core machine.
/// A dead process is noticed within about DEAD_AFTER_MS + 1.5 x PING_MS
/// (under a second). An interpreter booting anywhere on the page, and for a
/// while after it is ready (wasm tier-up), stalls the frames' shared thread
/// on a 2-core machine (measured: 375 ms, and over 700 ms), so then the
/// answer may take BUSY_DEAD_AFTER_MS. (Not after a teardown: the death of
/// one frame must not slow the noticing of its neighbours'.)
const PING_MS: f64 = 100.0;
const DEAD_AFTER_MS: f64 = 700.0;
const BUSY_DEAD_AFTER_MS: f64 = 3000.0;
/// How long after a boot ends the page counts as busy.
const SETTLE_MS: f64 = 3000.0;
/// How long after a dead frame the others are judged strictly.
const SUSPECT_MS: f64 = 1500.0;

thread_local! {
    /// Interpreters of this page still booting (see [`BootGuard`]).
    static BOOTING: Cell<u32> = const { Cell::new(0) };
    /// Until when the page counts as busy after a boot.
    static SETTLING_UNTIL: Cell<f64> = const { Cell::new(0.0) };
    /// Until when, after one frame was found dead, the others are judged
    /// strictly again: they may have shared its process, and the boots its
    /// death starts must not hide theirs.
    static SUSPECT_UNTIL: Cell<f64> = const { Cell::new(0.0) };
}

/// Called when a boot ends (the interpreter is ready, or gone).
pub(crate) fn settling() {
    SETTLING_UNTIL.with(|s| s.set(now() + SETTLE_MS));
}

/// Counts one booting interpreter while it lives; dropped when the
/// interpreter is ready or gone.
pub(crate) struct BootGuard(());

impl BootGuard {
    pub(crate) fn new() -> BootGuard {
        BOOTING.with(|b| b.set(b.get() + 1));
        BootGuard(())
    }
}

impl Drop for BootGuard {
    fn drop(&mut self) {
        BOOTING.with(|b| b.set(b.get().saturating_sub(1)));
        settling();
    }
}

pub(crate) use crate::protocol::{ALIVE, PING};

/// The heartbeat of one frame; dropping it stops it.
pub(crate) struct Heartbeat {
    /// When the unanswered ping was sent, if one is out.
    pending: Rc<Cell<Option<f64>>>,
    _interval: Interval,
}

impl Heartbeat {
    pub(crate) fn start(port: MessagePort, sink: Sink) -> Heartbeat {
        let pending: Rc<Cell<Option<f64>>> = Rc::default();
        let fired = Cell::new(false);
        let last_tick = Cell::new(now());
        let state = pending.clone();
        let interval = Interval::new(PING_MS, move || {
            if fired.get() {
                return;
            }
            // A late tick means the page's own thread was stalled (or the
            // tab throttled): the frame may share that thread and could not
            // answer either, so ask again rather than conclude anything.
            let late = now() - last_tick.replace(now()) > 2.0 * PING_MS;
            if late {
                state.set(None);
            }
            match state.get() {
                // Measured from the ping, not from the last tick: a page in a
                // background tab has its timers throttled, not its messages.
                Some(sent) if now() - sent > dead_after() => {
                    fired.set(true);
                    SUSPECT_UNTIL.with(|s| s.set(now() + SUSPECT_MS));
                    sink(HostEvent::Gone(format!(
                        "the sandbox's process stopped answering (no heartbeat for {} ms)",
                        dead_after()
                    )));
                }
                Some(_) => {}
                None => {
                    state.set(Some(now()));
                    let _ = port.post_message(&PING.into());
                }
            }
        });
        Heartbeat {
            pending,
            _interval: interval,
        }
    }

    pub(crate) fn alive(&self) {
        self.pending.set(None);
    }
}

/// `port.onclose`, which fires when the port's other end is gone (its
/// document or process died). Cleared by [`clear_on_close`].
pub(crate) fn on_close(port: &MessagePort, callback: &Closure<dyn FnMut(web_sys::Event)>) {
    let _ = Reflect::set(port, &"onclose".into(), callback.as_ref());
}

fn dead_after() -> f64 {
    let suspect = SUSPECT_UNTIL.with(|s| now() < s.get());
    let busy = BOOTING.with(|b| b.get()) > 0 || SETTLING_UNTIL.with(|s| now() < s.get());
    let busy = busy && !suspect;
    if busy {
        BUSY_DEAD_AFTER_MS
    } else {
        DEAD_AFTER_MS
    }
}

pub(crate) fn clear_on_close(port: &MessagePort) {
    let _ = Reflect::set(port, &"onclose".into(), &JsValue::NULL);
}
