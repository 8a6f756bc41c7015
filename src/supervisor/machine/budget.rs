//! What an interpreter may send the page, as plain counters with no I/O:
//! policing.rs weighs each message and charges it here, and replaces the
//! interpreter (or ends the run) when a window is spent. Tested natively.
//!
//! A window is a run, or the time outside runs since the last one ended
//! (booting, or idle). Outside a run a flood has no run to charge, so the
//! interpreter itself is replaced.

/// Messages one run may send.
pub(in crate::supervisor) const MAX_RUN_MESSAGES: u32 = 20_000;
/// What one interpreter may send outside a run: a few progress and log
/// lines, a snapshot, a few fetches.
pub(in crate::supervisor) const MAX_IDLE_MESSAGES: u32 = 1_000;
pub(in crate::supervisor) const MAX_IDLE_BYTES: usize = 4 << 20;
/// Log lines passed to `onLog` per window; past the count they are
/// dropped, with one line that says so.
pub(in crate::supervisor) const MAX_LOG_LINES: u32 = 100;
/// Protocol violations after which an interpreter is killed.
pub(in crate::supervisor) const MAX_VIOLATIONS: u32 = 100;

/// The caps one window is held to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(in crate::supervisor) struct Limits {
    pub messages: u32,
    /// Bytes of everything but a run's files.
    pub bytes: usize,
    /// Bytes of a run's files (a budget of their own: they are larger than
    /// any display item, but a run's display flood must still be cut where
    /// it was, since the page pays to receive each message).
    pub file_bytes: usize,
}

impl Limits {
    /// A run's, from the sandbox's caps: four times the output cap, twice
    /// the figures', 16 MiB of slack; the files' cap, one file and 1 MiB.
    pub(in crate::supervisor) fn run(
        max_output_bytes: usize,
        max_run_figure_bytes: usize,
        max_run_file_bytes: usize,
        max_file_bytes: usize,
    ) -> Limits {
        Limits {
            messages: MAX_RUN_MESSAGES,
            bytes: max_output_bytes
                .saturating_mul(4)
                .saturating_add(max_run_figure_bytes.saturating_mul(2))
                .saturating_add(16 << 20),
            file_bytes: max_run_file_bytes
                .saturating_add(max_file_bytes)
                .saturating_add(1 << 20),
        }
    }

    /// Outside a run; the answer to a file call may carry a whole file.
    pub(in crate::supervisor) fn idle(file_call: bool, max_file_bytes: usize) -> Limits {
        let file = if file_call {
            max_file_bytes.saturating_add(1 << 20)
        } else {
            0
        };
        Limits {
            messages: MAX_IDLE_MESSAGES,
            bytes: MAX_IDLE_BYTES.saturating_add(file),
            file_bytes: 0,
        }
    }
}

/// What to do with a log line.
#[derive(Debug, PartialEq)]
pub(in crate::supervisor) enum LogLine {
    Pass,
    /// The last one passed: say that the rest are dropped.
    DropFromNowOn,
    Drop,
}

/// What an interpreter has sent in the current window.
#[derive(Clone, Debug, Default)]
pub(in crate::supervisor) struct Budget {
    messages: u32,
    bytes: usize,
    file_bytes: usize,
    logs: u32,
}

impl Budget {
    /// Charges one message of `weight` bytes (a run's files to their own
    /// count); false once the window is over `limits`.
    pub(in crate::supervisor) fn charge(
        &mut self,
        weight: usize,
        is_file: bool,
        limits: &Limits,
    ) -> bool {
        self.messages = self.messages.saturating_add(1);
        let spent = if is_file {
            &mut self.file_bytes
        } else {
            &mut self.bytes
        };
        *spent = spent.saturating_add(weight);
        self.messages <= limits.messages
            && self.bytes <= limits.bytes
            && self.file_bytes <= limits.file_bytes
    }

    /// Messages and bytes so far, for the log line that says why.
    pub(in crate::supervisor) fn spent(&self) -> (u32, usize) {
        (self.messages, self.bytes + self.file_bytes)
    }

    /// One log line from the sandbox.
    pub(in crate::supervisor) fn log_line(&mut self) -> LogLine {
        self.logs = self.logs.saturating_add(1);
        match self.logs {
            n if n < MAX_LOG_LINES => LogLine::Pass,
            n if n == MAX_LOG_LINES => LogLine::DropFromNowOn,
            _ => LogLine::Drop,
        }
    }
}

