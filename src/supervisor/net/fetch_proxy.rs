//! The page-side fetch proxy: the only network access a sandbox has. The
//! page fetches with its own origin and the user's cookies, for a sandbox
//! whose code is hostile, so: what may be fetched is decided by
//! [`fetch_policy`](crate::policy::fetch) on canonical URLs; the body is
//! checked against the lockfile's sha256 (never a hash the sandbox names);
//! and each interpreter's downloads are bounded (in flight, queued, count,
//! bytes, log lines) and aborted when it goes.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use js_sys::ArrayBuffer;
use wasm_bindgen::JsValue;
use web_sys::AbortController;

use super::pypi_proxy::{PypiState, Target};
use crate::policy::fetch::Permit;
use crate::protocol::ToSandbox;
use crate::supervisor::machine::interpreters::{Interpreter, Role};
use crate::supervisor::net::assets;
use crate::supervisor::Inner;

/// Downloads one interpreter may have in flight at once.
const MAX_IN_FLIGHT: usize = 4;
/// Allowed requests waiting for a free download; more are refused.
const MAX_QUEUED: usize = 64;
/// Requests (allowed or not) one interpreter may make; past this it is killed.
const MAX_REQUESTS: u32 = 500;
/// Bytes one interpreter may download; past this its requests are refused.
const MAX_BYTES: f64 = 512.0 * 1048576.0;
/// Refusals and failures logged per interpreter: onLog flooding is an attack too.
const MAX_LOGGED: u32 = 20;
/// How much of a URL the sandbox sent goes into a log line.
const MAX_LOGGED_URL: usize = 200;

/// One interpreter's downloads, owned by its `Interpreter`. Dropping it (dispose,
/// death, replacement) aborts what is in flight, drops the queue and skips
/// any digest not yet started.
pub(in crate::supervisor) struct FetchProxy {
    state: Rc<RefCell<State>>,
}

struct State {
    requests: u32,
    bytes: f64,
    in_flight: usize,
    queue: VecDeque<Job>,
    logged: u32,
    controller: Option<AbortController>,
    closed: bool,
}

struct Job {
    req: u32,
    target: Target,
}

