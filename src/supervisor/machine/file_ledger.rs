//! The paths the page remembers of the files runs made, so that a
//! replaced interpreter's losses can be reported (`Execution.lostFiles`).
//! Every path here came from the sandbox, so everything is bounded: a run
//! that names 20 000 paths of 4 KB each must not grow the page's heap by
//! 80 MB, run after run (issue 23, finding 2). Past the bounds only a count
//! is kept, and the report ends with "... and N more".

use std::collections::BTreeSet;

/// Paths of files made by runs that one interpreter holds, at most.
pub(in crate::supervisor) const MAX_TRACKED: usize = 1000;
/// Lost paths one `Execution` reports by name, at most.
pub(in crate::supervisor) const MAX_LOST: usize = 100;

/// Files made by runs on the current interpreter, and those lost with
/// earlier ones, not yet reported.
#[derive(Default)]
pub(in crate::supervisor) struct FileLedger {
    created: BTreeSet<String>,
    /// Made past `MAX_TRACKED`: counted, not named.
    untracked: usize,
    lost: Vec<String>,
    /// Lost past `MAX_LOST`: counted, not named.
    lost_more: usize,
}

impl FileLedger {
    /// A run made or changed `path`.
    pub(in crate::supervisor) fn created(&mut self, path: &str) {
        if self.created.contains(path) {
            return;
        }
        if self.created.len() < MAX_TRACKED {
            self.created.insert(path.to_string());
        } else {
            self.untracked += 1;
        }
    }

    /// `path` was removed through the page.
    pub(in crate::supervisor) fn removed(&mut self, path: &str) {
        self.created.remove(path);
    }

    /// The interpreter was replaced: what it held is lost, but for the
    /// files the page restores (`restored`).
    pub(in crate::supervisor) fn interpreter_replaced(&mut self, restored: impl Fn(&str) -> bool) {
        let created = std::mem::take(&mut self.created);
        for path in created.into_iter().filter(|p| !restored(p)) {
            if self.lost.len() < MAX_LOST {
                self.lost.push(path);
            } else {
                self.lost_more += 1;
            }
        }
        self.lost_more += std::mem::take(&mut self.untracked);
    }

    /// The lost files for the next `Execution`, at most `MAX_LOST` paths
    /// and a last line "... and N more files".
    pub(in crate::supervisor) fn take_lost(&mut self) -> Vec<String> {
        let mut lost = std::mem::take(&mut self.lost);
        let more = std::mem::take(&mut self.lost_more);
        if more > 0 {
            lost.push(format!("... and {more} more files"));
        }
        lost
    }

    /// How many paths the ledger holds (for tests).
    #[cfg(test)]
    fn held(&self) -> usize {
        self.created.len() + self.lost.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(i: usize) -> String {
        format!("/mnt/data/{}{i}", "x".repeat(4000))
    }

    #[test]
    fn paths_are_bounded_however_many_runs_report() {
        let mut ledger = FileLedger::default();
        for run in 0..50 {
            for i in 0..20_000 {
                ledger.created(&path(run * 20_000 + i));
            }
        }
        assert_eq!(ledger.held(), MAX_TRACKED);
        ledger.interpreter_replaced(|_| false);
        assert_eq!(ledger.held(), MAX_LOST);
        let lost = ledger.take_lost();
        assert_eq!(lost.len(), MAX_LOST + 1);
        assert_eq!(
            lost.last().map(String::as_str),
            Some(format!("... and {} more files", 1_000_000 - MAX_LOST).as_str())
        );
        assert!(ledger.take_lost().is_empty(), "reported once");
    }

    #[test]
    fn losses_accumulate_across_replacements_within_the_bound() {
        let mut ledger = FileLedger::default();
        for round in 0..3 {
            for i in 0..60 {
                ledger.created(&format!("/mnt/data/{round}-{i}"));
            }
            ledger.interpreter_replaced(|_| false);
        }
        let lost = ledger.take_lost();
        assert_eq!(lost.len(), MAX_LOST + 1);
        assert_eq!(lost[MAX_LOST], "... and 80 more files");
    }

    #[test]
    fn restored_and_removed_files_are_not_lost() {
        let mut ledger = FileLedger::default();
        for name in ["a", "b", "c"] {
            ledger.created(&format!("/mnt/data/{name}"));
        }
        ledger.created("/mnt/data/a"); // made again: one entry
        ledger.removed("/mnt/data/b");
        ledger.interpreter_replaced(|p| p == "/mnt/data/c");
        assert_eq!(ledger.take_lost(), ["/mnt/data/a"]);
    }
}
