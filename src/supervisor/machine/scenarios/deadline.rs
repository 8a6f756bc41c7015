//! A run against its deadline, through the whole machine: the interrupt,
//! its repeats, the grace period, the idle proof and the kill.

use super::*;
use crate::execution::Status;
use crate::supervisor::machine::deadline::{GRACE_MS, IDLE_PROOF_MS, REARM_MS};

const DONE_1: &str = r#"{"type":"done","id":1,"status":"ok"}"#;

#[test]
fn a_run_that_ends_before_its_deadline_settles_from_its_done() {
    let rig = Rig::ready(config());
    let mut run = rig.run("1 + 1");
    assert_eq!(rig.posted(0), ["run 1"]);
    rig.advance(400.0);
    rig.send(0, DONE_1);
    let execution = settled(&mut run);
    assert_eq!(execution.status, Status::Ok);
    assert!(!execution.interpreter_reset);
    assert_eq!(execution.duration_ms, 400.0);
    assert_eq!(rig.fake.armed(), 0, "the deadline was disarmed");
    // The deadline was disarmed: nothing happens when it would have come.
    rig.advance(5000.0);
    assert!(rig.fake.interpreter(0).interrupts.borrow().is_empty());
    assert!(!rig.killed(0));
}

#[test]
fn deadline_interrupts_then_grace_runs_out_then_the_interpreter_is_killed() {
    let rig = Rig::ready(config());
    let mut run = rig.run("while True: pass");
    rig.advance(999.0);
    assert!(rig.fake.interpreter(0).interrupts.borrow().is_empty());
    rig.advance(1.0);
    assert_eq!(*rig.fake.interpreter(0).interrupts.borrow(), [1]);
    assert!(
        poll(&mut run).is_none(),
        "the run waits for its grace period"
    );
    rig.advance(GRACE_MS - 1.0);
    assert!(!rig.killed(0));
    assert!(poll(&mut run).is_none());
    rig.advance(1.0);
    assert!(rig.killed(0), "killed when the grace period ran out");
    let execution = settled(&mut run);
    assert_eq!(execution.status, Status::Timeout);
    assert!(execution.interpreter_reset);
    let error = execution.error.expect("a TimeoutError");
    assert_eq!(error.kind, "TimeoutError");
    assert!(error.message.contains("restarted"), "{}", error.message);
    assert_eq!(rig.active(), Some(1), "a fresh interpreter replaced it");
}

#[test]
fn the_interrupt_is_repeated_through_the_grace_period() {
    let rig = Rig::ready(config());
    let _run = rig.run("while True: pass");
    rig.advance(1000.0 + 5.0 * REARM_MS);
    assert_eq!(rig.fake.interpreter(0).interrupts.borrow().len(), 6);
}

