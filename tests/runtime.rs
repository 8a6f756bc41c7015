//! The v0.1 runtime in a real browser against real Pyodide (default, iframe isolation).
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use pycage::{Error, Isolation, Output, RunOptions, Sandbox, SandboxOptions, Status};
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
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    assert_eq!(ex.stdout, "a\nc\n");
    assert_eq!(ex.stderr, "b\n");
    assert_eq!(
        ex.outputs,
        [
            Output::Stdout { text: "a\n".into() },
            Output::Stderr { text: "b\n".into() },
            Output::Stdout { text: "c\n".into() },
        ]
    );
    assert!(!ex.interpreter_reset);
    assert_eq!(sb.isolation(), Isolation::Iframe);
}

#[wasm_bindgen_test]
async fn unicode_emoji_and_lone_surrogates() {
    let sb = shared().await;
    let ex = run(&sb, "print('héllo 🐍 世界')\nprint('x\\ud800y')\n'🐍'").await;
    assert_eq!(ex.stdout, "héllo 🐍 世界\nx\u{fffd}y\n", "{ex:?}");
    assert_eq!(ex.result_text(), Some("'🐍'"));
}

#[wasm_bindgen_test]
async fn exception_is_data_with_type_line_and_traceback() {
    let sb = shared().await;
    let ex = run(&sb, "x = 1\n\ndef f():\n    return {}['missing']\n\nf()").await;
    assert_eq!(ex.status, Status::Error);
    let error = ex.error.expect("a KeyError");
    assert_eq!(error.kind, "KeyError");
    assert_eq!(error.message, "'missing'");
    assert_eq!(error.line, Some(4));
    let tb = &error.traceback;
    assert!(
        tb.contains("return {}['missing']") && tb.contains("KeyError"),
        "{tb}"
    );
    assert!(
        !tb.contains("_pycage") && !tb.contains("/pyodide/") && !tb.contains("_pyodide"),
        "{tb}"
    );
    let ex = run(&sb, "def broken(:\n  pass").await;
    let error = ex.error.expect("a SyntaxError");
    assert_eq!(error.kind, "SyntaxError");
    assert_eq!(error.line, Some(1));
}

#[wasm_bindgen_test]
async fn last_expression_value_and_none() {
    let sb = shared().await;
    let ex = run(&sb, "a = [1, 2]\na + [3]").await;
    assert_eq!(ex.result_text(), Some("[1, 2, 3]"));
    let ex = run(&sb, "None").await;
    assert_eq!(ex.result, None);
    let ex = run(&sb, "x = 3").await;
    assert_eq!(ex.result, None);
}

#[wasm_bindgen_test]
async fn top_level_await_runs_as_main() {
    let sb = shared().await;
    let ex = run(&sb, "import asyncio\nawait asyncio.sleep(0.01)\n__name__").await;
    assert_eq!(ex.result_text(), Some("'__main__'"), "{ex:?}");
}

#[wasm_bindgen_test]
async fn state_persists_and_reset_clears_it() {
    let sb = sandbox(opts()).await;
    run(&sb, "counter = 41").await;
    let ex = run(&sb, "counter + 1").await;
    assert_eq!(ex.result_text(), Some("42"));
    let started = now();
    sb.reset().await.expect("reset resolves");
    let reset_ms = now() - started;
    let ex = run(&sb, "counter").await;
    assert_eq!(ex.status, Status::Error);
    assert_eq!(ex.error.expect("a NameError").kind, "NameError");
    web_sys::console::log_1(&format!("reset() with a warm standby took {reset_ms:.0} ms").into());
    sb.dispose();
}

#[wasm_bindgen_test]
async fn infinite_loop_times_out_and_next_run_works() {
    let sb = sandbox(opts()).await;
    run(&sb, "kept = 'still here'").await;
    let started = now();
    // The next run is queued behind the stuck one, and says how long it waited.
    let stuck = sb.run("while True: pass", timeout(300.0));
    let next = sb.run("1 + 1", RunOptions::default());
    let ex = stuck.await.expect("the run resolves");
    let took = now() - started;
    assert_eq!(ex.status, Status::Timeout, "{ex:?}");
    assert_eq!(
        ex.error.as_ref().map(|e| e.kind.as_str()),
        Some("TimeoutError")
    );
    assert!(took < 3000.0, "timeout took {took} ms");
    let reset = ex.interpreter_reset;
    let after = next.await.expect("the next run resolves");
    let total = now() - started;
    assert_eq!(after.result_text(), Some("2"), "{after:?}");
    let waited = after.waited_ms;
    // It was queued just after the stuck run started, and started as that one ended.
    assert!((waited - ex.duration_ms).abs() < 50.0 || reset, "{after:?}");
    assert!(
        waited >= ex.duration_ms - 50.0 && waited + after.duration_ms <= total + 1.0,
        "{after:?}"
    );
    web_sys::console::log_1(
        &format!("timeout: resolved after {took:.0} ms (limit 300), the next run waited {waited:.0} ms, reset={reset}").into(),
    );
    // State is kept only when the interrupt path worked.
    let ex = run(&sb, "kept").await;
    assert_eq!(ex.status == Status::Ok, !reset, "{ex:?}");
    sb.dispose();
}

