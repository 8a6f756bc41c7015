//! Standbys shared by a page's sandboxes with the same boot settings: one
//! per configuration, handed to exactly one sandbox, never one that ran code.
use pycage::{live_interpreters, SandboxOptions, Status};
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn sandboxes_share_one_standby_and_each_takes_it_in_turn() {
    let a = sandbox(opts()).await;
    let b = sandbox(opts()).await;
    let other = sandbox(SandboxOptions {
        max_output_bytes: Some(1000),
        ..opts()
    })
    .await;
    // Two actives and one standby for the two alike; `other` keeps its own.
    until_live(5).await;
    assert_eq!(live_interpreters(), 5, "one standby per configuration");
    run(&a, "secret = 'a'").await;
    run(&b, "secret = 'b'").await;
    // `a` times out and is replaced: the shared standby, ready, is its.
    let started = now();
    let ex = run_with(&a, STUBBORN, timeout(300.0)).await;
    assert_eq!(
        (ex.status, ex.interpreter_reset),
        (Status::Timeout, true),
        "{ex:?}"
    );
    let next = run(&a, "'secret' in globals()").await;
    let recovery = now() - started;
    assert_eq!(
        next.result_text(),
        Some("False"),
        "a fresh interpreter: {next:?}"
    );
    web_sys::console::log_1(&format!("timeout to the next result: {recovery:.0} ms").into());
    run(&a, "secret = 'a again'").await;
    // The pool refills; then `b` times out and gets the new standby, which
    // never ran `a`'s code.
    until_live(5).await;
    let ex = run_with(&b, STUBBORN, timeout(300.0)).await;
    assert_eq!(ex.status, Status::Timeout);
    let next = run(&b, "'secret' in globals()").await;
    assert_eq!(next.result_text(), Some("False"), "{next:?}");
    assert_eq!(
        run(&a, "secret").await.result_text(),
        Some("'a again'"),
        "a kept its own"
    );
    // Both at once: one takes the standby, the other boots afresh; both recover.
    until_live(5).await;
    let (ta, tb) = (
        a.run(STUBBORN, timeout(300.0)),
        b.run(STUBBORN, timeout(300.0)),
    );
    assert_eq!(ta.await.unwrap().status, Status::Timeout);
    assert_eq!(tb.await.unwrap().status, Status::Timeout);
    for sb in [&a, &b] {
        assert_eq!(run(sb, "6 * 7").await.result_text(), Some("42"));
    }
    until_live(5).await;
    for sb in [a, b, other] {
        sb.dispose();
    }
    assert_eq!(live_interpreters(), 0);
}
