//! Helpers shared by the browser test binaries.
#![allow(dead_code)]

pub mod attack;

use js_sys::{Object, Reflect};
use pycage::Sandbox;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Where the test server (wasm-bindgen-test's, serving the crate root) has Pyodide.
pub fn pyodide_url() -> String {
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    format!("{origin}/node_modules/pyodide/")
}

/// `{ pyodideUrl, ...extra }` as a JS object.
pub fn options(extra: &[(&str, JsValue)]) -> JsValue {
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

pub async fn sandbox(extra: &[(&str, JsValue)]) -> Sandbox {
    Sandbox::create(Some(options(extra).unchecked_into()))
        .await
        .expect("sandbox starts")
}

pub async fn run(sb: &Sandbox, code: &str) -> JsValue {
    run_with(sb, code, JsValue::UNDEFINED).await
}

pub async fn run_with(sb: &Sandbox, code: &str, opts: JsValue) -> JsValue {
    let opts = if opts.is_undefined() {
        None
    } else {
        Some(opts.unchecked_into())
    };
    JsFuture::from(sb.run_python(code.into(), opts))
        .await
        .expect("runPython resolves")
}

pub fn get(value: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(value.clone(), |v, key| {
        Reflect::get(&v, &key.into()).unwrap_or(JsValue::UNDEFINED)
    })
}

pub fn text(value: &JsValue, path: &str) -> String {
    let v = get(value, path);
    v.as_string().unwrap_or_else(|| format!("{v:?}"))
}

pub fn status(ex: &JsValue) -> String {
    text(ex, "status")
}

/// Asserts the sandbox still works: `print(1+1)` gives "2\n".
pub async fn assert_healthy(sb: &Sandbox) {
    let ex = run(sb, "print(1+1)").await;
    assert_eq!(
        status(&ex),
        "ok",
        "follow-up run failed: {:?}",
        js_sys::JSON::stringify(&ex)
    );
    assert_eq!(text(&ex, "stdout"), "2\n");
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

/// Whether the test page is cross-origin isolated (the test server sends
/// COOP/COEP unless WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION is set).
pub fn cross_origin_isolated() -> bool {
    js_sys::Reflect::get(&js_sys::global(), &"crossOriginIsolated".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
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
    static SHARED: std::cell::RefCell<Option<std::rc::Rc<Sandbox>>> = const { std::cell::RefCell::new(None) };
}

/// One sandbox per test binary for tests that need no fresh interpreter
/// (each boot costs seconds on a 2-core machine).
pub async fn shared() -> std::rc::Rc<Sandbox> {
    shared_with(&[]).await
}

/// [`shared`], created with `extra` options by whichever call comes first.
pub async fn shared_with(extra: &[(&str, JsValue)]) -> std::rc::Rc<Sandbox> {
    if let Some(sb) = SHARED.with(|s| s.borrow().clone()) {
        return sb;
    }
    let sb = std::rc::Rc::new(sandbox(&[&[("timeoutMs", 20_000.into())], extra].concat()).await);
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

pub fn listener() -> &'static str {
    option_env!("PYCAGE_LISTENER").unwrap_or("http://127.0.0.1:8799")
}

/// The longest the page's own timer may go without firing during an attack.
/// Generous: this is a debug build on a loaded 2-core machine, and the point
/// is "the page never freezes", not a latency target.
pub const MAX_PAGE_STALL_MS: f64 = 2000.0;

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
    assert!(
        count > 0.0 && max_gap < MAX_PAGE_STALL_MS,
        "the page stalled during {what}: longest timer gap {max_gap:.0} ms"
    );
}
