//! [`RunOptions`], declared once (see sandbox.rs for what is made of it).

use std::time::Duration;

use web_sys::AbortSignal;

use super::{FigureFormat, InputCallback, TextCallback};

options! {
    /// How one run behaves. `Default` leaves each option unset.
    ///
    /// ```no_run
    /// # async fn example(sandbox: &pycage::Sandbox) -> Result<(), pycage::Error> {
    /// use pycage::{FigureFormat, RunOptions};
    /// let stop = web_sys::AbortController::new().unwrap();
    /// let run = sandbox.run("import time\ntime.sleep(60)", RunOptions {
    ///     signal: Some(stop.signal()),
    ///     figure_format: FigureFormat::Svg,
    ///     on_stdout: Some(std::rc::Rc::new(|chunk: &str| web_sys::console::log_1(&chunk.into()))),
    ///     ..Default::default()
    /// });
    /// stop.abort(); // the run resolves with Status::Cancelled
    /// let _ = run.await?;
    /// # Ok(()) }
    /// ```
    #[derive(Clone, Default)]
    pub struct RunOptions, in TypeScript "Options for one run." {
        /// Time limit for this run.
        timeout: Option<Duration> = "timeoutMs": "number" {
            range: [1 ms, 24 h],
            unset: "the sandbox's",
        }
        /// Aborting it stops the run: `status: "cancelled"` (`Status::Cancelled`).
        signal: Option<AbortSignal> = "signal": "AbortSignal" {}
        /// Called with each chunk of stdout while the code runs.
        on_stdout: Option<TextCallback> = "onStdout": "(chunk: string) => void" {}
        /// Called with each chunk of stderr while the code runs.
        on_stderr: Option<TextCallback> = "onStderr": "(chunk: string) => void" {}
        /// Format of matplotlib figures: `"png"` or `"svg"`.
        figure_format: FigureFormat = "figureFormat": "\"png\" | \"svg\"" {
            unset: "`\"png\"`",
        }
        /// Resolution of matplotlib figures, in dots per inch.
        figure_dpi: Option<f64> = "figureDpi": "number" {
            range: [10, 1000],
            unset: "the figure's own",
        }
        /// Answers Python's `input(prompt)` (see Files and input).
        ///
        /// It returns the line (without its newline), or null (`None`) for end of input
        /// (`EOFError`). It needs a `SharedArrayBuffer` where the sandbox runs (a cross-origin-isolated
        /// page); without one, or without this, `input()` raises `EOFError` at once, saying
        /// why. The run's deadline and signal still apply.
        on_input: Option<InputCallback> = "onInput":
            "(prompt: string) => string | null | Promise<string | null>" {}
    }
}