#[wasm_bindgen_test]
async fn a_deadline_before_the_run_starts_still_interrupts_it() {
    // The previous run leaves the worker busy (a JS timer running Python),
    // so the next run's deadline passes before the worker starts it. The
    // interrupt must wait for that run, not hit the timer's code or be lost.
    for isolation in [Isolation::Iframe, Isolation::Worker] {
        let sb = sandbox(SandboxOptions {
            isolation,
            standby: Some(false),
            ..opts()
        })
        .await;
        if !sb.interruptible() {
            sb.dispose();
            continue; // not cross-origin isolated: timeouts terminate instead
        }
        let busy = "import js, time\nfrom pyodide.ffi import create_once_callable\nkept = 'yes'\n\
            def spin():\n    global spun\n    t = time.time()\n    while time.time() - t < 0.45: pass\n    spun = True\n\
            js.setTimeout(create_once_callable(spin), 0)";
        run(&sb, busy).await;
        let ex = run_with(&sb, "while True: pass", timeout(200.0)).await;
        assert_eq!(ex.status, Status::Timeout, "{isolation:?}: {ex:?}");
        assert!(
            !ex.interpreter_reset,
            "{isolation:?}: interrupt lost: {ex:?}"
        );
        let ex = run(&sb, "(kept, spun)").await;
        assert_eq!(
            ex.result_text(),
            Some("('yes', True)"),
            "{isolation:?}: {ex:?}"
        );
        sb.dispose();
    }
}

#[wasm_bindgen_test]
async fn sleep_forever_times_out() {
    let sb = shared().await;
    let ex = run_with(&sb, "import time\ntime.sleep(10**6)", timeout(300.0)).await;
    assert_eq!(ex.status, Status::Timeout, "{ex:?}");
    assert_healthy(&sb).await;
}

#[wasm_bindgen_test]
async fn abort_signal_cancels_a_run() {
    let sb = shared().await;
    let controller = web_sys::AbortController::new().unwrap();
    let with_signal = || RunOptions {
        signal: Some(controller.signal()),
        ..Default::default()
    };
    let running = sb.run("while True: pass", with_signal());
    sleep(200).await;
    controller.abort();
    let ex = running.await.expect("the run resolves");
    assert_eq!(ex.status, Status::Cancelled, "{ex:?}");
    // An already-aborted signal cancels before the run starts.
    let ex = run_with(&sb, "print('never')", with_signal()).await;
    assert_eq!(ex.status, Status::Cancelled);
    assert_eq!(ex.stdout, "");
    assert_healthy(&sb).await;
}

#[wasm_bindgen_test]
async fn worker_closing_itself_is_a_crash() {
    let sb = shared().await;
    let ex = run(&sb, "import js\nprint('before')\njs.self.close()").await;
    assert_eq!(ex.status, Status::Crashed, "{ex:?}");
    assert!(ex.interpreter_reset);
    assert_healthy(&sb).await;
}

#[wasm_bindgen_test]
async fn os_exit_is_reported_and_next_run_works() {
    let sb = shared().await;
    let ex = run(&sb, "import os\nos._exit(0)").await;
    assert_eq!(ex.status, Status::Crashed, "{ex:?}");
    assert_healthy(&sb).await;
    let ex = run(&sb, "raise SystemExit(3)").await;
    assert_eq!(ex.status, Status::Error);
    let error = ex.error.expect("a SystemExit");
    assert_eq!(error.kind, "SystemExit");
    assert_eq!(error.message, "3");
    let ex = run(&sb, "import sys\nsys.exit()").await;
    assert_eq!(ex.error.expect("a SystemExit").kind, "SystemExit");
    assert_healthy(&sb).await;
}

#[wasm_bindgen_test]
async fn forged_post_message_does_not_settle_the_run() {
    let sb = shared().await;
    let code = "import js\nfrom pyodide.ffi import to_js\n\
        for i in range(1, 50):\n    js.postMessage(to_js({'type': 'done', 'id': i, 'status': 'ok'}))\n\
        print('real')";
    let ex = run(&sb, code).await;
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    assert_eq!(ex.stdout, "real\n");
    assert_healthy(&sb).await;
}

/// Why `Sandbox::create` failed (the test fails if it started).
async fn create_error(options: SandboxOptions) -> Error {
    match Sandbox::create(options).await {
        Ok(sb) => {
            sb.dispose();
            panic!("the sandbox started")
        }
        Err(err) => err,
    }
}

