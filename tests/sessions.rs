//! Sessions: `export_session`, `SandboxOptions::session`,
//! `restored_session` and `restore_session` (docs/sessions.md). The
//! session's own format is checked natively (src/session/envelope.rs) and
//! under CPython (tests/python/test_session.py); hostile sessions are in
//! attacks_sessions.rs.
use std::time::Duration;

use pycage::{Error, RestoredSession, Sandbox, SandboxOptions, Status};
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn from_session(session: &js_sys::Uint8Array) -> Sandbox {
    sandbox(SandboxOptions {
        session: Some(session.clone()),
        standby: Some(false),
        ..opts()
    })
    .await
}

fn skipped_reason<'a>(summary: &'a RestoredSession, name: &str) -> Option<&'a str> {
    summary
        .skipped
        .iter()
        .find(|s| s.name == name)
        .map(|s| s.reason.as_str())
}

const STATE: &str = "\
import json as j
from dataclasses import dataclass
data = {'rows': [1, 2, 3], 'name': 'sales'}
alias = data
def make_counter():
    n = 0
    def inc():
        nonlocal n
        n += 1
        return n
    return inc
counter = make_counter()
counter(); counter()
square = lambda v: v * v
def fib(k):
    return k if k < 2 else fib(k - 1) + fib(k - 2)
class Account:
    rate = 0.5
    def __init__(self, owner):
        self.owner = owner
    def interest(self, amount):
        return amount * self.rate
@dataclass
class Point:
    x: int
    y: int = 0
acct = Account('ada')
p = Point(3, 4)
with open('made.txt', 'w') as f:
    f.write('made by code')
del f
";

const CHECK: &str = "\
[alias is data, counter(), square(7), fib(10), acct.interest(10), isinstance(acct, Account), \
p == Point(3, 4), j.dumps(data['rows']), open('made.txt').read(), open('in/up.bin', 'rb').read()]";

#[wasm_bindgen_test]
async fn a_session_comes_back_whole_in_a_new_sandbox() {
    let first = sandbox(SandboxOptions {
        standby: Some(false),
        ..opts()
    })
    .await;
    first
        .write_file("in/up.bin", b"\x00\x01uploaded")
        .await
        .unwrap();
    let ex = run(&first, STATE).await;
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    let session = first.export_session().await.unwrap();
    assert!(first.restored_session().is_none(), "no session was given");
    first.dispose();

    let second = from_session(&session).await;
    let summary = second.restored_session().expect("a session was given");
    assert!(summary.exact, "{summary:?}");
    assert_eq!(summary.files, 2, "{summary:?}");
    for name in [
        "data",
        "alias",
        "counter",
        "square",
        "fib",
        "Account",
        "Point",
        "acct",
        "p",
        "j",
        "make_counter",
    ] {
        assert!(
            summary.variables.iter().any(|v| v == name),
            "{name} in {summary:?}"
        );
    }
    let ex = run(&second, CHECK).await;
    assert_eq!(
        ex.result_text(),
        Some("[True, 3, 49, 55, 5.0, True, True, '[1, 2, 3]', 'made by code', b'\\x00\\x01uploaded']"),
        "{ex:?}"
    );
    // The cells go on numbering where they were.
    let ex = run(&second, "1/0").await;
    assert!(ex.error.unwrap().traceback.contains("<cell-3>"));
}

#[wasm_bindgen_test]
async fn what_cannot_be_saved_is_named_and_the_rest_comes_back() {
    let first = shared().await;
    let code = "\
kept = [1, 2]
gen = (i for i in range(3))
handle = open('/mnt/data/h.txt', 'w')
from js import Object
live = Object.new()";
    assert_eq!(run(&first, code).await.status, Status::Ok);
    let session = first.export_session().await.unwrap();
    run(&first, "handle.close()").await;
    let second = from_session(&session).await;
    let summary = second.restored_session().unwrap();
    assert!(!summary.exact, "{summary:?}");
    assert!(
        skipped_reason(summary, "gen")
            .unwrap()
            .contains("generator"),
        "{summary:?}"
    );
    assert!(skipped_reason(summary, "handle").is_some(), "{summary:?}");
    assert!(
        skipped_reason(summary, "live")
            .unwrap()
            .contains("JavaScript"),
        "{summary:?}"
    );
    assert_eq!(run(&second, "kept").await.result_text(), Some("[1, 2]"));
    let ex = run(&second, "gen").await;
    assert_eq!(ex.error.map(|e| e.kind).as_deref(), Some("NameError"));
}

#[wasm_bindgen_test]
async fn an_export_sees_the_runs_queued_before_it() {
    let sb = shared().await;
    let first = sb.run("queued = 'before'", Default::default());
    let session = sb.export_session();
    let later = sb.run("queued = 'after'", Default::default());
    first.await.unwrap();
    let session = session.await.unwrap();
    later.await.unwrap();
    let again = from_session(&session).await;
    assert_eq!(run(&again, "queued").await.result_text(), Some("'before'"));
}

#[wasm_bindgen_test]
async fn reset_gives_a_fresh_interpreter_not_the_session() {
    let sb = shared().await;
    run(&sb, "remembered = 7").await;
    let session = sb.export_session().await.unwrap();
    let again = from_session(&session).await;
    assert_eq!(run(&again, "remembered").await.result_text(), Some("7"));
    again.reset().await.unwrap();
    let ex = run(&again, "remembered").await;
    assert_eq!(ex.error.map(|e| e.kind).as_deref(), Some("NameError"));
}

#[wasm_bindgen_test]
async fn after_a_timeout_an_app_can_restore_its_last_session() {
    let sb = sandbox(SandboxOptions {
        timeout: Some(Duration::from_millis(1500)),
        ..opts()
    })
    .await;
    run(&sb, "total = 41").await;
    let saved = sb.export_session().await.unwrap();
    // Where a timeout cannot interrupt, the interpreter is replaced and its
    // state lost; the app brings back what it saved.
    let ex = run(&sb, "while True: pass").await;
    assert_eq!(ex.status, Status::Timeout, "{ex:?}");
    let ex = run(&sb, "total").await;
    if ex.error.as_ref().map(|e| e.kind.as_str()) == Some("NameError") {
        let summary = sb.restore_session(&saved).await.unwrap();
        assert!(
            summary.variables.iter().any(|v| v == "total"),
            "{summary:?}"
        );
    }
    assert_eq!(run(&sb, "total + 1").await.result_text(), Some("42"));
}

#[wasm_bindgen_test]
async fn a_disposed_sandbox_exports_nothing() {
    let sb = sandbox(SandboxOptions {
        standby: Some(false),
        ..opts()
    })
    .await;
    sb.dispose();
    assert_eq!(sb.export_session().await.err(), Some(Error::Disposed));
}
