//! Memory snapshots of a freshly booted interpreter, kept at the host page's
//! origin (in memory, and in the Cache API so later page loads boot fast).
//! Never inside the sandbox: the sandbox only ever receives one in `init`.
//!
//! Kept as a Blob, not bytes: a Blob goes into `init` as a handle, so the
//! messages to the frame and the worker carry no copy (a 30 MiB copy each
//! lingered in every sandbox's process until its next GC), and one read from
//! the Cache API stays on disk until a worker reads it.
//!
//! A snapshot is accepted only from an interpreter that was asked for one,
//! before it is ready, so before any user code has run in it. Even a forged
//! snapshot would only run inside the sandbox, like any other code there.

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::{Array, Function, Promise, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

const CACHE_NAME: &str = "pycage-snapshots";

thread_local! {
    static MEMORY: RefCell<HashMap<String, Blob>> = RefCell::new(HashMap::new());
    /// The keys whose snapshot an interpreter of this page is making now,
    /// each with the `load`s that wait for it.
    static MAKING: RefCell<HashMap<String, Vec<Function>>> = RefCell::new(HashMap::new());
}

/// Held by the interpreter that makes the snapshot for a key. While it
/// lives, a new sandbox's `load` waits for its snapshot rather than booting
/// the full way beside it (two full boots on two cores take longer than one
/// then a snapshot boot). However the maker ends (stored, failed, killed,
/// evicted, or its boot timer fired), dropping this wakes them.
pub(crate) struct Making {
    key: String,
}

impl Making {
    pub(crate) fn new(key: &str) -> Making {
        MAKING.with(|m| {
            m.borrow_mut().entry(key.to_string()).or_default();
        });
        Making {
            key: key.to_string(),
        }
    }
}

impl Drop for Making {
    fn drop(&mut self) {
        let waiters = MAKING.with(|m| m.borrow_mut().remove(&self.key));
        for wake in waiters.into_iter().flatten() {
            let _ = wake.call0(&wasm_bindgen::JsValue::UNDEFINED);
        }
    }
}

/// Whether an interpreter of this page is making the snapshot for `key`.
pub(crate) fn making(key: &str) -> bool {
    MAKING.with(|m| m.borrow().contains_key(key))
}

/// Whether this page holds the snapshot for `key` (in memory).
pub(crate) fn held(key: &str) -> bool {
    MEMORY.with(|m| m.borrow().contains_key(key))
}

/// Resolves when the maker for `key` ends, if there is one now.
fn made(key: &str) -> Option<Promise> {
    MAKING.with(|m| {
        let mut m = m.borrow_mut();
        let waiters = m.get_mut(key)?;
        Some(Promise::new(&mut |wake, _| waiters.push(wake)))
    })
}

/// The Cache API key: the snapshot depends on the Pyodide build and on the
/// sandbox code that ran before it was taken.
pub(crate) fn key(pyodide_url: &str, sandbox_code: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325; // FNV-1a
    for byte in sandbox_code.iter().flat_map(|s| s.bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    format!(
        "{pyodide_url}__pycage_snapshot__/{}-{hash:016x}",
        env!("CARGO_PKG_VERSION")
    )
}

fn caches() -> Option<web_sys::CacheStorage> {
    // Throws in insecure contexts and some opaque origins: memory only then.
    web_sys::window()?.caches().ok()
}

async fn open() -> Option<web_sys::Cache> {
    let cache = JsFuture::from(caches()?.open(CACHE_NAME)).await.ok()?;
    cache.dyn_into().ok()
}

pub(crate) async fn load(key: &str) -> Option<Blob> {
    if let Some(made) = made(key) {
        let _ = JsFuture::from(made).await;
    }
    if let Some(blob) = MEMORY.with(|m| m.borrow().get(key).cloned()) {
        return Some(blob);
    }
    let response = JsFuture::from(open().await?.match_with_str(key))
        .await
        .ok()?;
    let response: web_sys::Response = response.dyn_into().ok()?;
    let blob: Blob = JsFuture::from(response.blob().ok()?)
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    MEMORY.with(|m| m.borrow_mut().insert(key.to_string(), blob.clone()));
    Some(blob)
}

/// Keeps `bytes` (from the maker) as the snapshot for `key`; returns the Blob
/// that new interpreters get.
pub(crate) fn store(key: &str, bytes: &Uint8Array) -> Option<Blob> {
    let blob = Blob::new_with_u8_array_sequence(&Array::of1(bytes)).ok()?;
    MEMORY.with(|m| m.borrow_mut().insert(key.to_string(), blob.clone()));
    let (key, stored) = (key.to_string(), blob.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let Some(cache) = open().await else { return };
        let Ok(response) = web_sys::Response::new_with_opt_blob(Some(&stored)) else {
            return;
        };
        let _ = JsFuture::from(cache.put_with_str(&key, &response)).await;
    });
    Some(blob)
}

pub(crate) fn forget(key: &str) {
    MEMORY.with(|m| m.borrow_mut().remove(key));
    let key = key.to_string();
    wasm_bindgen_futures::spawn_local(async move {
        if let Some(cache) = open().await {
            let _ = JsFuture::from(cache.delete_with_str(&key)).await;
        }
    });
}
