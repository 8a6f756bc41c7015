//! Recovery after a timeout that replaced the interpreter, while the standby
//! is still booting to make the page's first boot snapshot: the replacement
//! waits for that snapshot and boots from it (~1 s) rather than starting a
//! full boot of its own (3 s in Chromium, 5-10 s in WebKit), and the next
//! run's `waited_ms` says how long it waited.
use pycage::{RunOptions, SandboxOptions, Status};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

fn saved(logs: &[String]) -> bool {
    logs.iter()
        .any(|l| l.contains("boot snapshot at this page's origin"))
}

#[wasm_bindgen_test]
async fn a_kill_before_the_snapshot_is_made_waits_for_it_rather_than_a_full_boot() {
    // No snapshot from an earlier run of this browser profile.
    let caches = web_sys::window().unwrap().caches().unwrap();
    JsFuture::from(caches.delete("pycage-snapshots"))
        .await
        .unwrap();
    let (on_log, logs) = recorder();
    let sb = sandbox(SandboxOptions {
        snapshot: Some(true),
        on_log: Some(on_log),
        ..opts()
    })
    .await;
    assert!(!sb.booted_from_snapshot());
    until_live(2).await; // the standby starts booting 200 ms after `ready`
    let started = now();
    // STUBBORN ignores the interrupt, so the deadline kills its interpreter
    // (at once without SharedArrayBuffer, after the grace period with it).
    let stuck = sb.run(STUBBORN, timeout(100.0));
    let next = sb.run("1 + 1", RunOptions::default());
    let ex = stuck.await.expect("the run resolves");
    assert_eq!(ex.status, Status::Timeout, "{ex:?}");
    assert!(ex.interpreter_reset, "{ex:?}");
    assert!(
        !saved(&logs.borrow()),
        "the standby made the snapshot before the kill, so this test proves nothing: {:?}",
        logs.borrow()
    );
    let after = next.await.expect("the next run resolves");
    let total = now() - started;
    assert_eq!(after.result_text(), Some("2"), "{after:?}");
    assert!(saved(&logs.borrow()), "{:?}", logs.borrow());
    assert!(
        sb.booted_from_snapshot(),
        "the replacement booted from the snapshot: {:?}",
        logs.borrow()
    );
    assert!(
        after.waited_ms > ex.duration_ms - 50.0 && after.waited_ms <= total,
        "{after:?}"
    );
    web_sys::console::log_1(
        &format!(
            "killed after {:.0} ms; the next run waited {:.0} ms for the snapshot and a boot from it",
            ex.duration_ms, after.waited_ms
        )
        .into(),
    );
    // The state is fresh, and a standby follows.
    assert_healthy(&sb).await;
    sb.dispose();
}
