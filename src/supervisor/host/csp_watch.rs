//! Recognizes, while a sandbox boots, that the page's Content-Security-Policy
//! blocks it, so that `Sandbox.create` fails at once naming the directive,
//! rather than with a symptom (a frame that never answers, a worker that
//! "failed to load") or at a deadline.
//!
//! The page sees only part of what its policy blocks. The inline frame and
//! the blob: workers inherit the page's policy, but their violations are
//! reported to them, not to the page (measured in Chromium). So the watch
//! gathers:
//! - `securitypolicyviolation` events on the page's document that concern
//!   pycage: its download of Pyodide's files (`connect-src`), its worker
//!   in "worker" isolation (`worker-src`), the runner frame (`frame-src`);
//! - two probes of the page's policy, for what happens out of its sight:
//!   a copy of the frame's inline script with the legacy `event`/`for`
//!   attributes (the browser checks it against the policy, then never runs
//!   it: HTML "prepare the script element" checks CSP before `event`/`for`),
//!   and an empty `blob:` script, which is allowed exactly when the worker's
//!   `import()` of Pyodide from `blob:` URLs is (both are `script-src-elem`);
//! - what frame.js reports of its own blocked worker ([`report`], called by
//!   container.rs for the frame's control port).

use std::cell::RefCell;
use std::future::Future;
use std::rc::{Rc, Weak};
use std::task::{Poll, Waker};

use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, Document, Element, Url};

use super::container::FRAME_JS;
use crate::csp::{source_for, FRAME_SCRIPT_SOURCE};
use crate::errors::Error;
use crate::options::{Isolation, SandboxConfig};

/// After a boot failure, how long a violation still may arrive to explain
/// it (the event and the failure are separate tasks, in either order).
const LATE_MS: i32 = 150;
const EVENT: &str = "securitypolicyviolation";

type Listener = Closure<dyn FnMut(web_sys::Event)>;

/// What the policy refused, and what to add.
#[derive(Clone, Debug)]
struct Blocked {
    /// The violated directive, as the browser names it.
    directive: String,
    what: String,
    /// The source to add, and where.
    fix: String,
    url: Option<String>,
}

impl Blocked {
    fn error(&self) -> Error {
        Error::init(
            format!(
                "the page's Content-Security-Policy blocks the sandbox: its {} directive does not allow {}. \
                 Add {}; requiredCsp() returns every source the sandbox needs",
                self.directive, self.what, self.fix
            ),
            self.url.as_deref(),
        )
    }
}

#[derive(Default)]
struct Seen {
    blocked: Option<Blocked>,
    waker: Option<Waker>,
}

/// What this sandbox's boot loads, to tell pycage's violations from the page's own.
struct Scope {
    srcdoc: bool,
    worker: bool,
    /// (origin, URL) of each download: Pyodide's folders, wheel URLs.
    downloads: Vec<(String, String)>,
    runner: Option<(String, String)>,
}

thread_local! {
    // The watches of the boots in progress, for frame.js's reports.
    static WATCHES: RefCell<Vec<Weak<Shared>>> = const { RefCell::new(Vec::new()) };
}

struct Shared {
    scope: Scope,
    seen: RefCell<Seen>,
}

impl Shared {
    fn record(&self, directive: &str, blocked_uri: &str, from_frame: bool) {
        if let Some(blocked) = self.scope.explain(directive, blocked_uri, from_frame) {
            self.set(blocked);
        }
    }

    /// Keeps the first violation, and wakes the boot's guard.
    fn set(&self, blocked: Blocked) {
        let mut seen = self.seen.borrow_mut();
        if seen.blocked.is_none() {
            seen.blocked = Some(blocked);
            if let Some(waker) = seen.waker.take() {
                waker.wake();
            }
        }
    }
}

fn origin(url: &str) -> String {
    Url::new(url).map(|u| u.origin()).unwrap_or_default()
}

