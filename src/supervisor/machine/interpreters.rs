//! The interpreters: booting one, the warm standby, promotion when the
//! active one dies, and boot failures.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use wasm_bindgen::JsValue;

use super::platform::{Armed, Port, Report, Start};
use super::succession::{self, OwnStandby, Successor};
use crate::errors::Error;
use crate::options::Phase;
use crate::protocol;
use crate::supervisor::host::shared_buffer;
use crate::supervisor::machine::budget::{Budget, Violations};
use crate::supervisor::machine::files;
use crate::supervisor::net::{fetch_proxy, pypi_proxy};
use crate::supervisor::page::snapshot;
use crate::supervisor::{
    dispatch, Event, Inner, RUNTIME_PY, STANDBY_DELAY_MS, STANDBY_LATEST_MS, STANDBY_QUIET_MS,
};

/// (sandbox, generation): where an interpreter's events are dispatched.
pub(in crate::supervisor) type Route = Rc<RefCell<(Weak<RefCell<Inner>>, u32)>>;

/// What an interpreter is for: running the sandbox's code, or waiting warm
/// to replace the one that does.
#[derive(Clone, Copy, PartialEq)]
pub(in crate::supervisor) enum Role {
    Active,
    Standby,
}

/// One interpreter (a worker running Pyodide) and what the page knows of it.
pub(in crate::supervisor) struct Interpreter {
    pub(in crate::supervisor) gen: u32,
    /// Where its events go: (sandbox, generation). A standby handed to
    /// another sandbox (pool.rs) is pointed at it here.
    pub(in crate::supervisor) route: Route,
    pub(in crate::supervisor) host: Box<dyn Port>,
    pub(in crate::supervisor) ready: bool,
    pub(in crate::supervisor) interruptible: bool,
    pub(in crate::supervisor) violations: Violations,
    /// Its downloads through the page; dropped with it, which aborts them.
    pub(in crate::supervisor) fetch: fetch_proxy::FetchProxy,
    /// Booted from the page's snapshot (if that fails, the snapshot is dropped).
    pub(in crate::supervisor) from_snapshot: bool,
    /// What it sent outside runs, since the last run ended (policing.rs).
    pub(in crate::supervisor) idle: Budget,
    /// Why it must be replaced after the current run: it held too much
    /// memory outside Python's heap (memory.rs `on_measured`).
    pub(in crate::supervisor) over_memory: Option<String>,
    pub(in crate::supervisor) _boot_timer: Option<Armed>,
    /// Held by the snapshot's maker: new sandboxes wait for its snapshot.
    pub(in crate::supervisor) _making: Option<snapshot::Making>,
}

impl Inner {
    /// Starts an interpreter. Only a standby is ever asked to make the
    /// snapshot: Pyodide's snapshot mode changes how `js` proxies behave, so
    /// the maker is replaced as soon as it has made it and never runs code.
    pub(in crate::supervisor) fn spawn_interpreter(
        &mut self,
        role: Role,
    ) -> Result<Interpreter, String> {
        if !self.make_room(role) {
            return Err("the page is at its limit of live interpreters".into());
        }
        self.next_gen += 1;
        let gen = self.next_gen;
        // Sixteen zero bytes would be a token anyone can guess.
        let token = self
            .platform
            .random_hex()
            .ok_or("the page has no crypto.getRandomValues")?;
        let from_snapshot = self.snapshot.is_some();
        let maker_alive = self.snapshot_maker.and_then(|g| self.role(g)).is_some();
        let make_snapshot = succession::makes_snapshot(
            role == Role::Standby,
            self.config.snapshot,
            from_snapshot,
            maker_alive || snapshot::making(&self.snapshot_key),
        );
        if make_snapshot {
            self.snapshot_maker = Some(gen);
        }
        let route: Route = Rc::new(RefCell::new((self.weak.clone(), gen)));
        let host = self.start_host(&route, &token, make_snapshot)?;
        let boot_timer = self.arm(self.config.boot_timeout_ms, Event::BootTimeout(gen));
        Ok(Interpreter {
            gen,
            route,
            host,
            ready: false,
            interruptible: false,
            violations: Violations::default(),
            fetch: fetch_proxy::FetchProxy::new(),
            from_snapshot,
            idle: Budget::default(),
            over_memory: None,
            _boot_timer: Some(boot_timer),
            _making: make_snapshot.then(|| snapshot::Making::new(&self.snapshot_key)),
        })
    }

