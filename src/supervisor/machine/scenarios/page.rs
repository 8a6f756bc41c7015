//! Sandboxes sharing one page (one fake): the standby pool and the limit on
//! live interpreters. Each test runs on a thread of its own, so the page's
//! registry and limits start empty.

use super::*;
use crate::execution::Status;
use crate::supervisor::machine::deadline::GRACE_MS;
use crate::supervisor::{set_max_live_interpreters, STANDBY_QUIET_MS};

/// Two sandboxes booted alike on one page, both ready (interpreters 0, 1).
fn two() -> (Rig, Rig) {
    let fake = Rc::new(Fake::default());
    let a = Rig::start_on(fake.clone(), with_standby());
    let b = Rig::start_on(fake, with_standby());
    a.send(0, READY);
    b.send(1, READY);
    (a, b)
}

#[test]
fn sandboxes_booted_alike_share_one_standby() {
    let (a, _b) = two();
    a.advance(STANDBY_QUIET_MS);
    assert_eq!(a.fake.counts(), (3, 3), "one standby for the two");
    a.advance(10_000.0);
    assert_eq!(a.fake.counts(), (3, 3));
}

#[test]
fn a_sandbox_without_a_standby_adopts_the_pools_ready_one() {
    let (a, b) = two();
    a.advance(STANDBY_QUIET_MS);
    a.send(2, READY);
    let mut run = b.run("while True: pass");
    b.advance(1000.0 + GRACE_MS);
    let execution = settled(&mut run);
    assert_eq!(execution.status, Status::Timeout);
    assert!(a.killed(1) && !a.killed(2));
    let _next = b.run("x");
    assert_eq!(a.posted(2), ["run 2"], "b's runs go to the adopted standby");
    b.send(2, &done(2));
    // The pool refills: one new standby for the two, once b is quiet.
    a.advance(STANDBY_QUIET_MS);
    assert_eq!(a.fake.counts(), (4, 3));
}

#[test]
fn a_standby_still_booting_is_never_handed_over() {
    let (a, b) = two();
    a.advance(STANDBY_QUIET_MS);
    b.report(1, Report::Died("gone".into()));
    assert_eq!(a.fake.counts(), (4, 3), "b boots its own");
    assert!(!a.killed(2), "a keeps its standby");
}

