//! Helpers shared by the browser test binaries.
#![allow(dead_code)]
// The helpers script the host page itself (a page may eval; pycage may not).
#![allow(clippy::disallowed_methods)]

pub mod attack;

use std::rc::Rc;

use js_sys::{Object, Reflect};
use pycage::{Execution, RunOptions, Sandbox, SandboxOptions, Status};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Where the test server (wasm-bindgen-test's, serving the crate root) has Pyodide.
pub fn pyodide_url() -> String {
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    format!("{origin}/node_modules/pyodide/")
}

/// Options with the test server's Pyodide; override fields with
/// `SandboxOptions { standby: Some(false), ..opts() }`.
pub fn opts() -> SandboxOptions {
    SandboxOptions {
        pyodide_url: Some(pyodide_url()),
        ..Default::default()
    }
}

/// Code that ignores every interrupt, so a deadline must kill its
/// interpreter. It ignores SIGINT rather than catching `KeyboardInterrupt`:
/// the supervisor re-sends the interrupt during the grace period, and one
/// that lands between the `except` and the next `try` escapes a catch.
pub const STUBBORN: &str =
    "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True: pass";

/// Run options with a time limit.
pub fn timeout(ms: f64) -> RunOptions {
    RunOptions {
        timeout: Some(std::time::Duration::from_secs_f64(ms / 1000.0)),
        ..Default::default()
    }
}

/// A callback that records what it is given.
pub fn recorder() -> (pycage::TextCallback, Rc<std::cell::RefCell<Vec<String>>>) {
    let seen = Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = seen.clone();
    (
        Rc::new(move |text: &str| sink.borrow_mut().push(text.to_string())),
        seen,
    )
}

/// `{ pyodideUrl, ...extra }` as a JS object (for the JS API's tests).
pub fn js_options(extra: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    Reflect::set(&obj, &"pyodideUrl".into(), &pyodide_url().into()).unwrap();
    for (key, value) in extra {
        Reflect::set(&obj, &(*key).into(), value).unwrap();
    }
    obj.into()
}

pub fn obj(fields: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    for (key, value) in fields {
        Reflect::set(&obj, &(*key).into(), value).unwrap();
    }
    obj.into()
}

pub async fn sandbox(options: SandboxOptions) -> Sandbox {
    Sandbox::create(options).await.expect("sandbox starts")
}

pub async fn run(sb: &Sandbox, code: &str) -> Execution {
    run_with(sb, code, RunOptions::default()).await
}

pub async fn run_with(sb: &Sandbox, code: &str, options: RunOptions) -> Execution {
    sb.run(code, options).await.expect("the run resolves")
}

/// Asserts the sandbox still works: `print(1+1)` gives "2\n".
pub async fn assert_healthy(sb: &Sandbox) {
    let ex = run(sb, "print(1+1)").await;
    assert_eq!(ex.status, Status::Ok, "follow-up run failed: {ex:?}");
    assert_eq!(ex.stdout, "2\n");
}

/// The kind of each output item, in order: "stdout", "stderr" or "display".
pub fn output_kinds(ex: &Execution) -> Vec<&'static str> {
    ex.outputs
        .iter()
        .map(|o| match o {
            pycage::Output::Stdout { .. } => "stdout",
            pycage::Output::Stderr { .. } => "stderr",
            pycage::Output::Display { .. } => "display",
        })
        .collect()
}

/// The error's type and message, or "" for none.
pub fn error_text(ex: &Execution) -> String {
    ex.error
        .as_ref()
        .map(|e| format!("{}: {}", e.kind, e.message))
        .unwrap_or_default()
}

pub async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

/// Whether the test page can share memory with a worker, what interrupts
/// and input() need: cross-origin isolated (the test server sends COOP/COEP
/// unless WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION is set) and with a
/// `SharedArrayBuffer` (WebKitGTK reports isolation without one).
pub fn cross_origin_isolated() -> bool {
    let global = js_sys::global();
    let isolated = js_sys::Reflect::get(&global, &"crossOriginIsolated".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    isolated
        && js_sys::Reflect::get(&global, &"SharedArrayBuffer".into()).is_ok_and(|v| v.is_function())
}

/// Bytes of the page's wasm memory (pycage's heap: the test binary and the
/// crate are one module).
pub fn wasm_heap() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as f64
}

pub fn now() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

pub fn json(value: &JsValue) -> String {
    js_sys::JSON::stringify(value)
        .map(String::from)
        .unwrap_or_default()
}

/// A field of a JS value, by a dotted path (for the JS API's tests).
pub fn get(value: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(value.clone(), |v, key| {
        Reflect::get(&v, &key.into()).unwrap_or(JsValue::UNDEFINED)
    })
}

/// The error a promise rejects with (the test fails if it resolves).
pub async fn rejects(promise: js_sys::Promise) -> JsValue {
    JsFuture::from(promise).await.expect_err("should reject")
}

