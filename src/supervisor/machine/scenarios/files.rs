//! File calls through the whole machine: their place in the queue, their
//! deadline, and answers that are refused, forged or malformed. (Writes and
//! reads carry JS bytes, so their scenarios are the browser suites'.)

use super::*;
use crate::execution::Status;
use crate::supervisor::{FileOp, FileReply};

const ANSWER_2: &str = r#"{"type":"fileResult","id":2}"#;

fn remove(rig: &Rig) -> Pending<FileReply> {
    let pending = rig
        .sandbox
        .file(FileOp::Remove, "/mnt/data/a.txt".into(), "a.txt".into());
    rig.fake.settle();
    pending
}

fn list(rig: &Rig) -> Pending<FileReply> {
    let pending = rig
        .sandbox
        .file(FileOp::List, "/mnt/data".into(), ".".into());
    rig.fake.settle();
    pending
}

#[test]
fn a_file_call_waits_for_the_run_before_it() {
    let rig = Rig::ready(config());
    let mut run = rig.run("x");
    let mut removed = remove(&rig);
    assert_eq!(rig.posted(0), ["run 1"]);
    rig.send(0, r#"{"type":"done","id":1,"status":"ok"}"#);
    assert_eq!(settled(&mut run).status, Status::Ok);
    assert_eq!(rig.posted(0), ["run 1", "removeFile 2"]);
    rig.send(0, ANSWER_2);
    assert!(matches!(poll(&mut removed), Some(Ok(FileReply::Done))));
}

#[test]
fn a_file_call_with_no_answer_fails_at_its_deadline_and_the_interpreter_is_replaced() {
    let rig = Rig::ready(config());
    let mut removed = remove(&rig);
    rig.advance(9_999.0);
    assert!(
        poll(&mut removed).is_none(),
        "at least 10 s, whatever timeoutMs"
    );
    rig.advance(1.0);
    let Some(Err(err)) = poll(&mut removed) else {
        panic!("the call still waits")
    };
    assert!(err.to_string().contains("did not answer"), "{err}");
    assert!(rig.killed(0));
    rig.send(1, READY);
    let mut run = rig.run("x");
    rig.send(1, r#"{"type":"done","id":2,"status":"ok"}"#);
    let execution = settled(&mut run);
    assert!(execution.reset_reason.unwrap().contains("file call"));
}

#[test]
fn a_listing_is_checked_entry_by_entry() {
    let rig = Rig::ready(config());
    let mut listed = list(&rig);
    rig.send(
        0,
        r#"{"type":"fileResult","id":1,"listing":"[[\"/mnt/data/a.txt\", 3, 1700000000000]]"}"#,
    );
    let Some(Ok(FileReply::List(files))) = poll(&mut listed) else {
        panic!("no listing")
    };
    assert_eq!(files.len(), 1);
    assert_eq!(
        (files[0].path.as_str(), files[0].size),
        ("/mnt/data/a.txt", 3.0)
    );
    let mut escaped = list(&rig);
    rig.send(
        0,
        r#"{"type":"fileResult","id":2,"listing":"[[\"/etc/passwd\", 3, 0]]"}"#,
    );
    let Some(Err(err)) = poll(&mut escaped) else {
        panic!("a path outside the working directory was listed")
    };
    assert!(err.to_string().contains("refused"), "{err}");
}

#[test]
fn a_refused_file_answer_fails_the_call_at_once_and_the_queue_goes_on() {
    let rig = Rig::ready(config());
    let mut listed = list(&rig);
    let mut run = rig.run("x");
    rig.report(
        0,
        Report::Refused {
            reason: "a string over the cap".into(),
            done: None,
            file: Some(1),
        },
    );
    assert!(matches!(poll(&mut listed), Some(Err(_))));
    assert_eq!(rig.posted(0), ["listFiles 1", "run 2"]);
    rig.send(0, r#"{"type":"done","id":2,"status":"ok"}"#);
    // The violation was the interpreter's, between runs: not the run's.
    assert_eq!(settled(&mut run).status, Status::Ok);
}

#[test]
fn an_answer_for_another_call_is_a_violation_and_settles_nothing() {
    let rig = Rig::ready(config());
    let mut removed = remove(&rig);
    rig.send(0, ANSWER_2);
    assert!(poll(&mut removed).is_none());
    rig.send(0, r#"{"type":"fileResult","id":1}"#);
    assert!(matches!(poll(&mut removed), Some(Ok(FileReply::Done))));
}
