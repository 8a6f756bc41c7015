//! A run's deadline as a state machine with no I/O: what happens between
//! the deadline (or the run's abort signal) and the run's end. runs.rs feeds
//! it what happened (the deadline, the grace timer, a repeat tick, the
//! sandbox's `done` and `pong`) and carries out the actions it returns
//! (send the interrupt, arm a timer, ping, kill, settle), so the order is
//! tested natively here, in milliseconds.
//!
//! The rules:
//! - At the deadline the run is interrupted, and the interrupt is repeated
//!   every `REARM_MS` (Pyodide reads and clears its flag non-atomically, so
//!   one write can be lost). Without an interrupt (no shared memory) the
//!   interpreter is killed at once.
//! - It then has `GRACE_MS` to end. A `done` after the deadline settles
//!   nothing by itself: the attacker holds every key in the worker and can
//!   write one while its code still runs. The page pings with a fresh
//!   nonce, and only a worker whose event loop is free (its Python stopped)
//!   can echo it within `IDLE_PROOF_MS`: the run then ends as the deadline
//!   said, with its state kept. Otherwise, or with no `done` at all, the
//!   interpreter is killed.

use crate::execution::Status;

/// How long an interrupted run gets to stop before its worker is killed. In
/// iframe mode the interrupt crosses the frame's thread, which a standby
/// booting on a 2-core machine was measured to delay 375 ms.
pub(in crate::supervisor) const GRACE_MS: f64 = 1000.0;
/// How long a worker that reported a run's end after its deadline has to
/// answer the page's ping before it is killed. The ping and the pong cross
/// the frame's thread, which every sandboxed frame of the page shares; a
/// standby booting there was measured to delay them 355 ms.
pub(in crate::supervisor) const IDLE_PROOF_MS: f64 = 1500.0;
/// How often the interrupt is repeated during the grace period. A repeat
/// that lands after the user's code ended is ignored (the capture runtime's
/// interrupt gate).
pub(in crate::supervisor) const REARM_MS: f64 = 50.0;

/// Where a run stands against its deadline.
#[derive(Clone, Debug, PartialEq)]
enum Phase {
    /// Before the deadline: a `done` settles the run.
    Running,
    /// Interrupted, as a timeout or a cancel; no `done` yet.
    Interrupting(Status),
    /// A `done` came after the deadline; the worker must echo `nonce`
    /// (empty when no random nonce could be made: nothing matches then).
    ProvingIdle { nonce: String, why: Status },
}

/// What the supervisor must do, in order.
#[derive(Clone, Debug, PartialEq)]
pub(in crate::supervisor) enum Action {
    /// Arm the run's one timer (replacing the deadline's) for this long;
    /// when it fires, call `on_grace`.
    ArmGrace(f64),
    /// Arm the repeat tick; when it fires, call `on_repeat`.
    ArmRepeat(f64),
    /// Stop repeating the interrupt.
    StopRepeat,
    /// Send a ping carrying this nonce.
    Ping(String),
    /// Replace the interpreter: the run ends as this, its state lost.
    Kill(Status),
    /// The `done` counts: settle the run from it.
    SettleFromDone,
    /// The worker proved it is idle: the run ends as this, state kept.
    SettleStopped(Status),
}

/// One run's deadline.
#[derive(Clone, Debug, PartialEq)]
pub(in crate::supervisor) struct RunDeadline {
    phase: Phase,
}

impl Default for RunDeadline {
    fn default() -> Self {
        RunDeadline {
            phase: Phase::Running,
        }
    }
}

impl RunDeadline {
    /// Whether the deadline (or a cancel) has come: `input()` is refused
    /// and unanswered input is dropped from then on.
    pub(in crate::supervisor) fn passed(&self) -> bool {
        self.phase != Phase::Running
    }