#[test]
fn past_the_page_limit_the_least_recently_used_idle_sandbox_gives_up_its_interpreter() {
    set_max_live_interpreters(Some(1));
    let fake = Rc::new(Fake::default());
    let a = Rig::start_on(fake.clone(), config());
    a.send(0, READY);
    let mut b = Rig::start_on(fake.clone(), config());
    assert!(a.killed(0), "a was idle: it gave up its interpreter");
    b.send(1, READY);
    assert!(matches!(poll(&mut b.boot), Some(Ok(()))));
    let mut run = a.run("x");
    assert!(
        a.killed(1),
        "now b, idle and least recently used, gives way"
    );
    a.send(2, READY);
    a.send(2, r#"{"type":"done","id":1,"status":"ok"}"#);
    let execution = settled(&mut run);
    assert!(execution.interpreter_reset, "a's run says it starts fresh");
}

#[test]
fn a_busy_sandbox_is_never_evicted_and_a_new_one_starts_anyway() {
    set_max_live_interpreters(Some(1));
    let fake = Rc::new(Fake::default());
    let a = Rig::start_on(fake.clone(), config());
    a.send(0, READY);
    let _busy = a.run("while True: pass");
    let _b = Rig::start_on(fake, config());
    assert!(!a.killed(0), "a run is never cut short for the limit");
    assert_eq!(a.fake.counts(), (2, 2), "nor is a sandbox refused for it");
}

#[test]
fn at_the_page_limit_no_standby_starts() {
    set_max_live_interpreters(Some(1));
    let rig = Rig::ready(with_standby());
    rig.advance(STANDBY_QUIET_MS);
    assert_eq!(rig.fake.counts(), (1, 1));
    set_max_live_interpreters(Some(2));
    let _next = rig.run("x");
    rig.send(0, r#"{"type":"done","id":1,"status":"ok"}"#);
    rig.report(0, Report::Died("gone".into()));
    rig.send(1, READY);
    rig.advance(STANDBY_QUIET_MS);
    assert_eq!(rig.fake.counts(), (3, 2), "below the limit, one starts");
}

/// Issue 23, finding 1: a sandbox still booting is not idle. Evicting it
/// dropped its boot timer, and its `create` never settled.
#[test]
fn a_sandbox_still_booting_is_never_evicted() {
    set_max_live_interpreters(Some(2));
    let fake = Rc::new(Fake::default());
    let a = Rig::start_on(fake.clone(), config());
    a.send(0, READY);
    let _busy = a.run("while True: pass");
    let mut b = Rig::start_on(fake.clone(), config());
    let mut c = Rig::start_on(fake, config());
    assert!(!a.killed(1), "b boots on");
    c.send(2, READY);
    b.send(1, READY);
    assert!(matches!(poll(&mut b.boot), Some(Ok(()))));
    assert!(matches!(poll(&mut c.boot), Some(Ok(()))));
}

#[test]
fn a_new_sandbox_starts_at_once_on_the_pools_ready_standby() {
    let (a, _b) = two();
    a.advance(STANDBY_QUIET_MS);
    a.send(2, READY);
    let mut c = Rig::start_on(a.fake.clone(), with_standby());
    assert!(matches!(poll(&mut c.boot), Some(Ok(()))), "ready at once");
    assert_eq!(a.fake.counts(), (3, 3), "no boot of its own");
    assert!(c.sandbox.versions().is_some(), "it knows the versions");
    let _run = c.run("x");
    assert_eq!(a.posted(2), ["run 1"]);
    c.send(2, &done(1));
    // The pool refills in the background, once c is quiet.
    c.advance(STANDBY_QUIET_MS);
    assert_eq!(a.fake.counts(), (4, 4));
}

#[test]
fn a_new_sandbox_never_takes_a_standby_still_booting() {
    let (a, _b) = two();
    a.advance(STANDBY_QUIET_MS);
    let mut c = Rig::start_on(a.fake.clone(), with_standby());
    assert!(poll(&mut c.boot).is_none());
    assert_eq!(a.fake.counts(), (4, 4), "it boots its own");
}

#[test]
fn a_new_sandbox_booted_otherwise_never_takes_the_pools_standby() {
    let (a, _b) = two();
    a.advance(STANDBY_QUIET_MS);
    a.send(2, READY);
    let other = SandboxConfig {
        max_output_bytes: 1000,
        ..with_standby()
    };
    let mut c = Rig::start_on(a.fake.clone(), other);
    assert!(poll(&mut c.boot).is_none());
    assert!(!a.killed(2) && a.fake.counts() == (4, 4));
}

#[test]
fn a_disposed_sandbox_passes_its_ready_standby_to_one_booted_alike() {
    let (a, b) = two();
    a.advance(STANDBY_QUIET_MS);
    a.send(2, READY);
    a.sandbox.dispose();
    a.fake.settle();
    assert!(a.killed(0) && !a.killed(2), "the standby lives on, as b's");
    b.report(1, Report::Died("gone".into()));
    let _run = b.run("x");
    assert_eq!(b.posted(2), ["run 1"], "and b's replacement is it");
}

#[test]
fn a_disposed_sandboxs_booting_standby_goes_with_it() {
    let (a, b) = two();
    a.advance(STANDBY_QUIET_MS);
    a.sandbox.dispose();
    a.fake.settle();
    assert!(a.killed(2));
    assert_eq!(b.standby(), None);
}

/// Two sandboxes at a limit of one: `a` (keeping its session on eviction,
/// ready) makes room for `b`.
fn evicting_a_sandbox_that_keeps_its_session() -> (Rig, Rig) {
    set_max_live_interpreters(Some(1));
    let fake = Rc::new(Fake::default());
    let keeps = SandboxConfig {
        keep_session_on_eviction: true,
        ..config()
    };
    let a = Rig::start_on(fake.clone(), keeps);
    a.send(0, READY);
    let b = Rig::start_on(fake, config());
    (a, b)
}

#[test]
fn an_evicted_sandbox_that_keeps_its_session_exports_it_before_its_interpreter_goes() {
    let (a, _b) = evicting_a_sandbox_that_keeps_its_session();
    assert_eq!(a.posted(0), ["exportSession 1"]);
    assert!(!a.killed(0), "not before the export answers");
    let mut run = a.run("x");
    // The export failed: the interpreter goes, and the state with it.
    a.send(
        0,
        r#"{"type":"fileResult","id":1,"error":{"code":"EIO","message":"no"}}"#,
    );
    assert!(a.killed(0));
    a.send(2, READY);
    assert_eq!(a.posted(2), ["run 2"], "nothing to restore");
    a.send(2, &done(2));
    let execution = settled(&mut run);
    let reason = execution.reset_reason.unwrap_or_default();
    assert!(reason.contains("gave up its interpreter"), "{reason}");
    assert!(!reason.contains("restored"), "{reason}");
}

#[test]
fn an_eviction_export_that_never_answers_ends_the_interpreter_at_its_deadline() {
    let (a, _b) = evicting_a_sandbox_that_keeps_its_session();
    a.advance(9_999.0);
    assert!(!a.killed(0));
    a.advance(1.0);
    assert!(a.killed(0), "at the file call's deadline");
    assert_eq!(a.fake.counts(), (2, 1), "and no replacement boots for it");
}
