//! The page's warm-up (page/warm_up.rs) through the whole machine: the
//! first interpreter on a page makes its runs while nothing waits, a
//! caller's run goes first, and they leave no trace in what runs report.
//! Each test runs on a thread of its own: a page of its own.

use super::*;
use crate::execution::Status;
use crate::supervisor::page::warm_up::{WARM_UP_DELAY_MS, WARM_UP_RUNS};
use crate::supervisor::STANDBY_QUIET_MS;

/// A sandbox on a page whose platform warms up, its interpreter ready.
fn warming(config: SandboxConfig) -> Rig {
    let fake = Rc::new(Fake::default());
    fake.warms_up.set(true);
    let mut rig = Rig::start_on(fake, config);
    rig.send(0, READY);
    assert!(matches!(poll(&mut rig.boot), Some(Ok(()))), "booted");
    rig
}

#[test]
fn the_first_interpreter_on_the_page_warms_up_a_moment_after_ready() {
    let rig = warming(config());
    assert!(rig.posted(0).is_empty(), "not at once");
    rig.advance(WARM_UP_DELAY_MS);
    assert_eq!(rig.posted(0), ["warm-up run 1"]);
    for id in 1..=WARM_UP_RUNS {
        rig.send(0, &done(id));
    }
    assert_eq!(rig.posted(0).len(), WARM_UP_RUNS as usize, "then it stops");
    let mut run = rig.run("x");
    let next = WARM_UP_RUNS + 1;
    assert_eq!(rig.posted(0).last().unwrap(), &format!("run {next}"));
    rig.send(0, &done(next));
    assert_eq!(settled(&mut run).status, Status::Ok);
}

#[test]
fn a_run_called_before_the_warm_up_starts_goes_first() {
    let rig = warming(config());
    let mut run = rig.run("x");
    rig.advance(WARM_UP_DELAY_MS);
    assert_eq!(rig.posted(0), ["run 1"], "the warm-up waits for it");
    rig.send(0, &done(1));
    assert_eq!(settled(&mut run).status, Status::Ok);
    assert_eq!(rig.posted(0), ["run 1", "warm-up run 2"]);
}

#[test]
fn a_run_called_during_the_warm_up_waits_for_one_warm_up_run_only() {
    let rig = warming(config());
    rig.advance(WARM_UP_DELAY_MS);
    rig.advance(5.0);
    let mut run = rig.run("x");
    assert_eq!(rig.posted(0), ["warm-up run 1"]);
    rig.send(0, &done(1));
    assert_eq!(rig.posted(0), ["warm-up run 1", "run 2"]);
    rig.send(0, &done(2));
    let execution = settled(&mut run);
    assert_eq!(execution.status, Status::Ok);
    assert_eq!(
        execution.waited_ms, 0.0,
        "queued at 105 ms, it went at once"
    );
    assert_eq!(
        rig.posted(0).last().unwrap(),
        "warm-up run 3",
        "then the warm-up goes on"
    );
}

#[test]
fn only_the_first_interpreter_on_the_page_warms_up() {
    let fake = Rc::new(Fake::default());
    fake.warms_up.set(true);
    let a = Rig::start_on(fake.clone(), config());
    let b = Rig::start_on(fake, config());
    a.send(0, READY);
    b.send(1, READY);
    a.advance(WARM_UP_DELAY_MS);
    assert_eq!(a.posted(0), ["warm-up run 1"]);
    assert!(a.posted(1).is_empty(), "the second sandbox does not");
}

#[test]
fn a_replacement_does_not_go_on_with_the_warm_up() {
    let rig = warming(config());
    rig.advance(WARM_UP_DELAY_MS);
    rig.report(0, Report::Died("gone".into()));
    assert!(rig.killed(0));
    rig.send(1, READY);
    rig.advance(10_000.0);
    assert!(rig.posted(1).is_empty(), "{:?}", rig.posted(1));
}

#[test]
fn a_platform_without_a_jit_never_warms_up() {
    let rig = Rig::ready(config());
    rig.advance(10_000.0);
    assert!(rig.posted(0).is_empty());
}

#[test]
fn the_standby_boots_after_the_warm_up() {
    let rig = warming(SandboxConfig {
        timeout_ms: 30_000.0,
        ..with_standby()
    });
    rig.advance(WARM_UP_DELAY_MS);
    rig.advance(STANDBY_QUIET_MS);
    assert_eq!(rig.fake.counts(), (1, 1), "not beside the warm-up");
    for id in 1..=WARM_UP_RUNS {
        rig.send(0, &done(id));
    }
    rig.advance(STANDBY_QUIET_MS);
    assert_eq!(rig.fake.counts(), (2, 2), "once the warm-up is over");
}
