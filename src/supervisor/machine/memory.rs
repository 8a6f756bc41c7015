//! An interpreter's memory. A wasm heap only grows, so: a run may not grow
//! it past `maxMemoryBytes` (the worker refuses the growth and says so; the
//! run ends and the interpreter is replaced), and an interpreter that ends
//! a run above `recycleMemoryBytes` is swapped for a fresh one before the
//! next run, so a page's memory goes back down. Both read what the sandbox
//! reports: they bound honest code's accidents (a huge array, a leak), not
//! hostile code, which can undo the worker's guard; a process's own limit
//! in the browser bounds that.
//!
//! Memory outside Python's heap (JS typed arrays that Python made through
//! `js`) is invisible to the worker's report. Where the browser can measure
//! it (Chromium, a cross-origin-isolated frame: iframe mode), the frame
//! measures what it and its worker hold after each run, with
//! `performance.measureUserAgentSpecificMemory()`, which no user code can
//! touch; an interpreter over the limit is replaced (`on_measured`). The
//! measure arrives with the browser's next garbage collection, within 20 s.

use crate::supervisor::machine::interpreters::Role;
use crate::supervisor::{error_of, Inner};

const MIB: f64 = 1048576.0;

impl Inner {
    /// Run code grew the heap past `maxMemoryBytes`.
    pub(in crate::supervisor) fn on_memory_limit(&mut self, bytes: f64) {
        let max = self.config.max_memory_bytes.unwrap_or(f64::INFINITY);
        let message = format!(
            "the run needed {:.0} MiB of memory, over maxMemoryBytes ({:.0} MiB); the interpreter was replaced",
            bytes / MIB,
            max / MIB
        );
        let reason = format!(
            "the last run went over maxMemoryBytes ({:.0} MiB)",
            max / MIB
        );
        self.kill_current_with(error_of("MemoryLimitError", message), reason);
    }

    /// After a run that ended at `memory` bytes: a fresh interpreter for the
    /// next run if that is over `recycleMemoryBytes`, or if the frame
    /// measured it over its limit during the run.
    pub(in crate::supervisor) fn recycle_if_large(&mut self, memory: Option<f64>) {
        let threshold = self.config.recycle_memory_bytes;
        let measured = self.active.as_mut().and_then(|a| a.over_memory.take());
        if let Some(reason) = recycle_reason(memory, threshold, measured) {
            self.recycle(reason);
        }
    }

    /// The frame measured what interpreter `role` holds in all: past the
    /// limit, it is replaced now if idle, else when its run ends.
    pub(in crate::supervisor) fn on_measured(&mut self, role: Role, bytes: f64) {
        let config = &self.config;
        let Some(reason) =
            over_measured(bytes, config.max_memory_bytes, config.recycle_memory_bytes)
        else {
            return;
        };
        let busy = self.current.is_some() || self.current_file.is_some();
        match when_over(role, busy) {
            // It never ran code: a standby this large is broken.
            Replace::Standby => self.standby = None,
            Replace::AfterTheRun => {
                if let Some(active) = self.active.as_mut() {
                    active.over_memory = Some(reason);
                }
            }
            Replace::Now => self.recycle(reason),
        }
    }

    fn recycle(&mut self, reason: String) {
        self.log(reason.clone());
        self.replaced_between_runs = Some(reason);
        self.active = None;
        self.replace_active();
    }
}

/// Why an interpreter measured at `bytes` in all must be replaced, if it
/// must: over `maxMemoryBytes` when set, else over `recycleMemoryBytes`.
fn over_measured(bytes: f64, max_memory: Option<f64>, recycle: f64) -> Option<String> {
    let (limit, name) = match max_memory {
        Some(max) => (max, "maxMemoryBytes"),
        None => (recycle, "recycleMemoryBytes"),
    };
    (bytes.is_finite() && bytes > limit).then(|| {
        format!(
            "the interpreter held {:.0} MiB outside Python's heap (JS buffers the code made), over {name} ({:.0} MiB), so the next run started on a fresh one",
            bytes / MIB,
            limit / MIB
        )
    })
}

