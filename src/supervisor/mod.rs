//! The supervisor: owns a sandbox's interpreters (an active one and a warm
//! standby), queues runs in order, enforces deadlines by interrupting or
//! killing, replaces dead interpreters, and turns what the sandbox sends into
//! `Execution`s.
//!
//! Every event (a message, a timer, an abort) is handled in a microtask of
//! its own, never inside the JS callback that reported it: handling may drop
//! the very closure that is running (wasm-bindgen forbids that), and user
//! callbacks are called only after the state borrow is released, so they may
//! call back into the sandbox.

mod assets;
mod host;
mod snapshot;
mod timer;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

use crate::errors::Error;
use crate::execution::{Execution, Status};
use crate::options::{RunConfig, SandboxConfig};
use crate::protocol::{self, DoneStatus, FromSandbox, PyError, StreamName, ToSandbox};
pub(crate) use host::frame_document;
use host::{Host, HostEvent};
use timer::{now, Timer};

const CAPTURE_PY: &str = include_str!("../sandbox/capture.py");
/// How long an interrupted run gets to stop before its worker is killed.
const GRACE_MS: f64 = 500.0;
/// How often the interrupt is repeated during the grace period. Pyodide
/// reads and clears its flag non-atomically, so one write can be lost; a
/// repeat that lands after the user's code ended is ignored (capture.py's
/// interrupt gate).
const REARM_MS: f64 = 50.0;
/// How long after an interpreter is ready its standby starts booting.
const STANDBY_DELAY_MS: f64 = 200.0;
/// Protocol violations after which an interpreter is killed.
const MAX_VIOLATIONS: u32 = 100;
/// Messages one run may send.
const MAX_RUN_MESSAGES: u32 = 20_000;
/// Reasons kept per run (the count goes on).
const MAX_REASONS: usize = 20;

/// A promise with its settle functions.
pub(crate) struct Deferred {
    pub promise: Promise,
    resolve: Function,
    reject: Function,
}

impl Deferred {
    pub(crate) fn new() -> Deferred {
        let mut settle = None;
        let promise = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
        // The executor runs synchronously, so `settle` is always set here.
        let (resolve, reject) =
            settle.unwrap_or_else(|| (Function::new_no_args(""), Function::new_no_args("")));
        Deferred {
            promise,
            resolve,
            reject,
        }
    }
}

enum Event {
    Host(u32, HostEvent),
    Deadline(u32),
    Abort(u32),
    Grace(u32),
    Rearm(u32),
    BootTimeout(u32),
    SpawnStandby,
}

#[derive(Clone, Copy, PartialEq)]
enum Which {
    Active,
    Standby,
}

struct Slot {
    gen: u32,
    host: Host,
    token: String,
    ready: bool,
    interruptible: bool,
    violations: u32,
    fetches: u32,
    /// Booted from the page's snapshot (if that fails, the snapshot is dropped).
    from_snapshot: bool,
    _boot_timer: Option<Timer>,
}

struct RunJob {
    code: String,
    config: RunConfig,
    deferred: Deferred,
}

enum Job {
    Run(RunJob),
    Reset(Deferred),
}

struct Current {
    id: u32,
    job: RunJob,
    exec: Execution,
    timeout_ms: f64,
    interrupted: Option<Status>,
    messages: u32,
    bytes: usize,
    _timer: Timer,
    /// Repeats the interrupt while the run has not stopped.
    _rearm: Option<Timer>,
    _abort: Option<AbortHook>,
}

/// An "abort" listener on the run's signal, removed when dropped.
struct AbortHook {
    signal: AbortSignal,
    callback: Closure<dyn FnMut()>,
}

impl Drop for AbortHook {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", self.callback.as_ref().unchecked_ref());
    }
}

