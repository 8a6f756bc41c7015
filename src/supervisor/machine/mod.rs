//! The state machine: what a sandbox does with each event (a call, a
//! message, a timer, a death), its runs and their deadlines, its
//! interpreters and who succeeds whom, its budgets, files, `input()` and
//! memory. It does its I/O only through `platform`'s two traits, so the
//! whole machine runs natively: the pure decisions (`deadline`, `budget`,
//! `succession`, `memory`, `queue`, `kept_files`, `file_ledger`) have unit
//! tests of their own, and `scenarios` drives every path through them on
//! the `fake` platform.

pub(super) mod budget;
pub(super) mod deadline;
pub(super) mod deferred;
pub(super) mod events;
#[cfg(test)]
mod fake;
pub(super) mod file_ledger;
pub(super) mod files;
pub(super) mod input;
pub(super) mod interpreters;
pub(super) mod kept_files;
pub(super) mod kept_session;
pub(super) mod maker;
pub(super) mod memory;
pub(super) mod platform;
pub(super) mod policing;
pub(super) mod queue;
pub(super) mod runs;
#[cfg(test)]
mod scenarios;
pub(super) mod succession;
