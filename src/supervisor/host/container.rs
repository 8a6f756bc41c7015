//! One interpreter's host: a dedicated module worker, either directly on the
//! page ("worker" isolation) or inside an opaque-origin sandboxed iframe with
//! a strict CSP ("iframe", the default). The supervisor only sees `Host`, so
//! the two are swappable.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Int32Array, Object, Reflect, SharedArrayBuffer};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    HtmlIFrameElement, MessageChannel, MessageEvent, MessagePort, Worker, WorkerOptions, WorkerType,
};

use super::csp_watch;
use super::heartbeat::{self, Heartbeat};
use super::shared_buffer;
use super::timer::Timer;
use crate::options::Isolation;
use crate::protocol::{
    FrameInit, FrameLimits, CSP_BLOCKED, FRAME_INIT, FRAME_TAKEN, MEMORY_MEASURED,
};

/// The worker's source: the protocol's constants, its parts and worker.js,
/// as build.rs assembles them (its `WORKER_PARTS`).
pub(crate) const WORKER_JS: &str = include_str!(concat!(env!("OUT_DIR"), "/worker.js"));
/// The sandbox document's one script: the protocol's constants and
/// frame.js, as build.rs assembles them and hashes them for `FRAME_CSP`.
pub(in crate::supervisor) const FRAME_JS: &str =
    include_str!(concat!(env!("OUT_DIR"), "/frame.js"));

/// What a host reports to the supervisor.
pub(crate) enum HostEvent {
    /// A message on the protocol channel, not yet decoded.
    Message(JsValue),
    /// Something that is not protocol (e.g. user code calling `postMessage`
    /// on the worker global, or a message carrying transferred objects).
    Stray(String),
    /// The worker died or could not start.
    Died(String),
    /// The frame's whole process is gone (heartbeat.rs): whatever else lived
    /// in it, a standby included, is gone too.
    Gone(String),
    /// What the frame and its worker hold, in bytes, as the browser
    /// measured it (frame.js `measureMemory`).
    Measured(f64),
}

pub(crate) type Sink = Rc<dyn Fn(HostEvent)>;
type Listener = Closure<dyn FnMut(web_sys::Event)>;

enum Kind {
    Worker(Worker),
    Frame(
        HtmlIFrameElement,
        MessagePort,
        Rc<RefCell<Option<Heartbeat>>>,
    ),
}

/// A running (or booting) sandbox. Dropping it kills the interpreter.
pub(crate) struct Host {
    kind: Kind,
    port: MessagePort,
    interrupt: Option<Int32Array>,
    sink: Sink,
    _listeners: Vec<Listener>,
}

fn listener(sink: &Sink, f: impl Fn(&Sink, web_sys::Event) + 'static) -> Listener {
    let sink = sink.clone();
    Closure::new(move |event: web_sys::Event| f(&sink, event))
}

/// Protocol messages: anything with transferred ports is refused outright.
fn on_protocol(sink: &Sink, event: web_sys::Event) {
    let Some(event) = event.dyn_ref::<MessageEvent>() else {
        return;
    };
    if event.ports().length() > 0 {
        sink(HostEvent::Stray(
            "message carried transferred objects".into(),
        ));
    } else {
        sink(HostEvent::Message(event.data()));
    }
}

fn error_text(event: &web_sys::Event) -> String {
    let message = Reflect::get(event, &"message".into())
        .ok()
        .and_then(|m| m.as_string());
    format!(
        "worker error: {}",
        message.unwrap_or_else(|| "unknown".into())
    )
}

