//! Noticing a sandbox frame whose process died. Chromium runs the sandboxed
//! frames of a page in one shared renderer process, so one sandbox that
//! exhausts memory can take down the others' interpreters, and nothing on the
//! page hears of it: their runs would only end at their deadlines. Two
//! signals, whichever comes first: the `close` event on our end of a port
//! whose other end died (Chromium), and a heartbeat on the frame's control
//! port that the frame's own thread answers (every engine).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use web_sys::MessagePort;

use super::container::{HostEvent, Sink};
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

/// What a heartbeat tick calls for.
#[derive(Debug, PartialEq)]
pub(crate) enum Beat {
    /// Send a ping.
    Ping,
    /// A ping is out and not yet late: wait.
    Wait,
    /// No answer for `dead_after` ms: the frame's process is gone.
    Dead,
    /// Dead already said: nothing more.
    Done,
}

/// One frame's heartbeat as a state machine with no I/O: fed the time of
/// each tick and each answer, it says when to ping and when the frame is
/// dead. Tested natively.
#[derive(Debug)]
pub(crate) struct Pulse {
    /// When the unanswered ping was sent, if one is out.
    pending: Option<f64>,
    last_tick: f64,
    dead: bool,
}

impl Pulse {
    pub(crate) fn new(now: f64) -> Pulse {
        Pulse {
            pending: None,
            last_tick: now,
            dead: false,
        }
    }

    /// A tick of the interval, at `now`; `dead_after` is how long an
    /// answer may take now.
    pub(crate) fn tick(&mut self, now: f64, dead_after: f64) -> Beat {
        if self.dead {
            return Beat::Done;
        }
        // A late tick means the page's own thread was stalled (or the tab
        // throttled): the frame may share that thread and could not answer
        // either, so ask again rather than conclude anything.
        if now - std::mem::replace(&mut self.last_tick, now) > 2.0 * PING_MS {
            self.pending = None;
        }
        match self.pending {
            // Measured from the ping, not from the last tick: a page in a
            // background tab has its timers throttled, not its messages.
            Some(sent) if now - sent > dead_after => {
                self.dead = true;
                Beat::Dead
            }
            Some(_) => Beat::Wait,
            None => {
                self.pending = Some(now);
                Beat::Ping
            }
        }
    }

    /// The frame answered.
    pub(crate) fn alive(&mut self) {
        self.pending = None;
    }
}

/// The heartbeat of one frame; dropping it stops it.
pub(crate) struct Heartbeat {
    pulse: Rc<RefCell<Pulse>>,
    _interval: Interval,
}

impl Heartbeat {
    pub(crate) fn start(port: MessagePort, sink: Sink) -> Heartbeat {
        let pulse = Rc::new(RefCell::new(Pulse::new(now())));
        let state = pulse.clone();
        let interval = Interval::new(PING_MS, move || {
            let beat = state.borrow_mut().tick(now(), dead_after());
            match beat {
                Beat::Ping => {
                    let _ = port.post_message(&PING.into());
                }
                Beat::Dead => {
                    SUSPECT_UNTIL.with(|s| s.set(now() + SUSPECT_MS));
                    sink(HostEvent::Gone(format!(
                        "the sandbox's process stopped answering (no heartbeat for {} ms)",
                        dead_after()
                    )));
                }
                Beat::Wait | Beat::Done => {}
            }
        });
        Heartbeat {
            pulse,
            _interval: interval,
        }
    }

    pub(crate) fn alive(&self) {
        self.pulse.borrow_mut().alive();
    }
}

/// `port.onclose`, which fires when the port's other end is gone (its
/// document or process died). Cleared by [`clear_on_close`].
pub(crate) fn on_close(port: &MessagePort, callback: &Closure<dyn FnMut(web_sys::Event)>) {
    let _ = Reflect::set(port, &"onclose".into(), callback.as_ref());
}

fn dead_after() -> f64 {
    let t = now();
    allowed_silence(
        SUSPECT_UNTIL.with(|s| t < s.get()),
        BOOTING.with(|b| b.get()) > 0 || SETTLING_UNTIL.with(|s| t < s.get()),
    )
}

