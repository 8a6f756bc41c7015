//! The page's side of `SandboxOptions.pypi`: it answers the sandbox's
//! package-index requests itself, for allowed names only, from the index it
//! fetched (PEP 691 JSON), and then serves only the wheels that answer
//! listed, each checked against the index's sha256 (pypi.rs has the pure
//! half). micropip itself is fetched the same way once per sandbox, before
//! the first interpreter starts.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::JsValue;
use web_sys::AbortSignal;

use crate::options::PypiConfig;
use crate::policy::fetch::{self as fetch_policy, Permit};
use crate::policy::pypi::{self, Allowlist, Listings};
use crate::supervisor::net::assets;

/// What a sandbox request is, under `pypi`.
pub(in crate::supervisor) enum Target {
    /// A file the lockfile, `packages` or the index listed, with its hash.
    File(Permit),
    /// The index's page for this (allowed, normalised) project.
    Index(String),
}

impl Target {
    /// What is fetched, for log lines.
    pub(in crate::supervisor) fn href(&self) -> &str {
        match self {
            Target::File(permit) => &permit.href,
            Target::Index(name) => name,
        }
    }
}

pub(in crate::supervisor) struct PypiState {
    /// Canonical, with a trailing slash.
    index: String,
    allowlist: Allowlist,
    /// Every wheel the index listed so far (shared by the interpreters).
    listings: RefCell<Listings>,
}

/// `url` resolved against `base`, canonical, or None.
fn resolve_against(base: &str, url: &str) -> Option<String> {
    let parsed = web_sys::Url::new_with_base(url, base).ok()?;
    fetch_policy::canonical(&parsed.href()).ok()
}

impl PypiState {
    pub(in crate::supervisor) fn new(config: &PypiConfig) -> Rc<PypiState> {
        Rc::new(PypiState {
            index: config.index_url.clone(),
            allowlist: config.allowlist.clone(),
            listings: RefCell::new(Listings::new()),
        })
    }

    /// What the sandbox sends as micropip's index URL (no trailing slash:
    /// micropip appends `/{name}/`), and the names it may install.
    pub(in crate::supervisor) fn for_sandbox(&self) -> (String, Vec<String>) {
        let index = self.index.trim_end_matches('/').to_string();
        (index, self.allowlist.names())
    }

    /// An index page or a listed wheel; None when `url` is neither (the
    /// lockfile's policy decides then).
    pub(in crate::supervisor) fn decide(&self, url: &str) -> Option<Result<Target, String>> {
        let href = fetch_policy::canonical(url).ok()?;
        if let Some(name) = pypi::index_request(&self.index, &href) {
            return Some(name.and_then(|name| {
                if self.allowlist.allows(&name) {
                    Ok(Target::Index(name))
                } else {
                    Err(pypi::not_allowed_error(&name))
                }
            }));
        }
        let listings = self.listings.borrow();
        let listed = listings.lookup(&href)?;
        Some(Ok(Target::File(Permit {
            href,
            sha256: Some(listed.sha256.clone()),
        })))
    }

    /// Fetches and parses the index's page for `name`; the page the sandbox
    /// gets instead (PEP 691, absolute URLs, pure wheels only).
    pub(in crate::supervisor) async fn index_page(
        &self,
        name: &str,
        signal: Option<&AbortSignal>,
        timeout_ms: f64,
    ) -> Result<ArrayBuffer, String> {
        let project = fetch_project(&self.index, name, signal, timeout_ms).await?;
        self.listings.borrow_mut().record(&project)?;
        Ok(Uint8Array::from(pypi::sandbox_index(&project).as_bytes()).buffer())
    }
}

async fn fetch_project(
    index: &str,
    name: &str,
    signal: Option<&AbortSignal>,
    timeout_ms: f64,
) -> Result<pypi::Project, String> {
    let url = pypi::index_page_url(index, name);
    let body = assets::fetch_accepting(&url, Some(pypi::PEP_691_JSON), signal, timeout_ms)
        .await
        .map_err(|why| match why.as_str() {
            "HTTP 404" => format!("the package index has no project {name} (HTTP 404 at {url})"),
            _ => format!("could not reach the package index at {url}: {why}"),
        })?;
    let bytes = Uint8Array::new(&body).to_vec();
    pypi::parse_index(name, &bytes, |u| resolve_against(&url, u))
}

/// micropip's wheel, from the index (PyPI's 0.11.1, pinned by its sha256).
pub(in crate::supervisor) async fn fetch_micropip(
    config: &PypiConfig,
    timeout_ms: f64,
) -> Result<ArrayBuffer, String> {
    let project =
        fetch_project(&config.index_url, pypi::MICROPIP_PROJECT, None, timeout_ms).await?;
    let wheel = pypi::micropip_wheel(&project)?;
    let body = assets::fetch_bytes(&wheel.url, None, timeout_ms)
        .await
        .map_err(|why| format!("could not fetch {}: {why}", wheel.url))?;
    assets::check_sha256(&body, pypi::MICROPIP_SHA256)
        .await
        .map_err(|why| format!("{}: {why}", wheel.url))?;
    Ok(body)
}

/// The sandbox's runtime for `pypi` (micropip set up on its first import).
const PYPI_PY: &str = include_str!("../../../guest/pypi.py");

/// `Init.pypi`: what the worker needs to install micropip and point it at
/// the page (undefined without `pypi`).
pub(in crate::supervisor) fn init_value(
    state: Option<&PypiState>,
    micropip: Option<&Result<ArrayBuffer, String>>,
) -> JsValue {
    let Some(state) = state else {
        return JsValue::UNDEFINED;
    };
    let (index, allowed) = state.for_sandbox();
    let init = js_sys::Object::new();
    let set = |key: &str, value: &JsValue| {
        let _ = js_sys::Reflect::set(&init, &key.into(), value);
    };
    set("index", &index.into());
    let names: js_sys::Array = allowed.into_iter().map(JsValue::from).collect();
    set("allowed", &names);
    set("hook", &PYPI_PY.into());
    match micropip {
        Some(Ok(wheel)) => set("micropip", wheel),
        Some(Err(why)) => set("micropipError", &why.as_str().into()),
        None => set("micropipError", &"micropip was not fetched".into()),
    }
    init.into()
}
