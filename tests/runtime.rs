//! The v0.1 runtime in a real browser against real Pyodide (default isolation).
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn hello() {
    let sb = sandbox(&[]).await;
    let ex = run(&sb, "print('hi')\n1+1").await;
    assert_eq!(status(&ex), "ok", "{}", json(&ex));
    assert_eq!(text(&ex, "stdout"), "hi\n");
    assert_eq!(text(&ex, "result.text/plain"), "2");
    sb.dispose();
}

#[wasm_bindgen_test]
async fn hello_worker() {
    let sb = sandbox(&[("isolation", "worker".into())]).await;
    let ex = run(&sb, "print('hi')\n1+1").await;
    assert_eq!(status(&ex), "ok", "{}", json(&ex));
    sb.dispose();
}
