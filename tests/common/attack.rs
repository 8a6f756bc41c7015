//! The attack harness: the host's planted secrets, the leak listener, and
//! the invariants every attack is held to (tests/attacks*.rs).
use pycage::{Execution, Isolation, RunOptions, Sandbox, SandboxOptions};
use wasm_bindgen::JsCast;

use super::*;

pub const SECRETS: &[&str] = &[
    "PYCAGE-SECRET-FILE-7f3a",
    "COOKIE-SECRET-91b2",
    "IDB-SECRET-5c4d",
    "CACHE-SECRET-e8f0",
];

/// Plants the host's secrets: a cookie, an IndexedDB record, a CacheStorage entry.
pub async fn plant_secrets() {
    let setup = r#"(async () => {
        document.cookie = "pycage_secret=COOKIE-SECRET-91b2; path=/";
        await new Promise((ok, fail) => {
            const req = indexedDB.open("app", 1);
            req.onupgradeneeded = () => req.result.createObjectStore("kv");
            req.onsuccess = () => { const tx = req.result.transaction("kv", "readwrite");
                tx.objectStore("kv").put("IDB-SECRET-5c4d", "token"); tx.oncomplete = ok; tx.onerror = fail; };
            req.onerror = fail;
        });
        const cache = await caches.open("app");
        await cache.put("/secret-cache", new Response("CACHE-SECRET-e8f0"));
    })()"#;
    let promise: js_sys::Promise = js_sys::eval(setup).unwrap().unchecked_into();
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

pub async fn clear_listener() {
    let url = format!("{}/__clear", listener());
    wasm_bindgen_futures::JsFuture::from(web_sys::window().unwrap().fetch_with_str(&url))
        .await
        .unwrap();
}

/// The sandbox the attacks of one suite share, in `isolation`.
pub async fn attack_sandbox_in(isolation: Isolation) -> std::rc::Rc<Sandbox> {
    shared_with(SandboxOptions {
        isolation,
        ..opts()
    })
    .await
}

/// The invariants every attack is held to: nothing planted leaks into the
/// result, the listener records nothing, the page's timer keeps firing, and
/// the same sandbox (or its replacement) then runs `print(1+1)`.
pub async fn attack_on(sb: &Sandbox, code: &str, options: RunOptions) -> Execution {
    plant_secrets().await;
    clear_listener().await;
    start_heartbeat();
    let code = code.replace("LISTENER", listener());
    let ex = run_with(sb, &code, options).await;
    assert_not_leaked(&ex).await;
    assert_healthy(sb).await;
    assert_page_responsive(&code[..code.len().min(60)]);
    ex
}

pub async fn assert_not_leaked(ex: &Execution) {
    let dump = format!("{ex:?}");
    for secret in SECRETS {
        assert!(!dump.contains(secret), "secret {secret} leaked: {dump}");
    }
    sleep(300).await; // let any stray request land
    assert_eq!(
        listener_log().await,
        Vec::<String>::new(),
        "the listener saw a request; result: {dump}"
    );
}

/// Everything the run printed or raised, in one string.
pub fn out(ex: &Execution) -> String {
    format!("{} {} {}", ex.stdout, ex.stderr, error_text(ex))
}
