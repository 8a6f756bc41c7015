//! Interpreters through the whole machine: the boot, the standby and its
//! promotion, deaths during and between runs, a frame process that stops
//! answering its heartbeat, and boots that fail.

use super::*;
use crate::execution::Status;
use crate::supervisor::{STANDBY_DELAY_MS, STANDBY_LATEST_MS, STANDBY_QUIET_MS};

#[test]
fn create_resolves_only_when_the_interpreter_is_ready() {
    let mut rig = Rig::start(config());
    rig.send(0, r#"{"type":"progress","phase":"starting"}"#);
    assert!(poll(&mut rig.boot).is_none());
    rig.send(0, READY);
    assert!(matches!(poll(&mut rig.boot), Some(Ok(()))));
    assert!(rig.fake.interpreter(0).ready.get(), "watched once ready");
}

#[test]
fn every_interpreter_gets_a_token_of_its_own() {
    let rig = Rig::ready(with_standby());
    rig.advance(STANDBY_QUIET_MS);
    let (first, second) = (rig.fake.interpreter(0), rig.fake.interpreter(1));
    assert_eq!(first.token.len(), 32);
    assert_ne!(first.token, second.token);
}

#[test]
fn without_a_csprng_create_fails_rather_than_use_a_guessable_token() {
    let fake = Rc::new(Fake::default());
    fake.no_random.set(true);
    let platform: Rc<dyn Platform> = fake.clone();
    let inner = Inner::new(config(), platform, boot_parts());
    let Err(err) = Inner::start_first(&inner) else {
        panic!("created with no CSPRNG");
    };
    assert!(err.to_string().contains("getRandomValues"), "{err}");
}

#[test]
fn a_boot_that_never_ends_fails_create_at_the_boot_timeout() {
    let mut rig = Rig::start(config());
    rig.advance(59_999.0);
    assert!(poll(&mut rig.boot).is_none());
    rig.advance(1.0);
    let Some(Err(err)) = poll(&mut rig.boot) else {
        panic!("create still waits")
    };
    assert!(err.to_string().contains("bootTimeoutMs"), "{err}");
}

#[test]
fn a_boot_failure_fails_create_with_its_reason() {
    let mut rig = Rig::start(config());
    rig.send(0, r#"{"type":"bootFailed","reason":"no wasm"}"#);
    let Some(Err(err)) = poll(&mut rig.boot) else {
        panic!("create still waits")
    };
    assert!(err.to_string().contains("no wasm"), "{err}");
}

#[test]
fn the_standby_starts_only_after_the_first_interpreter_is_ready_and_a_pause() {
    let rig = Rig::ready(with_standby());
    assert_eq!(rig.fake.counts(), (1, 1));
    rig.advance(STANDBY_QUIET_MS - 1.0);
    assert_eq!(rig.fake.counts(), (1, 1), "not beside the first run");
    rig.advance(1.0);
    assert_eq!(rig.fake.counts(), (2, 2));
    assert_eq!(rig.standby(), Some(1));
}

#[test]
fn a_run_that_crashes_promotes_the_standby() {
    let rig = Rig::ready(with_standby());
    rig.advance(STANDBY_QUIET_MS);
    rig.send(1, READY);
    let mut run = rig.run("import ctypes");
    rig.send(
        0,
        r#"{"type":"crashed","reason":"memory access out of bounds"}"#,
    );
    let execution = settled(&mut run);
    assert_eq!(execution.status, Status::Crashed);
    assert!(execution.interpreter_reset);
    assert!(rig.killed(0));
    assert_eq!(rig.active(), Some(1), "the ready standby took over");
    // The next run goes straight to it, and a new standby follows.
    let _next = rig.run("x");
    assert_eq!(rig.posted(1), ["run 2"]);
    rig.send(1, &done(2));
    rig.advance(STANDBY_QUIET_MS);
    assert_eq!(rig.standby(), Some(2));
}

#[test]
fn a_death_between_runs_is_told_by_the_next_run() {
    let rig = Rig::ready(with_standby());
    rig.advance(STANDBY_QUIET_MS);
    rig.send(1, READY);
    rig.report(0, Report::Died("the worker failed".into()));
    assert_eq!(rig.active(), Some(1));
    let mut run = rig.run("x");
    rig.send(1, r#"{"type":"done","id":1,"status":"ok"}"#);
    let execution = settled(&mut run);
    assert_eq!(execution.status, Status::Ok);
    assert!(
        execution.interpreter_reset,
        "the run starts fresh, and says so"
    );
    assert!(execution.reset_reason.unwrap().contains("between runs"));
}

#[test]
fn a_standby_still_booting_is_promoted_and_the_run_waits_for_it() {
    let rig = Rig::ready(with_standby());
    rig.advance(STANDBY_QUIET_MS);
    rig.report(0, Report::Died("gone".into()));
    assert_eq!(rig.active(), Some(1));
    let mut run = rig.run("x");
    assert!(rig.posted(1).is_empty(), "not before it is ready");
    rig.send(1, READY);
    assert_eq!(rig.posted(1), ["run 1"]);
    rig.send(1, r#"{"type":"done","id":1,"status":"ok"}"#);
    assert_eq!(settled(&mut run).status, Status::Ok);
}

#[test]
fn a_heartbeat_that_stops_ends_the_run_and_takes_the_standby_with_it() {
    let rig = Rig::ready(with_standby());
    rig.advance(STANDBY_QUIET_MS);
    rig.send(1, READY);
    let mut run = rig.run("x");
    // The frame's process stopped answering: its standby may share it.
    rig.report(0, Report::Gone("no heartbeat for 5 s".into()));
    let execution = settled(&mut run);
    assert_eq!(execution.status, Status::Crashed);
    assert!(
        rig.killed(0) && rig.killed(1),
        "the standby is never promoted"
    );
    assert_eq!(rig.active(), Some(2), "a fresh boot instead");
}

#[test]
fn a_standby_that_dies_is_replaced_at_the_next_promotion_only() {
    let rig = Rig::ready(with_standby());
    rig.advance(STANDBY_QUIET_MS);
    rig.report(1, Report::Died("oom".into()));
    assert_eq!(rig.standby(), None);
    rig.advance(10_000.0);
    assert_eq!(rig.fake.counts(), (2, 1), "no retry loop");
    rig.report(0, Report::Died("gone".into()));
    assert_eq!(rig.active(), Some(2), "a fresh boot");
}

#[test]
fn a_message_from_a_replaced_interpreter_is_ignored() {
    let rig = Rig::ready(config());
    let mut run = rig.run("x");
    rig.advance(1000.0);
    rig.advance(crate::supervisor::machine::deadline::GRACE_MS);
    assert!(settled(&mut run).interpreter_reset);
    rig.send(0, r#"{"type":"done","id":2,"status":"ok"}"#);
    rig.send(1, READY);
    let mut next = rig.run("y");
    assert!(
        poll(&mut next).is_none(),
        "the old interpreter's done counts for nothing"
    );
    rig.send(1, r#"{"type":"done","id":2,"status":"ok"}"#);
    assert!(settled(&mut next).protocol_violations.is_empty());
}

#[test]
fn stray_messages_are_counted_against_the_run() {
    let rig = Rig::ready(config());
    let mut run = rig.run("x");
    rig.report(0, Report::Stray("postMessage on the worker global".into()));
    rig.send(0, r#"{"type":"done","id":1,"status":"ok"}"#);
    let execution = settled(&mut run);
    assert_eq!(execution.protocol_violations.len(), 1);
    assert!(!rig.killed(0));
}

#[test]
fn a_page_that_cannot_start_a_worker_fails_the_replacement_and_rejects_what_waits() {
    let rig = Rig::ready(config());
    let mut run = rig.run("x");
    rig.fake.refuse_spawn.set(true);
    let mut queued = rig.run("y");
    rig.report(0, Report::Died("gone".into()));
    assert_eq!(settled(&mut run).status, Status::Crashed);
    let Some(Err(err)) = poll(&mut queued) else {
        panic!("the queued run still waits")
    };
    assert!(err.to_string().contains("refuses"), "{err}");
}

#[test]
fn the_standby_waits_for_quiet_and_boots_at_its_latest_while_runs_keep_coming() {
    let rig = Rig::ready(with_standby());
    let mut id = 0;
    // A run every 500 ms, each done at once: never quiet for long.
    while rig.fake.counts() == (1, 1) {
        assert!(rig.fake.now() < STANDBY_LATEST_MS, "it never started");
        id += 1;
        let _run = rig.run("x");
        rig.send(0, &done(id));
        rig.advance(500.0);
    }
    assert_eq!(
        rig.fake.now(),
        STANDBY_LATEST_MS,
        "it started at the latest"
    );
    assert_eq!(rig.standby(), Some(1));
}

#[test]
fn a_replacements_standby_boots_soon_even_while_runs_go_on() {
    let rig = Rig::ready(with_standby());
    rig.advance(STANDBY_QUIET_MS);
    rig.send(1, READY);
    let _crash = rig.run("x");
    rig.send(0, r#"{"type":"crashed","reason":"gone"}"#);
    assert_eq!(rig.active(), Some(1), "the standby took over");
    let _run = rig.run("y");
    rig.advance(STANDBY_DELAY_MS);
    assert_eq!(rig.standby(), Some(2), "recovery may be needed again");
}
