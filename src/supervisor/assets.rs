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
use web_sys::Response;

use crate::errors::Error;

/// What `loadPyodide` needs, all under `indexURL`.
pub(crate) const CORE_FILES: &[&str] = &[
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
];

/// The largest file we accept from any URL (a wheel or a core file).
pub(crate) const MAX_DOWNLOAD: f64 = 256.0 * 1048576.0;

thread_local! {
    // One download per Pyodide URL per page, shared by every sandbox.
    static CACHE: RefCell<HashMap<String, Promise>> = RefCell::new(HashMap::new());
}

/// Fetches `url` with a deadline; the body as an ArrayBuffer. `integrity`
/// (an SRI string such as "sha256-...") is checked here rather than by
/// `fetch`, whose integrity failure is an opaque "Failed to fetch" that would
/// hide a plain 404 from the user.
pub(crate) async fn fetch_bytes(
    url: &str,
    integrity: Option<&str>,
    timeout_ms: f64,
) -> Result<ArrayBuffer, String> {
    let window = web_sys::window().ok_or("no window")?;
    let fetch = window.fetch_with_str(url);
    let deadline = Promise::new(&mut |_, reject| {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            &reject,
            timeout_ms.min(i32::MAX as f64) as i32,
        );
    });
    let raced = Promise::race(&js_sys::Array::of2(&fetch, &deadline));
    let response: Response = JsFuture::from(raced)
        .await
        .map_err(|e| {
            if e.is_undefined() {
                format!("no answer within {timeout_ms} ms")
            } else {
                describe(&e)
            }
        })?
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
        .map_err(|e| describe(&e))?;
    let body: ArrayBuffer = body
        .dyn_into()
        .map_err(|_| "body is not bytes".to_string())?;
    if f64::from(body.byte_length()) > MAX_DOWNLOAD {
        return Err("file is too large".into());
    }
    if let Some(integrity) = integrity {
        check_integrity(&window, &body, integrity).await?;
    }
    Ok(body)
}

/// Passes if any of the SRI hashes in `integrity` matches `body`.
async fn check_integrity(
    window: &web_sys::Window,
    body: &ArrayBuffer,
    integrity: &str,
) -> Result<(), String> {
    let subtle = window.crypto().map_err(|e| describe(&e))?.subtle();
    for expected in integrity.split_whitespace() {
        let Some((alg, hash)) = expected.split_once('-') else {
            continue;
        };
        let alg = match alg {
            "sha256" => "SHA-256",
            "sha384" => "SHA-384",
            "sha512" => "SHA-512",
            _ => continue,
        };
        let digest = subtle
            .digest_with_str_and_buffer_source(alg, body)
            .map_err(|e| describe(&e))?;
        let digest = JsFuture::from(digest).await.map_err(|e| describe(&e))?;
        if crate::api::base64(&js_sys::Uint8Array::new(&digest).to_vec()) == hash {
            return Ok(());
        }
    }
    Err(format!(
        "its content does not match the integrity hash {integrity}"
    ))
}

fn describe(err: &JsValue) -> String {
    err.dyn_ref::<js_sys::Error>()
        .map_or_else(|| format!("{err:?}"), |e| String::from(e.message()))
}

async fn download(index_url: String, timeout_ms: f64) -> Result<JsValue, JsValue> {
    // One at a time: in parallel, wasm-bindgen-test's server stalled a
    // request past the deadline, and a cold boot gained little from it here.
    let files = Object::new();
    for name in CORE_FILES {
        let url = format!("{index_url}{name}");
        let bytes = fetch_bytes(&url, None, timeout_ms)
            .await
            .map_err(|reason| {
                JsValue::from(Error::init(
                    format!("could not load Pyodide from {url}: {reason}"),
                    Some(&url),
                ))
            })?;
        js_sys::Reflect::set(&files, &url.into(), &bytes)?;
    }
    Ok(files.into())
}

/// `{ url: ArrayBuffer }` for the core files under `index_url`.
pub(crate) async fn core_files(index_url: &str, timeout_ms: f64) -> Result<Object, JsValue> {
    let promise = CACHE.with(|cache| {
        cache
            .borrow_mut()
            .entry(index_url.to_string())
            .or_insert_with(|| {
                wasm_bindgen_futures::future_to_promise(download(index_url.to_string(), timeout_ms))
            })
            .clone()
    });
    match JsFuture::from(promise).await {
        Ok(files) => Ok(files.unchecked_into()),
        Err(err) => {
            // Let a later sandbox try again (the server may be back).
            CACHE.with(|cache| cache.borrow_mut().remove(index_url));
            Err(err)
        }
    }
}
