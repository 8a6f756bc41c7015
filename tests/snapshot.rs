//! A broken boot snapshot at the page's origin is dropped, not trusted; and
//! a sandbox disposed at once still leaves the page its snapshot. Its own
//! binary, so that this page holds no snapshot in memory when it starts
//! (one test: the two parts run in this order).
use js_sys::Promise;
use pycage::SandboxOptions;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn snapshot_cache() -> web_sys::Cache {
    let caches = web_sys::window().unwrap().caches().unwrap();
    JsFuture::from(caches.open("pycage-snapshots"))
        .await
        .unwrap()
        .unchecked_into()
}

#[wasm_bindgen_test]
async fn a_broken_snapshot_in_the_cache_is_dropped_and_the_boot_goes_on() {
    let key = pycage::snapshot_cache_key(&pyodide_url());
    let garbage = js_sys::Uint8Array::new_with_length(4 * 65536);
    let response = web_sys::Response::new_with_opt_buffer_source(Some(&garbage)).unwrap();
    JsFuture::from(snapshot_cache().await.put_with_str(&key, &response))
        .await
        .unwrap();
    let (on_log, logs) = recorder();
    let sb = sandbox(SandboxOptions {
        standby: Some(false),
        on_log: Some(on_log),
        ..opts()
    })
    .await;
    assert!(
        !sb.booted_from_snapshot(),
        "the broken snapshot is not used"
    );
    assert_healthy(&sb).await;
    let log = logs.borrow().clone();
    assert!(
        log.iter().any(|l| l.contains("dropping the boot snapshot")),
        "{log:?}"
    );
    let kept: Promise = snapshot_cache().await.match_with_str(&key);
    let kept = JsFuture::from(kept).await.unwrap();
    assert!(
        kept.is_undefined(),
        "the broken snapshot is deleted from the cache"
    );
    sb.dispose();
    the_next_sandbox_boots_from_the_snapshot_a_disposed_one_left().await;
}

/// Issue 25: the page's first sandbox is disposed before it made the boot
/// snapshot (its standby never started here). The snapshot is made all the
/// same, and the next sandbox waits for it rather than booting the full way.
async fn the_next_sandbox_boots_from_the_snapshot_a_disposed_one_left() {
    let started = now();
    let next = sandbox(SandboxOptions {
        standby: Some(false),
        ..opts()
    })
    .await;
    web_sys::console::log_1(&format!("create to ready: {:.0} ms", now() - started).into());
    assert!(
        next.booted_from_snapshot(),
        "the next sandbox boots from the snapshot the disposed one left"
    );
    assert_healthy(&next).await;
    next.dispose();
}