/// Protocol violations by one interpreter, over its life.
#[derive(Clone, Copy, Debug, Default)]
pub(in crate::supervisor) struct Violations(u32);

impl Violations {
    /// Counts one; true once there are more than `MAX_VIOLATIONS`.
    pub(in crate::supervisor) fn record(&mut self) -> bool {
        self.0 = self.0.saturating_add(1);
        self.0 > MAX_VIOLATIONS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: usize = 1 << 20;

    fn run_limits() -> Limits {
        Limits::run(MIB, 8 * MIB, 64 * MIB, 16 * MIB)
    }

    #[test]
    fn a_run_may_send_twenty_thousand_messages_and_no_more() {
        let mut budget = Budget::default();
        let limits = run_limits();
        for _ in 0..MAX_RUN_MESSAGES {
            assert!(budget.charge(10, false, &limits));
        }
        assert!(!budget.charge(10, false, &limits));
    }

    #[test]
    fn a_run_display_flood_is_cut_at_its_byte_budget() {
        let limits = run_limits();
        assert_eq!(limits.bytes, 4 * MIB + 16 * MIB + 16 * MIB);
        let mut budget = Budget::default();
        assert!(budget.charge(limits.bytes, false, &limits));
        assert!(!budget.charge(1, false, &limits));
    }

    #[test]
    fn a_run_files_have_a_budget_of_their_own() {
        let limits = run_limits();
        let mut budget = Budget::default();
        // Files up to their cap leave the display budget whole.
        assert!(budget.charge(limits.file_bytes, true, &limits));
        assert!(budget.charge(limits.bytes, false, &limits));
        assert!(!budget.charge(1, true, &limits));
    }

    #[test]
    fn the_idle_flood_budget_is_a_thousand_messages_or_four_mib() {
        let limits = Limits::idle(false, 16 * MIB);
        let mut budget = Budget::default();
        for _ in 0..MAX_IDLE_MESSAGES {
            assert!(budget.charge(64, false, &limits));
        }
        assert!(!budget.charge(64, false, &limits));
        let mut budget = Budget::default();
        assert!(budget.charge(MAX_IDLE_BYTES, false, &limits));
        assert!(!budget.charge(1, false, &limits));
        assert_eq!(budget.spent(), (2, MAX_IDLE_BYTES + 1));
    }

    #[test]
    fn a_file_call_answer_may_carry_a_whole_file() {
        let limits = Limits::idle(true, 16 * MIB);
        let mut budget = Budget::default();
        assert!(budget.charge(16 * MIB, false, &limits));
        assert!(!Budget::default().charge(16 * MIB, false, &Limits::idle(false, 16 * MIB)));
    }

    #[test]
    fn huge_caps_do_not_overflow() {
        let limits = Limits::run(usize::MAX, usize::MAX, usize::MAX, usize::MAX);
        assert_eq!((limits.bytes, limits.file_bytes), (usize::MAX, usize::MAX));
        let mut budget = Budget::default();
        assert!(budget.charge(usize::MAX, false, &limits));
        assert!(budget.charge(usize::MAX, false, &limits));
    }

    #[test]
    fn log_lines_pass_then_one_notice_then_nothing() {
        let mut budget = Budget::default();
        for _ in 1..MAX_LOG_LINES {
            assert_eq!(budget.log_line(), LogLine::Pass);
        }
        assert_eq!(budget.log_line(), LogLine::DropFromNowOn);
        for _ in 0..1000 {
            assert_eq!(budget.log_line(), LogLine::Drop);
        }
    }

    #[test]
    fn the_violation_budget_is_a_hundred() {
        let mut violations = Violations::default();
        for _ in 0..MAX_VIOLATIONS {
            assert!(!violations.record());
        }
        assert!(violations.record());
        assert!(violations.record(), "and stays spent");
    }

    #[test]
    fn a_fresh_window_starts_from_nothing() {
        let limits = Limits::idle(false, 0);
        let mut budget = Budget::default();
        for _ in 0..MAX_IDLE_MESSAGES {
            budget.charge(0, false, &limits);
        }
        budget = Budget::default(); // a run ended: the idle window restarts
        assert!(budget.charge(0, false, &limits));
    }
}
