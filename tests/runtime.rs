//! The v0.1 runtime in a real browser against real Pyodide (default, iframe isolation).
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn stdout_stderr_keep_their_order() {
    let sb = shared().await;
    let ex = run(
        &sb,
        "import sys\nprint('a')\nprint('b', file=sys.stderr)\nprint('c')",
    )
    .await;
    assert_eq!(status(&ex), "ok", "{}", json(&ex));
    assert_eq!(text(&ex, "stdout"), "a\nc\n");
    assert_eq!(text(&ex, "stderr"), "b\n");
    let outputs = as_array(&get(&ex, "outputs"));
    let kinds: Vec<String> = outputs.iter().map(|o| text(&o, "type")).collect();
    assert_eq!(kinds, ["stdout", "stderr", "stdout"]);
    assert_eq!(get(&ex, "interpreterReset"), JsValue::FALSE);
    assert_eq!(sb.isolation(), "iframe");
}

#[wasm_bindgen_test]
async fn unicode_emoji_and_lone_surrogates() {
    let sb = shared().await;
    let ex = run(&sb, "print('héllo 🐍 世界')\nprint('x\\ud800y')\n'🐍'").await;
    assert_eq!(
        text(&ex, "stdout"),
        "héllo 🐍 世界\nx\u{fffd}y\n",
        "{}",
        json(&ex)
    );
    assert_eq!(text(&ex, "result.text/plain"), "'🐍'");
}

#[wasm_bindgen_test]
async fn exception_is_data_with_type_line_and_traceback() {
    let sb = shared().await;
    let ex = run(&sb, "x = 1\n\ndef f():\n    return {}['missing']\n\nf()").await;
    assert_eq!(status(&ex), "error");
    assert_eq!(text(&ex, "error.type"), "KeyError");
    assert_eq!(text(&ex, "error.message"), "'missing'");
    assert_eq!(get(&ex, "error.line").as_f64(), Some(4.0));
    let tb = text(&ex, "error.traceback");
    assert!(
        tb.contains("return {}['missing']") && tb.contains("KeyError"),
        "{tb}"
    );
    assert!(
        !tb.contains("_pycage") && !tb.contains("/pyodide/") && !tb.contains("_pyodide"),
        "{tb}"
    );
    let ex = run(&sb, "def broken(:\n  pass").await;
    assert_eq!(text(&ex, "error.type"), "SyntaxError");
    assert_eq!(get(&ex, "error.line").as_f64(), Some(1.0));
}

#[wasm_bindgen_test]
async fn last_expression_value_and_none() {
    let sb = shared().await;
    let ex = run(&sb, "a = [1, 2]\na + [3]").await;
    assert_eq!(text(&ex, "result.text/plain"), "[1, 2, 3]");
    let ex = run(&sb, "None").await;
    assert!(get(&ex, "result").is_null());
    let ex = run(&sb, "x = 3").await;
    assert!(get(&ex, "result").is_null());
}

#[wasm_bindgen_test]
async fn top_level_await_runs_as_main() {
    let sb = shared().await;
    let ex = run(&sb, "import asyncio\nawait asyncio.sleep(0.01)\n__name__").await;
    assert_eq!(
        text(&ex, "result.text/plain"),
        "'__main__'",
        "{}",
        json(&ex)
    );
}

#[wasm_bindgen_test]
async fn state_persists_and_reset_clears_it() {
    let sb = sandbox(&[]).await;
    run(&sb, "counter = 41").await;
    let ex = run(&sb, "counter + 1").await;
    assert_eq!(text(&ex, "result.text/plain"), "42");
    let started = now();
    JsFuture::from(sb.reset()).await.unwrap();
    let reset_ms = now() - started;
    let ex = run(&sb, "counter").await;
    assert_eq!(status(&ex), "error");
    assert_eq!(text(&ex, "error.type"), "NameError");
    web_sys::console::log_1(&format!("reset() with a warm standby took {reset_ms:.0} ms").into());
    sb.dispose();
}

#[wasm_bindgen_test]
async fn infinite_loop_times_out_and_next_run_works() {
    let sb = sandbox(&[]).await;
    run(&sb, "kept = 'still here'").await;
    let started = now();
    let ex = run_with(&sb, "while True: pass", obj(&[("timeoutMs", 300.into())])).await;
    let took = now() - started;
    assert_eq!(status(&ex), "timeout", "{}", json(&ex));
    assert_eq!(text(&ex, "error.type"), "TimeoutError");
    assert!(took < 3000.0, "timeout took {took} ms");
    let reset = get(&ex, "interpreterReset").as_bool().unwrap();
    let recovered_at = now();
    assert_healthy(&sb).await;
    let recovery = now() - recovered_at;
    web_sys::console::log_1(
        &format!("timeout: resolved after {took:.0} ms (limit 300), next run after {recovery:.0} ms, reset={reset}").into(),
    );
    // State is kept only when the interrupt path worked.
    let ex = run(&sb, "kept").await;
    assert_eq!(status(&ex) == "ok", !reset, "{}", json(&ex));
    sb.dispose();
}

