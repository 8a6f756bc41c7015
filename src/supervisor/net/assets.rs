//! Pyodide's core files, fetched once by the page and handed to each sandbox
//! as bytes. The sandbox itself has no network (`connect-src 'none'`), so it
//! needs no CORS from the asset server and cannot reach anything the page
//! could: the page decides every URL that is fetched.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{ArrayBuffer, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, RequestInit, Response};

use crate::errors::Error;
use crate::options::{PyodideHashes, SandboxConfig};
use crate::policy::fetch::{self, FetchPolicy};
use crate::policy::pyodide_files::{self as checks, core_file_names};

/// The largest file we accept from any URL (a wheel or a core file).
pub(crate) const MAX_DOWNLOAD: f64 = 256.0 * 1048576.0;

thread_local! {
    // One download per Pyodide URL per page, shared by every sandbox.
    static CACHE: RefCell<HashMap<String, Promise>> = RefCell::new(HashMap::new());
}

/// Fetches `url` with a deadline; the body as an ArrayBuffer. `signal`
/// (the owning interpreter's) aborts the download, body included, when that
/// interpreter goes: a dead sandbox must not keep the page downloading.
pub(crate) async fn fetch_bytes(
    url: &str,
    signal: Option<&AbortSignal>,
    timeout_ms: f64,
) -> Result<ArrayBuffer, String> {
    fetch_accepting(url, None, signal, timeout_ms).await
}

/// [`fetch_bytes`] with an `Accept` header (a package index's JSON).
pub(crate) async fn fetch_accepting(
    url: &str,
    accept: Option<&str>,
    signal: Option<&AbortSignal>,
    timeout_ms: f64,
) -> Result<ArrayBuffer, String> {
    let window = web_sys::window().ok_or("no window")?;
    // The deadline is a signal too, so a late server is cut off rather than
    // left downloading in the background.
    let deadline = AbortSignal::timeout_with_f64(timeout_ms.min(i32::MAX as f64));
    let signal = match signal {
        Some(signal) => AbortSignal::any(&js_sys::Array::of2(signal, &deadline)),
        None => deadline,
    };
    let init = RequestInit::new();
    init.set_signal(Some(&signal));
    if let Some(accept) = accept {
        let headers = web_sys::Headers::new().map_err(|e| describe(&e))?;
        headers.set("accept", accept).map_err(|e| describe(&e))?;
        init.set_headers(&headers);
    }
    let failed = |e: JsValue| match error_name(&e).as_str() {
        "TimeoutError" => format!("no answer within {timeout_ms} ms"),
        "AbortError" => "the download was aborted".to_string(),
        _ => describe(&e),
    };
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(failed)?
        .dyn_into()
        .map_err(|_| "not a Response".to_string())?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    let length = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|l| l.parse::<f64>().ok());
    if length.is_some_and(|l| l > MAX_DOWNLOAD) {
        return Err("file is too large".into());
    }
    let body = JsFuture::from(response.array_buffer().map_err(|e| describe(&e))?)
        .await
        .map_err(failed)?;
    let body: ArrayBuffer = body
        .dyn_into()
        .map_err(|_| "body is not bytes".to_string())?;
    if f64::from(body.byte_length()) > MAX_DOWNLOAD {
        return Err("file is too large".into());
    }
    Ok(body)
}