struct Inner {
    config: SandboxConfig,
    files: Object,
    weak: Weak<RefCell<Inner>>,
    active: Option<Slot>,
    standby: Option<Slot>,
    queue: VecDeque<Job>,
    current: Option<Current>,
    resetting: Option<Deferred>,
    boot_waiters: Vec<Deferred>,
    next_gen: u32,
    next_id: u32,
    disposed: bool,
    info: Option<(String, String)>,
    effects: Vec<(Function, JsValue)>,
    standby_timer: Option<Timer>,
    /// The snapshot new interpreters boot from, once one exists.
    snapshot: Option<js_sys::Uint8Array>,
    /// The interpreter asked to make it, until it does.
    snapshot_maker: Option<u32>,
    snapshot_key: String,
}

/// A sandbox's supervisor; cheap to clone (shared state).
#[derive(Clone)]
pub(crate) struct Supervisor {
    inner: Rc<RefCell<Inner>>,
}

fn dispatch(weak: &Weak<RefCell<Inner>>, event: Event) {
    let weak = weak.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let Some(rc) = weak.upgrade() else { return };
        let effects = {
            let Ok(mut inner) = rc.try_borrow_mut() else {
                return;
            };
            inner.handle(event);
            std::mem::take(&mut inner.effects)
        };
        run_effects(effects);
    });
}

fn run_effects(effects: Vec<(Function, JsValue)>) {
    for (function, arg) in effects {
        // A throwing user callback must not break the sandbox.
        if let Err(err) = function.call1(&JsValue::NULL, &arg) {
            web_sys::console::error_2(&"pycage: a callback threw".into(), &err);
        }
    }
}

fn error_of(kind: &str, message: String) -> PyError {
    PyError {
        kind: kind.into(),
        message: message.clone(),
        traceback: format!("{kind}: {message}"),
        line: None,
    }
}

fn bundle_weight(data: &JsValue) -> usize {
    if !data.is_object() {
        return 0;
    }
    Object::values(data.unchecked_ref::<Object>())
        .iter()
        .map(|v: JsValue| {
            v.dyn_ref::<js_sys::Uint8Array>()
                .map(|b| b.length() as usize)
                .or_else(|| {
                    v.dyn_ref::<js_sys::JsString>()
                        .map(|s| s.length() as usize * 2)
                })
                .unwrap_or(16)
        })
        .sum()
}

/// Where the page keeps the boot snapshot for `pyodide_url` (Cache API key).
pub(crate) fn snapshot_key(pyodide_url: &str) -> String {
    snapshot::key(pyodide_url, &[CAPTURE_PY, host::WORKER_JS])
}

impl Supervisor {
    /// Downloads Pyodide (once per page), boots the first interpreter and
    /// resolves when Python is ready.
    pub(crate) async fn start(config: SandboxConfig) -> Result<Supervisor, JsValue> {
        if let Some(progress) = &config.on_progress {
            run_effects(vec![(progress.clone(), progress_event("downloading"))]);
        }
        let files = assets::core_files(&config.pyodide_url, config.boot_timeout_ms).await?;
        let snapshot_key = snapshot_key(&config.pyodide_url);
        let saved = if config.snapshot {
            snapshot::load(&snapshot_key).await
        } else {
            None
        };
        let inner = Rc::new_cyclic(|weak| {
            RefCell::new(Inner {
                config,
                files,
                weak: weak.clone(),
                active: None,
                standby: None,
                queue: VecDeque::new(),
                current: None,
                resetting: None,
                boot_waiters: Vec::new(),
                next_gen: 0,
                next_id: 0,
                disposed: false,
                info: None,
                effects: Vec::new(),
                standby_timer: None,
                snapshot: saved,
                snapshot_maker: None,
                snapshot_key,
            })
        });
        let booted = Deferred::new();
        let promise = booted.promise.clone();
        {
            let mut state = inner.borrow_mut();
            state.boot_waiters.push(booted);
            state.active = Some(state.spawn_slot(Which::Active)?);
        }
        let supervisor = Supervisor { inner };
        if let Err(err) = wasm_bindgen_futures::JsFuture::from(promise).await {
            supervisor.dispose();
            return Err(err);
        }
        Ok(supervisor)
    }