/// When an interpreter measured over its limit is replaced.
#[derive(Debug, PartialEq)]
enum Replace {
    Standby,
    AfterTheRun,
    Now,
}

fn when_over(role: Role, busy: bool) -> Replace {
    match (role, busy) {
        (Role::Standby, _) => Replace::Standby,
        (Role::Active, true) => Replace::AfterTheRun,
        (Role::Active, false) => Replace::Now,
    }
}

/// Why the interpreter that ended a run at `memory` bytes (its own report,
/// so any number) is recycled before the next run, if it is: over
/// `threshold` (recycleMemoryBytes), or measured over its limit by the
/// frame during the run.
fn recycle_reason(memory: Option<f64>, threshold: f64, measured: Option<String>) -> Option<String> {
    match memory.filter(|m| *m > threshold) {
        Some(memory) => Some(format!(
            "the interpreter's memory reached {:.0} MiB, over recycleMemoryBytes ({:.0} MiB), so the next run started on a fresh one",
            memory / MIB,
            threshold / MIB
        )),
        None => measured,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interpreter_measured_over_its_limit_is_replaced_between_runs() {
        assert_eq!(when_over(Role::Active, false), Replace::Now);
        assert_eq!(
            when_over(Role::Active, true),
            Replace::AfterTheRun,
            "a run in progress ends first"
        );
        assert_eq!(when_over(Role::Standby, false), Replace::Standby);
        assert_eq!(when_over(Role::Standby, true), Replace::Standby);
    }

    #[test]
    fn recycle_above_recycle_memory_bytes() {
        let reason = recycle_reason(Some(600.0 * MIB), 512.0 * MIB, None).unwrap();
        assert!(
            reason.contains("600 MiB") && reason.contains("recycleMemoryBytes (512 MiB)"),
            "{reason}"
        );
    }

    #[test]
    fn no_recycle_at_or_below_the_threshold_or_without_a_report() {
        assert_eq!(recycle_reason(Some(512.0 * MIB), 512.0 * MIB, None), None);
        assert_eq!(recycle_reason(Some(10.0 * MIB), 512.0 * MIB, None), None);
        assert_eq!(recycle_reason(None, 512.0 * MIB, None), None);
    }

    #[test]
    fn a_report_that_is_not_a_number_recycles_nothing() {
        assert_eq!(recycle_reason(Some(f64::NAN), 512.0 * MIB, None), None);
    }

    #[test]
    fn a_measure_over_the_limit_during_the_run_recycles_after_it() {
        let measured = Some("measured 2 GiB".to_string());
        assert_eq!(
            recycle_reason(Some(10.0 * MIB), 512.0 * MIB, measured.clone()),
            measured
        );
        assert!(
            recycle_reason(Some(600.0 * MIB), 512.0 * MIB, measured)
                .unwrap()
                .contains("recycleMemoryBytes"),
            "the run's own report is named first"
        );
    }

    #[test]
    fn the_measure_is_held_to_max_memory_bytes_else_the_recycle_size() {
        let gib = 1024.0 * MIB;
        assert_eq!(
            over_measured(100.0 * MIB, Some(128.0 * MIB), 512.0 * MIB),
            None
        );
        let reason = over_measured(gib, Some(128.0 * MIB), 512.0 * MIB).unwrap();
        assert!(
            reason.contains("1024 MiB") && reason.contains("maxMemoryBytes (128 MiB)"),
            "{reason}"
        );
        assert_eq!(over_measured(300.0 * MIB, None, 512.0 * MIB), None);
        let reason = over_measured(gib, None, 512.0 * MIB).unwrap();
        assert!(reason.contains("recycleMemoryBytes (512 MiB)"), "{reason}");
        assert_eq!(
            over_measured(f64::INFINITY, None, 512.0 * MIB),
            None,
            "not a measure"
        );
        assert_eq!(over_measured(f64::NAN, None, 512.0 * MIB), None);
    }
}
