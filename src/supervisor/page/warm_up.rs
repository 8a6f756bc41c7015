//! The page's warm-up. V8 compiles wasm with a fast baseline compiler and
//! recompiles the functions that turn out hot with its optimising one, on
//! background threads. A run's round trip executes pycage's own wasm on the
//! page and Pyodide's in the worker, so right after a boot the first
//! hundreds of runs pay for that recompilation, on the same two cores: in
//! Chromium, the round trip's p95 was 3-4x plain Pyodide's in the first
//! seconds (docs/performance.md). So the first interpreter to become ready
//! on a page makes a few hundred small runs of its own, while nothing waits,
//! and a caller's run always goes first. The compiled code then serves
//! every sandbox of the page.
//!
//! Each is a run like a user's (output and a result), in a namespace of its
//! own and not counted as a cell (`_pycage.run_cell`'s `warm_up`).

use std::cell::Cell;

/// How long after `ready` the warm-up starts: a caller's first run, asked
/// for as soon as `create` resolves, is queued by then and goes first.
pub(in crate::supervisor) const WARM_UP_DELAY_MS: f64 = 100.0;
/// How many runs: 100 left the round trip's p95 1.6x plain Pyodide's a
/// second later, 300 1.3x (Chromium 156, 2 cores).
pub(in crate::supervisor) const WARM_UP_RUNS: u32 = 300;
/// What each runs: output and a result, as a user's run does.
pub(in crate::supervisor) const WARM_UP_CODE: &str = "print(0)\n0";

thread_local! {
    static TAKEN: Cell<bool> = const { Cell::new(false) };
}

/// Whether the caller makes the page's warm-up: only the first to ask.
pub(in crate::supervisor) fn take() -> bool {
    !TAKEN.with(|taken| taken.replace(true))
}
