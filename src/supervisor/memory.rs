//! An interpreter's memory. A wasm heap only grows, so: a run may not grow
//! it past `maxMemoryBytes` (the worker refuses the growth and says so; the
//! run ends and the interpreter is replaced), and an interpreter that ends
//! a run above `recycleMemoryBytes` is swapped for a fresh one before the
//! next run, so a page's memory goes back down. Both read what the sandbox
//! reports: they bound honest code's accidents (a huge array, a leak), not
//! hostile code, which can undo the worker's guard; a process's own limit
//! in the browser bounds that.

use super::*;

const MIB: f64 = 1048576.0;

impl Inner {
    /// Run code grew the heap past `maxMemoryBytes`.
    pub(super) fn on_memory_limit(&mut self, bytes: f64) {
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
    /// next run if that is over `recycleMemoryBytes`.
    pub(super) fn recycle_if_large(&mut self, memory: Option<f64>) {
        let threshold = self.config.recycle_memory_bytes;
        let Some(memory) = memory.filter(|m| *m > threshold) else {
            return;
        };
        let reason = format!(
            "the interpreter's memory reached {:.0} MiB, over recycleMemoryBytes ({:.0} MiB), so the next run started on a fresh one",
            memory / MIB,
            threshold / MIB
        );
        self.log(reason.clone());
        self.replaced_between_runs = Some(reason);
        self.active = None;
        self.replace_active();
    }
}
