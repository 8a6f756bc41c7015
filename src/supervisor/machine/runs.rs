//! A run's lifecycle: the queue, starting a run, its deadline (interrupt,
//! grace, kill) and settling it into an `Execution`.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

use super::deadline::{Action, RunDeadline};
use super::input::Inputs;
use super::queue::{self, Job};
use crate::errors::Error;
use crate::execution::{ExecutionBuilder, MimeBundle, Status};
use crate::options::RunConfig;
use crate::protocol;
use crate::protocol::{DoneStatus, PyError, ToSandbox};
use crate::supervisor::machine::budget::Budget;
use crate::supervisor::machine::deferred::Deferred;
use crate::supervisor::machine::files;
use crate::supervisor::machine::interpreters::Role;
use crate::supervisor::machine::platform::Armed;
use crate::supervisor::page::warm_up;
use crate::supervisor::{dispatch, error_of, Event, Inner};

pub(in crate::supervisor) struct RunJob {
    pub(in crate::supervisor) code: String,
    pub(in crate::supervisor) config: RunConfig,
    pub(in crate::supervisor) deferred: Deferred<crate::Execution>,
    /// When the run was called, for `Execution::waited_ms`.
    pub(in crate::supervisor) queued_at: f64,
    /// One of the page's warm-up runs (page/warm_up.rs): nobody waits for
    /// it, and it leaves the sandbox's state as it was.
    pub(in crate::supervisor) warm_up: bool,
}

pub(in crate::supervisor) struct Current {
    pub(in crate::supervisor) id: u32,
    pub(in crate::supervisor) job: RunJob,
    pub(in crate::supervisor) exec: ExecutionBuilder,
    pub(in crate::supervisor) timeout_ms: f64,
    /// Where the run stands against its deadline (deadline.rs).
    pub(in crate::supervisor) deadline: RunDeadline,
    /// The interpreter was replaced since the last run (a flood, a crash
    /// between runs): this run starts fresh and says so.
    pub(in crate::supervisor) replaced_before: Option<String>,
    /// What the run has sent: messages, bytes and log lines (budget.rs).
    pub(in crate::supervisor) budget: Budget,
    /// `Execution.files` so far, against the run's caps (files.rs).
    pub(in crate::supervisor) files: files::RunFiles,
    /// `input()` calls answered, and whether one waits now.
    pub(in crate::supervisor) inputs: Inputs,
    pub(in crate::supervisor) _timer: Armed,
    /// Repeats the interrupt while the run has not stopped.
    pub(in crate::supervisor) _rearm: Option<Armed>,
    pub(in crate::supervisor) _abort: Option<AbortHook>,
}

/// An "abort" listener on the run's signal, removed when dropped.
pub(in crate::supervisor) struct AbortHook {
    pub(in crate::supervisor) signal: AbortSignal,
    pub(in crate::supervisor) callback: Closure<dyn FnMut()>,
}

impl Drop for AbortHook {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", self.callback.as_ref().unchecked_ref());
    }
}

impl Inner {
    pub(in crate::supervisor) fn is_current(&self, role: Role, id: u32) -> bool {
        role == Role::Active && self.current.as_ref().is_some_and(|c| c.id == id)
    }

    /// A run's `done`. Before its deadline, it settles the run. After it,
    /// it settles nothing by itself: the sandbox could have written it while
    /// its code still runs (the attacker holds every key in the worker), so
    /// the outcome is the deadline's, and the interpreter is kept only if it
    /// then answers a ping, which a worker still busy in Python cannot do.
    pub(in crate::supervisor) fn on_done(&mut self, done: protocol::Done) {
        let Some(current) = self.current.as_mut() else {
            return;
        };
        let id = current.id;
        let platform = self.platform.clone();
        let actions = current.deadline.on_done(|| platform.random_hex());
        if actions != [Action::SettleFromDone] {
            return self.carry_out(id, actions);
        }
        let status = match done.status {
            DoneStatus::Ok => Status::Ok,
            DoneStatus::Error => Status::Error,
        };
        let mut error = done.error;
        if status == Status::Error && error.is_none() {
            error = Some(error_of(
                "ProtocolError",
                "the sandbox reported an error without details".into(),
            ));
        }
        let result = match (&mut self.current, &done.result) {
            (Some(current), Some(bundle)) if status == Status::Ok && bundle.is_object() => {
                current.exec.bundle(bundle, "result")
            }
            _ => None,
        };
        let memory = done.memory_bytes.filter(|m| m.is_finite() && *m >= 0.0);
        if let (Some(current), Some(omitted)) = (self.current.as_mut(), done.files_omitted) {
            if omitted.is_finite() && omitted >= 1.0 {
                current.exec.drop_reason(format!(
                    "{} more files the run changed: over the {} files a run may return",
                    omitted.min(1e9) as u64,
                    files::MAX_RUN_FILES
                ));
            }
        }
        if let Some(current) = self.current.as_mut() {
            current.exec.memory_bytes = memory;
        }
        // Before settling, which starts the next run: that one gets a fresh
        // interpreter.
        self.recycle_if_large(memory);
        self.settle(status, result, error, None);
    }

