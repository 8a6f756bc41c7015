//! Attacks beyond SECURITY.md's baseline list, held to the same rules
//! (tests/common/attack.rs).
// The test scripts the host page itself (a page may eval; pycage may not).
#![allow(clippy::disallowed_methods)]
use pycage::{SandboxOptions, Status};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
mod common;
use common::attack::*;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a23_code_left_running_after_its_run_is_stopped_by_the_next_deadline() {
    // A timer keeps Python busy after the run returns: the next run cannot
    // start, so its deadline must kill the interpreter (an interrupt would
    // land in the attacker's code, which can catch it).
    let sb = sandbox(SandboxOptions {
        timeout_ms: Some(1500.0),
        isolation: isolation(),
        ..opts()
    })
    .await;
    start_heartbeat();
    let code = "import js\nfrom pyodide.ffi import create_once_callable\n\
        def spin():\n    while True:\n        try:\n            while True: pass\n        except BaseException: pass\n\
        js.setTimeout(create_once_callable(spin), 200)\n'scheduled'";
    let ex = run(&sb, code).await;
    assert_eq!(ex.result_text(), Some("'scheduled'"), "{ex:?}");
    sleep(500).await; // the timer has fired: the worker is spinning
    let ex = run(&sb, "print('never')").await;
    assert_eq!(ex.status, Status::Timeout, "{ex:?}");
    assert!(ex.interpreter_reset, "{ex:?}");
    assert_healthy(&sb).await;
    assert_page_responsive("a background busy loop");
    sb.dispose();
}

#[wasm_bindgen_test]
async fn a24_broadcast_channels_and_locks_stay_in_the_sandbox() {
    // The page listens on a BroadcastChannel its other tabs share, and its
    // Web Locks must stay available.
    js_sys::eval("window.__bc = []; window.__bcChannel = new BroadcastChannel('app'); window.__bcChannel.onmessage = (e) => window.__bc.push(e.data); 0").unwrap();
    let code = "import js, asyncio\nfrom pyodide.ffi import create_proxy\n\
        js.BroadcastChannel.new('app').postMessage('HIJACK')\n\
        hold = create_proxy(lambda lock: js.Promise.new(create_proxy(lambda ok, fail: None)))\n\
        try:\n    await asyncio.wait_for(js.navigator.locks.request('app-lock', hold), 0.5)\n\
        except BaseException as e:\n    print('locks:', type(e).__name__)";
    let ex = attack(code).await;
    assert_eq!(
        json(&js_sys::eval("window.__bc").unwrap()),
        "[]",
        "a message crossed into the page: {ex:?}"
    );
    let free = js_sys::eval(
        "navigator.locks.request('app-lock', { ifAvailable: true }, (lock) => lock !== null)",
    )
    .unwrap();
    let free = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(free))
        .await
        .unwrap();
    assert_eq!(
        free,
        JsValue::TRUE,
        "the sandbox holds the page's lock: {ex:?}"
    );
}

#[wasm_bindgen_test]
async fn a25_a_poisoned_runtime_cannot_crash_the_page() {
    // User code replaces what the worker uses to build its messages, so the
    // reply is 20 000 levels deep: the page's decoder must not recurse into it.
    let code = "import js\nfrom pyodide.ffi import create_proxy\n\
        orig = js.Object.fromEntries\n\
        def deep(n):\n    root = cur = js.Object.new()\n    for _ in range(n):\n        nxt = js.Object.new()\n        setattr(cur, 'text/plain', nxt)\n        cur = nxt\n    return root\n\
        def poisoned(entries):\n    o = orig(entries)\n    o.result = deep(20000)\n    o.data = deep(20000)\n    return o\n\
        js.Object.fromEntries = create_proxy(poisoned)\n'x'";
    // Its own sandbox: whether the poison outlives the run depends on the
    // engine (Chromium's postMessage refuses the deep reply and the worker
    // is replaced; Gecko and WebKit send it), and it must not slow the
    // attacks that share the suite's sandbox.
    let sb = sandbox(SandboxOptions {
        isolation: isolation(),
        standby: Some(false),
        ..opts()
    })
    .await;
    let ex = attack_on(&sb, code, timeout(5000.0)).await;
    sb.dispose();
    assert!(
        [Status::Ok, Status::Timeout, Status::Crashed, Status::Error].contains(&ex.status),
        "{ex:?}"
    );
    // No result, or one whose text/plain is text (not the forged object tree).
    assert!(
        ex.result
            .as_ref()
            .is_none_or(|result| result.text().is_some()),
        "{ex:?}"
    );
}

#[wasm_bindgen_test]
async fn a26_nested_workers_inherit_the_lockdown() {
    let code = "import js, asyncio\nfrom pyodide.ffi import to_js\n\
        src = \"fetch('LISTENER/nested').catch(() => {}); try { new WebSocket('ws://127.0.0.1:8799/nested') } catch (e) {}\"\n\
        blob = js.Blob.new(to_js([src]), to_js({'type': 'text/javascript'}))\n\
        w = js.Worker.new(js.URL.createObjectURL(blob))\n\
        await asyncio.sleep(0.5)\nprint('spawned')";
    let ex = attack(code).await;
    // Whether the nested worker starts or not, nothing it tried may arrive.
    assert!([Status::Ok, Status::Error].contains(&ex.status), "{ex:?}");
}

#[wasm_bindgen_test]
async fn a27_no_service_worker_for_the_page() {
    let code = "import js\nsw = getattr(js.navigator, 'serviceWorker', None)\nprint('exposed', sw is not None)\n\
        if sw is not None:\n    await sw.register('/tests/fixtures/sw.js')";
    attack(code).await;
    let regs =
        js_sys::eval("navigator.serviceWorker.getRegistrations().then((r) => r.length)").unwrap();
    let regs = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(regs))
        .await
        .unwrap();
    assert_eq!(regs.as_f64(), Some(0.0));
}