#[wasm_bindgen_test]
async fn a_deadline_before_the_run_starts_still_interrupts_it() {
    // The previous run leaves the worker busy (a JS timer running Python),
    // so the next run's deadline passes before the worker starts it. The
    // interrupt must wait for that run, not hit the timer's code or be lost.
    for isolation in ["iframe", "worker"] {
        let sb = sandbox(&[("isolation", isolation.into()), ("standby", false.into())]).await;
        if !sb.interruptible() {
            sb.dispose();
            continue; // not cross-origin isolated: timeouts terminate instead
        }
        let busy = "import js, time\nfrom pyodide.ffi import create_once_callable\nkept = 'yes'\n\
            def spin():\n    global spun\n    t = time.time()\n    while time.time() - t < 0.45: pass\n    spun = True\n\
            js.setTimeout(create_once_callable(spin), 0)";
        run(&sb, busy).await;
        let ex = run_with(&sb, "while True: pass", obj(&[("timeoutMs", 200.into())])).await;
        assert_eq!(status(&ex), "timeout", "{isolation}: {}", json(&ex));
        assert_eq!(
            get(&ex, "interpreterReset"),
            JsValue::FALSE,
            "{isolation}: interrupt lost: {}",
            json(&ex)
        );
        let ex = run(&sb, "(kept, spun)").await;
        assert_eq!(
            text(&ex, "result.text/plain"),
            "('yes', True)",
            "{isolation}: {}",
            json(&ex)
        );
        sb.dispose();
    }
}

#[wasm_bindgen_test]
async fn sleep_forever_times_out() {
    let sb = shared().await;
    let ex = run_with(
        &sb,
        "import time\ntime.sleep(10**6)",
        obj(&[("timeoutMs", 300.into())]),
    )
    .await;
    assert_eq!(status(&ex), "timeout", "{}", json(&ex));
    assert_healthy(&sb).await;
}

#[wasm_bindgen_test]
async fn abort_signal_cancels_a_run() {
    let sb = shared().await;
    let controller = web_sys::AbortController::new().unwrap();
    let promise = sb.run_python(
        "while True: pass".into(),
        Some(obj(&[("signal", controller.signal().into())]).unchecked_into()),
    );
    sleep(200).await;
    controller.abort();
    let ex = JsFuture::from(promise).await.unwrap();
    assert_eq!(status(&ex), "cancelled", "{}", json(&ex));
    // An already-aborted signal cancels before the run starts.
    let ex = run_with(
        &sb,
        "print('never')",
        obj(&[("signal", controller.signal().into())]),
    )
    .await;
    assert_eq!(status(&ex), "cancelled");
    assert_eq!(text(&ex, "stdout"), "");
    assert_healthy(&sb).await;
}

#[wasm_bindgen_test]
async fn worker_closing_itself_is_a_crash() {
    let sb = shared().await;
    let ex = run(&sb, "import js\nprint('before')\njs.self.close()").await;
    assert_eq!(status(&ex), "crashed", "{}", json(&ex));
    assert_eq!(get(&ex, "interpreterReset"), JsValue::TRUE);
    assert_healthy(&sb).await;
}

#[wasm_bindgen_test]
async fn os_exit_is_reported_and_next_run_works() {
    let sb = shared().await;
    let ex = run(&sb, "import os\nos._exit(0)").await;
    assert_eq!(status(&ex), "crashed", "{}", json(&ex));
    assert_healthy(&sb).await;
    let ex = run(&sb, "raise SystemExit(3)").await;
    assert_eq!(status(&ex), "error");
    assert_eq!(text(&ex, "error.type"), "SystemExit");
    assert_eq!(text(&ex, "error.message"), "3");
    let ex = run(&sb, "import sys\nsys.exit()").await;
    assert_eq!(text(&ex, "error.type"), "SystemExit");
    assert_healthy(&sb).await;
}

#[wasm_bindgen_test]
async fn forged_post_message_does_not_settle_the_run() {
    let sb = shared().await;
    let code = "import js\nfrom pyodide.ffi import to_js\n\
        for i in range(1, 50):\n    js.postMessage(to_js({'type': 'done', 'id': i, 'status': 'ok'}))\n\
        print('real')";
    let ex = run(&sb, code).await;
    assert_eq!(status(&ex), "ok", "{}", json(&ex));
    assert_eq!(text(&ex, "stdout"), "real\n");
    assert_healthy(&sb).await;
}

#[wasm_bindgen_test]
async fn unreachable_pyodide_url_is_a_quick_init_error() {
    let started = now();
    let opts = obj(&[("pyodideUrl", "http://127.0.0.1:9/nothing/".into())]);
    let err = pycage::Sandbox::create(Some(opts.unchecked_into()))
        .await
        .err()
        .expect("rejects");
    assert_eq!(err_name(&err), "SandboxInitError");
    assert!(
        text(&err, "message").contains("http://127.0.0.1:9/nothing/"),
        "{}",
        text(&err, "message")
    );
    assert_eq!(text(&err, "url"), "http://127.0.0.1:9/nothing/pyodide.mjs");
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    let opts = obj(&[("pyodideUrl", format!("{origin}/no-such-folder/").into())]);
    let err = pycage::Sandbox::create(Some(opts.unchecked_into()))
        .await
        .err()
        .expect("rejects");
    assert_eq!(err_name(&err), "SandboxInitError");
    assert!(
        text(&err, "message").contains("HTTP 404"),
        "{}",
        text(&err, "message")
    );
    assert!(now() - started < 10_000.0);
}