pub fn err_name(err: &JsValue) -> String {
    Reflect::get(err, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default()
}

pub fn as_array(value: &JsValue) -> js_sys::Array {
    value.clone().dyn_into().expect("an array")
}

thread_local! {
    static SHARED: std::cell::RefCell<Option<Rc<Sandbox>>> = const { std::cell::RefCell::new(None) };
}

/// One sandbox per test binary for tests that need no fresh interpreter
/// (each boot costs seconds on a 2-core machine).
pub async fn shared() -> Rc<Sandbox> {
    shared_with(opts()).await
}

/// [`shared`], created with `options` (and a 20 s time limit) by whichever
/// call comes first.
pub async fn shared_with(options: SandboxOptions) -> Rc<Sandbox> {
    if let Some(sb) = SHARED.with(|s| s.borrow().clone()) {
        return sb;
    }
    let options = SandboxOptions {
        timeout: Some(std::time::Duration::from_secs(20)),
        ..options
    };
    let sb = Rc::new(sandbox(options).await);
    SHARED.with(|s| *s.borrow_mut() = Some(sb.clone()));
    sb
}

/// The leak listener's record ("METHOD /path" strings) since the last clear.
pub async fn listener_log() -> Vec<String> {
    let url = format!("{}/__log", listener());
    let resp = JsFuture::from(web_sys::window().unwrap().fetch_with_str(&url))
        .await
        .expect("listener is up");
    let resp: web_sys::Response = resp.dyn_into().unwrap();
    let body = JsFuture::from(resp.text().unwrap())
        .await
        .unwrap()
        .as_string()
        .unwrap();
    let arr = js_sys::JSON::parse(&body).unwrap();
    as_array(&arr)
        .iter()
        .map(|v| v.as_string().unwrap())
        .collect()
}

/// This page's own namespace on the leak listener (tests/listener.py):
/// suites run side by side in scripts/engines, the same suite even in two
/// engines at once, and each must read and clear only its own record.
pub fn listener() -> &'static str {
    thread_local! {
        static URL: &'static str = Box::leak(
            format!(
                "{}/ns/{}-{:08x}",
                option_env!("PYCAGE_LISTENER").unwrap_or("http://127.0.0.1:8799"),
                env!("CARGO_CRATE_NAME"),
                (js_sys::Math::random() * f64::from(u32::MAX)) as u32
            )
            .into_boxed_str(),
        );
    }
    URL.with(|url| *url)
}

/// The longest the page's own timer may go without firing during an attack.
/// Generous: this is a debug build on a loaded 2-core machine, and the point
/// is "the page never freezes", not a latency target.
pub const MAX_PAGE_STALL_MS: f64 = 2000.0;
/// The same in WebKit, which runs a sandboxed frame on the page's own
/// thread (docs/browsers.md): the frame's work refusing a flood (a09: 10 MB
/// messages for 5 s) is the page's too, and took 3.0-3.6 s on these
/// machines. A page that the flood froze would stall for the whole run.
pub const MAX_PAGE_STALL_MS_WEBKIT: f64 = 4500.0;

/// WebKit (Safari's engine), not Chromium (whose user agent also says
/// AppleWebKit).
pub fn is_webkit() -> bool {
    let agent = js_sys::eval("navigator.userAgent")
        .unwrap()
        .as_string()
        .unwrap_or_default();
    agent.contains("AppleWebKit") && !agent.contains("Chrome")
}

/// Starts (or restarts) a 25 ms timer on the page that records its longest gap.
pub fn start_heartbeat() {
    js_sys::eval(
        "window.__beat = { last: performance.now(), maxGap: 0, count: 0 };\
         window.__beatTimer = window.__beatTimer || setInterval(() => { const b = window.__beat, t = performance.now();\
         b.maxGap = Math.max(b.maxGap, t - b.last); b.last = t; b.count++; }, 25); 0",
    )
    .unwrap();
}

/// The longest gap of the page's timer since `start_heartbeat`, in ms.
pub fn page_timer_gap() -> f64 {
    let beat =
        js_sys::eval("Math.max(window.__beat.maxGap, performance.now() - window.__beat.last)")
            .unwrap();
    beat.as_f64().unwrap()
}

/// Asserts the page's timer kept firing since `start_heartbeat`.
pub fn assert_page_responsive(what: &str) {
    let beat = js_sys::eval("({ ...window.__beat, maxGap: Math.max(window.__beat.maxGap, performance.now() - window.__beat.last) })").unwrap();
    let max_gap = get(&beat, "maxGap").as_f64().unwrap();
    let count = get(&beat, "count").as_f64().unwrap();
    web_sys::console::log_1(
        &format!("page timer during {what}: {count} ticks, longest gap {max_gap:.0} ms").into(),
    );
    let bound = if is_webkit() {
        MAX_PAGE_STALL_MS_WEBKIT
    } else {
        MAX_PAGE_STALL_MS
    };
    assert!(
        count > 0.0 && max_gap < bound,
        "the page stalled during {what}: longest timer gap {max_gap:.0} ms"
    );
}

/// Waits until the page holds `n` interpreters (standbys boot in the
/// background, and the snapshot's maker outlives a sandbox disposed early).
/// At most 60 s: a full boot in WebKit under load takes 10-20 s.
pub async fn until_live(n: usize) {
    for _ in 0..600 {
        if pycage::live_interpreters() == n {
            return;
        }
        sleep(100).await;
    }
    panic!(
        "the page holds {} interpreters, not {n}",
        pycage::live_interpreters()
    );
}
