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

mod host;
mod machine;
mod net;
mod page;

use host::csp_watch;
use machine::{deferred, files, interpreters, kept_files, queue, runs};
use net::{assets, pypi_proxy};
use page::{pool, registry, snapshot};

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::Object;

use crate::errors::Error;
use crate::execution::Status;
use crate::options::{Isolation, Phase, RunConfig, SandboxConfig};
use crate::protocol::PyError;
pub(crate) use deferred::Pending;
use deferred::{run_effects, Deferred, Effect};
pub(crate) use files::{FileOp, FileReply};
pub(crate) use host::frame_document;
use interpreters::{Interpreter, Role};
use kept_files::KeptFiles;
pub(crate) use machine::kept_session::SESSION;
use machine::platform::{Armed, Platform, Report};
pub use pool::set_standby_pool_size;
use queue::{Job, JobQueue};
pub use registry::{live_interpreters, set_max_live_interpreters};
use runs::{Current, RunJob};

/// The capture runtime: the Python package `_pycage` (guest/_pycage/),
/// as (file name, source); the worker writes it where Python imports it.
const RUNTIME_PY: [(&str, &str); 4] = [
    (
        "__init__.py",
        include_str!("../../guest/_pycage/__init__.py"),
    ),
    ("streams.py", include_str!("../../guest/_pycage/streams.py")),
    ("cell.py", include_str!("../../guest/_pycage/cell.py")),
    ("session.py", include_str!("../../guest/_pycage/session.py")),
];
/// How long the sandbox must have been quiet (no run or file call started)
/// before its first standby starts booting, from the moment its first
/// interpreter is ready: a booting standby competes with the first runs
/// for the CPU.
const STANDBY_QUIET_MS: f64 = 1000.0;
/// The longest the first standby waits for quiet, from the moment the first
/// interpreter is ready: a page without shared memory recovers from a
/// timeout only through its standby, so one must boot even while runs keep
/// coming.
const STANDBY_LATEST_MS: f64 = 3000.0;
/// How long after a replacement is ready its own standby starts booting,
/// runs or not: the recovery may be needed again soon.
const STANDBY_DELAY_MS: f64 = 200.0;
/// Reasons kept per run (the count goes on).
const MAX_REASONS: usize = 20;

enum Event {
    /// What interpreter `gen`'s host reported.
    Host(u32, Report),
    Deadline(u32),
    Abort(u32),
    Grace(u32),
    Rearm(u32),
    BootTimeout(u32),
    SpawnStandby,
    /// Time for the page's warm-up runs (page/warm_up.rs).
    WarmUp,
    FileDeadline(u32),
    /// `onInput` answered request `seq` of run `id`.
    InputAnswer {
        id: u32,
        seq: u32,
        line: Option<String>,
    },
}

struct Inner {
    config: SandboxConfig,
    /// The clock, timers, tasks and interpreters (the browser's, or a
    /// test's fake: machine/platform.rs).
    platform: Rc<dyn Platform>,
    /// Pyodide's core files, `{ url: Blob }`, for every interpreter's boot
    /// (the user's files are `kept_files`).
    core_files: Object,
    /// What the sandbox may fetch (from the lockfile and the options).
    fetch_policy: Rc<crate::policy::fetch::FetchPolicy>,
    weak: Weak<RefCell<Inner>>,
    active: Option<Interpreter>,
    standby: Option<Interpreter>,
    queue: JobQueue,
    current: Option<Current>,
    resetting: Option<Deferred<()>>,
    boot_waiters: Vec<Deferred<()>>,
    next_gen: u32,
    next_id: u32,
    disposed: bool,
    info: Option<(String, String)>,
    /// User callbacks to call once the state borrow is released.
    effects: Vec<Effect>,
    standby_timer: Option<Armed>,
    /// The page's warm-up (page/warm_up.rs), when this sandbox makes it:
    /// its start, then the runs left, made while nothing else is queued.
    warm_up_timer: Option<Armed>,
    warm_ups_left: u32,
    /// Whether the first standby was asked for; when the standby boots at
    /// the latest; when a run or file call last started (warm-up runs too):
    /// when the standby starts (`spawn_standby`).
    first_standby_asked: bool,
    standby_due_at: f64,
    last_busy_at: f64,
    /// The snapshot new interpreters boot from, once one exists.
    snapshot: Option<web_sys::Blob>,
    /// The interpreter asked to make it, until it does.
    snapshot_maker: Option<u32>,
    snapshot_key: String,
    /// The active interpreter was replaced between runs; the next run says so.
    replaced_between_runs: Option<String>,
    current_file: Option<files::CurrentFile>,
    kept_files: KeptFiles,
    /// The file call that exports the session before an eviction
    /// (machine/kept_session.rs), and the state it brought, until the next
    /// interpreter restores it.
    evicting: Option<u32>,
    evicted_state: Option<js_sys::Uint8Array>,
    /// `pypi`: the page's index proxy, and micropip's wheel (or why not).
    pypi: Option<Rc<pypi_proxy::PypiState>>,
    micropip: Option<Result<js_sys::ArrayBuffer, String>>,
    /// When the last run or file call started (registry.rs: the least
    /// recently used idle sandbox is evicted first).
    last_used: f64,
    /// The boot settings, as a key: sandboxes with the same one share
    /// standbys (pool.rs).
    pool_key: String,
}

