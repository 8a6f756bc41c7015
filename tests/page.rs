//! What a page's sandboxes share (src/supervisor/page/): the limit on live
//! interpreters (`set_max_live_interpreters`: standbys stop first, then the
//! least recently used idle sandbox gives up its interpreter, and its next
//! run says so), and the standby pool (one per configuration, handed to
//! exactly one sandbox, never one that ran code). One test, in parts run in
//! order: the limit and the pool are the page's, shared by every sandbox in
//! this test binary. Their rules are native scenarios
//! (src/supervisor/machine/scenarios/page.rs); this is the page carrying
//! them out with real interpreters.
use std::cell::RefCell;
use std::rc::Rc;

use pycage::{
    live_interpreters, set_max_live_interpreters, RunOptions, Sandbox, SandboxOptions, Status,
};
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

fn no_standby() -> SandboxOptions {
    SandboxOptions {
        standby: Some(false),
        ..opts()
    }
}

#[wasm_bindgen_test]
async fn the_live_interpreter_limit_then_the_standby_pool() {
    past_the_limit_the_least_recently_used_idle_sandbox_gives_up_its_interpreter().await;
    sandboxes_share_one_standby_and_each_takes_it_in_turn().await;
    a_new_sandbox_starts_on_the_pools_ready_standby().await;
    an_evicted_sandbox_that_keeps_its_session_gets_it_back().await;
}

async fn an_evicted_sandbox_that_keeps_its_session_gets_it_back() {
    set_max_live_interpreters(Some(1));
    let a = sandbox(SandboxOptions {
        keep_session_on_eviction: Some(true),
        ..no_standby()
    })
    .await;
    let code =
        "def twice(v):\n    return 2 * v\nkept = twice(21)\nopen('made.txt', 'w').write('by a')";
    run(&a, code).await;
    // `a` exports its session, then gives up its interpreter to `b`.
    let b = sandbox(no_standby()).await;
    let ex = run(&a, "kept, twice(2), open('made.txt').read()").await;
    assert_eq!(ex.result_text(), Some("(42, 4, 'by a')"), "{ex:?}");
    assert!(ex.interpreter_reset, "{ex:?}");
    let reason = ex.reset_reason.clone().unwrap_or_default();
    assert!(reason.contains("restored into this one"), "{reason}");
    assert!(ex.lost_files.is_empty(), "{ex:?}");
    b.dispose();
    a.dispose();
    set_max_live_interpreters(None);
}

async fn past_the_limit_the_least_recently_used_idle_sandbox_gives_up_its_interpreter() {
    set_max_live_interpreters(Some(2));
    let a = sandbox(no_standby()).await;
    a.write_file("a.txt", b"uploaded to a").await.unwrap();
    run(&a, "x = 'a'\nopen('made.txt', 'w').write('made by a')").await;
    let b = sandbox(no_standby()).await;
    run(&b, "x = 'b'").await;
    assert_eq!(live_interpreters(), 2);
    // A third sandbox: `a`, the least recently used, gives up its interpreter.
    let c = sandbox(no_standby()).await;
    assert_eq!(live_interpreters(), 2);
    let ex = run(&b, "x").await;
    assert_eq!(
        (ex.result_text(), ex.interpreter_reset),
        (Some("'b'"), false),
        "b kept its state: {ex:?}"
    );
    // `a` runs again on a fresh interpreter (evicting `c`, now the least
    // recently used), says so, and finds its upload but not what it made.
    let ex = run(&a, "'x' in globals(), open('a.txt').read()").await;
    assert_eq!(ex.result_text(), Some("(False, 'uploaded to a')"), "{ex:?}");
    assert!(ex.interpreter_reset, "{ex:?}");
    assert!(
        ex.reset_reason
            .as_deref()
            .unwrap_or("")
            .contains("maxLiveInterpreters"),
        "{ex:?}"
    );
    assert_eq!(ex.lost_files, ["/mnt/data/made.txt"]);
    assert_eq!(live_interpreters(), 2);
    let ex = run(&c, "1").await;
    assert!(ex.interpreter_reset, "c was evicted in turn: {ex:?}");
    // A busy sandbox is never evicted: `c` runs while `d` starts, so the
    // idle `a` goes, and when every other one is busy, the limit is
    // exceeded rather than a run refused.
    let busy = c.run(
        "import time\ntime.sleep(1.5)\n'done'",
        RunOptions::default(),
    );
    sleep(300).await;
    let d = sandbox(no_standby()).await;
    let ex = busy.await.unwrap();
    assert_eq!(
        (ex.status, ex.interpreter_reset),
        (Status::Ok, false),
        "{ex:?}"
    );
    assert!(run(&a, "1").await.interpreter_reset, "a was the idle one");
    // With standbys. That one starts only below the limit is a native
    // scenario (supervisor/machine/scenarios/page.rs); here it needed a
    // 400 ms wait.
    set_max_live_interpreters(Some(4));
    let e = sandbox(opts()).await;
    for sb in [&a, &b, &c, &d, &e] {
        sb.dispose();
    }
    // `e`'s standby makes the page's first boot snapshot: it outlives `e`
    // until the snapshot is made (src/supervisor/machine/maker.rs).
    until_live(0).await;
    sandboxes_created_together_all_start().await;
    set_max_live_interpreters(None);
    a_dropped_sandbox_stops().await;
}

