//! Where every event lands: a message from an interpreter (decoded,
//! policed, then routed by type), a timer, an abort. Each is handled in a
//! microtask of its own (see `dispatch` in mod.rs).

use crate::execution::Status;
use crate::options::Phase;
use crate::protocol;
use crate::protocol::{FromSandbox, StreamName};
use crate::supervisor::machine::interpreters::Role;
use crate::supervisor::machine::platform::Report;
use crate::supervisor::machine::policing::kind_name;
use crate::supervisor::{Event, Inner};

impl Inner {
    pub(in crate::supervisor) fn handle(&mut self, event: Event) {
        if self.disposed {
            self.on_event_after_dispose(event);
            return;
        }
        match event {
            Event::Host(gen, report) => {
                let Some(role) = self.role(gen) else { return }; // a replaced host
                self.on_report(role, gen, report);
            }
            Event::SpawnStandby => self.spawn_standby(),
            Event::WarmUp => self.start_warm_up(),
            Event::FileDeadline(id) => self.on_file_deadline(id),
            Event::InputAnswer { id, seq, line } => self.answer_input(id, seq, line),
            Event::Deadline(id) => self.on_deadline(id, Status::Timeout),
            Event::Abort(id) => self.on_deadline(id, Status::Cancelled),
            Event::Rearm(id) => self.on_repeat(id),
            Event::Grace(id) => self.on_grace(id),
            Event::BootTimeout(gen) => {
                if let Some(role) = self.role(gen) {
                    let ms = self.config.boot_timeout_ms;
                    self.boot_failed(
                        role,
                        format!("Python did not start within {ms} ms (bootTimeoutMs)"),
                    );
                }
            }
        }
    }

    fn on_report(&mut self, role: Role, gen: u32, report: Report) {
        match report {
            Report::Stray(reason) => self.violation(role, reason),
            Report::Died(reason) => self.interpreter_died(role, reason),
            Report::Gone(reason) => self.process_gone(role, reason),
            Report::Measured(bytes) => self.on_measured(role, bytes),
            Report::Message(message) => self.on_message(role, gen, message),
            Report::Refused { reason, done, file } => {
                if done.is_some_and(|id| self.is_current(role, id)) {
                    self.kill_current_crashed(format!(
                        "the sandbox's result was refused: {reason}"
                    ));
                } else if role == Role::Active && file.is_some_and(|id| self.is_current_file(id)) {
                    self.fail_current_file(&format!("the sandbox's answer was refused: {reason}"));
                    self.violation(role, reason);
                    self.pump();
                } else {
                    self.violation(role, reason);
                }
            }
        }
    }

    pub(in crate::supervisor) fn on_message(&mut self, role: Role, gen: u32, message: FromSandbox) {
        if !self.police(role, &message) {
            return;
        }
        let ready = self.interpreter(role).is_some_and(|s| s.ready);
        match message {
            FromSandbox::Progress(p) if !ready => {
                if role == Role::Active {
                    let phase = match p.phase {
                        protocol::Phase::Starting => Phase::Starting,
                        protocol::Phase::Packages => Phase::Packages,
                    };
                    self.progress(phase);
                }
            }
            FromSandbox::Ready(r) if !ready => {
                if let Some(interpreter) = self.interpreter(role) {
                    interpreter.ready = true;
                    interpreter.interruptible = r.interruptible;
                    interpreter._boot_timer = None;
                    interpreter.host.ready();
                }
                self.info = Some((r.pyodide_version, r.python_version));
                if role == Role::Active {
                    self.on_active_ready();
                }
            }
            FromSandbox::BootFailed(f) if !ready => self.boot_failed(role, f.reason),
            FromSandbox::Snapshot(snapshot) if !ready && self.snapshot_maker == Some(gen) => {
                self.on_snapshot(&snapshot);
            }
            FromSandbox::Crashed(f) => self.interpreter_died(role, f.reason),
            FromSandbox::Refused(f) => self.violation(role, f.reason),
            FromSandbox::Log(t) => self.sandbox_log(role, &t.text),
            FromSandbox::Fetch(f) => self.on_fetch(role, gen, f.req, &f.url),
            FromSandbox::Pong(p) if role == Role::Active && self.on_pong(&p.nonce) => {}
            FromSandbox::Stream(s) if self.is_current(role, s.id) => {
                let Some(current) = &mut self.current else {
                    return;
                };
                if let Some(kept) = current.exec.stream(s.name, &s.text, s.truncated) {
                    let callback = match s.name {
                        StreamName::Stdout => &current.job.config.on_stdout,
                        StreamName::Stderr => &current.job.config.on_stderr,
                    };
                    if let Some(callback) = callback.clone() {
                        self.effects.push(Box::new(move || callback(&kept)));
                    }
                }
            }
            FromSandbox::Display(d) if self.is_current(role, d.id) => {
                if let Some(current) = &mut self.current {
                    current.exec.display(&d.data, d.source);
                }
            }
            FromSandbox::Done(d) if self.is_current(role, d.id) => self.on_done(d),
            FromSandbox::OutputFiles(batch) if self.is_current(role, batch.id) => {
                self.on_output_files(batch);
            }
            FromSandbox::Input(i) if self.is_current(role, i.id) => self.on_input(i),
            FromSandbox::MemoryLimit(m) if self.is_current(role, m.id) => {
                self.on_memory_limit(m.bytes)
            }
            FromSandbox::FileResult(r) if role == Role::Active && self.is_current_file(r.id) => {
                self.on_file_result(r)
            }
            other => self.violation(role, format!("unexpected {} message", kind_name(&other))),
        }
    }

    /// The snapshot the maker was asked for: kept for the page, and the
    /// maker replaced (it never runs code).
    fn on_snapshot(&mut self, snapshot: &protocol::SnapshotBytes) {
        let awaited = self.awaiting_snapshot();
        self.snapshot_maker = None;
        self.snapshot = self
            .platform
            .store_snapshot(&self.snapshot_key, &snapshot.bytes);
        self.log(format!(
            "saved a {} MiB boot snapshot at this page's origin",
            snapshot.size >> 20
        ));
        self.standby = None;
        if awaited {
            // A replacement waited for it; its standby follows once it is ready.
            self.replace_active();
        } else {
            self.spawn_standby();
        }
    }
}
