//! What a host page's Content-Security-Policy must allow for a sandbox:
//! [`required_csp`]. The sandbox's own document carries its own, stricter
//! policy (`supervisor/host/container.rs`); this is about the page that embeds it.
//!
//! Why each source, by mode:
//! - every mode: `'wasm-unsafe-eval'` in `script-src`, for pycage's own
//!   wasm on the page, and Pyodide's in the sandbox's worker; `connect-src`
//!   for Pyodide's files and wheels, which the page downloads, and with
//!   `pypi` for the package index (a custom index's wheel hosts are known
//!   only from its answers: add them too);
//! - "iframe" (inline frame): the `srcdoc` frame inherits the page's policy,
//!   and its worker inherits the frame's, so the page's `script-src` must
//!   allow the frame's one inline script (by hash) and the `blob:` modules
//!   the worker imports Pyodide from, and `worker-src` its `blob:` worker;
//! - `runnerUrl`: the frame is another site's document with its own policy;
//!   the page only needs `frame-src` for it;
//! - "worker": the `blob:` worker and its `blob:` imports run under the
//!   page's own policy: `script-src blob:`, `worker-src blob:`.
//!
//! No `'unsafe-eval'` and no `'unsafe-inline'`: nothing pycage runs on the
//! page or in the sandbox evaluates strings as code.

use crate::errors::Error;
use crate::options::{Isolation, SandboxConfig, SandboxOptions};

/// The `script-src` source allowing the sandbox frame's inline script.
pub(crate) const FRAME_SCRIPT_SOURCE: &str =
    concat!("'sha256-", env!("PYCAGE_FRAME_JS_SHA256"), "'");

const WASM: &str = "'wasm-unsafe-eval'";
const BLOB: &str = "blob:";

/// The directives and sources a host page's Content-Security-Policy must
/// allow for a sandbox created with `options`, as a policy fragment:
/// `script-src …; worker-src …; connect-src …` (`frame-src` with a
/// `runnerUrl`). Add each source to the directive of that name in the
/// page's policy (or, if the policy does not set that directive, to the one
/// it falls back to: `script-src`, `child-src` or `default-src`). The result
/// depends only on the options (relative URLs resolved against the page, a
/// URL on the page's own origin given as `'self'`) and on pycage's version.
/// Fails as [`Sandbox::create`](crate::Sandbox::create) would for invalid
/// options.
///
/// ```no_run
/// use pycage::{required_csp, SandboxOptions};
/// let csp = required_csp(&SandboxOptions {
///     pyodide_url: Some("/pyodide/".into()),
///     ..Default::default()
/// })
/// .unwrap();
/// // "script-src 'sha256-…' blob: 'wasm-unsafe-eval'; worker-src blob:; connect-src 'self'"
/// assert!(csp.starts_with("script-src 'sha256-"));
/// ```
pub fn required_csp(options: &SandboxOptions) -> Result<String, Error> {
    Ok(policy_for(&SandboxConfig::resolve(options.clone())?))
}

/// [`required_csp`] for resolved options.
pub(crate) fn policy_for(config: &SandboxConfig) -> String {
    let page = page_origin();
    let source = |url: &str| source_for(url, page.as_deref());
    let mut connect = vec![
        source(&config.pyodide_url),
        source(&config.package_base_url),
    ];
    // Wheel URLs listed in `packages` (names are served from packageBaseUrl).
    connect.extend(
        config
            .packages
            .iter()
            .filter(|p| p.starts_with("http://") || p.starts_with("https://"))
            .map(|url| source(url)),
    );
    // A package index (`pypi`); PyPI's own serves its files from another host.
    if let Some(pypi) = &config.pypi {
        connect.push(source(&pypi.index_url));
        if pypi.index_url == crate::policy::pypi::DEFAULT_INDEX_URL {
            connect.push("https://files.pythonhosted.org".into());
        }
    }
    let (script, worker, frame) = match (config.isolation, &config.runner_url) {
        (Isolation::Iframe, None) => (vec![FRAME_SCRIPT_SOURCE, BLOB, WASM], Some(BLOB), None),
        (Isolation::Iframe, Some(runner)) => (vec![WASM], None, Some(source(runner))),
        (Isolation::Worker, _) => (vec![BLOB, WASM], Some(BLOB), None),
    };
    let mut directives = vec![format!("script-src {}", script.join(" "))];
    if let Some(worker) = worker {
        directives.push(format!("worker-src {worker}"));
    }
    if let Some(frame) = frame {
        directives.push(format!("frame-src {frame}"));
    }
    directives.push(format!("connect-src {}", dedup(connect).join(" ")));
    directives.join("; ")
}

fn dedup(sources: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(sources.len());
    for source in sources {
        if !out.contains(&source) {
            out.push(source);
        }
    }
    out
}

fn page_origin() -> Option<String> {
    web_sys::window()?.location().origin().ok()
}

/// The narrowest CSP source allowing `url` (absolute, http(s)): `'self'` on
/// the page's origin; else the origin and path (a path ending in `/`
/// allows the folder), or the origin alone if the path holds characters a
/// source expression cannot (`;`, `,`, spaces, quotes).
pub(crate) fn source_for(url: &str, page_origin: Option<&str>) -> String {
    let Ok(parsed) = web_sys::Url::new(url) else {
        return url.to_string();
    };
    let origin = parsed.origin();
    if page_origin == Some(origin.as_str()) {
        return "'self'".to_string();
    }
    join_source(&origin, &parsed.pathname())
}

/// `origin` plus `path` as one source expression, or `origin` alone when
/// `path` cannot be part of one.
fn join_source(origin: &str, path: &str) -> String {
    let plain = path
        .chars()
        .all(|c| c.is_ascii_graphic() && !matches!(c, ';' | ',' | '\'' | '"'));
    if plain && path.starts_with('/') && path != "/" {
        format!("{origin}{path}")
    } else {
        origin.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_keeps_a_plain_path_and_drops_an_odd_one() {
        let origin = "https://cdn.example";
        assert_eq!(
            join_source(origin, "/pyodide/v1/full/"),
            "https://cdn.example/pyodide/v1/full/"
        );
        assert_eq!(join_source(origin, "/"), origin);
        assert_eq!(join_source(origin, "/a;b/"), origin);
        assert_eq!(join_source(origin, "/a,b.whl"), origin);
    }

    #[test]
    fn sources_are_listed_once() {
        let twice = vec!["'self'".to_string(), "'self'".to_string(), "x".into()];
        assert_eq!(dedup(twice), ["'self'", "x"]);
    }
}