    /// The deadline, or the run's abort signal (`why`). `interrupt` sends
    /// the interrupt and says whether it could.
    pub(in crate::supervisor) fn on_deadline(
        &mut self,
        why: Status,
        interrupt: impl FnOnce() -> bool,
    ) -> Vec<Action> {
        if self.phase != Phase::Running {
            return vec![];
        }
        if !interrupt() {
            return vec![Action::Kill(why)];
        }
        self.phase = Phase::Interrupting(why);
        vec![Action::ArmGrace(GRACE_MS), Action::ArmRepeat(REARM_MS)]
    }

    /// The repeat tick: while no `done` has come, `interrupt` again.
    pub(in crate::supervisor) fn on_repeat(&self, interrupt: impl FnOnce() -> bool) -> Vec<Action> {
        if !matches!(self.phase, Phase::Interrupting(_)) {
            return vec![];
        }
        interrupt();
        vec![Action::ArmRepeat(REARM_MS)]
    }

    /// The sandbox's `done` for this run. `nonce` makes a random nonce,
    /// if it can.
    pub(in crate::supervisor) fn on_done(
        &mut self,
        nonce: impl FnOnce() -> Option<String>,
    ) -> Vec<Action> {
        match self.phase {
            Phase::Running => vec![Action::SettleFromDone],
            Phase::Interrupting(why) => {
                let nonce = nonce().unwrap_or_default();
                let mut actions = vec![Action::StopRepeat];
                if !nonce.is_empty() {
                    actions.push(Action::Ping(nonce.clone()));
                }
                actions.push(Action::ArmGrace(IDLE_PROOF_MS));
                self.phase = Phase::ProvingIdle { nonce, why };
                actions
            }
            // One proof is asked for; later `done`s change nothing.
            Phase::ProvingIdle { .. } => vec![],
        }
    }

    /// The grace timer (or the idle proof's) ran out.
    pub(in crate::supervisor) fn on_grace(&self) -> Vec<Action> {
        match self.phase {
            Phase::Running => vec![],
            Phase::Interrupting(why) | Phase::ProvingIdle { why, .. } => vec![Action::Kill(why)],
        }
    }