/// A sandbox's supervisor; cheap to clone (shared state).
#[derive(Clone)]
pub(crate) struct Supervisor {
    inner: Rc<RefCell<Inner>>,
}

/// A [`Supervisor`] that does not keep the sandbox alive.
pub(crate) struct WeakSupervisor(Weak<RefCell<Inner>>);

impl WeakSupervisor {
    pub(crate) fn upgrade(&self) -> Option<Supervisor> {
        self.0.upgrade().map(|inner| Supervisor { inner })
    }
}

fn dispatch(platform: &Rc<dyn Platform>, weak: &Weak<RefCell<Inner>>, event: Event) {
    let (weak, again) = (weak.clone(), platform.clone());
    platform.spawn_task(Box::pin(async move {
        let Some(rc) = weak.upgrade() else { return };
        let effects = {
            // Never taken while a task runs: every borrow of `Inner` ends
            // within the synchronous code that took it (clippy's
            // await_holding_refcell_ref), and tasks run on an empty stack.
            // Were it ever taken, the event (a deadline, say) goes back in
            // the queue rather than being lost.
            let Ok(mut inner) = rc.try_borrow_mut() else {
                dispatch(&again, &Rc::downgrade(&rc), event);
                return;
            };
            inner.handle(event);
            std::mem::take(&mut inner.effects)
        };
        run_effects(effects);
    }));
}

fn error_of(kind: &str, message: String) -> PyError {
    PyError {
        kind: kind.into(),
        message: message.clone(),
        traceback: format!("{kind}: {message}"),
        line: None,
    }
}

/// Where the page keeps the boot snapshot for `pyodide_url` (Cache API key).
pub(crate) fn snapshot_key(pyodide_url: &str) -> String {
    snapshot::key(
        pyodide_url,
        &[
            RUNTIME_PY[0].1,
            RUNTIME_PY[1].1,
            RUNTIME_PY[2].1,
            host::WORKER_JS,
        ],
    )
}

impl Supervisor {
    /// Downloads Pyodide (once per page), boots the first interpreter and
    /// resolves when Python is ready. If the page's Content-Security-Policy
    /// blocks any of it, fails at once naming the directive (csp_watch.rs).
    pub(crate) async fn start(config: SandboxConfig) -> Result<Supervisor, Error> {
        let watch = csp_watch::Watch::start(&config);
        watch.guard(Self::boot(config)).await
    }

    async fn boot(config: SandboxConfig) -> Result<Supervisor, Error> {
        if let Some(progress) = &config.on_progress {
            progress(Phase::Downloading);
        }
        let files = assets::core_files(&config).await?;
        let fetch_policy = assets::fetch_policy(&config, &files).map_err(|reason| {
            let url = format!("{}pyodide-lock.json", config.pyodide_url);
            Error::init(format!("could not read {url}: {reason}"), Some(&url))
        })?;
        let snapshot_key = snapshot_key(&config.pyodide_url);
        let saved = if config.snapshot {
            snapshot::load(&snapshot_key).await
        } else {
            None
        };
        let pypi = config.pypi.as_ref().map(pypi_proxy::PypiState::new);
        let micropip = match &config.pypi {
            Some(pypi) => Some(pypi_proxy::fetch_micropip(pypi, config.boot_timeout_ms).await),
            None => None,
        };
        let inner = Inner::new(
            config,
            Rc::new(host::browser::Browser),
            Boot {
                core_files: files,
                fetch_policy,
                snapshot: saved,
                pypi,
                micropip,
            },
        );
        let boot = Inner::start_first(&inner)?;
        let supervisor = Supervisor { inner };
        supervisor.with(|_| {}); // its effects: `onProgress("ready")` after an adoption
        if let Err(err) = boot.await {
            supervisor.dispose();
            return Err(err);
        }
        Ok(supervisor)
    }

    /// Queues a run, which resolves with an `Execution`.
    pub(crate) fn run(&self, code: String, config: RunConfig) -> Pending<crate::Execution> {
        let queued_at = self.inner.borrow().now();
        self.enqueue(|deferred| {
            Job::Run(RunJob {
                code,
                config,
                deferred,
                queued_at,
                warm_up: false,
            })
        })
    }

    /// Queues a file call on `path` (canonical, inside the working directory).
    pub(crate) fn file(&self, op: FileOp, path: String, given: String) -> Pending<FileReply> {
        self.enqueue(|deferred| {
            Job::File(files::FileJob {
                op,
                path,
                given,
                deferred,
                restore: false,
            })
        })
    }

    /// A handle that does not keep the sandbox alive (for a future that
    /// queues later).
    pub(crate) fn downgrade(&self) -> WeakSupervisor {
        WeakSupervisor(Rc::downgrade(&self.inner))
    }

