//! The whole machine, driven natively through the fake platform (fake.rs):
//! a sandbox is created, its interpreters "boot" when a test says they are
//! ready, runs go through the real queue, deadlines fire as the fake clock
//! moves, and the sandbox's messages are what a worker would send. Each
//! scenario is one path the browser suites can only reach with real time
//! and real Pyodide; here each takes microseconds.

mod deadline;
mod files;
mod interpreters;
mod page;
mod queue;
mod snapshot;
mod warm_up;

use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use wasm_bindgen::{JsCast, JsValue};

use super::fake::Fake;
use super::platform::{Platform, Report};
use crate::errors::Error;
use crate::options::{RunConfig, SandboxConfig};
use crate::protocol::FromSandbox;
use crate::supervisor::{Boot, Inner, Pending, Supervisor};
use crate::Execution;

pub(super) const READY: &str =
    r#"{"type":"ready","pyodideVersion":"314.0.7","pythonVersion":"3.14","interruptible":true}"#;

/// A sandbox's options as the tests start from: no standby and no
/// snapshot (the scenarios that need them turn them on), a 1 s timeout.
pub(super) fn config() -> SandboxConfig {
    SandboxConfig {
        timeout_ms: 1000.0,
        standby: false,
        snapshot: false,
        ..SandboxConfig::for_tests()
    }
}

/// The same with a warm standby.
pub(super) fn with_standby() -> SandboxConfig {
    SandboxConfig {
        standby: true,
        ..config()
    }
}

/// A message as a worker sends it, from its JSON (the `type` picks the
/// payload, as decode.rs does in the browser).
pub(super) fn message(json: &str) -> FromSandbox {
    let value: serde_json::Value = serde_json::from_str(json).expect("test JSON");
    let kind = value["type"].as_str().expect("a type").to_string();
    fn parse<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
        serde_json::from_value(value).expect("a valid message")
    }
    match kind.as_str() {
        "progress" => FromSandbox::Progress(parse(value)),
        "ready" => FromSandbox::Ready(parse(value)),
        "bootFailed" => FromSandbox::BootFailed(parse(value)),
        "stream" => FromSandbox::Stream(parse(value)),
        "done" => FromSandbox::Done(parse(value)),
        "pong" => FromSandbox::Pong(parse(value)),
        "log" => FromSandbox::Log(parse(value)),
        "crashed" => FromSandbox::Crashed(parse(value)),
        "refused" => FromSandbox::Refused(parse(value)),
        "input" => FromSandbox::Input(parse(value)),
        "memoryLimit" => FromSandbox::MemoryLimit(parse(value)),
        "fileResult" => FromSandbox::FileResult(parse(value)),
        // The bytes are only passed on to the page's store (the fake's).
        "snapshot" => FromSandbox::Snapshot(crate::protocol::SnapshotBytes {
            bytes: JsValue::UNDEFINED.unchecked_into(),
            size: 30 << 20,
        }),
        other => panic!("no test form for {other}"),
    }
}

/// What a sandbox boots with, as `Supervisor::boot` would have fetched it:
/// here, nothing (the fake's interpreters never read it).
pub(super) fn boot_parts() -> Boot {
    Boot {
        core_files: JsValue::UNDEFINED.unchecked_into(),
        fetch_policy: crate::policy::fetch::FetchPolicy::new(
            &serde_json::from_str(r#"{"packages":{}}"#).expect("a lock"),
            "https://cdn.example/pyodide/",
            &[],
            false,
            None,
            |_| None,
        ),
        snapshot: None,
        pypi: None,
        micropip: None,
    }
}

/// `Some` once `pending` has settled.
pub(super) fn poll<T>(pending: &mut Pending<T>) -> Option<Result<T, Error>> {
    match std::pin::Pin::new(pending).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(value) => Some(value),
        Poll::Pending => None,
    }
}

use std::future::Future;

/// One sandbox on a fake page.
pub(super) struct Rig {
    pub fake: Rc<Fake>,
    pub sandbox: Supervisor,
    pub boot: Pending<()>,
}

impl Rig {
    /// Created: its first interpreter is booting.
    pub fn start(config: SandboxConfig) -> Rig {
        Rig::start_on(Rc::new(Fake::default()), config)
    }

    /// Created on a page (`fake`) that other rigs may share.
    pub fn start_on(fake: Rc<Fake>, config: SandboxConfig) -> Rig {
        let platform: Rc<dyn Platform> = fake.clone();
        let inner = Inner::new(config, platform, boot_parts());
        let boot = Inner::start_first(&inner).expect("the first interpreter starts");
        Rig {
            fake,
            sandbox: Supervisor { inner },
            boot,
        }
    }

    /// Created, and its first interpreter ready.
    pub fn ready(config: SandboxConfig) -> Rig {
        let mut rig = Rig::start(config);
        rig.send(0, READY);
        assert!(matches!(poll(&mut rig.boot), Some(Ok(()))), "booted");
        rig
    }

    /// Interpreter `index` (in the order started) sends `json`.
    pub fn send(&self, index: usize, json: &str) {
        self.report(index, Report::Message(message(json)));
    }

    /// Interpreter `index`'s host reports `report`.
    pub fn report(&self, index: usize, report: Report) {
        self.fake.interpreter(index).report(report);
        self.fake.settle();
    }

    pub fn run(&self, code: &str) -> Pending<Execution> {
        self.run_with(code, RunConfig::default())
    }

    pub fn run_with(&self, code: &str, config: RunConfig) -> Pending<Execution> {
        let pending = self.sandbox.run(code.into(), config);
        self.fake.settle();
        pending
    }

    pub fn advance(&self, ms: f64) {
        self.fake.advance(ms);
    }

    /// What interpreter `index` was sent.
    pub fn posted(&self, index: usize) -> Vec<String> {
        self.fake.interpreter(index).posted()
    }

    pub fn killed(&self, index: usize) -> bool {
        self.fake.interpreter(index).killed.get()
    }

    /// Index (in the order started) of the active interpreter: this rig's
    /// sandbox numbers its interpreters from 1 in the order it starts them.
    pub fn active(&self) -> Option<usize> {
        let inner = self.sandbox.inner.borrow();
        inner.active.as_ref().map(|a| a.gen as usize - 1)
    }

    pub fn standby(&self) -> Option<usize> {
        let inner = self.sandbox.inner.borrow();
        inner.standby.as_ref().map(|a| a.gen as usize - 1)
    }
}

/// A `done` for run `id`, with status ok.
pub(super) fn done(id: u32) -> String {
    format!(r#"{{"type":"done","id":{id},"status":"ok"}}"#)
}

/// The run's `Execution`, which must have settled.
pub(super) fn settled(pending: &mut Pending<Execution>) -> Execution {
    match poll(pending) {
        Some(Ok(execution)) => execution,
        Some(Err(err)) => panic!("the run failed: {err}"),
        None => panic!("the run has not settled"),
    }
}
