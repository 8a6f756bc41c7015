//! [`SandboxOptions`] and [`RunOptions`], and their validation into the
//! settings the supervisor uses. The JS binding reads JS objects into these
//! same types (`js/options.rs`), so every range is checked here, once.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use web_sys::AbortSignal;

use crate::errors::Error;

/// The Pyodide this crate is built and tested against; the default
/// `pyodideUrl` points at the same version on jsDelivr.
pub(crate) const PYODIDE_VERSION: &str = "314.0.7";

/// A callback given text: a log line, or a chunk of stdout or stderr.
pub type TextCallback = Rc<dyn Fn(&str)>;

/// Answers Python's `input(prompt)`: the line to return, or `None` for
/// end of input (`EOFError` in Python).
pub type InputCallback = Rc<dyn Fn(&str) -> Pin<Box<dyn Future<Output = Option<String>>>>>;

/// How a [`Sandbox`](crate::Sandbox) starts and behaves. Every field is
/// optional; `Default` gives the documented defaults. Each field is the
/// camelCase option of the same name in JS (see the README's table).
///
/// ```no_run
/// # async fn example() -> Result<(), pycage::Error> {
/// use pycage::{Sandbox, SandboxOptions};
/// let sandbox = Sandbox::create(SandboxOptions {
///     pyodide_url: Some("/pyodide/".into()),
///     timeout_ms: Some(5_000.0),
///     on_log: Some(std::rc::Rc::new(|line: &str| web_sys::console::log_1(&line.into()))),
///     ..Default::default()
/// })
/// .await?;
/// # let _ = sandbox; Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct SandboxOptions {
    /// Folder holding `pyodide.mjs` (default: jsDelivr's copy of Pyodide 314.0.7).
    pub pyodide_url: Option<String>,
    /// The sha256 each Pyodide core file must have. Default: the pinned
    /// 314.0.7 files' hashes, built in.
    pub pyodide_hashes: PyodideHashes,
    /// Where distribution packages (wheels) are fetched from. Default: `pyodide_url`.
    pub package_base_url: Option<String>,
    /// Default per-run time limit in ms, from 1 to 86 400 000. Default 30 000.
    pub timeout_ms: Option<f64>,
    /// Cap on stdout and on stderr, each, in UTF-8 bytes. Default 1 MiB.
    pub max_output_bytes: Option<usize>,
    /// Where the interpreter runs. Default [`Isolation::Iframe`].
    pub isolation: Isolation,
    /// A page on another site that serves [`runner_html`](crate::runner_html)'s
    /// document; the sandbox frame loads it instead of an inline document.
    pub runner_url: Option<String>,
    /// Packages loaded at boot: Pyodide distribution names or wheel URLs.
    pub packages: Vec<String>,
    /// Load the distribution packages a run imports before running it. Default true.
    pub auto_load_packages: Option<bool>,
    /// If set, only these distribution packages may be loaded by import.
    pub allowed_packages: Option<Vec<String>>,
    /// Package-loading and supervisor messages (never the user's stdout).
    pub on_log: Option<TextCallback>,
    /// Boot progress.
    pub on_progress: Option<Rc<dyn Fn(Phase)>>,
    /// Keep a second interpreter booted so a timeout or reset costs no boot. Default true.
    pub standby: Option<bool>,
    /// Boot from a memory snapshot kept in this page's Cache API. Default
    /// true, and false when `packages` is set.
    pub snapshot: Option<bool>,
    /// Time allowed for Python to start, in ms, from 100 to 600 000. Default 60 000.
    pub boot_timeout_ms: Option<f64>,
    /// Most figures one run may return. Default 50.
    pub max_figures: Option<usize>,
    /// Largest single figure, in bytes. Default 5 MiB.
    pub max_figure_bytes: Option<usize>,
    /// Largest total of figure bytes per run. Default 20 MiB.
    pub max_run_figure_bytes: Option<usize>,
    /// Largest PNG area (width x height) accepted. Default 25 000 000.
    pub max_image_pixels: Option<u64>,
    /// Largest file, in bytes, that `write_file` takes, `read_file` returns
    /// or a run returns in `files`. Default 64 MiB.
    pub max_file_bytes: Option<usize>,
    /// Largest total of file bytes one run returns in `files`. Default 128 MiB.
    pub max_run_file_bytes: Option<usize>,
    /// PyPI packages through the page, for the names allowed only. Off by default.
    pub pypi: Option<PypiOptions>,
    /// A run may not grow the interpreter's heap past this (128 MiB to
    /// 4 GiB); one that tries ends as crashed with a `MemoryLimitError`,
    /// and the interpreter is replaced. Default: no limit.
    pub max_memory_bytes: Option<f64>,
    /// An interpreter that ends a run above this heap size (64 MiB to
    /// 4 GiB) is replaced before the next run. Default 512 MiB.
    pub recycle_memory_bytes: Option<f64>,
}