#[wasm_bindgen_test]
async fn unreachable_pyodide_url_is_a_quick_init_error() {
    let started = now();
    let err = create_error(SandboxOptions {
        pyodide_url: Some("http://127.0.0.1:9/nothing/".into()),
        ..opts()
    })
    .await;
    let Error::Init { message, url } = err else {
        panic!("expected Error::Init, got {err:?}")
    };
    assert!(message.contains("http://127.0.0.1:9/nothing/"), "{message}");
    assert_eq!(
        url.as_deref(),
        Some("http://127.0.0.1:9/nothing/pyodide.mjs")
    );
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    let err = create_error(SandboxOptions {
        pyodide_url: Some(format!("{origin}/no-such-folder/")),
        ..opts()
    })
    .await;
    let Error::Init { message, .. } = err else {
        panic!("expected Error::Init, got {err:?}")
    };
    assert!(message.contains("HTTP 404"), "{message}");
    assert!(now() - started < 10_000.0);
}

#[wasm_bindgen_test]
async fn dispose_settles_pending_and_rejects_later_calls() {
    let sb = sandbox(SandboxOptions {
        standby: Some(false),
        ..opts()
    })
    .await;
    let (on_stdout, seen) = recorder();
    let running = sb.run(
        "print('started', flush=True)\nwhile True: pass",
        RunOptions {
            on_stdout: Some(on_stdout),
            ..Default::default()
        },
    );
    let queued = sb.run("print('queued')", RunOptions::default());
    // Disposed once the output is on the page: a fixed wait raced it when
    // the page was busy (WebKit).
    for _ in 0..400 {
        if seen.borrow().concat() == "started\n" {
            break;
        }
        sleep(25).await;
    }
    sb.dispose();
    assert!(sb.is_disposed());
    let ex = running.await.expect("the running run resolves");
    assert_eq!(ex.status, Status::Cancelled, "{ex:?}");
    assert_eq!(ex.stdout, "started\n", "output already produced is kept");
    assert_eq!(queued.await, Err(Error::Disposed));
    assert_eq!(
        sb.run("1", RunOptions::default()).await,
        Err(Error::Disposed)
    );
    assert_eq!(sb.reset().await, Err(Error::Disposed));
}

#[wasm_bindgen_test]
async fn queued_runs_execute_in_order() {
    let sb = shared().await;
    run(&sb, "order = []").await;
    // Each run is queued when `run` is called, before any is awaited.
    let runs: Vec<_> = (0..8)
        .map(|i| {
            sb.run(
                &format!("order.append({i})\nlen(order)"),
                RunOptions::default(),
            )
        })
        .collect();
    let mut results = Vec::new();
    for queued in runs {
        let ex = queued.await.expect("the run resolves");
        results.push(ex.result_text().unwrap_or_default().to_string());
    }
    assert_eq!(results, ["1", "2", "3", "4", "5", "6", "7", "8"]);
    let ex = run(&sb, "order").await;
    assert_eq!(ex.result_text(), Some("[0, 1, 2, 3, 4, 5, 6, 7]"));
}

#[wasm_bindgen_test]
async fn stdout_streams_before_the_run_completes() {
    let sb = shared().await;
    let chunks = Rc::new(RefCell::new(Vec::<String>::new()));
    let first_chunk_at = Rc::new(Cell::new(0.0));
    let (sink, seen) = (chunks.clone(), first_chunk_at.clone());
    let on_stdout: pycage::TextCallback = Rc::new(move |chunk: &str| {
        if seen.get() == 0.0 {
            seen.set(now());
        }
        sink.borrow_mut().push(chunk.to_string());
    });
    let code = "import time\nfor i in range(3):\n    print('tick', i)\n    time.sleep(0.3)";
    let options = RunOptions {
        on_stdout: Some(on_stdout),
        ..Default::default()
    };
    let ex = run_with(&sb, code, options).await;
    let done_at = now();
    assert_eq!(ex.stdout, "tick 0\ntick 1\ntick 2\n");
    let chunks = chunks.borrow();
    assert_eq!(chunks.concat(), "tick 0\ntick 1\ntick 2\n");
    assert!(
        chunks.len() >= 2,
        "expected several chunks, got {}",
        chunks.len()
    );
    assert!(
        done_at - first_chunk_at.get() > 400.0,
        "first chunk came only at the end"
    );
}

#[wasm_bindgen_test]
async fn output_over_the_cap_is_truncated() {
    let sb = sandbox(SandboxOptions {
        max_output_bytes: Some(1000),
        standby: Some(false),
        ..opts()
    })
    .await;
    let ex = run(
        &sb,
        "print('A' * 10**6)\nfor i in range(10**5): print(i)\n'done'",
    )
    .await;
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    assert_eq!(ex.stdout.len(), 1000);
    assert!(ex.truncated);
    assert_eq!(ex.result_text(), Some("'done'"));
    let ex = run(&sb, "print('small')").await;
    assert!(!ex.truncated);
    sb.dispose();
}

#[wasm_bindgen_test]
async fn sandboxes_do_not_share_state() {
    let a = shared().await;
    let b = sandbox(SandboxOptions {
        standby: Some(false),
        ..opts()
    })
    .await;
    run(&a, "only_in_a = 1").await;
    let ex = run(&b, "only_in_a").await;
    assert_eq!(ex.error.expect("a NameError").kind, "NameError");
    b.dispose();
}