/// Dropping a `Sandbox` stops it: its interpreter ends, and a run still in
/// flight fails with `Disposed` rather than waiting forever.
async fn a_dropped_sandbox_stops() {
    let sb = sandbox(no_standby()).await;
    assert_eq!(live_interpreters(), 1);
    let in_flight = sb.run("import time\ntime.sleep(5)", RunOptions::default());
    drop(sb);
    assert_eq!(live_interpreters(), 0);
    assert_eq!(in_flight.await, Err(pycage::Error::Disposed));
}

/// Issue 23, finding 1: with the limit at 2 and one sandbox busy, two
/// sandboxes created 30 ms apart. The second used to evict the first while
/// it booted, dropping its boot timer with it: the first `create` never
/// settled. A booting sandbox is not idle (src/supervisor/page/eviction.rs).
async fn sandboxes_created_together_all_start() {
    set_max_live_interpreters(Some(2));
    let busy_sb = sandbox(no_standby()).await;
    let busy = busy_sb.run(
        "import time
time.sleep(3)
'done'",
        RunOptions::default(),
    );
    let settled = Rc::new(RefCell::new(Vec::new()));
    for _ in 0..2 {
        let settled = settled.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let options = SandboxOptions {
                boot_timeout: Some(std::time::Duration::from_secs(15)),
                ..no_standby()
            };
            let result = Sandbox::create(options).await;
            settled.borrow_mut().push(result);
        });
        sleep(30).await;
    }
    // Each settles within its bootTimeoutMs (15 s), however it ends.
    let started = now();
    while settled.borrow().len() < 2 && now() - started < 20_000.0 {
        sleep(100).await;
    }
    let created: Vec<_> = settled.borrow_mut().drain(..).collect();
    assert_eq!(created.len(), 2, "a Sandbox.create never settled");
    for sb in created {
        let sb = sb.expect("both start: over the limit rather than a hang");
        assert_eq!(run(&sb, "1 + 1").await.result_text(), Some("2"));
        sb.dispose();
    }
    assert_eq!(busy.await.unwrap().status, Status::Ok);
    busy_sb.dispose();
}

/// Standbys shared by sandboxes with the same boot settings.
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

/// A new conversation starts on the page's ready standby (issue 27): no
/// boot of its own, and never with another conversation's state. The rules
/// (only a ready standby, only one booted alike, the pool refilled) are
/// native scenarios (supervisor/machine/scenarios/page.rs).
async fn a_new_sandbox_starts_on_the_pools_ready_standby() {
    let a = sandbox(opts()).await;
    run(&a, "secret = 'a'").await;
    until_live(2).await;
    // The page cannot see when the standby is ready (about 1 s from the
    // snapshot): a `b` created before then boots its own, and is let go.
    let mut attempts = 0;
    let b = loop {
        sleep(1000).await;
        let b = sandbox(opts()).await;
        if live_interpreters() == 2 {
            break b;
        }
        b.dispose();
        attempts += 1;
        assert!(attempts < 20, "a's standby was never taken");
    };
    let ex = run(&b, "'secret' in globals()").await;
    assert_eq!(ex.result_text(), Some("False"), "{ex:?}");
    until_live(3).await; // the pool refills: b boots the next standby
    a.dispose();
    b.dispose();
    assert_eq!(live_interpreters(), 0);
}