    /// Queues a run; the promise resolves with an `Execution`.
    pub(crate) fn run(&self, code: String, config: RunConfig) -> Promise {
        let deferred = Deferred::new();
        let promise = deferred.promise.clone();
        self.with(|inner| {
            if inner.disposed {
                inner
                    .effects
                    .push((deferred.reject, Error::Disposed.into()));
            } else {
                inner.queue.push_back(Job::Run(RunJob {
                    code,
                    config,
                    deferred,
                }));
                inner.pump();
            }
        });
        promise
    }

    /// Queues a reset: after the runs before it, a fresh interpreter.
    pub(crate) fn reset(&self) -> Promise {
        let deferred = Deferred::new();
        let promise = deferred.promise.clone();
        self.with(|inner| {
            if inner.disposed {
                inner
                    .effects
                    .push((deferred.reject, Error::Disposed.into()));
            } else {
                inner.queue.push_back(Job::Reset(deferred));
                inner.pump();
            }
        });
        promise
    }

    pub(crate) fn dispose(&self) {
        self.with(Inner::dispose);
    }

    pub(crate) fn is_disposed(&self) -> bool {
        self.inner.borrow().disposed
    }

    pub(crate) fn isolation(&self) -> &'static str {
        self.inner.borrow().config.isolation.as_str()
    }

    /// (Pyodide version, Python version) of the running interpreter.
    pub(crate) fn versions(&self) -> Option<(String, String)> {
        self.inner.borrow().info.clone()
    }

    pub(crate) fn booted_from_snapshot(&self) -> bool {
        self.inner
            .borrow()
            .active
            .as_ref()
            .is_some_and(|s| s.from_snapshot)
    }

    pub(crate) fn interruptible(&self) -> bool {
        self.inner
            .borrow()
            .active
            .as_ref()
            .is_some_and(|s| s.interruptible)
    }

    fn with(&self, f: impl FnOnce(&mut Inner)) {
        let effects = {
            let mut inner = self.inner.borrow_mut();
            f(&mut inner);
            std::mem::take(&mut inner.effects)
        };
        run_effects(effects);
    }
}

fn progress_event(phase: &str) -> JsValue {
    let event = Object::new();
    let _ = Reflect::set(&event, &"phase".into(), &phase.into());
    event.into()
}

impl Inner {
    /// Starts an interpreter. Only a standby is ever asked to make the
    /// snapshot: Pyodide's snapshot mode changes how `js` proxies behave, so
    /// the maker is replaced as soon as it has made it and never runs code.
    fn spawn_slot(&mut self, which: Which) -> Result<Slot, JsValue> {
        self.next_gen += 1;
        let gen = self.next_gen;
        let token = host::random_hex();
        let init = Object::new();
        let set = |key: &str, value: &JsValue| Reflect::set(&init, &key.into(), value);
        set("token", &token.as_str().into())?;
        set("files", &self.files)?;
        set("indexURL", &self.config.pyodide_url.as_str().into())?;
        set(
            "packageBaseUrl",
            &self.config.package_base_url.as_str().into(),
        )?;
        set("capture", &CAPTURE_PY.into())?;
        let packages: js_sys::Array = self
            .config
            .packages
            .iter()
            .map(|p| JsValue::from_str(p))
            .collect();
        set("packages", &packages)?;
        let from_snapshot = self.snapshot.is_some();
        if let Some(bytes) = &self.snapshot {
            set("snapshot", bytes)?;
        } else if which == Which::Standby
            && self.config.snapshot
            && self.snapshot_maker.and_then(|g| self.which(g)).is_none()
        {
            set("makeSnapshot", &true.into())?;
            self.snapshot_maker = Some(gen);
        }
        let weak = self.weak.clone();
        let sink = Rc::new(move |event| dispatch(&weak, Event::Host(gen, event)));
        let host = Host::spawn(
            self.config.isolation,
            self.config.runner_url.as_deref(),
            init,
            sink,
        )?;
        let weak = self.weak.clone();
        let boot_timer = Timer::new(self.config.boot_timeout_ms, move || {
            dispatch(&weak, Event::BootTimeout(gen))
        });
        Ok(Slot {
            gen,
            host,
            token,
            ready: false,
            interruptible: false,
            violations: 0,
            fetches: 0,
            from_snapshot,
            _boot_timer: Some(boot_timer),
        })
    }