/// `micropip.install` (and the import of an allowed name) from a package
/// index, through the page: the page fetches the index and the wheels, for
/// the names in `allowed` only, pure-Python wheels only, each checked
/// against the index's sha256. micropip itself comes the same way, from the
/// index (PyPI's micropip 0.11.1, pinned by its sha256).
///
/// ```
/// let options = pycage::SandboxOptions {
///     pypi: Some(pycage::PypiOptions {
///         index_url: None, // https://pypi.org/simple/
///         allowed: vec!["tabulate".into()],
///     }),
///     ..Default::default()
/// };
/// # let _ = options;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PypiOptions {
    /// A PEP 691 simple index. Default `https://pypi.org/simple/`.
    pub index_url: Option<String>,
    /// The distributions that may be installed (PEP 503 names compare equal).
    pub allowed: Vec<String>,
}

/// The sha256 each Pyodide core file (`pyodide.mjs`, `pyodide.asm.mjs`,
/// `pyodide.asm.wasm`, `python_stdlib.zip`, `pyodide-lock.json`) must have
/// when the page loads it from `pyodide_url`. A file that differs is an
/// [`Error::Init`] naming it. In JS, `pyodideHashes`: an object of file name
/// to hex, or `false`.
///
/// ```
/// use pycage::{PyodideHashes, SandboxOptions};
/// // A self-hosted build of another version: its own hashes (one per file).
/// let mine: std::collections::BTreeMap<String, String> = [
///     ("pyodide.mjs", "6f1d…"), // and the other four files
/// ]
/// .into_iter()
/// .map(|(name, hash)| (name.to_string(), hash.to_string()))
/// .collect();
/// let options = SandboxOptions {
///     pyodide_url: Some("/my-pyodide/".into()),
///     pyodide_hashes: PyodideHashes::Custom(mine),
///     ..Default::default()
/// };
/// assert_eq!(SandboxOptions::default().pyodide_hashes, PyodideHashes::Pinned);
/// # let _ = options;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PyodideHashes {
    /// The hashes of Pyodide 314.0.7's files, built into pycage; another
    /// version is refused with an error that names both.
    #[default]
    Pinned,
    /// Your own, by file name: lower- or upper-case hex, one per core file.
    Custom(BTreeMap<String, String>),
    /// No check (`false` in JS); said once per sandbox through `on_log`.
    Unchecked,
}

/// How one run behaves.
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
pub struct RunOptions {
    /// Time limit for this run in ms (default: the sandbox's `timeout_ms`).
    pub timeout_ms: Option<f64>,
    /// Aborting it stops the run: [`Status::Cancelled`](crate::Status::Cancelled).
    pub signal: Option<AbortSignal>,
    /// Called with each chunk of stdout while the code runs.
    pub on_stdout: Option<TextCallback>,
    /// Called with each chunk of stderr while the code runs.
    pub on_stderr: Option<TextCallback>,
    /// Format of matplotlib figures. Default PNG.
    pub figure_format: FigureFormat,
    /// Resolution of matplotlib figures, 10 to 1000 (default: the figure's own dpi).
    pub figure_dpi: Option<f64>,
    /// Answers `input()`. It needs a `SharedArrayBuffer` where the sandbox
    /// runs (a cross-origin-isolated page); without one, or without this,
    /// `input()` raises `EOFError` at once, saying why.
    pub on_input: Option<InputCallback>,
}

