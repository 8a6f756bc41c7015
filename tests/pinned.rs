//! Pyodide's core files are checked when the page loads them: the pinned
//! 314.0.7 files' sha256 by default, the user's own hashes, or nothing when
//! asked (`pyodideHashes: false`); and the common misconfigurations (a
//! folder that answers with index.html, another Pyodide version, a
//! `pyodideUrl` without its trailing slash) give errors that say so. The
//! altered folders are made by tests/fixtures/make_pinned.py under build/.
// Needs the JS binding, the default `js` feature.
#![cfg(feature = "js")]
use std::collections::BTreeMap;

use pycage::js::JsSandbox;
use pycage::{Error, PyodideHashes, Sandbox, SandboxOptions};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

const CORE: [&str; 5] = [
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
];

fn origin() -> String {
    web_sys::window().unwrap().location().origin().unwrap()
}

async fn fetch(url: &str) -> Option<js_sys::ArrayBuffer> {
    let window = web_sys::window().unwrap();
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .ok()?
        .unchecked_into();
    if !response.ok() {
        return None;
    }
    let body = JsFuture::from(response.array_buffer().ok()?).await.ok()?;
    Some(body.unchecked_into())
}

/// `build/<name>/`'s URL, or `None` (with the reason in the log) when
/// tests/fixtures/make_pinned.py has not made it.
async fn fixture(name: &str) -> Option<String> {
    let url = format!("{}/build/{name}/", origin());
    if fetch(&format!("{url}pyodide.mjs")).await.is_none() {
        web_sys::console::log_1(
            &format!(
                "SKIPPED: {url} is missing; run `python3 tests/fixtures/make_pinned.py` \
                 (scripts/test does) first"
            )
            .into(),
        );
        return None;
    }
    Some(url)
}

/// Options for the folder `url`, booting as little as possible.
fn at(url: &str, hashes: PyodideHashes) -> SandboxOptions {
    SandboxOptions {
        pyodide_url: Some(url.into()),
        pyodide_hashes: hashes,
        standby: Some(false),
        snapshot: Some(false),
        boot_timeout: Some(std::time::Duration::from_secs(120)),
        ..Default::default()
    }
}

/// The `Error::Init` a create with `options` fails with.
async fn init_error(options: SandboxOptions) -> (String, Option<String>) {
    match Sandbox::create(options).await {
        Err(Error::Init { message, url }) => (message, url),
        Err(other) => panic!("expected Error::Init, got {other:?}"),
        Ok(_) => panic!("expected Error::Init, but the sandbox started"),
    }
}

/// Each core file's sha256 under `url`, computed here as a user would.
async fn hashes_of(url: &str) -> BTreeMap<String, String> {
    let subtle = web_sys::window().unwrap().crypto().unwrap().subtle();
    let mut hashes = BTreeMap::new();
    for name in CORE {
        let body = fetch(&format!("{url}{name}")).await.expect(name);
        let digest = subtle
            .digest_with_str_and_buffer_source("SHA-256", &body)
            .unwrap();
        let digest = JsFuture::from(digest).await.unwrap();
        let hex: String = js_sys::Uint8Array::new(&digest)
            .to_vec()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        hashes.insert(name.to_string(), hex);
    }
    hashes
}

#[wasm_bindgen_test]
async fn a_tampered_core_file_is_refused_by_name() {
    let Some(url) = fixture("tampered-pyodide").await else {
        return;
    };
    let (message, file) = init_error(at(&url, PyodideHashes::Pinned)).await;
    let asm = format!("{url}pyodide.asm.mjs");
    assert_eq!(file.as_deref(), Some(asm.as_str()), "{message}");
    assert!(
        message.starts_with(&format!(
            "{asm} does not match the sha256 pycage pins for Pyodide 314.0.7's pyodide.asm.mjs"
        )),
        "{message}"
    );
}

#[wasm_bindgen_test]
async fn the_tampered_copy_starts_when_checks_are_off_and_says_so() {
    let Some(url) = fixture("tampered-pyodide").await else {
        return;
    };
    let (log, seen) = recorder();
    let sb = sandbox(SandboxOptions {
        on_log: Some(log),
        ..at(&url, PyodideHashes::Unchecked)
    })
    .await;
    assert_healthy(&sb).await;
    let said = seen.borrow().join("\n");
    assert!(
        said.contains(&format!(
            "pyodideHashes is false: Pyodide's files from {url}"
        )),
        "{said}"
    );
}

#[wasm_bindgen_test]
async fn the_tampered_copy_starts_with_its_own_hashes() {
    let Some(url) = fixture("tampered-pyodide").await else {
        return;
    };
    let mut hashes = hashes_of(&url).await;
    // Upper case is accepted too (sha256sum prints lower, others upper).
    let wasm = hashes["pyodide.asm.wasm"].to_ascii_uppercase();
    hashes.insert("pyodide.asm.wasm".into(), wasm);
    let sb = sandbox(at(&url, PyodideHashes::Custom(hashes))).await;
    assert_healthy(&sb).await;
}