    fn slot(&mut self, which: Which) -> Option<&mut Slot> {
        match which {
            Which::Active => self.active.as_mut(),
            Which::Standby => self.standby.as_mut(),
        }
    }

    fn which(&self, gen: u32) -> Option<Which> {
        if self.active.as_ref().is_some_and(|s| s.gen == gen) {
            Some(Which::Active)
        } else if self.standby.as_ref().is_some_and(|s| s.gen == gen) {
            Some(Which::Standby)
        } else {
            None
        }
    }

    fn handle(&mut self, event: Event) {
        if self.disposed {
            return;
        }
        match event {
            Event::Host(gen, event) => {
                let Some(which) = self.which(gen) else { return }; // a replaced host
                match event {
                    HostEvent::Stray(reason) => self.violation(which, reason),
                    HostEvent::Died(reason) => self.slot_died(which, reason),
                    HostEvent::Message(data) => {
                        let token = self
                            .slot(which)
                            .map(|s| s.token.clone())
                            .unwrap_or_default();
                        match protocol::decode(&data, &token) {
                            Ok(message) => self.on_message(which, gen, message),
                            Err(reason) => self.violation(which, reason),
                        }
                    }
                }
            }
            Event::SpawnStandby => self.spawn_standby(),
            Event::Deadline(id) => self.on_deadline(id, Status::Timeout),
            Event::Abort(id) => self.on_deadline(id, Status::Cancelled),
            Event::Rearm(id) => self.rearm(id),
            Event::Grace(id) => {
                if let Some(status) = self
                    .current
                    .as_ref()
                    .filter(|c| c.id == id)
                    .and_then(|c| c.interrupted)
                {
                    self.kill_current(status);
                }
            }
            Event::BootTimeout(gen) => {
                if let Some(which) = self.which(gen) {
                    let ms = self.config.boot_timeout_ms;
                    self.boot_failed(
                        which,
                        format!("Python did not start within {ms} ms (bootTimeoutMs)"),
                    );
                }
            }
        }
    }

    fn on_message(&mut self, which: Which, gen: u32, message: FromSandbox) {
        if which == Which::Active {
            if let Some(current) = &mut self.current {
                current.messages += 1;
                current.bytes += match &message {
                    FromSandbox::Display(d) => bundle_weight(&d.data),
                    other => other.weight(),
                };
                let budget = 4 * self.config.max_output_bytes
                    + 2 * self.config.caps.max_run_figure_bytes
                    + (16 << 20);
                if current.messages > MAX_RUN_MESSAGES || current.bytes > budget {
                    self.kill_current_crashed(
                        "the sandbox exceeded its message budget (flood)".into(),
                    );
                    return;
                }
            }
        }
        let ready = self.slot(which).is_some_and(|s| s.ready);
        match message {
            FromSandbox::Progress(p) if !ready => {
                if which == Which::Active {
                    let phase = match p.phase {
                        protocol::Phase::Starting => "starting",
                        protocol::Phase::Packages => "packages",
                    };
                    self.progress(phase);
                }
            }
            FromSandbox::Ready(r) if !ready => {
                if let Some(slot) = self.slot(which) {
                    slot.ready = true;
                    slot.interruptible = r.interruptible;
                    slot._boot_timer = None;
                }
                self.info = Some((r.pyodide_version, r.python_version));
                if which == Which::Active {
                    self.on_active_ready();
                }
            }
            FromSandbox::BootFailed(t) if !ready => self.boot_failed(which, t.text),
            FromSandbox::Snapshot(bytes) if !ready && self.snapshot_maker == Some(gen) => {
                self.snapshot_maker = None;
                snapshot::store(&self.snapshot_key, &bytes);
                self.log(format!(
                    "saved a {} MiB boot snapshot at this page's origin",
                    bytes.length() >> 20
                ));
                self.snapshot = Some(bytes);
                self.standby = None;
                self.spawn_standby();
            }
            FromSandbox::Crashed(t) => self.slot_died(which, t.text),
            FromSandbox::Log(t) => self.log(t.text),
            FromSandbox::Fetch(f) => self.on_fetch(which, gen, f.req, f.url, f.integrity),
            FromSandbox::Stream(s) if self.is_current(which, s.id) => {
                let Some(current) = &mut self.current else {
                    return;
                };
                if let Some(kept) = current.exec.stream(s.name, &s.text, s.truncated) {
                    let callback = match s.name {
                        StreamName::Stdout => &current.job.config.on_stdout,
                        StreamName::Stderr => &current.job.config.on_stderr,
                    };
                    if let Some(callback) = callback {
                        self.effects.push((callback.clone(), kept.into()));
                    }
                }
            }
            FromSandbox::Display(d) if self.is_current(which, d.id) => {
                if let Some(current) = &mut self.current {
                    current
                        .exec
                        .display(&d.data, Execution::display_source(d.source));
                }
            }
            FromSandbox::Done(d) if self.is_current(which, d.id) => self.on_done(d),
            other => self.violation(which, format!("unexpected {} message", kind_name(&other))),
        }
    }