    /// Queues a reset: after the runs before it, a fresh interpreter.
    pub(crate) fn reset(&self) -> Pending<()> {
        self.enqueue(Job::Reset)
    }

    /// Queues a job; it fails at once if the sandbox is disposed.
    fn enqueue<T>(&self, job: impl FnOnce(Deferred<T>) -> Job) -> Pending<T> {
        let (deferred, pending) = Deferred::new();
        self.with(|inner| {
            if inner.disposed {
                deferred.settle(Err(Error::Disposed));
            } else {
                inner.queue.push(job(deferred));
                inner.pump();
            }
        });
        pending
    }

    pub(crate) fn dispose(&self) {
        self.with(Inner::dispose);
    }

    pub(crate) fn is_disposed(&self) -> bool {
        self.inner.borrow().disposed
    }

    pub(crate) fn isolation(&self) -> Isolation {
        self.inner.borrow().config.isolation
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

/// What a sandbox boots with, besides its options: fetched and checked by
/// `Supervisor::boot` before the machine starts.
struct Boot {
    core_files: Object,
    fetch_policy: crate::policy::fetch::FetchPolicy,
    snapshot: Option<web_sys::Blob>,
    pypi: Option<Rc<pypi_proxy::PypiState>>,
    micropip: Option<Result<js_sys::ArrayBuffer, String>>,
}

impl Inner {
    /// A sandbox's state, registered with the page, with no interpreter yet.
    fn new(config: SandboxConfig, platform: Rc<dyn Platform>, boot: Boot) -> Rc<RefCell<Inner>> {
        let snapshot_key = snapshot_key(&config.pyodide_url);
        let pool_key = pool::key(&config);
        let last_used = platform.now();
        let inner = Rc::new_cyclic(|weak| {
            RefCell::new(Inner {
                config,
                platform,
                core_files: boot.core_files,
                fetch_policy: Rc::new(boot.fetch_policy),
                weak: weak.clone(),
                active: None,
                standby: None,
                queue: JobQueue::default(),
                current: None,
                resetting: None,
                boot_waiters: Vec::new(),
                next_gen: 0,
                next_id: 0,
                disposed: false,
                info: None,
                effects: Vec::new(),
                standby_timer: None,
                warm_up_timer: None,
                warm_ups_left: 0,
                first_standby_asked: false,
                standby_due_at: last_used,
                last_busy_at: last_used,
                snapshot: boot.snapshot,
                snapshot_maker: None,
                snapshot_key,
                replaced_between_runs: None,
                current_file: None,
                kept_files: KeptFiles::default(),
                evicting: None,
                evicted_state: None,
                pypi: boot.pypi,
                micropip: boot.micropip,
                last_used,
                pool_key,
            })
        });
        registry::register(Rc::downgrade(&inner));
        inner
    }

    /// Takes a ready standby of another sandbox booted alike (pool.rs), so
    /// that a new conversation starts at once and the pool refills in the
    /// background; else starts the first interpreter. What it gives
    /// resolves once the interpreter is ready.
    fn start_first(inner: &Rc<RefCell<Inner>>) -> Result<Pending<()>, Error> {
        let (booted, boot) = Deferred::new();
        let mut state = inner.borrow_mut();
        state.boot_waiters.push(booted);
        if state.config.standby {
            if let Some(adopted) = state.adopt_standby() {
                state.active = Some(adopted);
                state.on_active_ready();
                return Ok(boot);
            }
        }
        let first = state
            .spawn_interpreter(Role::Active)
            .map_err(|err| Error::init(format!("could not create the sandbox: {err}"), None))?;
        state.active = Some(first);
        Ok(boot)
    }

    /// Milliseconds on the platform's clock.
    fn now(&self) -> f64 {
        self.platform.now()
    }

    /// Arms a timer that delivers `event` to this sandbox, in a task of its
    /// own; dropping what it returns disarms it.
    fn arm(&self, ms: f64, event: Event) -> Armed {
        let (platform, weak) = (self.platform.clone(), self.weak.clone());
        self.platform
            .arm(ms, Box::new(move || dispatch(&platform, &weak, event)))
    }

    fn log(&mut self, text: String) {
        if let Some(on_log) = self.config.on_log.clone() {
            self.effects.push(Box::new(move || on_log(&text)));
        }
    }

    fn progress(&mut self, phase: Phase) {
        if let Some(on_progress) = self.config.on_progress.clone() {
            self.effects.push(Box::new(move || on_progress(phase)));
        }
    }

    fn dispose(&mut self) {
        if self.disposed {
            return;
        }
        self.disposed = true; // first, so settling the current run starts nothing
        if self.current.is_some() {
            let error = error_of("CancelledError", "the sandbox was disposed".into());
            self.settle(
                Status::Cancelled,
                None,
                Some(error),
                Some("the sandbox was disposed".into()),
            );
        }
        self.current_file = None; // its caller gets `Disposed`
        self.active = None;
        self.standby_timer = None;
        self.pass_on_standby();
        self.finish_snapshot_after_dispose();
        self.reject_all(|| Error::Disposed);
    }
}
