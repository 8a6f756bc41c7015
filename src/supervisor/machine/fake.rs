//! A platform for native tests (machine/platform.rs): a clock that moves
//! only when the test says, timers that fire in order as it moves, tasks
//! run when the test settles them, and interpreters that are only records
//! of what the machine asked of them. Nothing here touches JS, so the whole
//! machine runs under `cargo test` in milliseconds.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Blob;

use super::platform::{Armed, Platform, Port, Report, ReportSink, Start};
use crate::protocol::ToSandbox;

struct Pending {
    due: f64,
    seq: u64,
    cancelled: Rc<Cell<bool>>,
    fire: Box<dyn FnOnce()>,
}

/// A timer's handle: dropping it cancels the timer, as `clearTimeout` does.
struct Handle(Rc<Cell<bool>>);

impl Drop for Handle {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

/// What one interpreter was asked, and whether it still lives.
pub(in crate::supervisor) struct Interpreter {
    pub token: String,
    pub make_snapshot: bool,
    /// The `type` of each message posted to it, with the run or file id
    /// where there is one (`run 1`, `ping`, `readFile 2`).
    pub posted: RefCell<Vec<String>>,
    pub interrupts: RefCell<Vec<u32>>,
    pub answers: RefCell<Vec<(u32, Option<String>)>>,
    pub ready: Cell<bool>,
    /// Dropped by the machine: in a browser, its worker is terminated.
    pub killed: Cell<bool>,
    /// Whether `interrupt` works (shared memory, or a frame to relay it).
    pub interruptible: Cell<bool>,
    sink: ReportSink,
}

impl Interpreter {
    pub fn report(&self, report: Report) {
        (self.sink)(report);
    }

    pub fn posted(&self) -> Vec<String> {
        self.posted.borrow().clone()
    }
}

struct FakePort(Rc<Interpreter>);

impl Drop for FakePort {
    fn drop(&mut self) {
        self.0.killed.set(true);
    }
}

fn describe(message: &ToSandbox<'_>) -> String {
    match message {
        ToSandbox::Run {
            id, warm_up: true, ..
        } => format!("warm-up run {id}"),
        ToSandbox::Run { id, .. } => format!("run {id}"),
        ToSandbox::WriteFile { id, .. } => format!("writeFile {id}"),
        ToSandbox::ReadFile { id, .. } => format!("readFile {id}"),
        ToSandbox::ListFiles { id, .. } => format!("listFiles {id}"),
        ToSandbox::RemoveFile { id, .. } => format!("removeFile {id}"),
        ToSandbox::ExportSession { id } => format!("exportSession {id}"),
        ToSandbox::RestoreSession { id, .. } => format!("restoreSession {id}"),
        ToSandbox::Ping { nonce } => format!("ping {nonce}"),
        ToSandbox::FetchResult { req, .. } => format!("fetchResult {req}"),
    }
}

impl Port for FakePort {
    fn post(&self, message: &ToSandbox<'_>) {
        self.0.posted.borrow_mut().push(describe(message));
    }

    fn interrupt(&self, id: u32) -> bool {
        self.0.interrupts.borrow_mut().push(id);
        self.0.interruptible.get()
    }

    fn answer_input(&self, seq: u32, line: Option<&str>) {
        self.0
            .answers
            .borrow_mut()
            .push((seq, line.map(str::to_string)));
    }

    fn ready(&self) {
        self.0.ready.set(true);
    }
}

/// The fake world. Tests hold it beside the machine and drive both.
#[derive(Default)]
pub(in crate::supervisor) struct Fake {
    clock: Cell<f64>,
    seq: Cell<u64>,
    timers: RefCell<Vec<Pending>>,
    tasks: RefCell<VecDeque<Pin<Box<dyn Future<Output = ()>>>>>,
    pub spawned: RefCell<Vec<Rc<Interpreter>>>,
    /// Set to make `spawn` fail (a page that cannot start a worker).
    pub refuse_spawn: Cell<bool>,
    /// Set for the page's warm-up (page/warm_up.rs); off, the scenarios
    /// see only the runs they ask for.
    pub warms_up: Cell<bool>,
    /// Set to take away the CSPRNG.
    pub no_random: Cell<bool>,
    pub snapshots_stored: Cell<u32>,
    pub snapshots_forgotten: Cell<u32>,
}

impl Platform for Fake {
    fn now(&self) -> f64 {
        self.clock.get()
    }