#[test]
fn an_interrupted_run_that_stops_and_proves_it_is_idle_keeps_its_state() {
    let rig = Rig::ready(config());
    let mut run = rig.run("time.sleep(10)");
    rig.advance(1000.0);
    rig.send(0, r#"{"type":"done","id":1,"status":"error"}"#);
    let posted = rig.posted(0);
    let ping = posted.last().expect("a ping");
    assert!(ping.starts_with("ping "), "{posted:?}");
    assert!(
        poll(&mut run).is_none(),
        "a done after the deadline proves nothing"
    );
    let nonce = ping.trim_start_matches("ping ");
    rig.send(0, &format!(r#"{{"type":"pong","nonce":"{nonce}"}}"#));
    let execution = settled(&mut run);
    assert_eq!(execution.status, Status::Timeout);
    assert!(!execution.interpreter_reset, "state kept");
    assert!(execution.error.unwrap().message.contains("state kept"));
    assert!(!rig.killed(0));
    rig.advance(10_000.0);
    assert!(!rig.killed(0), "no timer of the run is left to kill it");
}

#[test]
fn a_done_after_the_deadline_with_no_pong_ends_in_a_kill() {
    let rig = Rig::ready(config());
    let mut run = rig.run("forged");
    rig.advance(1000.0);
    rig.send(0, DONE_1);
    rig.advance(IDLE_PROOF_MS - 1.0);
    assert!(poll(&mut run).is_none());
    rig.advance(1.0);
    assert!(rig.killed(0));
    assert!(settled(&mut run).interpreter_reset);
}

#[test]
fn a_pong_with_the_wrong_nonce_proves_nothing() {
    let rig = Rig::ready(config());
    let mut run = rig.run("forged");
    rig.advance(1000.0);
    rig.send(0, DONE_1);
    rig.send(
        0,
        r#"{"type":"pong","nonce":"00000000000000000000000000000000"}"#,
    );
    assert!(poll(&mut run).is_none());
    rig.advance(IDLE_PROOF_MS);
    assert!(rig.killed(0));
    assert_eq!(settled(&mut run).status, Status::Timeout);
}

#[test]
fn without_a_csprng_the_idle_proof_cannot_pass_and_the_run_ends_in_a_kill() {
    let rig = Rig::ready(config());
    let mut run = rig.run("x");
    rig.advance(1000.0);
    rig.fake.no_random.set(true);
    rig.send(0, DONE_1);
    rig.send(0, r#"{"type":"pong","nonce":""}"#);
    assert!(poll(&mut run).is_none(), "an empty nonce matches nothing");
    rig.advance(IDLE_PROOF_MS);
    assert!(rig.killed(0));
}

#[test]
fn an_interpreter_that_cannot_be_interrupted_is_killed_at_the_deadline() {
    let rig = Rig::ready(config());
    rig.fake.interpreter(0).interruptible.set(false);
    let mut run = rig.run("while True: pass");
    rig.advance(1000.0);
    assert!(rig.killed(0), "no grace without an interrupt");
    assert_eq!(settled(&mut run).status, Status::Timeout);
}

#[test]
fn a_ready_that_says_not_interruptible_means_kill_at_the_deadline() {
    let rig = Rig::start(config());
    rig.send(
        0,
        r#"{"type":"ready","pyodideVersion":"1","pythonVersion":"3","interruptible":false}"#,
    );
    let mut run = rig.run("while True: pass");
    rig.advance(1000.0);
    assert!(rig.fake.interpreter(0).interrupts.borrow().is_empty());
    assert!(rig.killed(0));
    assert!(settled(&mut run).interpreter_reset);
}

#[test]
fn a_run_timeout_overrides_the_sandbox_timeout() {
    let rig = Rig::ready(config());
    let mut run = rig.run_with(
        "x",
        RunConfig {
            timeout_ms: Some(50.0),
            ..RunConfig::default()
        },
    );
    rig.advance(50.0);
    assert_eq!(*rig.fake.interpreter(0).interrupts.borrow(), [1]);
    rig.advance(GRACE_MS);
    assert_eq!(settled(&mut run).status, Status::Timeout);
}

#[test]
fn a_done_for_another_run_is_a_violation_and_settles_nothing() {
    let rig = Rig::ready(config());
    let mut run = rig.run("x");
    rig.send(0, r#"{"type":"done","id":7,"status":"ok"}"#);
    assert!(
        poll(&mut run).is_none(),
        "a forged done for run 7 settles nothing"
    );
    rig.send(0, DONE_1);
    let execution = settled(&mut run);
    assert_eq!(execution.status, Status::Ok);
    assert!(
        execution
            .protocol_violations
            .iter()
            .any(|v| v.contains("done")),
        "{:?}",
        execution.protocol_violations
    );
}

#[test]
fn an_error_done_without_details_becomes_a_protocol_error() {
    let rig = Rig::ready(config());
    let mut run = rig.run("x");
    rig.send(0, r#"{"type":"done","id":1,"status":"error"}"#);
    let execution = settled(&mut run);
    assert_eq!(execution.status, Status::Error);
    assert_eq!(execution.error.unwrap().kind, "ProtocolError");
}

#[test]
fn a_refused_done_ends_the_run_as_crashed_on_a_fresh_interpreter() {
    let rig = Rig::ready(config());
    let mut run = rig.run("x");
    rig.report(
        0,
        Report::Refused {
            reason: "a string over the cap".into(),
            done: Some(1),
            file: None,
        },
    );
    let execution = settled(&mut run);
    assert_eq!(execution.status, Status::Crashed);
    assert!(execution.interpreter_reset);
    assert!(rig.killed(0));
    assert!(execution.error.unwrap().message.contains("refused"));
}

#[test]
fn a_late_pong_after_the_kill_changes_nothing() {
    let rig = Rig::ready(config());
    let mut run = rig.run("x");
    rig.advance(1000.0);
    rig.send(0, DONE_1);
    let nonce = rig
        .posted(0)
        .last()
        .unwrap()
        .trim_start_matches("ping ")
        .to_string();
    rig.advance(IDLE_PROOF_MS);
    assert!(settled(&mut run).interpreter_reset);
    // The killed interpreter's messages no longer reach the sandbox.
    rig.send(0, &format!(r#"{{"type":"pong","nonce":"{nonce}"}}"#));
    rig.send(1, READY);
    let mut next = rig.run("y");
    assert_eq!(rig.posted(1), ["run 2"]);
    rig.send(1, r#"{"type":"done","id":2,"status":"ok"}"#);
    assert_eq!(settled(&mut next).status, Status::Ok);
}

#[test]
fn streams_reach_the_callback_and_the_execution() {
    let rig = Rig::ready(config());
    let seen = Rc::new(std::cell::RefCell::new(String::new()));
    let sink = seen.clone();
    let mut run = rig.run_with(
        "print('hi')",
        RunConfig {
            on_stdout: Some(Rc::new(move |text: &str| sink.borrow_mut().push_str(text))),
            ..RunConfig::default()
        },
    );
    rig.send(
        0,
        r#"{"type":"stream","id":1,"name":"stdout","text":"hi\n"}"#,
    );
    rig.send(
        0,
        r#"{"type":"stream","id":9,"name":"stdout","text":"forged\n"}"#,
    );
    rig.send(0, DONE_1);
    let execution = settled(&mut run);
    assert_eq!(execution.stdout, "hi\n");
    assert_eq!(*seen.borrow(), "hi\n");
    assert_eq!(execution.protocol_violations.len(), 1);
}