    /// Starts interpreter `route`'s host with everything it boots from.
    fn start_host(
        &self,
        route: &Route,
        token: &str,
        make_snapshot: bool,
    ) -> Result<Box<dyn Port>, String> {
        let config = &self.config;
        let pypi = pypi_proxy::init_value(self.pypi.as_deref(), self.micropip.as_ref());
        let undefined = JsValue::UNDEFINED;
        let init = protocol::Init {
            token,
            files: self.core_files.as_ref(),
            index_url: &config.pyodide_url,
            package_base_url: &config.package_base_url,
            runtime: &RUNTIME_PY,
            packages: &config.packages,
            auto_load: config.auto_load,
            allowed: config.allowed_packages.as_deref(),
            max_output_bytes: config.max_output_bytes,
            work_dir: crate::files::WORK_DIR,
            max_file_bytes: config.max_file_bytes,
            max_run_file_bytes: config.max_run_file_bytes,
            max_run_files: files::MAX_RUN_FILES,
            pypi: &pypi,
            max_memory_bytes: config.max_memory_bytes,
            snapshot: self.snapshot.as_ref().map_or(&undefined, AsRef::as_ref),
            make_snapshot,
            max_session_bytes: config.max_session_bytes,
        };
        let limits = protocol::FrameLimits {
            max_string: self.max_string(),
            max_bytes: 4.0 * config.caps.max_figure_bytes as f64 + 1048576.0,
            // A session's state is answered like a file.
            max_file_bytes: config.max_file_bytes.max(config.max_session_bytes) as f64 + 1048576.0,
            shared_bytes: shared_buffer::BYTES,
        };
        let (to, platform) = (route.clone(), self.platform.clone());
        let sink = Rc::new(move |report: Report| {
            let (weak, gen) = to.borrow().clone();
            dispatch(&platform, &weak, Event::Host(gen, report));
        });
        let start = Start {
            isolation: config.isolation,
            runner_url: config.runner_url.as_deref(),
            init,
            limits,
            token,
            max_string: self.max_string(),
        };
        self.platform.spawn(start, sink)
    }

    pub(in crate::supervisor) fn interpreter(&mut self, role: Role) -> Option<&mut Interpreter> {
        match role {
            Role::Active => self.active.as_mut(),
            Role::Standby => self.standby.as_mut(),
        }
    }

    pub(in crate::supervisor) fn role(&self, gen: u32) -> Option<Role> {
        if self.active.as_ref().is_some_and(|s| s.gen == gen) {
            Some(Role::Active)
        } else if self.standby.as_ref().is_some_and(|s| s.gen == gen) {
            Some(Role::Standby)
        } else {
            None
        }
    }

    /// A frame's process died. Sandboxed frames of a page can share one
    /// process, so the standby may have died with it even if its own signal
    /// has not arrived yet: it is never promoted, a fresh one boots instead.
    pub(in crate::supervisor) fn process_gone(&mut self, role: Role, reason: String) {
        self.log(format!("an interpreter's process died: {reason}"));
        if role == Role::Active {
            self.standby = None;
        }
        self.interpreter_died(role, reason);
    }

    pub(in crate::supervisor) fn interpreter_died(&mut self, role: Role, reason: String) {
        match role {
            Role::Standby => self.standby_gone(),
            Role::Active if !self.active.as_ref().is_some_and(|s| s.ready) => {
                self.boot_failed(role, reason)
            }
            Role::Active => {
                self.fail_current_file(&format!("the interpreter failed: {reason}"));
                if self.current.is_some() {
                    self.kill_current_crashed(reason);
                } else {
                    self.log(format!(
                        "the sandbox's interpreter was replaced between runs: {reason}"
                    ));
                    self.replaced_between_runs = Some(format!(
                        "the interpreter was replaced between runs: {reason}"
                    ));
                    self.active = None;
                    self.replace_active();
                }
            }
        }
    }

    pub(in crate::supervisor) fn boot_failed(&mut self, role: Role, reason: String) {
        self.log(format!("a sandbox interpreter failed to start: {reason}"));
        if self.interpreter(role).is_some_and(|s| s.from_snapshot) {
            // A stale or broken snapshot: drop it and boot the slow way.
            self.log("dropping the boot snapshot".into());
            self.snapshot = None;
            self.platform.forget_snapshot(&self.snapshot_key);
            match self.spawn_interpreter(role) {
                Ok(interpreter) if role == Role::Active => self.active = Some(interpreter),
                Ok(interpreter) => self.standby = Some(interpreter),
                Err(err) => self.log(format!("could not restart the interpreter: {err}")),
            }
            return;
        }
        if role == Role::Standby {
            self.standby_gone(); // retried at the next promotion
            return;
        }
        self.active = None;
        if self.standby.is_some() {
            self.replace_active();
            return;
        }
        let url = self.config.pyodide_url.clone();
        self.reject_all(|| {
            Error::init(
                format!("could not start Python from {url}: {reason}"),
                Some(&url),
            )
        });
    }