/// Where the interpreter's worker runs.
///
/// ```
/// assert_eq!(pycage::Isolation::default().as_str(), "iframe");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Isolation {
    /// Worker inside an opaque-origin `<iframe sandbox="allow-scripts">` with a CSP.
    #[default]
    Iframe,
    /// A dedicated worker at the page's origin (weaker; see docs/security-model.md).
    Worker,
}

impl Isolation {
    /// `"iframe"` or `"worker"`, as in the JS options.
    ///
    /// ```
    /// assert_eq!(pycage::Isolation::Worker.as_str(), "worker");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Isolation::Iframe => "iframe",
            Isolation::Worker => "worker",
        }
    }
}

/// The format of matplotlib figures.
///
/// ```
/// assert_eq!(pycage::FigureFormat::default(), pycage::FigureFormat::Png);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FigureFormat {
    /// PNG bytes.
    #[default]
    Png,
    /// SVG text, validated by the page.
    Svg,
}

/// A step of a sandbox's boot, as reported to `on_progress`.
///
/// ```
/// assert_eq!(pycage::Phase::Ready.as_str(), "ready");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Pyodide's files are being downloaded.
    Downloading,
    /// Python is starting.
    Starting,
    /// The boot packages are being loaded.
    Packages,
    /// Python is ready.
    Ready,
}

impl Phase {
    /// The phase's name, as JS `onProgress` gets it.
    ///
    /// ```
    /// assert_eq!(pycage::Phase::Downloading.as_str(), "downloading");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Downloading => "downloading",
            Phase::Starting => "starting",
            Phase::Packages => "packages",
            Phase::Ready => "ready",
        }
    }
}

/// Limits on what a run may return as images.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FigureCaps {
    pub max_figures: usize,
    pub max_figure_bytes: usize,
    pub max_run_figure_bytes: usize,
    pub max_pixels: u64,
}

impl Default for FigureCaps {
    fn default() -> Self {
        FigureCaps {
            max_figures: 50,
            max_figure_bytes: 5 << 20,
            max_run_figure_bytes: 20 << 20,
            max_pixels: 25_000_000,
        }
    }
}

/// The range of each numeric option, by its JS name.
const RANGES: &[(&str, f64, f64)] = &[
    ("timeoutMs", 1.0, 86_400_000.0),
    ("maxOutputBytes", 0.0, 256.0 * 1048576.0),
    ("bootTimeoutMs", 100.0, 600_000.0),
    ("maxFigures", 0.0, 10_000.0),
    ("maxFigureBytes", 0.0, 512.0 * 1048576.0),
    ("maxRunFigureBytes", 0.0, 1024.0 * 1048576.0),
    ("maxImagePixels", 1.0, 1e10),
    ("figureDpi", 10.0, 1000.0),
    ("maxFileBytes", 0.0, 1024.0 * 1048576.0),
    ("maxRunFileBytes", 0.0, 2048.0 * 1048576.0),
    ("maxMemoryBytes", 128.0 * 1048576.0, 4096.0 * 1048576.0),
    ("recycleMemoryBytes", 64.0 * 1048576.0, 4096.0 * 1048576.0),
];

/// Checks a numeric option against its range.
pub(crate) fn in_range(field: &str, value: f64) -> Result<f64, Error> {
    // A name missing here is pycage's bug; it must not mean "no limit".
    let Some(&(_, min, max)) = RANGES.iter().find(|(name, ..)| *name == field) else {
        return Err(Error::options(
            field,
            "has no range in pycage's option table (a bug in pycage)",
        ));
    };
    if value.is_finite() && value >= min && value <= max {
        Ok(value)
    } else {
        Err(Error::options(
            field,
            format!("expected a number from {min} to {max}"),
        ))
    }
}

/// A count given as a JS number: within its range, and whole (`maxFigures:
/// 2.7` is a mistake to report, not 2). Only the JS API reads JS numbers.
#[cfg_attr(not(feature = "js"), allow(dead_code))]
pub(crate) fn whole_in_range(field: &str, value: f64) -> Result<usize, Error> {
    let n = in_range(field, value)?;
    if n.fract() != 0.0 {
        return Err(Error::options(
            field,
            format!("expected a whole number, got {n}"),
        ));
    }
    Ok(n as usize)
}