/// A body, and its type when the sandbox needs one (an index page: micropip
/// picks its parser by it).
type Body = (ArrayBuffer, Option<&'static str>);

impl FetchProxy {
    pub(in crate::supervisor) fn new() -> FetchProxy {
        FetchProxy {
            state: Rc::new(RefCell::new(State {
                requests: 0,
                bytes: 0.0,
                in_flight: 0,
                queue: VecDeque::new(),
                logged: 0,
                // Made at the first download: most interpreters fetch
                // nothing, and the machine's native tests have no JS.
                controller: None,
                closed: false,
            })),
        }
    }
}

impl Drop for FetchProxy {
    fn drop(&mut self) {
        let mut state = self.state.borrow_mut();
        state.closed = true;
        state.queue.clear();
        if let Some(controller) = &state.controller {
            controller.abort();
        }
    }
}

impl State {
    /// `text`, unless this interpreter has had its share of log lines.
    fn log_line(&mut self, text: String) -> Option<String> {
        self.logged = self.logged.saturating_add(1);
        match self.logged {
            n if n <= MAX_LOGGED => Some(text),
            n if n == MAX_LOGGED + 1 => Some(
                "further fetch refusals and failures of this interpreter are not logged".into(),
            ),
            _ => None,
        }
    }
}

fn shorten(url: &str) -> String {
    match url.char_indices().nth(MAX_LOGGED_URL) {
        Some((end, _)) => format!("{}…", &url[..end]),
        None => url.to_string(),
    }
}

fn reply(interpreter: &Interpreter, req: u32, result: Result<Body, String>) {
    let (ok, body, content_type, error) = match result {
        Ok((body, content_type)) => (true, JsValue::from(body), content_type, None),
        Err(reason) => (false, JsValue::UNDEFINED, None, Some(reason)),
    };
    let message = ToSandbox::FetchResult {
        req,
        ok,
        body,
        content_type,
        error,
    };
    interpreter.host.post(&message);
}

impl Inner {
    /// A request from interpreter `role` (generation `gen`). The sandbox's
    /// `integrity` is not taken: the lockfile decides the hash.
    pub(in crate::supervisor) fn on_fetch(&mut self, role: Role, gen: u32, req: u32, url: &str) {
        let policy = self.fetch_policy.clone();
        let pypi = self.pypi.clone();
        let weak = self.weak.clone();
        let timeout = self.config.boot_timeout_ms.max(60_000.0);
        let Some(interpreter) = self.interpreter(role) else {
            return;
        };
        let state = interpreter.fetch.state.clone();
        let mut s = state.borrow_mut();
        s.requests = s.requests.saturating_add(1);
        if s.requests > MAX_REQUESTS {
            drop(s);
            let reason = format!("the sandbox asked for more than {MAX_REQUESTS} downloads");
            self.log(format!("{reason}; stopping its interpreter"));
            self.interpreter_died(role, reason);
            return;
        }
        let target = match pypi.as_ref().and_then(|p| p.decide(url)) {
            Some(decided) => decided,
            None => policy.decide(url).map(Target::File),
        };
        let decision = target.and_then(|target| {
            if s.bytes >= MAX_BYTES {
                Err(format!(
                    "the sandbox downloaded its {MAX_BYTES} bytes already"
                ))
            } else if s.in_flight < MAX_IN_FLIGHT {
                s.in_flight += 1;
                Ok(Some(Job { req, target }))
            } else if s.queue.len() < MAX_QUEUED {
                s.queue.push_back(Job { req, target });
                Ok(None)
            } else {
                Err("too many downloads at once".into())
            }
        });
        match decision {
            Ok(Some(job)) => {
                drop(s);
                wasm_bindgen_futures::spawn_local(drain(state, weak, pypi, gen, job, timeout));
            }
            Ok(None) => {}
            Err(reason) => {
                let line = s.log_line(format!("refused to fetch {}: {reason}", shorten(url)));
                drop(s);
                reply(interpreter, req, Err(format!("refused: {reason}")));
                if let Some(line) = line {
                    self.log(line);
                }
            }
        }
    }
}

/// Downloads `job`, then whatever is queued, until the queue is empty or
/// the interpreter is gone. At most [`MAX_IN_FLIGHT`] of these run at once.
async fn drain(
    state: Rc<RefCell<State>>,
    weak: Weak<RefCell<Inner>>,
    pypi: Option<Rc<PypiState>>,
    gen: u32,
    mut job: Job,
    timeout_ms: f64,
) {
    loop {
        let result = download(&state, pypi.as_deref(), &job.target, timeout_ms).await;
        if state.borrow().closed {
            return; // aborted: no reply, no log line
        }
        deliver(&state, &weak, gen, &job, result);
        let next = {
            let mut s = state.borrow_mut();
            let next = s.queue.pop_front();
            if next.is_none() {
                s.in_flight -= 1;
            }
            next
        };
        match next {
            Some(next) => job = next,
            None => return,
        }
    }
}

async fn download(
    state: &RefCell<State>,
    pypi: Option<&PypiState>,
    target: &Target,
    timeout_ms: f64,
) -> Result<Body, String> {
    let signal = {
        let mut s = state.borrow_mut();
        if s.bytes >= MAX_BYTES {
            return Err(format!(
                "the sandbox downloaded its {MAX_BYTES} bytes already"
            ));
        }
        if s.controller.is_none() {
            s.controller = AbortController::new().ok();
        }
        s.controller.as_ref().map(AbortController::signal)
    };
    let (body, content_type) = match (target, pypi) {
        (Target::File(permit), _) => (
            assets::fetch_bytes(&permit.href, signal.as_ref(), timeout_ms).await?,
            None,
        ),
        (Target::Index(name), Some(pypi)) => (
            pypi.index_page(name, signal.as_ref(), timeout_ms).await?,
            Some(crate::policy::pypi::PEP_691_JSON),
        ),
        (Target::Index(_), None) => return Err("no package index is configured".into()),
    };
    {
        let mut s = state.borrow_mut();
        if s.closed {
            return Err("the download was aborted".into());
        }
        s.bytes += f64::from(body.byte_length());
        if s.bytes > MAX_BYTES {
            return Err(format!(
                "the sandbox went over its {MAX_BYTES} download bytes"
            ));
        }
    }
    if let Target::File(Permit {
        sha256: Some(sha256),
        ..
    }) = target
    {
        assets::check_sha256(&body, sha256).await?;
    }
    Ok((body, content_type))
}

/// Replies to the interpreter that asked, if it is still there, and logs a
/// failure (within the interpreter's share) with no borrow held.
fn deliver(
    state: &RefCell<State>,
    weak: &Weak<RefCell<Inner>>,
    gen: u32,
    job: &Job,
    result: Result<Body, String>,
) {
    let Some(rc) = weak.upgrade() else { return };
    let effect = {
        let Ok(inner) = rc.try_borrow() else { return };
        let interpreter = match inner.role(gen) {
            Some(Role::Active) => inner.active.as_ref(),
            Some(Role::Standby) => inner.standby.as_ref(),
            None => None,
        };
        let Some(interpreter) = interpreter else {
            return;
        };
        let line = match &result {
            Err(reason) => state
                .borrow_mut()
                .log_line(format!("could not fetch {}: {reason}", job.target.href())),
            Ok(_) => None,
        };
        reply(interpreter, job.req, result);
        line.zip(inner.config.on_log.clone())
    };
    if let Some((line, on_log)) = effect {
        on_log(&line);
    }
}