    /// The sandbox's `pong`: it ends the run only if it echoes the nonce
    /// asked for after a `done`.
    pub(in crate::supervisor) fn on_pong(&self, nonce: &str) -> Vec<Action> {
        match &self.phase {
            Phase::ProvingIdle {
                nonce: expected,
                why,
            } if !expected.is_empty() && expected == nonce => {
                vec![Action::SettleStopped(*why)]
            }
            _ => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interrupted(why: Status) -> RunDeadline {
        let mut deadline = RunDeadline::default();
        deadline.on_deadline(why, || true);
        deadline
    }

    fn proving(nonce: &str) -> RunDeadline {
        let mut deadline = interrupted(Status::Timeout);
        deadline.on_done(|| Some(nonce.to_string()));
        deadline
    }

    #[test]
    fn a_done_before_the_deadline_settles_the_run() {
        let mut deadline = RunDeadline::default();
        assert!(!deadline.passed());
        assert_eq!(
            deadline.on_done(|| panic!("no nonce needed")),
            [Action::SettleFromDone]
        );
    }

    #[test]
    fn the_deadline_interrupts_and_arms_the_grace_and_the_repeat() {
        let mut deadline = RunDeadline::default();
        let mut sent = 0;
        let actions = deadline.on_deadline(Status::Timeout, || {
            sent += 1;
            true
        });
        assert_eq!(sent, 1);
        assert_eq!(
            actions,
            [Action::ArmGrace(GRACE_MS), Action::ArmRepeat(REARM_MS)]
        );
        assert!(deadline.passed());
    }

    #[test]
    fn without_an_interrupt_the_deadline_kills_at_once() {
        let mut deadline = RunDeadline::default();
        assert_eq!(
            deadline.on_deadline(Status::Timeout, || false),
            [Action::Kill(Status::Timeout)]
        );
    }

    #[test]
    fn a_second_deadline_or_a_cancel_after_it_changes_nothing() {
        let mut deadline = interrupted(Status::Timeout);
        let actions = deadline.on_deadline(Status::Cancelled, || panic!("not sent again"));
        assert_eq!(actions, []);
        assert_eq!(deadline.on_grace(), [Action::Kill(Status::Timeout)]);
    }

    #[test]
    fn a_cancel_is_carried_through_to_the_kill() {
        let deadline = interrupted(Status::Cancelled);
        assert_eq!(deadline.on_grace(), [Action::Kill(Status::Cancelled)]);
    }

    #[test]
    fn the_interrupt_repeats_until_the_done() {
        let mut deadline = interrupted(Status::Timeout);
        let mut sent = 0;
        for _ in 0..3 {
            let actions = deadline.on_repeat(|| {
                sent += 1;
                true
            });
            assert_eq!(actions, [Action::ArmRepeat(REARM_MS)]);
        }
        assert_eq!(sent, 3);
        deadline.on_done(|| Some("n".into()));
        assert_eq!(
            deadline.on_repeat(|| panic!("no repeat after the done")),
            []
        );
    }

    #[test]
    fn no_repeat_before_the_deadline() {
        let deadline = RunDeadline::default();
        assert_eq!(deadline.on_repeat(|| panic!("not interrupted")), []);
    }

    #[test]
    fn grace_running_out_with_no_done_kills() {
        let deadline = interrupted(Status::Timeout);
        assert_eq!(deadline.on_grace(), [Action::Kill(Status::Timeout)]);
    }

    #[test]
    fn a_grace_tick_before_the_deadline_is_stale() {
        assert_eq!(RunDeadline::default().on_grace(), []);
    }

    #[test]
    fn a_done_after_the_deadline_asks_for_proof_with_a_ping() {
        let mut deadline = interrupted(Status::Timeout);
        assert_eq!(
            deadline.on_done(|| Some("abc".into())),
            [
                Action::StopRepeat,
                Action::Ping("abc".into()),
                Action::ArmGrace(IDLE_PROOF_MS)
            ]
        );
    }

    #[test]
    fn the_echoed_nonce_ends_the_run_with_its_state_kept() {
        let deadline = proving("abc");
        assert_eq!(
            deadline.on_pong("abc"),
            [Action::SettleStopped(Status::Timeout)]
        );
    }

    #[test]
    fn a_forged_done_with_no_pong_is_killed_when_the_proof_runs_out() {
        let deadline = proving("abc");
        assert_eq!(deadline.on_grace(), [Action::Kill(Status::Timeout)]);
    }

    #[test]
    fn a_wrong_nonce_proves_nothing() {
        let deadline = proving("abc");
        assert_eq!(deadline.on_pong("abd"), []);
        assert_eq!(deadline.on_pong(""), []);
        assert_eq!(deadline.on_grace(), [Action::Kill(Status::Timeout)]);
    }

    #[test]
    fn a_pong_before_any_ping_proves_nothing() {
        assert_eq!(RunDeadline::default().on_pong("abc"), []);
        assert_eq!(interrupted(Status::Timeout).on_pong("abc"), []);
    }

    #[test]
    fn without_a_random_nonce_no_ping_is_sent_and_nothing_matches() {
        let mut deadline = interrupted(Status::Timeout);
        assert_eq!(
            deadline.on_done(|| None),
            [Action::StopRepeat, Action::ArmGrace(IDLE_PROOF_MS)]
        );
        assert_eq!(deadline.on_pong(""), []);
        assert_eq!(deadline.on_grace(), [Action::Kill(Status::Timeout)]);
    }

    #[test]
    fn a_second_done_asks_for_no_second_proof() {
        let mut deadline = proving("abc");
        assert_eq!(deadline.on_done(|| panic!("one nonce only")), []);
        assert_eq!(
            deadline.on_pong("abc"),
            [Action::SettleStopped(Status::Timeout)]
        );
    }
}