/// `body`'s SHA-256, lower-case hex.
async fn sha256_hex(body: &ArrayBuffer) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let subtle = window.crypto().map_err(|e| describe(&e))?.subtle();
    let digest = subtle
        .digest_with_str_and_buffer_source("SHA-256", body)
        .map_err(|e| describe(&e))?;
    let digest = JsFuture::from(digest).await.map_err(|e| describe(&e))?;
    Ok(js_sys::Uint8Array::new(&digest)
        .to_vec()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Passes if `body`'s SHA-256 is `expected` (lower-case hex, as in
/// Pyodide's lockfile). One digest, whatever the sandbox asked for.
pub(crate) async fn check_sha256(body: &ArrayBuffer, expected: &str) -> Result<(), String> {
    if sha256_hex(body).await? == expected {
        Ok(())
    } else {
        Err(format!(
            "its content does not match its integrity hash (sha256 {expected}, from the lockfile or the package index)"
        ))
    }
}

fn error_name(err: &JsValue) -> String {
    js_sys::Reflect::get(err, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default()
}

fn describe(err: &JsValue) -> String {
    err.dyn_ref::<js_sys::Error>()
        .map_or_else(|| format!("{err:?}"), |e| String::from(e.message()))
}

/// Checks one core file before any sandbox sees it: not a web page, the
/// pinned version (unless the user chose other hashes), the expected hash.
async fn check_core_file(
    name: &str,
    url: &str,
    bytes: &ArrayBuffer,
    hashes: &PyodideHashes,
) -> Result<(), String> {
    let head =
        js_sys::Uint8Array::new_with_byte_offset_and_length(bytes, 0, bytes.byte_length().min(512))
            .to_vec();
    if let Some(error) = checks::markup_error(name, url, &head) {
        return Err(error);
    }
    if *hashes == PyodideHashes::Pinned {
        // Before the hash: another version fails it anyway, and saying
        // which version is the more useful message.
        let declares = matches!(
            name,
            "pyodide.mjs" | "pyodide.asm.mjs" | "pyodide-lock.json"
        );
        if declares {
            let text = js_sys::Uint8Array::new(bytes).to_vec();
            if let Some(found) = checks::declared_version(name, &text) {
                if found != crate::options::PYODIDE_VERSION {
                    return Err(checks::version_error(url, &found));
                }
            }
        }
    }
    if let Some(expected) = checks::expected_sha256(hashes, name) {
        let actual = sha256_hex(bytes).await?;
        if actual != expected {
            return Err(checks::mismatch_error(hashes, name, url, expected, &actual));
        }
    }
    Ok(())
}

async fn download(
    index_url: String,
    hashes: PyodideHashes,
    timeout_ms: f64,
) -> Result<JsValue, JsValue> {
    // [message, url]: the shared promise carries it to every waiter.
    let failure = |message: String, url: &str| {
        JsValue::from(js_sys::Array::of2(&message.into(), &url.into()))
    };
    // One at a time: in parallel, wasm-bindgen-test's server stalled a
    // request past the deadline, and a cold boot gained little from it here.
    let files = Object::new();
    for name in core_file_names() {
        let url = format!("{index_url}{name}");
        let bytes = fetch_bytes(&url, None, timeout_ms)
            .await
            .map_err(|reason| {
                let hint = if reason == "HTTP 404" {
                    " (is pyodideUrl right? it must be the folder holding pyodide.mjs)"
                } else {
                    ""
                };
                failure(
                    format!("could not load Pyodide from {url}: {reason}{hint}"),
                    &url,
                )
            })?;
        check_core_file(name, &url, &bytes, &hashes)
            .await
            .map_err(|reason| failure(reason, &url))?;
        // A Blob goes into each sandbox's `init` as a handle: no copy in the
        // message, the frame or the worker (which reads it while booting).
        // The lock file (120 KB) stays bytes: each sandbox's fetch policy
        // parses it here (`fetch_policy` below).
        if name == "pyodide-lock.json" {
            js_sys::Reflect::set(&files, &url.into(), &bytes)?;
        } else {
            let blob = web_sys::Blob::new_with_buffer_source_sequence(&js_sys::Array::of1(&bytes))?;
            js_sys::Reflect::set(&files, &url.into(), &blob)?;
        }
    }
    Ok(files.into())
}

/// `{ url: Blob }` (the lock file: `ArrayBuffer`) for the core files under the sandbox's
/// `pyodide_url`, each checked against its `pyodide_hashes`.
pub(crate) async fn core_files(config: &SandboxConfig) -> Result<Object, Error> {
    let index_url = &config.pyodide_url;
    if config.pyodide_hashes == PyodideHashes::Unchecked {
        if let Some(log) = &config.on_log {
            log(&format!(
                "pycage: pyodideHashes is false: Pyodide's files from {index_url} are loaded \
                 without checking their sha256"
            ));
        }
    }
    let key = checks::cache_key(index_url, &config.pyodide_hashes);
    let promise = CACHE.with(|cache| {
        cache
            .borrow_mut()
            .entry(key.clone())
            .or_insert_with(|| {
                wasm_bindgen_futures::future_to_promise(download(
                    index_url.clone(),
                    config.pyodide_hashes.clone(),
                    config.boot_timeout_ms,
                ))
            })
            .clone()
    });
    match JsFuture::from(promise).await {
        Ok(files) => Ok(files.unchecked_into()),
        Err(err) => {
            // Let a later sandbox try again (the server may be back).
            CACHE.with(|cache| cache.borrow_mut().remove(&key));
            let part = |i| {
                js_sys::Reflect::get_u32(&err, i)
                    .ok()
                    .and_then(|v| v.as_string())
            };
            let message = part(0).unwrap_or_else(|| describe(&err));
            Err(Error::init(message, part(1).as_deref()))
        }
    }
}

/// The fetch table for a sandbox, from its options and the lockfile among the
/// core files (`{ url: ArrayBuffer }`, downloaded by the page from
/// `pyodideUrl`, so trusted). Read once per sandbox.
pub(in crate::supervisor) fn fetch_policy(
    config: &crate::options::SandboxConfig,
    files: &js_sys::Object,
) -> Result<FetchPolicy, String> {
    let url = format!("{}pyodide-lock.json", config.pyodide_url);
    let bytes = js_sys::Reflect::get(files, &url.into()).map_err(|_| "missing".to_string())?;
    if !wasm_bindgen::JsCast::is_instance_of::<js_sys::ArrayBuffer>(&bytes) {
        return Err("missing".into());
    }
    let text = String::from_utf8(js_sys::Uint8Array::new(&bytes).to_vec())
        .map_err(|_| "not UTF-8".to_string())?;
    let value = js_sys::JSON::parse(&text).map_err(|_| "not JSON".to_string())?;
    let lock: fetch::Lock = serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())?;
    let base = &config.package_base_url;
    Ok(FetchPolicy::new(
        &lock,
        base,
        &config.packages,
        config.auto_load,
        config.allowed_packages.as_deref(),
        |file_name| fetch::resolve(base, file_name),
    ))
}
