#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

// The typed Rust API. Rust/wasm apps use these directly.
mod csp;
mod errors;
mod execution;
mod files;
mod options;
mod sandbox;
mod session;
pub use csp::required_csp;
pub use errors::Error;
pub use execution::{
    DisplaySource, Execution, Figure, FigureSource, ImageMime, MimeBundle, MimeValue, Output,
    PythonError, Status,
};
pub use files::{FileErrorCode, FileInfo, OutputFile, WORK_DIR};
pub use options::{
    FigureFormat, InputCallback, Isolation, Phase, PyodideHashes, PypiOptions, RunOptions,
    SandboxOptions, TextCallback,
};
pub use sandbox::{runner_html, Sandbox};
pub use session::{RestoredSession, SkippedName};
pub use supervisor::{live_interpreters, set_max_live_interpreters, set_standby_pool_size};

// The JS API: a thin binding over the above, exported to JS by wasm-bindgen.
// Public so its types show in the docs; Rust code uses the typed API, and
// leaves the binding (and its exports) out with `default-features = false`.
#[cfg(feature = "js")]
pub mod js;

// The machinery behind both.
mod figures;
mod json;
mod policy;
mod protocol;
mod supervisor;
mod svg;

/// The CacheStorage key (in `pycage-snapshots`) of the boot snapshot for a
/// `pyodideUrl`; for tests that plant a broken one. Not part of the API.
#[doc(hidden)]
pub fn snapshot_cache_key(pyodide_url: &str) -> String {
    supervisor::snapshot_key(pyodide_url)
}