    fn is_current(&self, which: Which, id: u32) -> bool {
        which == Which::Active && self.current.as_ref().is_some_and(|c| c.id == id)
    }

    fn on_done(&mut self, done: protocol::Done) {
        let Some(interrupted) = self.current.as_ref().map(|c| c.interrupted) else {
            return;
        };
        let mut status = match done.status {
            DoneStatus::Ok => Status::Ok,
            DoneStatus::Error => Status::Error,
        };
        let mut error = done.error;
        if let (Some(why), Some(e)) = (interrupted, &error) {
            if e.kind == "KeyboardInterrupt" {
                status = why;
                error = Some(self.stop_error(why, false));
            }
        }
        if status == Status::Error && error.is_none() {
            error = Some(error_of(
                "ProtocolError",
                "the sandbox reported an error without details".into(),
            ));
        }
        let result = match &mut self.current {
            Some(current) if status == Status::Ok && done.result.is_object() => {
                current.exec.bundle(&done.result, "result")
            }
            _ => None,
        };
        self.settle(status, result, error, false);
    }

    fn stop_error(&self, why: Status, reset: bool) -> PyError {
        let ms = self.current.as_ref().map_or(0.0, |c| c.timeout_ms);
        let after = if reset {
            "the interpreter was restarted"
        } else {
            "interrupted; state kept"
        };
        match why {
            Status::Timeout => error_of("TimeoutError", format!("stopped after {ms} ms ({after})")),
            _ => error_of("CancelledError", format!("the run was cancelled ({after})")),
        }
    }

    /// Resolves the current run and starts the next.
    fn settle(
        &mut self,
        status: Status,
        result: Option<JsValue>,
        error: Option<PyError>,
        reset: bool,
    ) {
        let Some(current) = self.current.take() else {
            return;
        };
        let Current { mut job, exec, .. } = current;
        let execution = exec.finish(status, result, error, reset, now());
        let resolve = std::mem::replace(&mut job.deferred.resolve, Function::new_no_args(""));
        self.effects.push((resolve, execution));
        self.pump();
    }

    fn on_deadline(&mut self, id: u32, why: Status) {
        let Some(current) = self.current.as_mut().filter(|c| c.id == id) else {
            return;
        };
        if current.interrupted.is_some() {
            return;
        }
        let interrupted = self
            .active
            .as_ref()
            .is_some_and(|s| s.interruptible && s.host.interrupt(id));
        if interrupted {
            current.interrupted = Some(why);
            let weak = self.weak.clone();
            current._timer = Timer::new(GRACE_MS, move || dispatch(&weak, Event::Grace(id)));
            let weak = self.weak.clone();
            current._rearm = Some(Timer::new(REARM_MS, move || {
                dispatch(&weak, Event::Rearm(id))
            }));
        } else {
            self.kill_current(why);
        }
    }

