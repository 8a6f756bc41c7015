//! The options: [`SandboxOptions`] and [`RunOptions`], each declared once
//! (options/sandbox.rs, options/run.rs, through declare.rs's `options!`,
//! as is [`PypiOptions`], the value of `pypi`, in options/pypi.rs),
//! the types their fields use, and their validation into the settings the
//! supervisor uses (resolve.rs). The JS binding reads JS objects into these
//! same types (`js/options.rs`), so every range is checked here, once.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use web_sys::AbortSignal;

use crate::errors::Error;

// declare.rs's `options!` first: sandbox.rs, pypi.rs and run.rs use it.
#[macro_use]
mod declare;
mod declared;
pub(crate) mod pypi;
mod resolve;
pub(crate) mod run;
pub(crate) mod sandbox;

pub(crate) use declared::{Declared, Range, Unset};
#[cfg(feature = "js")]
pub(crate) use declared::{FromJs, Quantity};
pub use pypi::PypiOptions;
pub use run::RunOptions;
pub use sandbox::SandboxOptions;
#[cfg(test)]
mod declaration_tests;

/// The Pyodide this crate is built and tested against; the default
/// `pyodideUrl` points at the same version on jsDelivr.
pub(crate) const PYODIDE_VERSION: &str = "314.0.7";

/// A callback given text: a log line, or a chunk of stdout or stderr.
pub type TextCallback = Rc<dyn Fn(&str)>;

/// Answers Python's `input(prompt)`: the line to return, or `None` for
/// end of input (`EOFError` in Python).
pub type InputCallback = Rc<dyn Fn(&str) -> Pin<Box<dyn Future<Output = Option<String>>>>>;

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

impl PyodideHashes {
    /// The built-in table that `Pinned` checks, by file name: the start of
    /// a `Custom` table for a build that differs in one file, such as a
    /// distribution with more packages, and so its own `pyodide-lock.json`.
    ///
    /// ```
    /// use pycage::PyodideHashes;
    /// let mut table = PyodideHashes::pinned_table();
    /// assert_eq!(table.len(), 5);
    /// table.insert("pyodide-lock.json".into(), "…your lockfile's sha256…".into());
    /// let hashes = PyodideHashes::Custom(table);
    /// # let _ = hashes;
    /// ```
    pub fn pinned_table() -> BTreeMap<String, String> {
        crate::policy::pyodide_files::PINNED_SHA256
            .iter()
            .map(|(name, hash)| (name.to_string(), hash.to_string()))
            .collect()
    }
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
    /// The declared defaults (options/sandbox.rs).
    fn default() -> Self {
        let declared = &sandbox::DECLARED;
        FigureCaps {
            max_figures: declared_default(&declared.max_figures),
            max_figure_bytes: size(declared_default(&declared.max_figure_bytes)),
            max_run_figure_bytes: size(declared_default(&declared.max_run_figure_bytes)),
            max_pixels: declared_default(&declared.max_image_pixels),
        }
    }
}

/// The default of an option declared with one (a native test reads each).
fn declared_default<T: declared::FromDefault>(option: &Declared) -> T {
    option
        .or_default(None)
        .expect("the option is declared with a default")
}

/// A byte cap as the supervisor counts: a `usize`. The declared ranges
/// fit in 32 bits, so after the range check this never saturates.
fn size(bytes: u64) -> usize {
    usize::try_from(bytes).unwrap_or(usize::MAX)
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
    /// The largest session exported or read (`maxSessionBytes`).
    pub max_session_bytes: usize,
    /// Export the session before an eviction, and restore it after.
    pub keep_session_on_eviction: bool,
}

/// [`PypiOptions`], resolved: the index's URL (with a trailing slash) and
/// the allowed names (micropip's own always among them).
pub(crate) struct PypiConfig {
    pub index_url: String,
    pub allowlist: crate::policy::pypi::Allowlist,
}

#[cfg(test)]
impl SandboxConfig {
    /// A resolved config as `resolve` would make it from the defaults
    /// (which needs a page to resolve URLs against), for native tests.
    pub(crate) fn for_tests() -> SandboxConfig {
        SandboxConfig {
            pyodide_url: "https://cdn.example/pyodide/".into(),
            pyodide_hashes: PyodideHashes::Pinned,
            package_base_url: "https://cdn.example/pyodide/".into(),
            timeout_ms: 30_000.0,
            max_output_bytes: 1 << 20,
            isolation: Isolation::Iframe,
            runner_url: None,
            packages: Vec::new(),
            auto_load: true,
            allowed_packages: None,
            on_log: None,
            on_progress: None,
            standby: true,
            snapshot: true,
            boot_timeout_ms: 60_000.0,
            caps: FigureCaps::default(),
            max_file_bytes: 64 << 20,
            max_run_file_bytes: 64 << 20,
            pypi: None,
            max_memory_bytes: None,
            recycle_memory_bytes: (512u64 << 20) as f64,
            max_session_bytes: 256 << 20,
            keep_session_on_eviction: false,
        }
    }
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
