#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

// The one export surface: everything a JS user sees is in `api`.
mod api;
pub use api::{figure_to_blob, figure_to_data_url, run_python, runner_html, Sandbox};

mod errors;
mod execution;
mod figures;
mod options;
mod protocol;
mod supervisor;