    fn rearm(&mut self, id: u32) {
        let Some(current) = self
            .current
            .as_mut()
            .filter(|c| c.id == id && c.interrupted.is_some())
        else {
            return;
        };
        if let Some(slot) = &self.active {
            slot.host.interrupt(id);
        }
        let weak = self.weak.clone();
        current._rearm = Some(Timer::new(REARM_MS, move || {
            dispatch(&weak, Event::Rearm(id))
        }));
    }

    /// Ends the current run by killing its interpreter.
    fn kill_current(&mut self, why: Status) {
        let error = self.stop_error(why, true);
        self.active = None;
        self.replace_active();
        self.settle(why, None, Some(error), true);
    }

    fn kill_current_crashed(&mut self, reason: String) {
        self.active = None;
        self.replace_active();
        self.settle(
            Status::Crashed,
            None,
            Some(error_of("Crashed", reason)),
            true,
        );
    }

    fn violation(&mut self, which: Which, reason: String) {
        let Some(slot) = self.slot(which) else { return };
        slot.violations += 1;
        let flooded = slot.violations > MAX_VIOLATIONS;
        if which == Which::Active {
            if let Some(current) = &mut self.current {
                if current.exec.violations.len() < MAX_REASONS {
                    current.exec.violations.push(reason);
                }
            }
        }
        if flooded {
            self.slot_died(which, "too many protocol violations".into());
        }
    }

    fn slot_died(&mut self, which: Which, reason: String) {
        match which {
            Which::Standby => self.standby = None,
            Which::Active if !self.active.as_ref().is_some_and(|s| s.ready) => {
                self.boot_failed(which, reason)
            }
            Which::Active => {
                if self.current.is_some() {
                    self.kill_current_crashed(reason);
                } else {
                    self.active = None;
                    self.replace_active();
                }
            }
        }
    }

    fn boot_failed(&mut self, which: Which, reason: String) {
        self.log(format!("a sandbox interpreter failed to start: {reason}"));
        if self.slot(which).is_some_and(|s| s.from_snapshot) {
            // A stale or broken snapshot: drop it and boot the slow way.
            self.log("dropping the boot snapshot".into());
            self.snapshot = None;
            snapshot::forget(&self.snapshot_key);
            match self.spawn_slot(which) {
                Ok(slot) if which == Which::Active => self.active = Some(slot),
                Ok(slot) => self.standby = Some(slot),
                Err(err) => self.log(format!("could not restart the interpreter: {err:?}")),
            }
            return;
        }
        if which == Which::Standby {
            self.standby = None; // retried at the next promotion
            return;
        }
        self.active = None;
        if self.standby.is_some() {
            self.replace_active();
            return;
        }
        let url = self.config.pyodide_url.clone();
        let error = || {
            JsValue::from(Error::init(
                format!("could not start Python from {url}: {reason}"),
                Some(&url),
            ))
        };
        for waiter in self.boot_waiters.drain(..) {
            self.effects.push((waiter.reject, error()));
        }
        if let Some(reset) = self.resetting.take() {
            self.effects.push((reset.reject, error()));
        }
        for job in std::mem::take(&mut self.queue) {
            let reject = match job {
                Job::Run(run) => run.deferred.reject,
                Job::Reset(deferred) => deferred.reject,
            };
            self.effects.push((reject, error()));
        }
    }

    /// Promotes the standby (or boots a new interpreter) after the active one went.
    fn replace_active(&mut self) {
        if self.disposed {
            return;
        }
        self.active = self.standby.take();
        if self
            .active
            .as_ref()
            .is_some_and(|s| Some(s.gen) == self.snapshot_maker)
        {
            // Still making the snapshot: it must never run user code.
            self.active = None;
            self.snapshot_maker = None;
        }
        if self.active.is_none() {
            match self.spawn_slot(Which::Active) {
                Ok(slot) => self.active = Some(slot),
                Err(err) => {
                    let reason = format!("could not create the sandbox: {err:?}");
                    self.boot_failed(Which::Active, reason);
                    return;
                }
            }
        }
        if self.active.as_ref().is_some_and(|s| s.ready) {
            self.on_active_ready();
        }
    }