/// Whether `uri` (a violation's `blockedURI`: a URL, or just its origin) is on `origin`.
fn on_origin(uri: &str, origin: &str) -> bool {
    !origin.is_empty()
        && uri
            .strip_prefix(origin)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

impl Scope {
    fn new(config: &SandboxConfig) -> Scope {
        let mut urls = vec![config.pyodide_url.clone(), config.package_base_url.clone()];
        urls.extend(
            config
                .packages
                .iter()
                .filter(|p| p.contains("://"))
                .cloned(),
        );
        Scope {
            srcdoc: config.isolation == Isolation::Iframe && config.runner_url.is_none(),
            worker: config.isolation == Isolation::Worker,
            downloads: urls.into_iter().map(|u| (origin(&u), u)).collect(),
            runner: config.runner_url.clone().map(|u| (origin(&u), u)),
        }
    }

    /// Whether a violation concerns this sandbox, and what to tell.
    fn explain(&self, directive: &str, uri: &str, from_frame: bool) -> Option<Blocked> {
        let page = web_sys::window().and_then(|w| w.location().origin().ok());
        let blocked = |what: String, fix: String, url: Option<&str>| Blocked {
            directive: directive.to_string(),
            what,
            fix,
            url: url.map(str::to_string),
        };
        let blob_worker = directive == "worker-src" && uri.starts_with("blob");
        if blob_worker && (self.worker || (self.srcdoc && from_frame)) {
            return Some(blocked(
                "the sandbox's worker (a blob: URL)".into(),
                "blob: to worker-src (or to the directive it falls back to: child-src, script-src)"
                    .into(),
                None,
            ));
        }
        if from_frame {
            return None;
        }
        if directive == "connect-src" {
            let (_, url) = self.downloads.iter().find(|(o, _)| on_origin(uri, o))?;
            let source = source_for(url, page.as_deref());
            return Some(blocked(
                format!("downloading Pyodide's files from {url}"),
                format!("{source} to connect-src"),
                Some(uri),
            ));
        }
        if matches!(directive, "frame-src" | "child-src") {
            let (_, url) = self.runner.as_ref().filter(|(o, _)| on_origin(uri, o))?;
            return Some(blocked(
                format!("the runner page {url}"),
                format!("{} to frame-src", source_for(url, page.as_deref())),
                Some(url),
            ));
        }
        None
    }
}

/// Listens for violations while a sandbox boots; dropped when it is ready
/// or has failed.
pub(in crate::supervisor) struct Watch {
    shared: Rc<Shared>,
    document: Option<Document>,
    listener: Listener,
    probes: Vec<(Element, Listener)>,
    blob_url: Option<String>,
}

fn text(event: &web_sys::Event, field: &str) -> String {
    Reflect::get(event, &field.into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

impl Watch {
    pub(in crate::supervisor) fn start(config: &SandboxConfig) -> Watch {
        let shared = Rc::new(Shared {
            scope: Scope::new(config),
            seen: RefCell::default(),
        });
        WATCHES.with(|w| {
            let mut watches = w.borrow_mut();
            watches.retain(|w| w.strong_count() > 0);
            watches.push(Rc::downgrade(&shared));
        });
        let weak = Rc::downgrade(&shared);
        let listener = Listener::new(move |e: web_sys::Event| {
            if let Some(shared) = weak.upgrade() {
                shared.record(
                    &text(&e, "effectiveDirective"),
                    &text(&e, "blockedURI"),
                    false,
                );
            }
        });
        let document = web_sys::window().and_then(|w| w.document());
        let mut watch = Watch {
            shared,
            document,
            listener,
            probes: Vec::new(),
            blob_url: None,
        };
        if let Some(document) = &watch.document {
            let f = watch.listener.as_ref().unchecked_ref();
            let _ = document.add_event_listener_with_callback_and_bool(EVENT, f, true);
        }
        let scope = &watch.shared.scope;
        let (srcdoc, blob) = (scope.srcdoc, scope.srcdoc || scope.worker);
        // A probe that cannot be made (e.g. Trusted Types refuse the
        // text) is skipped: the boot then shows what went wrong.
        if srcdoc {
            let _ = watch.probe_frame_script();
        }
        if blob {
            let _ = watch.probe_blob_script();
        }
        watch
    }

    fn blocked_by(&self, what: &str, fix: String) -> impl FnMut(web_sys::Event) + 'static {
        let weak = Rc::downgrade(&self.shared);
        let what = what.to_string();
        move |e: web_sys::Event| {
            let Some(shared) = weak.upgrade() else { return };
            // An `error` event (the blob: script) carries no directive.
            let directive = Some(text(&e, "effectiveDirective"))
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| "script-src-elem".into());
            shared.set(Blocked {
                directive,
                what: what.clone(),
                fix: fix.clone(),
                url: None,
            });
        }
    }

    fn add_probe(
        &mut self,
        script: Element,
        event: &str,
        on_blocked: impl FnMut(web_sys::Event) + 'static,
    ) -> Result<(), JsValue> {
        let closure = Listener::new(on_blocked);
        script.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())?;
        let document = self.document.as_ref().ok_or("no document")?;
        let parent = document.document_element().ok_or("no document element")?;
        parent.append_child(&script)?;
        self.probes.push((script, closure));
        Ok(())
    }

    /// The frame's script, checked by the page's policy but never run here.
    fn probe_frame_script(&mut self) -> Result<(), JsValue> {
        let document = self.document.as_ref().ok_or("no document")?;
        let script = document.create_element("script")?;
        script.set_attribute("event", "pycage-csp-probe")?;
        script.set_attribute("for", "pycage-csp-probe")?;
        script.set_text_content(Some(FRAME_JS));
        let fix = format!("{FRAME_SCRIPT_SOURCE} to script-src");
        let on_blocked = self.blocked_by("the sandbox frame's inline script", fix);
        self.add_probe(script, EVENT, on_blocked)
    }

    /// An empty blob: script: it fails to load only if the policy refuses it.
    fn probe_blob_script(&mut self) -> Result<(), JsValue> {
        let document = self.document.as_ref().ok_or("no document")?;
        let options = BlobPropertyBag::new();
        options.set_type("text/javascript");
        let blob = Blob::new_with_str_sequence_and_options(&Array::of1(&"".into()), &options)?;
        let url = Url::create_object_url_with_blob(&blob)?;
        let script = document.create_element("script")?;
        script.set_attribute("src", &url)?;
        self.blob_url = Some(url);
        let fix = "blob: to script-src".to_string();
        let on_blocked = self.blocked_by("Pyodide's modules (imported from blob: URLs)", fix);
        self.add_probe(script, "error", on_blocked)
    }

    /// Runs `boot`; if the policy blocks the sandbox meanwhile, fails with
    /// that instead. A refused download is awaited: it fails at once, and
    /// the shared download must settle (assets.rs drops a failed one).
    pub(in crate::supervisor) async fn guard<T>(
        self,
        boot: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let mut boot = std::pin::pin!(boot);
        let first = std::future::poll_fn(|cx| {
            if let Poll::Ready(result) = boot.as_mut().poll(cx) {
                return Poll::Ready(Ok(result));
            }
            let mut seen = self.shared.seen.borrow_mut();
            match &seen.blocked {
                Some(b) if b.directive != "connect-src" => Poll::Ready(Err(b.error())),
                _ => {
                    seen.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
        .await;
        match first {
            Ok(Ok(value)) => Ok(value),
            Err(blocked) => Err(blocked),
            Ok(Err(err)) => {
                sleep(LATE_MS).await;
                let seen = self.shared.seen.borrow();
                Err(seen.blocked.as_ref().map_or(err, Blocked::error))
            }
        }
    }
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let set = web_sys::window()
            .map(|w| w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms));
        if !matches!(set, Some(Ok(_))) {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    });
    let _ = JsFuture::from(promise).await;
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(document) = &self.document {
            let f = self.listener.as_ref().unchecked_ref();
            let _ = document.remove_event_listener_with_callback_and_bool(EVENT, f, true);
        }
        for (probe, _) in &self.probes {
            probe.remove();
        }
        if let Some(url) = &self.blob_url {
            let _ = Url::revoke_object_url(url);
        }
    }
}

/// A violation frame.js saw in the inline frame (its control port says
/// `pycage:csp <directive> <blockedURI>`): it concerns the boots in progress.
pub(in crate::supervisor) fn report(message: &str) {
    let mut parts = message.splitn(3, ' ').skip(1);
    let (Some(directive), uri) = (parts.next(), parts.next().unwrap_or("")) else {
        return;
    };
    let watches: Vec<Rc<Shared>> =
        WATCHES.with(|w| w.borrow().iter().filter_map(Weak::upgrade).collect());
    for shared in watches {
        shared.record(directive, uri, true);
    }
}
