//! The page-side fetch proxy: the only network access a sandbox has. The
//! page fetches with its own origin and the user's cookies, for a sandbox
//! whose code is hostile, so: what may be fetched is decided by
//! [`fetch_policy`](super::fetch_policy) on canonical URLs; the body is
//! checked against the lockfile's sha256 (never a hash the sandbox names);
//! and each interpreter's downloads are bounded (in flight, queued, count,
//! bytes, log lines) and aborted when it goes.

use std::collections::VecDeque;

use js_sys::ArrayBuffer;
use web_sys::AbortController;

use super::fetch_policy::Permit;
use super::*;

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
pub(super) struct FetchProxy {
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
    permit: Permit,
}

impl FetchProxy {
    pub(super) fn new() -> FetchProxy {
        FetchProxy {
            state: Rc::new(RefCell::new(State {
                requests: 0,
                bytes: 0.0,
                in_flight: 0,
                queue: VecDeque::new(),
                logged: 0,
                controller: AbortController::new().ok(),
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

fn reply(slot: &Interpreter, req: u32, result: Result<ArrayBuffer, String>) {
    let (ok, body, error) = match result {
        Ok(body) => (true, JsValue::from(body), None),
        Err(reason) => (false, JsValue::UNDEFINED, Some(reason)),
    };
    let message = ToSandbox::FetchResult {
        req,
        ok,
        body,
        error,
    };
    slot.host.post(&message.to_js());
}

impl Inner {
    /// A request from interpreter `role` (generation `gen`). The sandbox's
    /// `integrity` is not taken: the lockfile decides the hash.
    pub(super) fn on_fetch(&mut self, role: Role, gen: u32, req: u32, url: &str) {
        let policy = self.fetch_policy.clone();
        let weak = self.weak.clone();
        let timeout = self.config.boot_timeout_ms.max(60_000.0);
        let Some(slot) = self.interpreter(role) else {
            return;
        };
        let state = slot.fetch.state.clone();
        let mut s = state.borrow_mut();
        s.requests = s.requests.saturating_add(1);
        if s.requests > MAX_REQUESTS {
            drop(s);
            let reason = format!("the sandbox asked for more than {MAX_REQUESTS} downloads");
            self.log(format!("{reason}; stopping its interpreter"));
            self.slot_died(role, reason);
            return;
        }
        let decision = policy.decide(url).and_then(|permit| {
            if s.bytes >= MAX_BYTES {
                Err(format!(
                    "the sandbox downloaded its {MAX_BYTES} bytes already"
                ))
            } else if s.in_flight < MAX_IN_FLIGHT {
                s.in_flight += 1;
                Ok(Some(Job { req, permit }))
            } else if s.queue.len() < MAX_QUEUED {
                s.queue.push_back(Job { req, permit });
                Ok(None)
            } else {
                Err("too many downloads at once".into())
            }
        });
        match decision {
            Ok(Some(job)) => {
                drop(s);
                wasm_bindgen_futures::spawn_local(drain(state, weak, gen, job, timeout));
            }
            Ok(None) => {}
            Err(reason) => {
                let line = s.log_line(format!("refused to fetch {}: {reason}", shorten(url)));
                drop(s);
                reply(slot, req, Err(format!("refused: {reason}")));
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
    gen: u32,
    mut job: Job,
    timeout_ms: f64,
) {
    loop {
        let result = download(&state, &job.permit, timeout_ms).await;
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
    permit: &Permit,
    timeout_ms: f64,
) -> Result<ArrayBuffer, String> {
    let signal = {
        let s = state.borrow();
        if s.bytes >= MAX_BYTES {
            return Err(format!(
                "the sandbox downloaded its {MAX_BYTES} bytes already"
            ));
        }
        s.controller.as_ref().map(AbortController::signal)
    };
    let body = assets::fetch_bytes(&permit.href, signal.as_ref(), timeout_ms).await?;
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
    if let Some(sha256) = &permit.sha256 {
        assets::check_sha256(&body, sha256).await?;
    }
    Ok(body)
}

/// Replies to the interpreter that asked, if it is still there, and logs a
/// failure (within the interpreter's share) with no borrow held.
fn deliver(
    state: &RefCell<State>,
    weak: &Weak<RefCell<Inner>>,
    gen: u32,
    job: &Job,
    result: Result<ArrayBuffer, String>,
) {
    let Some(rc) = weak.upgrade() else { return };
    let effect = {
        let Ok(inner) = rc.try_borrow() else { return };
        let slot = match inner.role(gen) {
            Some(Role::Active) => inner.active.as_ref(),
            Some(Role::Standby) => inner.standby.as_ref(),
            None => None,
        };
        let Some(slot) = slot else { return };
        let line = match &result {
            Err(reason) => state
                .borrow_mut()
                .log_line(format!("could not fetch {}: {reason}", job.permit.href)),
            Ok(_) => None,
        };
        reply(slot, job.req, result);
        line.zip(inner.config.on_log.clone())
    };
    if let Some((line, on_log)) = effect {
        on_log(&line);
    }
}