    fn on_active_ready(&mut self) {
        for waiter in self.boot_waiters.drain(..) {
            self.effects.push((waiter.resolve, JsValue::UNDEFINED));
        }
        if let Some(reset) = self.resetting.take() {
            self.effects.push((reset.resolve, JsValue::UNDEFINED));
        }
        self.progress("ready");
        if self.config.standby && self.standby.is_none() {
            // Not at once: the first run usually follows `ready` immediately,
            // and a booting standby would compete with it for the CPU.
            let weak = self.weak.clone();
            self.standby_timer = Some(Timer::new(STANDBY_DELAY_MS, move || {
                dispatch(&weak, Event::SpawnStandby)
            }));
        }
        self.pump();
    }

    fn spawn_standby(&mut self) {
        self.standby_timer = None;
        if self.config.standby && self.standby.is_none() {
            // Booted fresh, never recycled: a used interpreter is never reused.
            match self.spawn_slot(Which::Standby) {
                Ok(slot) => self.standby = Some(slot),
                Err(err) => self.log(format!("could not start a standby interpreter: {err:?}")),
            }
        }
    }

    /// Starts queued work while the active interpreter is idle.
    fn pump(&mut self) {
        while self.current.is_none() && self.resetting.is_none() && !self.disposed {
            if self.active.is_none() && !self.queue.is_empty() {
                self.replace_active();
                if self.active.is_none() {
                    return;
                }
            }
            if !self.active.as_ref().is_some_and(|s| s.ready) {
                return;
            }
            match self.queue.pop_front() {
                None => return,
                Some(Job::Reset(deferred)) => {
                    self.resetting = Some(deferred);
                    self.active = None;
                    self.replace_active();
                }
                Some(Job::Run(job)) => self.start(job),
            }
        }
    }

    fn start(&mut self, job: RunJob) {
        let started = now();
        let exec = Execution::new(
            self.config.caps.clone(),
            self.config.max_output_bytes,
            started,
        );
        if job.config.signal.as_ref().is_some_and(|s| s.aborted()) {
            let error = error_of(
                "CancelledError",
                "the run was cancelled before it started".into(),
            );
            self.effects.push((
                job.deferred.resolve.clone(),
                exec.finish(Status::Cancelled, None, Some(error), false, now()),
            ));
            return;
        }
        self.next_id += 1;
        let id = self.next_id;
        let timeout_ms = job.config.timeout_ms.unwrap_or(self.config.timeout_ms);
        let message = ToSandbox::Run {
            id,
            code: &job.code,
            auto_load: self.config.auto_load,
            allowed: self.config.allowed_packages.as_deref(),
            figure_format: if job.config.figure_svg { "svg" } else { "png" },
            figure_dpi: job.config.figure_dpi,
            max_output_bytes: self.config.max_output_bytes,
        };
        if let Some(slot) = &self.active {
            slot.host.post(&message.to_js());
        }
        let weak = self.weak.clone();
        let timer = Timer::new(timeout_ms, move || dispatch(&weak, Event::Deadline(id)));
        let abort = job.config.signal.clone().map(|signal| {
            let weak = self.weak.clone();
            let callback = Closure::<dyn FnMut()>::new(move || dispatch(&weak, Event::Abort(id)));
            let _ =
                signal.add_event_listener_with_callback("abort", callback.as_ref().unchecked_ref());
            AbortHook { signal, callback }
        });
        self.current = Some(Current {
            id,
            job,
            exec,
            timeout_ms,
            interrupted: None,
            messages: 0,
            bytes: 0,
            _timer: timer,
            _rearm: None,
            _abort: abort,
        });
    }