#[wasm_bindgen_test]
async fn a_wrong_custom_hash_names_the_file_and_the_option() {
    let mut hashes = hashes_of(&pyodide_url()).await;
    hashes.insert("python_stdlib.zip".into(), "0".repeat(64));
    let (message, file) = init_error(at(&pyodide_url(), PyodideHashes::Custom(hashes))).await;
    let zip = format!("{}python_stdlib.zip", pyodide_url());
    assert_eq!(file.as_deref(), Some(zip.as_str()), "{message}");
    assert!(
        message.contains("does not match the sha256 given for python_stdlib.zip in pyodideHashes"),
        "{message}"
    );
}

#[wasm_bindgen_test]
async fn an_incomplete_custom_table_is_an_options_error() {
    let table = BTreeMap::from([("pyodide.mjs".to_string(), "ab".repeat(32))]);
    match Sandbox::create(at(&pyodide_url(), PyodideHashes::Custom(table))).await {
        Err(Error::Options { field, message }) => {
            assert_eq!(field, "pyodideHashes");
            assert!(
                message.contains("has no hash for pyodide.asm.mjs"),
                "{message}"
            );
        }
        other => panic!("expected an options error, got {:?}", other.err()),
    }
}

#[wasm_bindgen_test]
async fn a_folder_answering_with_index_html_says_so() {
    let Some(url) = fixture("html-pyodide").await else {
        return;
    };
    let (message, file) = init_error(at(&url, PyodideHashes::Pinned)).await;
    let module = format!("{url}pyodide.mjs");
    assert_eq!(file.as_deref(), Some(module.as_str()));
    assert_eq!(
        message,
        format!(
            "got an HTML page where JavaScript was expected at {module}: is pyodideUrl right? \
             a dev server answers unknown paths with index.html"
        )
    );
    // Unchecked or not: HTML is never Pyodide.
    let (message, _) = init_error(at(&url, PyodideHashes::Unchecked)).await;
    assert!(message.starts_with("got an HTML page"), "{message}");
}

#[wasm_bindgen_test]
async fn another_pyodide_version_names_both_versions() {
    let Some(url) = fixture("other-version-pyodide").await else {
        return;
    };
    let (message, file) = init_error(at(&url, PyodideHashes::Pinned)).await;
    let lock = format!("{url}pyodide-lock.json");
    assert_eq!(file.as_deref(), Some(lock.as_str()), "{message}");
    assert!(
        message.starts_with(&format!(
            "{lock} is from Pyodide 0.27.7, but this pycage is pinned to Pyodide 314.0.7"
        )),
        "{message}"
    );
    assert!(message.contains("pyodideHashes"), "the way out: {message}");
}

#[wasm_bindgen_test]
async fn another_version_is_allowed_with_its_own_hashes() {
    let Some(url) = fixture("other-version-pyodide").await else {
        return;
    };
    let hashes = hashes_of(&url).await;
    let sb = sandbox(at(&url, PyodideHashes::Custom(hashes))).await;
    assert_healthy(&sb).await;
}

#[wasm_bindgen_test]
async fn a_pyodide_url_without_its_trailing_slash_is_the_same_folder() {
    // No fixture: node_modules' Pyodide, named without the slash.
    let url = pyodide_url();
    let bare = url.trim_end_matches('/');
    let sb = sandbox(at(bare, PyodideHashes::Pinned)).await;
    assert_healthy(&sb).await;
}

#[wasm_bindgen_test]
async fn js_reads_pyodide_hashes_as_false_or_a_table() {
    let create = |value: JsValue| async move {
        let options = js_options(&[
            ("pyodideHashes", value),
            ("standby", false.into()),
            ("snapshot", false.into()),
        ]);
        JsSandbox::create(Some(options.unchecked_into())).await
    };
    for bad in [JsValue::TRUE, "sha256".into(), js_sys::Array::new().into()] {
        let err = create(bad.clone()).await.err().expect("rejects");
        assert_eq!(err_name(&err), "OptionsError", "{bad:?}");
        assert_eq!(
            get(&err, "field").as_string().as_deref(),
            Some("pyodideHashes")
        );
    }
    // false is read (then the HTML folder fails on its content, not on options).
    if let Some(html) = fixture("html-pyodide").await {
        let options = js_options(&[
            ("pyodideUrl", html.into()),
            ("pyodideHashes", JsValue::FALSE),
        ]);
        let err = JsSandbox::create(Some(options.unchecked_into()))
            .await
            .err()
            .expect("rejects");
        assert_eq!(err_name(&err), "SandboxInitError");
    }
    let not_hex = obj(&[("pyodide.mjs", 5.into())]);
    let err = create(not_hex).await.err().expect("rejects");
    assert_eq!(err_name(&err), "OptionsError");
    // A wrong table from JS: the init error names the file, as from Rust.
    let mut table = hashes_of(&pyodide_url()).await;
    table.insert("pyodide-lock.json".into(), "f".repeat(64));
    let fields: Vec<(&str, JsValue)> = table
        .iter()
        .map(|(k, v)| (k.as_str(), JsValue::from_str(v)))
        .collect();
    let err = create(obj(&fields)).await.err().expect("rejects");
    assert_eq!(err_name(&err), "SandboxInitError");
    let url = get(&err, "url").as_string().unwrap_or_default();
    assert!(url.ends_with("/pyodide-lock.json"), "{url}");
}