/// How long an answer may take: longer while an interpreter boots on the
/// page (or just did), unless a frame was just found dead.
fn allowed_silence(suspect: bool, busy: bool) -> f64 {
    if busy && !suspect {
        BUSY_DEAD_AFTER_MS
    } else {
        DEAD_AFTER_MS
    }
}

pub(crate) fn clear_on_close(port: &MessagePort) {
    let _ = Reflect::set(port, &"onclose".into(), &JsValue::NULL);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ticks every PING_MS from `from` to `to` (exclusive); the beats.
    fn ticks(pulse: &mut Pulse, from: f64, to: f64, dead_after: f64) -> Vec<Beat> {
        let mut beats = vec![];
        let mut t = from;
        while t < to {
            beats.push(pulse.tick(t, dead_after));
            t += PING_MS;
        }
        beats
    }

    #[test]
    fn a_frame_that_answers_is_pinged_each_tick_and_never_dead() {
        let mut pulse = Pulse::new(0.0);
        for i in 1..100 {
            assert_eq!(pulse.tick(i as f64 * PING_MS, DEAD_AFTER_MS), Beat::Ping);
            pulse.alive();
        }
    }

    #[test]
    fn a_heartbeat_that_stops_is_dead_after_its_silence() {
        let mut pulse = Pulse::new(0.0);
        assert_eq!(pulse.tick(100.0, DEAD_AFTER_MS), Beat::Ping);
        let beats = ticks(&mut pulse, 200.0, 800.0 + PING_MS, DEAD_AFTER_MS);
        assert!(beats.iter().all(|b| *b == Beat::Wait), "{beats:?}");
        assert_eq!(pulse.tick(900.0, DEAD_AFTER_MS), Beat::Dead);
    }

    #[test]
    fn dead_is_said_once() {
        let mut pulse = Pulse::new(0.0);
        pulse.tick(100.0, DEAD_AFTER_MS);
        let beats = ticks(&mut pulse, 200.0, 3000.0, DEAD_AFTER_MS);
        assert_eq!(beats.iter().filter(|b| **b == Beat::Dead).count(), 1);
        pulse.alive();
        assert_eq!(pulse.tick(3000.0, DEAD_AFTER_MS), Beat::Done);
    }

    #[test]
    fn a_late_tick_asks_again_rather_than_concluding() {
        let mut pulse = Pulse::new(0.0);
        assert_eq!(pulse.tick(100.0, DEAD_AFTER_MS), Beat::Ping);
        // The page's own thread stalled 5 s: the frame could not answer.
        assert_eq!(pulse.tick(5100.0, DEAD_AFTER_MS), Beat::Ping);
        assert_eq!(pulse.tick(5200.0, DEAD_AFTER_MS), Beat::Wait);
    }

    #[test]
    fn a_busy_page_allows_a_longer_silence() {
        let busy = allowed_silence(false, true);
        assert_eq!(busy, BUSY_DEAD_AFTER_MS);
        let mut pulse = Pulse::new(0.0);
        pulse.tick(100.0, busy);
        let beats = ticks(&mut pulse, 200.0, 3100.0 + PING_MS, busy);
        assert!(beats.iter().all(|b| *b == Beat::Wait), "{beats:?}");
        assert_eq!(pulse.tick(3200.0, busy), Beat::Dead);
    }

    #[test]
    fn after_a_death_neighbours_are_judged_strictly_even_while_busy() {
        assert_eq!(allowed_silence(true, true), DEAD_AFTER_MS);
        assert_eq!(allowed_silence(true, false), DEAD_AFTER_MS);
        assert_eq!(allowed_silence(false, false), DEAD_AFTER_MS);
    }

    #[test]
    fn an_answer_clears_the_ping_so_the_silence_restarts() {
        let mut pulse = Pulse::new(0.0);
        pulse.tick(100.0, DEAD_AFTER_MS);
        ticks(&mut pulse, 200.0, 700.0, DEAD_AFTER_MS);
        pulse.alive();
        assert_eq!(pulse.tick(700.0, DEAD_AFTER_MS), Beat::Ping);
        assert_eq!(pulse.tick(800.0, DEAD_AFTER_MS), Beat::Wait);
    }
}
