//! The only network a sandbox has: Pyodide's core files (fetched once per
//! page), the fetch proxy that answers the sandbox's requests by the fetch
//! table (crate::policy::fetch), and PyPI through the page.

pub(super) mod assets;
pub(super) mod fetch_proxy;
pub(super) mod pypi_proxy;