    /// Promotes the standby (or boots a new interpreter) after the active one
    /// went: every caller has dropped it (`active` is `None`).
    pub(in crate::supervisor) fn replace_active(&mut self) {
        if self.disposed {
            return;
        }
        self.queue_restore();
        // The warm-up was for the code the page compiled, done by now or
        // not worth a fresh interpreter's time.
        self.warm_ups_left = 0;
        self.warm_up_timer = None;
        let own = self.own_standby();
        match succession::successor(own, self.config.standby, self.pool_has_standby()) {
            Successor::Promote => self.active = self.standby.take(),
            Successor::Adopt => self.active = self.adopt_standby(),
            // The maker's snapshot comes in events.rs, which then calls this
            // again; its boot timeout bounds the wait (boot_failed starts a
            // full boot then).
            Successor::AwaitSnapshot => return,
            Successor::Boot => {}
        }
        if self.active.is_none() {
            match self.spawn_interpreter(Role::Active) {
                Ok(interpreter) => self.active = Some(interpreter),
                Err(err) => {
                    let reason = format!("could not create the sandbox: {err}");
                    self.boot_failed(Role::Active, reason);
                    return;
                }
            }
        }
        if self.active.as_ref().is_some_and(|s| s.ready) {
            self.on_active_ready();
        }
    }

    /// The own standby, for succession.rs.
    pub(in crate::supervisor) fn own_standby(&self) -> OwnStandby {
        match &self.standby {
            None => OwnStandby::None,
            Some(_) if self.standby_is_maker() => OwnStandby::Maker,
            Some(_) => OwnStandby::Warm,
        }
    }

    /// No active interpreter, and the standby is the one making the
    /// snapshot: the next active boots from it when it comes.
    pub(in crate::supervisor) fn awaiting_snapshot(&self) -> bool {
        self.active.is_none() && self.standby_is_maker()
    }

    pub(in crate::supervisor) fn standby_is_maker(&self) -> bool {
        self.snapshot_maker.is_some()
            && self
                .standby
                .as_ref()
                .is_some_and(|s| Some(s.gen) == self.snapshot_maker)
    }

    /// The standby went (failed, died, evicted). If a replacement was
    /// waiting for its snapshot, it boots without one now.
    pub(in crate::supervisor) fn standby_gone(&mut self) {
        let awaited = self.awaiting_snapshot();
        self.standby = None;
        if awaited {
            self.snapshot_maker = None;
            self.replace_active();
        }
    }

    pub(in crate::supervisor) fn on_active_ready(&mut self) {
        for waiter in self.boot_waiters.drain(..) {
            waiter.settle(Ok(()));
        }
        if let Some(reset) = self.resetting.take() {
            reset.settle(Ok(()));
        }
        self.progress(Phase::Ready);
        self.plan_warm_up();
        if self.config.standby && self.standby.is_none() && self.wants_standby() {
            // Not at once: runs usually follow `ready`, and a booting
            // standby would compete with them for the CPU. The first waits
            // for quiet; a replacement's comes soon, as recovery may be
            // needed again.
            let first = !std::mem::replace(&mut self.first_standby_asked, true);
            let (delay, latest) = if first {
                (STANDBY_QUIET_MS, STANDBY_LATEST_MS)
            } else {
                (STANDBY_DELAY_MS, STANDBY_DELAY_MS)
            };
            self.standby_due_at = self.now() + latest;
            self.standby_timer = Some(self.arm(delay, Event::SpawnStandby));
        }
        self.pump();
    }

    /// Starts the standby once the sandbox is quiet (succession.rs
    /// `standby_wait`), else asks again when it may be.
    pub(in crate::supervisor) fn spawn_standby(&mut self) {
        self.standby_timer = None;
        if !(self.config.standby && self.standby.is_none() && self.wants_standby()) {
            return;
        }
        let busy = self.current.is_some()
            || self.current_file.is_some()
            || self.resetting.is_some()
            || self.warm_ups_left > 0;
        let now = self.now();
        let wait =
            succession::standby_wait(busy, now - self.last_busy_at, self.standby_due_at - now);
        if let Some(ms) = wait {
            self.standby_timer = Some(self.arm(ms, Event::SpawnStandby));
            return;
        }
        // Booted fresh, never recycled: a used interpreter is never reused.
        match self.spawn_interpreter(Role::Standby) {
            Ok(interpreter) => self.standby = Some(interpreter),
            Err(err) => self.log(format!("could not start a standby interpreter: {err}")),
        }
    }
}
