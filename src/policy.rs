//! Pure policy: what a sandbox may fetch, which PyPI names and wheels it may
//! have, and what Pyodide's core files must be. No I/O and no supervisor
//! state, so the API layer (options, CSP) and the supervisor both build on
//! it, and native unit tests cover it.

pub(crate) mod fetch;
pub(crate) mod pyodide_files;
pub(crate) mod pypi;