    fn on_fetch(
        &mut self,
        which: Which,
        gen: u32,
        req: u32,
        url: String,
        integrity: Option<String>,
    ) {
        let Some(slot) = self.slot(which) else { return };
        slot.fetches += 1;
        let too_many = slot.fetches > 500;
        if too_many {
            self.log("the sandbox asked for more than 500 downloads; refusing".into());
        }
        let config = &self.config;
        let allowed = !too_many
            && !url.contains("/../")
            && (url.starts_with(&config.package_base_url) || config.packages.contains(&url));
        let refusal = format!(
            "refused: pycage fetches only URLs under packageBaseUrl ({}) or listed in packages",
            config.package_base_url
        );
        let weak = self.weak.clone();
        let timeout = config.boot_timeout_ms.max(60_000.0);
        wasm_bindgen_futures::spawn_local(async move {
            let result = if allowed {
                assets::fetch_bytes(&url, integrity.as_deref(), timeout).await
            } else {
                Err(refusal)
            };
            if let Err(reason) = &result {
                // Call the user's callback with no borrow held: it may call back in.
                let on_log = weak
                    .upgrade()
                    .and_then(|rc| rc.try_borrow().ok().and_then(|i| i.config.on_log.clone()));
                if let Some(on_log) = on_log {
                    run_effects(vec![(
                        on_log,
                        format!("could not fetch {url}: {reason}").into(),
                    )]);
                }
            }
            let Some(rc) = weak.upgrade() else { return };
            let Ok(inner) = rc.try_borrow() else { return };
            let Some(which) = inner.which(gen) else {
                return;
            };
            let (ok, body, error) = match result {
                Ok(body) => (true, JsValue::from(body), None),
                Err(reason) => (false, JsValue::UNDEFINED, Some(reason)),
            };
            let slot = if which == Which::Active {
                &inner.active
            } else {
                &inner.standby
            };
            if let Some(slot) = slot {
                slot.host.post(
                    &ToSandbox::FetchResult {
                        req,
                        ok,
                        body,
                        error,
                    }
                    .to_js(),
                );
            }
        });
    }

    fn log(&mut self, text: String) {
        if let Some(on_log) = &self.config.on_log {
            self.effects.push((on_log.clone(), text.into()));
        }
    }

    fn progress(&mut self, phase: &str) {
        if let Some(on_progress) = &self.config.on_progress {
            self.effects
                .push((on_progress.clone(), progress_event(phase)));
        }
    }

    fn dispose(&mut self) {
        if self.disposed {
            return;
        }
        self.disposed = true; // first, so settling the current run starts nothing
        if self.current.is_some() {
            let error = error_of("CancelledError", "the sandbox was disposed".into());
            self.settle(Status::Cancelled, None, Some(error), true);
        }
        self.active = None;
        self.standby = None;
        self.standby_timer = None;
        let disposed = || JsValue::from(Error::Disposed);
        for waiter in self.boot_waiters.drain(..) {
            self.effects.push((waiter.reject, disposed()));
        }
        if let Some(reset) = self.resetting.take() {
            self.effects.push((reset.reject, disposed()));
        }
        for job in std::mem::take(&mut self.queue) {
            let reject = match job {
                Job::Run(run) => run.deferred.reject,
                Job::Reset(deferred) => deferred.reject,
            };
            self.effects.push((reject, disposed()));
        }
    }
}

fn kind_name(message: &FromSandbox) -> &'static str {
    match message {
        FromSandbox::Progress(_) => "progress",
        FromSandbox::Ready(_) => "ready",
        FromSandbox::BootFailed(_) => "bootFailed",
        FromSandbox::Stream(_) => "stream (for no current run)",
        FromSandbox::Display(_) => "display (for no current run)",
        FromSandbox::Done(_) => "done (for no current run)",
        FromSandbox::Fetch(_) => "fetch",
        FromSandbox::Log(_) => "log",
        FromSandbox::Crashed(_) => "crashed",
        FromSandbox::Snapshot(_) => "snapshot (not asked for)",
    }
}
