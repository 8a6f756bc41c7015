#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

// The one export surface: everything a JS user sees is in `api`.
mod api;
pub use api::{figure_to_blob, figure_to_data_url, run_python, runner_html, Sandbox};

mod errors;
mod execution;
mod figures;
mod json;
mod options;
#[cfg(test)]
mod options_agreement_tests;
mod protocol;
mod supervisor;
mod svg;

/// The CacheStorage key (in `pycage-snapshots`) of the boot snapshot for a
/// `pyodideUrl`; for tests that plant a broken one. Not part of the JS API.
#[doc(hidden)]
pub fn snapshot_cache_key(pyodide_url: &str) -> String {
    supervisor::snapshot_key(pyodide_url)
}