    /// The answer to the ping sent after a post-deadline `done`: the worker's
    /// event loop is free, so its Python has stopped; its state is kept.
    pub(in crate::supervisor) fn on_pong(&mut self, nonce: &str) -> bool {
        let Some(current) = self.current.as_ref() else {
            return false;
        };
        let actions = current.deadline.on_pong(nonce);
        let answered = !actions.is_empty();
        self.carry_out(current.id, actions);
        answered
    }

    pub(in crate::supervisor) fn stop_error(&self, why: Status, reset: bool) -> PyError {
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
    pub(in crate::supervisor) fn settle(
        &mut self,
        status: Status,
        result: Option<MimeBundle>,
        error: Option<PyError>,
        reset: Option<String>,
    ) {
        let Some(current) = self.current.take() else {
            return;
        };
        let reason = reset.or(current.replaced_before);
        let execution = current
            .exec
            .finish(status, result, error, reason, self.now());
        current.job.deferred.settle(Ok(execution));
        if let Some(interpreter) = self.active.as_mut() {
            interpreter.idle = Budget::default(); // the idle window starts now
        }
        self.pump();
    }

    /// The run's deadline, or its abort signal (`why`).
    pub(in crate::supervisor) fn on_deadline(&mut self, id: u32, why: Status) {
        let Some(current) = self.current.as_mut().filter(|c| c.id == id) else {
            return;
        };
        let active = self.active.as_ref();
        let actions = current.deadline.on_deadline(why, || {
            active.is_some_and(|s| s.interruptible && s.host.interrupt(id))
        });
        self.carry_out(id, actions);
    }

    /// The tick that repeats the interrupt.
    pub(in crate::supervisor) fn on_repeat(&mut self, id: u32) {
        let Some(current) = self.current.as_ref().filter(|c| c.id == id) else {
            return;
        };
        let active = self.active.as_ref();
        let actions = current
            .deadline
            .on_repeat(|| active.is_some_and(|s| s.host.interrupt(id)));
        self.carry_out(id, actions);
    }

    /// The grace period, or the idle proof's, ran out.
    pub(in crate::supervisor) fn on_grace(&mut self, id: u32) {
        let Some(current) = self.current.as_ref().filter(|c| c.id == id) else {
            return;
        };
        let actions = current.deadline.on_grace();
        self.carry_out(id, actions);
    }

    /// Does what the run's deadline asks (deadline.rs), for run `id`.
    fn carry_out(&mut self, id: u32, actions: Vec<Action>) {
        for action in actions {
            if self.current.as_ref().is_none_or(|c| c.id != id) {
                return;
            }
            match action {
                Action::ArmGrace(ms) => {
                    let timer = self.arm(ms, Event::Grace(id));
                    if let Some(current) = self.current.as_mut() {
                        current._timer = timer;
                    }
                }
                Action::ArmRepeat(ms) => {
                    let timer = self.arm(ms, Event::Rearm(id));
                    if let Some(current) = self.current.as_mut() {
                        current._rearm = Some(timer);
                    }
                }
                Action::StopRepeat => {
                    if let Some(current) = self.current.as_mut() {
                        current._rearm = None;
                    }
                }
                Action::Ping(nonce) => {
                    if let Some(interpreter) = &self.active {
                        interpreter.host.post(&ToSandbox::Ping { nonce: &nonce });
                    }
                }
                Action::Kill(why) => self.kill_current(why),
                Action::SettleStopped(why) => {
                    let error = self.stop_error(why, false);
                    self.settle(why, None, Some(error), None);
                }
                // on_done settles from the message itself.
                Action::SettleFromDone => {}
            }
        }
    }

    /// Ends the current run by killing its interpreter.
    pub(in crate::supervisor) fn kill_current(&mut self, why: Status) {
        let error = self.stop_error(why, true);
        let reason = match why {
            Status::Timeout => {
                "the run went past its deadline and did not stop; its interpreter was replaced"
            }
            _ => "the run was cancelled and did not stop; its interpreter was replaced",
        };
        self.active = None;
        self.replace_active();
        self.settle(why, None, Some(error), Some(reason.into()));
    }

    pub(in crate::supervisor) fn kill_current_crashed(&mut self, reason: String) {
        self.kill_current_with(
            error_of("Crashed", reason.clone()),
            format!("the interpreter crashed: {reason}"),
        );
    }

    /// Ends the current run as crashed, with `error`, on a fresh interpreter.
    pub(in crate::supervisor) fn kill_current_with(
        &mut self,
        error: PyError,
        reset_reason: String,
    ) {
        self.active = None;
        self.replace_active();
        self.settle(Status::Crashed, None, Some(error), Some(reset_reason));
    }

    /// Rejects everything waiting (the boot, a reset, every queued job) with
    /// `error()`: the sandbox cannot start, or was disposed.
    pub(in crate::supervisor) fn reject_all(&mut self, error: impl Fn() -> Error) {
        for waiter in self.boot_waiters.drain(..) {
            waiter.settle(Err(error()));
        }
        if let Some(reset) = self.resetting.take() {
            reset.settle(Err(error()));
        }
        self.queue.reject_all(error);
    }

    /// Starts queued work while the active interpreter is idle (what next:
    /// queue.rs).
    pub(in crate::supervisor) fn pump(&mut self) {
        loop {
            let busy =
                self.current.is_some() || self.current_file.is_some() || self.resetting.is_some();
            let interpreter = match &self.active {
                None => queue::Interpreter::Gone,
                Some(active) if active.ready => queue::Interpreter::Ready,
                Some(_) => queue::Interpreter::Booting,
            };
            let warm_up = self.warm_ups_left > 0;
            match queue::next(busy, self.disposed, interpreter, &self.queue, warm_up) {
                queue::Next::Wait => return,
                queue::Next::WarmUp => {
                    self.warm_up_once();
                    continue;
                }
                queue::Next::Replace => {
                    self.replace_active();
                    if self.active.is_none() {
                        return; // it could not start; reject_all has run
                    }
                    continue;
                }
                queue::Next::Take => {}
            }
            match self.queue.pop() {
                None => return,
                Some(Job::Reset(deferred)) => {
                    self.resetting = Some(deferred);
                    self.active = None;
                    self.forget_files();
                    self.replace_active();
                }
                Some(Job::Run(job)) => self.start(job),
                Some(Job::File(job)) => self.start_file(job),
            }
        }
    }

    pub(in crate::supervisor) fn start(&mut self, job: RunJob) {
        let started = self.now();
        let mut exec = ExecutionBuilder::new(
            self.config.caps.clone(),
            self.config.max_output_bytes,
            started,
        );
        if !job.warm_up {
            // What the next user's run reports, not a warm-up run.
            exec.lost_files = self.kept_files.take_lost();
            self.last_used = started;
        }
        exec.waited_ms = (started - job.queued_at).max(0.0);
        if job.config.signal.as_ref().is_some_and(|s| s.aborted()) {
            let error = error_of(
                "CancelledError",
                "the run was cancelled before it started".into(),
            );
            let execution = exec.finish(Status::Cancelled, None, Some(error), None, self.now());
            job.deferred.settle(Ok(execution));
            return;
        }
        self.next_id += 1;
        let id = self.next_id;
        self.last_busy_at = started;
        let timeout_ms = job.config.timeout_ms.unwrap_or(self.config.timeout_ms);
        let message = ToSandbox::Run {
            id,
            code: &job.code,
            figure_format: if job.config.figure_svg { "svg" } else { "png" },
            figure_dpi: job.config.figure_dpi,
            input: job.config.on_input.is_some(),
            warm_up: job.warm_up,
        };
        if let Some(interpreter) = &self.active {
            interpreter.host.post(&message);
        }
        let timer = self.arm(timeout_ms, Event::Deadline(id));
        let abort = job.config.signal.clone().map(|signal| {
            let (platform, weak) = (self.platform.clone(), self.weak.clone());
            let callback = Closure::<dyn FnMut()>::new(move || {
                dispatch(&platform, &weak, Event::Abort(id));
            });
            let _ =
                signal.add_event_listener_with_callback("abort", callback.as_ref().unchecked_ref());
            AbortHook { signal, callback }
        });
        let replaced_before = if job.warm_up {
            None
        } else {
            std::mem::take(&mut self.replaced_between_runs)
        };
        self.current = Some(Current {
            id,
            job,
            exec,
            timeout_ms,
            deadline: RunDeadline::default(),
            replaced_before,
            budget: Budget::default(),
            files: files::RunFiles::default(),
            inputs: Inputs::default(),
            _timer: timer,
            _rearm: None,
            _abort: abort,
        });
    }
}

impl Inner {
    /// The interpreter became ready: the first on the page makes the
    /// page's warm-up, a moment later (page/warm_up.rs).
    pub(in crate::supervisor) fn plan_warm_up(&mut self) {
        if self.platform.warms_up() && warm_up::take() {
            self.warm_up_timer = Some(self.arm(warm_up::WARM_UP_DELAY_MS, Event::WarmUp));
        }
    }

    pub(in crate::supervisor) fn start_warm_up(&mut self) {
        self.warm_up_timer = None;
        self.warm_ups_left = warm_up::WARM_UP_RUNS;
        self.pump();
    }

    /// One warm-up run: nobody awaits it.
    fn warm_up_once(&mut self) {
        self.warm_ups_left -= 1;
        let (deferred, _pending) = Deferred::new();
        self.start(RunJob {
            code: warm_up::WARM_UP_CODE.into(),
            config: RunConfig::default(),
            deferred,
            queued_at: self.now(),
            warm_up: true,
        });
    }
}