    fn arm(&self, ms: f64, fire: Box<dyn FnOnce()>) -> Armed {
        let cancelled = Rc::new(Cell::new(false));
        self.seq.set(self.seq.get() + 1);
        self.timers.borrow_mut().push(Pending {
            due: self.clock.get() + ms.max(0.0),
            seq: self.seq.get(),
            cancelled: cancelled.clone(),
            fire,
        });
        Box::new(Handle(cancelled))
    }

    fn spawn_task(&self, task: Pin<Box<dyn Future<Output = ()>>>) {
        self.tasks.borrow_mut().push_back(task);
    }

    fn random_hex(&self) -> Option<String> {
        self.seq.set(self.seq.get() + 1);
        (!self.no_random.get()).then(|| format!("{:032x}", self.seq.get()))
    }

    fn spawn(&self, start: Start<'_>, sink: ReportSink) -> Result<Box<dyn Port>, String> {
        if self.refuse_spawn.get() {
            return Err("the fake refuses to start a worker".into());
        }
        let interpreter = Rc::new(Interpreter {
            token: start.token.to_string(),
            make_snapshot: start.init.make_snapshot,
            posted: RefCell::default(),
            interrupts: RefCell::default(),
            answers: RefCell::default(),
            ready: Cell::new(false),
            killed: Cell::new(false),
            interruptible: Cell::new(true),
            sink,
        });
        self.spawned.borrow_mut().push(interpreter.clone());
        Ok(Box::new(FakePort(interpreter)))
    }

    fn store_snapshot(&self, _key: &str, _bytes: &Uint8Array) -> Option<Blob> {
        self.snapshots_stored.set(self.snapshots_stored.get() + 1);
        // A stand-in handle: the machine only passes it on to new boots.
        Some(JsValue::UNDEFINED.unchecked_into())
    }

    fn forget_snapshot(&self, _key: &str) {
        self.snapshots_forgotten
            .set(self.snapshots_forgotten.get() + 1);
    }

    fn warms_up(&self) -> bool {
        self.warms_up.get()
    }
}

impl Fake {
    /// Runs every task, and those they start, until none is left or the
    /// rest wait for something only the test can give (an `onInput`
    /// answer).
    pub fn settle(&self) {
        let mut context = Context::from_waker(Waker::noop());
        loop {
            let round: Vec<_> = self.tasks.borrow_mut().drain(..).collect();
            let mut waiting = 0;
            let mut finished = false;
            for mut task in round {
                if task.as_mut().poll(&mut context) == Poll::Ready(()) {
                    finished = true;
                } else {
                    waiting += 1;
                    self.tasks.borrow_mut().push_back(task);
                }
            }
            if !finished && self.tasks.borrow().len() == waiting {
                return;
            }
        }
    }

    /// Moves the clock `ms` on, firing the timers due on the way, in order,
    /// each with the tasks it starts.
    pub fn advance(&self, ms: f64) {
        let until = self.clock.get() + ms;
        self.settle();
        loop {
            let next = {
                let mut timers = self.timers.borrow_mut();
                timers.retain(|t| !t.cancelled.get());
                let earliest = timers
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| t.due <= until)
                    .min_by(|(_, a), (_, b)| a.due.total_cmp(&b.due).then(a.seq.cmp(&b.seq)))
                    .map(|(i, _)| i);
                earliest.map(|i| timers.remove(i))
            };
            let Some(timer) = next else { break };
            self.clock.set(timer.due);
            (timer.fire)();
            self.settle();
        }
        self.clock.set(until);
    }

    /// The `index`-th interpreter started (0 first).
    pub fn interpreter(&self, index: usize) -> Rc<Interpreter> {
        self.spawned.borrow()[index].clone()
    }

    /// How many interpreters were started, and how many of them live.
    pub fn counts(&self) -> (usize, usize) {
        let spawned = self.spawned.borrow();
        let live = spawned.iter().filter(|i| !i.killed.get()).count();
        (spawned.len(), live)
    }

    /// Timers armed and not yet fired or cancelled.
    pub fn armed(&self) -> usize {
        self.timers
            .borrow()
            .iter()
            .filter(|t| !t.cancelled.get())
            .count()
    }
}