#[wasm_bindgen_test]
async fn dispose_settles_pending_and_rejects_later_calls() {
    let sb = sandbox(&[("standby", false.into())]).await;
    let running = sb.run_python(
        "print('started', flush=True)\nwhile True: pass".into(),
        None,
    );
    let queued = sb.run_python("print('queued')".into(), None);
    sleep(300).await;
    sb.dispose();
    let ex = JsFuture::from(running).await.unwrap();
    assert_eq!(status(&ex), "cancelled");
    assert_eq!(
        text(&ex, "stdout"),
        "started\n",
        "output already produced is kept"
    );
    assert_eq!(err_name(&rejects(queued).await), "SandboxDisposedError");
    assert_eq!(
        err_name(&rejects(sb.run_python("1".into(), None)).await),
        "SandboxDisposedError"
    );
    assert_eq!(err_name(&rejects(sb.reset()).await), "SandboxDisposedError");
}

#[wasm_bindgen_test]
async fn queued_runs_execute_in_order() {
    let sb = shared().await;
    run(&sb, "order = []").await;
    let promises: Vec<_> = (0..8)
        .map(|i| sb.run_python(format!("order.append({i})\nlen(order)").into(), None))
        .collect();
    let mut results = Vec::new();
    for p in promises {
        results.push(text(&JsFuture::from(p).await.unwrap(), "result.text/plain"));
    }
    assert_eq!(results, ["1", "2", "3", "4", "5", "6", "7", "8"]);
    let ex = run(&sb, "order").await;
    assert_eq!(text(&ex, "result.text/plain"), "[0, 1, 2, 3, 4, 5, 6, 7]");
}

#[wasm_bindgen_test]
async fn stdout_streams_before_the_run_completes() {
    let sb = shared().await;
    let chunks = js_sys::Array::new();
    let first_chunk_at = std::rc::Rc::new(std::cell::Cell::new(0.0));
    let seen = first_chunk_at.clone();
    let sink = chunks.clone();
    let on_stdout =
        wasm_bindgen::closure::Closure::<dyn FnMut(JsValue)>::new(move |chunk: JsValue| {
            if seen.get() == 0.0 {
                seen.set(now());
            }
            sink.push(&chunk);
        });
    let code = "import time\nfor i in range(3):\n    print('tick', i)\n    time.sleep(0.3)";
    let opts = obj(&[("onStdout", on_stdout.as_ref().clone())]);
    let ex = run_with(&sb, code, opts).await;
    let done_at = now();
    assert_eq!(text(&ex, "stdout"), "tick 0\ntick 1\ntick 2\n");
    let joined: String = chunks.iter().map(|c| c.as_string().unwrap()).collect();
    assert_eq!(joined, "tick 0\ntick 1\ntick 2\n");
    assert!(
        chunks.length() >= 2,
        "expected several chunks, got {}",
        chunks.length()
    );
    assert!(
        done_at - first_chunk_at.get() > 400.0,
        "first chunk came only at the end"
    );
}

#[wasm_bindgen_test]
async fn output_over_the_cap_is_truncated() {
    let sb = sandbox(&[("maxOutputBytes", 1000.into()), ("standby", false.into())]).await;
    let ex = run(
        &sb,
        "print('A' * 10**6)\nfor i in range(10**5): print(i)\n'done'",
    )
    .await;
    assert_eq!(status(&ex), "ok", "{}", json(&ex));
    assert_eq!(text(&ex, "stdout").len(), 1000);
    assert_eq!(get(&ex, "truncated"), JsValue::TRUE);
    assert_eq!(text(&ex, "result.text/plain"), "'done'");
    let ex = run(&sb, "print('small')").await;
    assert_eq!(get(&ex, "truncated"), JsValue::FALSE);
    sb.dispose();
}

#[wasm_bindgen_test]
async fn one_shot_run_python_uses_a_shared_sandbox() {
    let opts = options(&[("timeoutMs", 5000.into())]);
    let ex = JsFuture::from(pycage::run_python(
        "shared_value = 7\nshared_value".into(),
        Some(opts.unchecked_into()),
    ))
    .await
    .unwrap();
    assert_eq!(text(&ex, "result.text/plain"), "7", "{}", json(&ex));
    let ex = JsFuture::from(pycage::run_python("shared_value * 6".into(), None))
        .await
        .unwrap();
    assert_eq!(text(&ex, "result.text/plain"), "42");
}

#[wasm_bindgen_test]
async fn sandboxes_do_not_share_state() {
    let a = shared().await;
    let b = sandbox(&[("standby", false.into())]).await;
    run(&a, "only_in_a = 1").await;
    let ex = run(&b, "only_in_a").await;
    assert_eq!(text(&ex, "error.type"), "NameError");
    let _ = Reflect::get(&ex, &"status".into());
    b.dispose();
}