/// 128 random bits as hex, from the page's CSPRNG.
/// 16 random bytes as hex (a session token, a ping's nonce). An error when
/// the page has no `crypto.getRandomValues`: sixteen zero bytes would be a
/// token and a nonce that anyone can guess.
pub(crate) fn random_hex() -> Result<String, JsValue> {
    let mut bytes = [0u8; 16];
    let crypto = web_sys::window()
        .ok_or("no window")?
        .crypto()
        .map_err(|_| "the page has no crypto.getRandomValues")?;
    crypto.get_random_values_with_u8_array(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn worker_url() -> Result<String, JsValue> {
    thread_local! {
        static URL: Result<String, JsValue> = {
            let options = web_sys::BlobPropertyBag::new();
            options.set_type("text/javascript");
            web_sys::Blob::new_with_str_sequence_and_options(&Array::of1(&WORKER_JS.into()), &options)
                .and_then(|blob| web_sys::Url::create_object_url_with_blob(&blob))
        };
    }
    URL.with(|url| url.clone())
}

/// The sandbox document's policy: our one inline script (`FRAME_JS`, by
/// hash), blob: workers and modules (Pyodide's JS, handed over as bytes),
/// wasm compilation, and no network: `connect-src 'none'`. Workers created
/// from blob: URLs inherit it.
const FRAME_CSP: &str = concat!(
    "default-src 'none'; script-src 'sha256-",
    env!("PYCAGE_FRAME_JS_SHA256"),
    "' blob: 'wasm-unsafe-eval'; worker-src blob:; connect-src 'none'; img-src 'none'; style-src 'none'; \
     font-src 'none'; media-src 'none'; object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'"
);

/// The sandbox document: the iframe's srcdoc, or what a `runnerUrl` serves.
pub(crate) fn frame_document() -> String {
    format!(
        "<!doctype html><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" content=\"{FRAME_CSP}\">\
         <title>pycage sandbox</title><script>{FRAME_JS}</script>\n"
    )
}

/// How long a loaded sandbox document has to take the init message. Only a
/// wrong `runnerUrl` (a 404, a page that is not ours, a blocked frame) ever
/// gets near it.
const FRAME_ANSWER_MS: f64 = 10_000.0;

impl Host {
    /// Starts a host and sends it `init` (token, asset bytes, config).
    /// `limits` are what the frame lets through (frame.js `check`): the
    /// longest string and the most binary bytes in one message.
    pub(crate) fn spawn(
        isolation: Isolation,
        runner_url: Option<&str>,
        init: Object,
        limits: FrameLimits,
        sink: Sink,
    ) -> Result<Host, JsValue> {
        let channel = MessageChannel::new()?;
        let port = channel.port1();
        let on_message = listener(&sink, on_protocol);
        port.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let mut listeners = vec![on_message];
        let (kind, interrupt) = match isolation {
            Isolation::Worker => Self::spawn_worker(&init, &channel, &sink, &mut listeners)?,
            Isolation::Iframe => {
                let frame = FrameStart {
                    runner_url,
                    init,
                    limits,
                    channel: &channel,
                };
                (frame.spawn(&sink, &mut listeners)?, None)
            }
        };
        Ok(Host {
            kind,
            port,
            interrupt,
            sink,
            _listeners: listeners,
        })
    }

    /// Worker mode: a module worker at the page's origin, with the shared
    /// memory for interrupts and `input()` when the page can have it.
    fn spawn_worker(
        init: &Object,
        channel: &MessageChannel,
        sink: &Sink,
        listeners: &mut Vec<Listener>,
    ) -> Result<(Kind, Option<Int32Array>), JsValue> {
        // A module worker: Pyodide refuses classic workers it can detect
        // (in the iframe, the CSP hides that it is classic; see frame.js).
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        options.set_name("pycage");
        let worker = Worker::new_with_options(&worker_url()?, &options)?;
        let stray = listener(sink, |sink, _| {
            sink(HostEvent::Stray("message on the worker global".into()))
        });
        let error = listener(sink, |sink, e| {
            e.prevent_default(); // reported as `crashed`, not as an uncaught page error
            sink(HostEvent::Died(error_text(&e)))
        });
        let message_error = listener(sink, |sink, _| {
            sink(HostEvent::Stray("undecodable message".into()))
        });
        worker.set_onmessage(Some(stray.as_ref().unchecked_ref()));
        worker.set_onerror(Some(error.as_ref().unchecked_ref()));
        worker.set_onmessageerror(Some(message_error.as_ref().unchecked_ref()));
        listeners.extend([stray, error, message_error]);
        let mut interrupt = None;
        if shared_buffer::available() {
            let buffer = Int32Array::new(&SharedArrayBuffer::new(shared_buffer::BYTES));
            Reflect::set(init, &"interruptBuffer".into(), &buffer.buffer())?;
            interrupt = Some(buffer);
        }
        worker.post_message_with_transfer(init, &Array::of1(&channel.port2()))?;
        Ok((Kind::Worker(worker), interrupt))
    }

    fn create_iframe(runner_url: Option<&str>) -> Result<HtmlIFrameElement, JsValue> {
        let document = web_sys::window()
            .and_then(|w| w.document())
            .ok_or("no document")?;
        let iframe: HtmlIFrameElement = document.create_element("iframe")?.dyn_into()?;
        // Only allow-scripts: no allow-same-origin (the opaque origin is the
        // point), no popups, forms, top navigation or downloads.
        iframe.set_attribute("sandbox", "allow-scripts")?;
        match runner_url {
            // A separate site gets a separate process (site isolation); it
            // may be cross-origin isolated only if we delegate that.
            Some(url) => {
                iframe.set_attribute("allow", "cross-origin-isolated")?;
                iframe.set_attribute("src", url)?;
            }
            None => iframe.set_attribute("srcdoc", &frame_document())?,
        }
        iframe.set_attribute("title", "pycage sandbox")?;
        iframe.set_attribute("aria-hidden", "true")?;
        iframe.set_attribute("tabindex", "-1")?;
        iframe.set_attribute("allow", "cross-origin-isolated")?;
        // Through CSSOM: a `style` attribute is what a strict `style-src`
        // (without 'unsafe-inline') refuses.
        iframe.style().set_property("display", "none")?;
        Ok(iframe)
    }

    /// Starts watching the frame's process (heartbeat.rs), once its
    /// interpreter is ready: a boot is watched by its own deadline, and it
    /// starves the frame's thread on a loaded machine.
    pub(crate) fn watch(&self) {
        if let Kind::Frame(_, control, beat) = &self.kind {
            let mut beat = beat.borrow_mut();
            if beat.is_none() {
                *beat = Some(Heartbeat::start(control.clone(), self.sink.clone()));
            }
        }
    }

    pub(crate) fn post(&self, message: &JsValue) {
        // A closed port (the host is being replaced) drops the message; the
        // supervisor settles the run through the death path instead.
        let _ = self.port.post_message(message);
    }

    /// `post`, moving the buffers in `transfer` rather than copying them.
    pub(crate) fn post_moving(&self, message: &JsValue, transfer: &Array) {
        let _ = self.port.post_message_with_transferable(message, transfer);
    }

    /// Answers the worker's `input()` request `seq` (`None`: end of input):
    /// in worker mode in the shared memory, in iframe mode through the frame,
    /// which holds it.
    pub(crate) fn answer_input(&self, seq: u32, line: Option<&str>) {
        match (&self.kind, &self.interrupt) {
            (Kind::Worker(_), Some(buffer)) => {
                let _ = shared_buffer::answer_input(buffer, seq, line);
            }
            (Kind::Frame(_, frame_port, _), _) => {
                let _ = frame_port.post_message(&shared_buffer::frame_answer(seq, line));
            }
            _ => {}
        }
    }

    /// Asks Python to raise KeyboardInterrupt in run `id`, even if the
    /// worker has not started it yet; false if this host cannot.
    pub(crate) fn interrupt(&self, id: u32) -> bool {
        match (&self.kind, &self.interrupt) {
            (Kind::Worker(_), Some(buffer)) => shared_buffer::request_interrupt(buffer, id).is_ok(),
            (Kind::Frame(_, frame_port, _), _) => frame_port.post_message(&id.into()).is_ok(),
            _ => false,
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        self.port.set_onmessage(None);
        heartbeat::clear_on_close(&self.port);
        self.port.close();
        match &self.kind {
            Kind::Worker(worker) => {
                worker.set_onmessage(None);
                worker.set_onerror(None);
                worker.set_onmessageerror(None);
                worker.terminate();
            }
            Kind::Frame(iframe, frame_port, beat) => {
                // Removing the document terminates the workers it owns.
                beat.borrow_mut().take();
                iframe.set_onload(None);
                frame_port.set_onmessage(None);
                heartbeat::clear_on_close(frame_port);
                frame_port.close();
                iframe.remove();
            }
        }
    }
}

/// Iframe mode: what starting the sandbox frame needs.
struct FrameStart<'a> {
    runner_url: Option<&'a str>,
    init: Object,
    limits: FrameLimits,
    /// The protocol's channel: the page keeps port 1, the worker gets port 2
    /// (through the frame).
    channel: &'a MessageChannel,
}

impl FrameStart<'_> {
    /// Makes the frame, and sends it the worker's source and `init` once it
    /// has loaded; the frame's control port carries its answer, heartbeats,
    /// policy reports and memory measures.
    fn spawn(self, sink: &Sink, listeners: &mut Vec<Listener>) -> Result<Kind, JsValue> {
        let frame_channel = MessageChannel::new()?;
        let frame_port = frame_channel.port1();
        // The frame says FRAME_TAKEN when it takes the init message;
        // until then a timer runs (a wrong runnerUrl never answers).
        let answer_timer: Rc<RefCell<Option<Timer>>> = Rc::default();
        let beat: Rc<RefCell<Option<Heartbeat>>> = Rc::default();
        // Every protocol message is relayed by the frame's own thread, so it
        // is as good a sign of life as the heartbeat's answer: a page busy
        // receiving a flood of them may read that answer only after its
        // limit (WebKit, the figure flood of attack a21).
        let relayed = {
            let beat = beat.clone();
            listener(sink, move |sink, event| {
                if let Some(beat) = beat.borrow().as_ref() {
                    beat.alive();
                }
                on_protocol(sink, event);
            })
        };
        self.channel
            .port1()
            .set_onmessage(Some(relayed.as_ref().unchecked_ref()));
        listeners.push(relayed);
        let on_frame = control_listener(sink, answer_timer.clone(), beat.clone());
        frame_port.set_onmessage(Some(on_frame.as_ref().unchecked_ref()));
        listeners.push(on_frame);
        let on_close = listener(sink, |sink, _| {
            sink(HostEvent::Gone(
                "the sandbox's process ended (its message port closed)".into(),
            ))
        });
        heartbeat::on_close(&self.channel.port1(), &on_close);
        heartbeat::on_close(&frame_port, &on_close);
        listeners.push(on_close);
        let iframe = Host::create_iframe(self.runner_url)?;
        let message = FrameInit {
            kind: FRAME_INIT,
            worker_source: WORKER_JS,
            init: self.init.into(),
            limits: self.limits,
        }
        .to_js()?;
        let transfer = Array::of2(&self.channel.port2(), &frame_channel.port2());
        let on_load = init_on_load(
            sink,
            &iframe,
            message,
            transfer,
            self.runner_url,
            answer_timer,
        );
        iframe.set_onload(Some(on_load.as_ref().unchecked_ref()));
        listeners.push(on_load);
        let document = web_sys::window()
            .and_then(|w| w.document())
            .ok_or("no document")?;
        let parent: web_sys::Element = match document.body() {
            Some(body) => body.into(),
            None => document.document_element().ok_or("no document element")?,
        };
        parent.append_child(&iframe)?;
        Ok(Kind::Frame(iframe, frame_port, beat))
    }
}

/// The frame's control port: its answer to the init message, heartbeats,
/// what the page's policy blocked in it, and memory measures; anything else
/// is a protocol message.
fn control_listener(
    sink: &Sink,
    answer_timer: Rc<RefCell<Option<Timer>>>,
    beat: Rc<RefCell<Option<Heartbeat>>>,
) -> Listener {
    listener(sink, move |sink, event| {
        let data = event.dyn_ref::<MessageEvent>().map(|e| e.data());
        match data.and_then(|d| d.as_string()).as_deref() {
            Some(FRAME_TAKEN) => {
                answer_timer.borrow_mut().take();
            }
            Some(heartbeat::ALIVE) => {
                if let Some(beat) = beat.borrow().as_ref() {
                    beat.alive();
                }
            }
            // What the page's policy blocked in the frame, which
            // only the frame hears of (frame.js).
            Some(csp) if csp.starts_with(CSP_BLOCKED) => csp_watch::report(csp),
            Some(memory) if memory.starts_with(MEMORY_MEASURED) => {
                let bytes = memory[MEMORY_MEASURED.len()..].parse::<f64>();
                if let Ok(bytes) = bytes.map(f64::abs) {
                    sink(HostEvent::Measured(bytes));
                }
            }
            _ => on_protocol(sink, event),
        }
    })
}

/// Once the frame has loaded: sends it `message` (moving `transfer`), and
/// arms the timer that gives up if the frame never answers.
fn init_on_load(
    sink: &Sink,
    iframe: &HtmlIFrameElement,
    message: JsValue,
    transfer: Array,
    runner_url: Option<&str>,
    answer_timer: Rc<RefCell<Option<Timer>>>,
) -> Listener {
    let (source, hint) = match runner_url {
        Some(url) => (
            format!("the runner page {url}"),
            "it must be the document from runnerHtml(), served with the headers in pycage's docs/serving.md, \
             at a URL that loads in a frame",
        ),
        // The inline document is ours: only a policy can stop its script.
        None => (
            "the sandbox frame".to_string(),
            "its script did not run; the page's Content-Security-Policy may block it \
             (requiredCsp() returns the sources the sandbox needs)",
        ),
    };
    let target = iframe.clone();
    listener(sink, move |sink, _| {
        // The document is opaque-origin: "*" is the only target
        // origin that reaches it; what we send is for it alone.
        let sent = target
            .content_window()
            .ok_or(JsValue::NULL)
            .and_then(|w| w.post_message_with_transfer(&message, "*", &transfer));
        if sent.is_err() {
            sink(HostEvent::Died(format!("could not reach {source}")));
            return;
        }
        let (sink, source) = (sink.clone(), source.clone());
        *answer_timer.borrow_mut() = Some(Timer::new(FRAME_ANSWER_MS, move || {
            sink(HostEvent::Died(format!(
                "{source} did not start the sandbox: {hint}"
            )))
        }));
    })
}