fn checked<T: Copy + Into<f64>>(field: &str, value: Option<T>) -> Result<Option<T>, Error> {
    value
        .map(|v| in_range(field, v.into()).map(|_| v))
        .transpose()
}

fn checked_count(field: &str, value: Option<usize>) -> Result<Option<usize>, Error> {
    value
        .map(|v| in_range(field, v as f64).map(|_| v))
        .transpose()
}

/// [`SandboxOptions`], validated and resolved.
pub(crate) struct SandboxConfig {
    pub pyodide_url: String,
    /// Custom tables already checked (one lower-case sha256 per core file).
    pub pyodide_hashes: PyodideHashes,
    pub package_base_url: String,
    pub timeout_ms: f64,
    pub max_output_bytes: usize,
    pub isolation: Isolation,
    /// A page on another site that hosts the sandbox document (iframe isolation only).
    pub runner_url: Option<String>,
    pub packages: Vec<String>,
    pub auto_load: bool,
    pub allowed_packages: Option<Vec<String>>,
    pub on_log: Option<TextCallback>,
    pub on_progress: Option<Rc<dyn Fn(Phase)>>,
    pub standby: bool,
    /// Boot interpreters from a memory snapshot kept at the page's origin.
    pub snapshot: bool,
    pub boot_timeout_ms: f64,
    pub caps: FigureCaps,
    pub max_file_bytes: usize,
    pub max_run_file_bytes: usize,
    pub pypi: Option<PypiConfig>,
    pub max_memory_bytes: Option<f64>,
    pub recycle_memory_bytes: f64,
}

/// [`PypiOptions`], resolved: the index's URL (with a trailing slash) and
/// the allowed names (micropip's own always among them).
pub(crate) struct PypiConfig {
    pub index_url: String,
    pub allowlist: crate::policy::pypi::Allowlist,
}

/// [`RunOptions`], validated.
#[derive(Default)]
pub(crate) struct RunConfig {
    pub timeout_ms: Option<f64>,
    pub signal: Option<AbortSignal>,
    pub on_stdout: Option<TextCallback>,
    pub on_stderr: Option<TextCallback>,
    pub figure_svg: bool,
    pub figure_dpi: Option<f64>,
    pub on_input: Option<InputCallback>,
}

impl RunConfig {
    pub(crate) fn resolve(options: RunOptions) -> Result<Self, Error> {
        Ok(RunConfig {
            timeout_ms: checked("timeoutMs", options.timeout_ms)?,
            signal: options.signal,
            on_stdout: options.on_stdout,
            on_stderr: options.on_stderr,
            figure_svg: options.figure_format == FigureFormat::Svg,
            figure_dpi: checked("figureDpi", options.figure_dpi)?,
            on_input: options.on_input,
        })
    }
}

mod resolve;

#[cfg(test)]
mod range_tests {
    use super::*;

    fn field_of(result: Result<impl std::fmt::Debug, Error>) -> String {
        match result {
            Err(Error::Options { field, message }) => format!("{field}: {message}"),
            other => panic!("expected an options error, got {other:?}"),
        }
    }

    #[test]
    fn a_name_without_a_range_is_an_error_not_no_limit() {
        let error = field_of(in_range("maxFigurs", 1.0));
        assert!(error.starts_with("maxFigurs: has no range"), "{error}");
    }

    #[test]
    fn counts_must_be_whole_and_in_range() {
        assert_eq!(whole_in_range("maxFigures", 2.0).ok(), Some(2));
        let error = field_of(whole_in_range("maxFigures", 2.7));
        assert_eq!(error, "maxFigures: expected a whole number, got 2.7");
        let error = field_of(whole_in_range("maxFigures", -1.0));
        assert!(error.contains("expected a number from 0"), "{error}");
        assert!(whole_in_range("maxFigures", f64::NAN).is_err());
    }
}
