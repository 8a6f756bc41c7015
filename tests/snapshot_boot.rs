//! Boot snapshots: a sandbox's standby makes one (before any user code) and
//! keeps it at the page's origin; later interpreters boot from it and behave
//! as after a full boot.
use pycage::{SandboxOptions, Status};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

thread_local! {
    static MAKER: std::cell::RefCell<Option<pycage::Sandbox>> = const { std::cell::RefCell::new(None) };
}

/// A sandbox booted from the page's snapshot. The first call starts a
/// sandbox that leaves a secret in its interpreter and waits (polling the
/// page's CacheStorage) until its standby has stored the snapshot.
async fn from_snapshot() -> pycage::Sandbox {
    if MAKER.with(|m| m.borrow().is_none()) {
        let maker = sandbox(SandboxOptions {
            snapshot: Some(true),
            ..opts()
        })
        .await;
        run(&maker, "secret_of_first = 1").await;
        let key = pycage::snapshot_cache_key(&pyodide_url());
        let caches = web_sys::window().unwrap().caches().unwrap();
        let started = now();
        loop {
            let found = JsFuture::from(caches.match_with_str(&key)).await.unwrap();
            if !found.is_undefined() {
                break;
            }
            assert!(now() - started < 60_000.0, "no snapshot was stored");
            sleep(200).await;
        }
        MAKER.with(|m| *m.borrow_mut() = Some(maker));
    }
    let sb = sandbox(SandboxOptions {
        standby: Some(false),
        ..opts()
    })
    .await;
    assert!(
        sb.booted_from_snapshot(),
        "the interpreter boots from the snapshot"
    );
    sb
}

#[wasm_bindgen_test]
async fn the_snapshot_is_taken_before_any_user_code() {
    let sb = from_snapshot().await;
    assert_healthy(&sb).await;
    let ex = run(&sb, "'secret_of_first' in globals()").await;
    assert_eq!(ex.result_text(), Some("False"), "{ex:?}");
    sb.dispose();
}

#[wasm_bindgen_test]
async fn interrupts_work_after_a_snapshot_boot() {
    let sb = from_snapshot().await;
    let isolated = cross_origin_isolated();
    assert_eq!(sb.interruptible(), isolated);
    let ex = run_with(&sb, "while True: pass", timeout(200.0)).await;
    assert_eq!(ex.status, Status::Timeout, "{ex:?}");
    assert_eq!(ex.interpreter_reset, !isolated, "{ex:?}");
    sb.dispose();
}

#[wasm_bindgen_test]
async fn random_is_reseeded_per_interpreter() {
    let (a, b) = (from_snapshot().await, from_snapshot().await);
    let draw = "import random\nrandom.random()";
    let (x, y) = (run(&a, draw).await, run(&b, draw).await);
    let (x, y) = (x.result_text(), y.result_text());
    assert!(x.is_some(), "no number was drawn");
    assert_ne!(x, y);
    a.dispose();
    b.dispose();
}

#[wasm_bindgen_test]
async fn the_standard_library_imports_after_a_snapshot_boot() {
    let sb = from_snapshot().await;
    let ex = run(&sb, "import csv, decimal\nstr(decimal.Decimal('1.1') * 3)").await;
    assert_eq!(ex.result_text(), Some("'3.3'"), "{ex:?}");
    sb.dispose();
}

#[wasm_bindgen_test]
async fn js_behaves_as_after_a_full_boot() {
    // Pyodide's snapshot-making mode would make this an "Illegal invocation"
    // error instead of a crash.
    let sb = from_snapshot().await;
    let ex = run(&sb, "import js\njs.self.close()").await;
    assert_eq!(ex.status, Status::Crashed, "{ex:?}");
    sb.dispose();
}

#[wasm_bindgen_test]
async fn snapshot_false_boots_without_it() {
    from_snapshot().await.dispose(); // one exists
    let sb = sandbox(SandboxOptions {
        standby: Some(false),
        snapshot: Some(false),
        ..opts()
    })
    .await;
    assert!(!sb.booted_from_snapshot());
    assert_healthy(&sb).await;
    sb.dispose();
}
