//! The machine's world in a browser (machine/platform.rs): `setTimeout`,
//! `performance.now`, `crypto.getRandomValues`, `spawn_local`, the page's
//! snapshot store, and interpreters in workers or sandboxed frames. Each
//! message is decoded here, at the boundary, with the interpreter's token.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use web_sys::Blob;

use super::container::{random_hex, Host, HostEvent};
use super::heartbeat::BootGuard;
use super::timer::{now, Timer};
use crate::protocol::{self, ToSandbox};
use crate::supervisor::machine::platform::{Armed, Platform, Port, Report, ReportSink, Start};
use crate::supervisor::page::snapshot;

pub(in crate::supervisor) struct Browser;

impl Platform for Browser {
    fn now(&self) -> f64 {
        now()
    }

    fn arm(&self, ms: f64, fire: Box<dyn FnOnce()>) -> Armed {
        let mut fire = Some(fire);
        Box::new(Timer::new(ms, move || {
            if let Some(fire) = fire.take() {
                fire();
            }
        }))
    }

    fn spawn_task(&self, task: Pin<Box<dyn Future<Output = ()>>>) {
        wasm_bindgen_futures::spawn_local(task);
    }

    fn random_hex(&self) -> Option<String> {
        random_hex().ok()
    }

    fn spawn(&self, start: Start<'_>, sink: ReportSink) -> Result<Box<dyn Port>, String> {
        let init = start.init.to_js().map_err(|e| format!("{e:?}"))?;
        let (token, max_string) = (start.token.to_string(), start.max_string);
        let decoding = Rc::new(move |event| sink(report(event, &token, max_string)));
        let host = Host::spawn(
            start.isolation,
            start.runner_url,
            init,
            start.limits,
            decoding,
        )
        .map_err(|e| format!("{e:?}"))?;
        Ok(Box::new(BrowserPort {
            host,
            booting: std::cell::RefCell::new(Some(BootGuard::new())),
        }))
    }

    fn store_snapshot(&self, key: &str, bytes: &Uint8Array) -> Option<Blob> {
        snapshot::store(key, bytes)
    }

    fn forget_snapshot(&self, key: &str) {
        snapshot::forget(key);
    }

    fn warms_up(&self) -> bool {
        true
    }
}

/// What a host saw, as the machine takes it: a message decoded (strictly,
/// with the token), or why not and the run or file call it named.
fn report(event: HostEvent, token: &str, max_string: u32) -> Report {
    match event {
        HostEvent::Message(data) => match protocol::decode(&data, token, max_string) {
            Ok(message) => Report::Message(message),
            Err(reason) => Report::Refused {
                reason,
                done: protocol::message_id(&data, protocol::types::DONE),
                file: protocol::message_id(&data, protocol::types::FILE_RESULT),
            },
        },
        HostEvent::Stray(reason) => Report::Stray(reason),
        HostEvent::Died(reason) => Report::Died(reason),
        HostEvent::Gone(reason) => Report::Gone(reason),
        HostEvent::Measured(bytes) => Report::Measured(bytes),
    }
}

struct BrowserPort {
    host: Host,
    /// Held until ready: the page's heartbeats are lenient while any
    /// interpreter boots (heartbeat.rs).
    booting: std::cell::RefCell<Option<BootGuard>>,
}

impl Port for BrowserPort {
    fn post(&self, message: &ToSandbox<'_>) {
        match message {
            // A write's own buffer (files.rs `Upload::moved`) is moved, not
            // copied: the page keeps its Blob. A session's state too.
            ToSandbox::WriteFile { body, .. } | ToSandbox::RestoreSession { body, .. }
                if body.is_instance_of::<js_sys::ArrayBuffer>() =>
            {
                self.host
                    .post_moving(&message.to_js(), &js_sys::Array::of1(body));
            }
            _ => self.host.post(&message.to_js()),
        }
    }

    fn interrupt(&self, id: u32) -> bool {
        self.host.interrupt(id)
    }

    fn answer_input(&self, seq: u32, line: Option<&str>) {
        self.host.answer_input(seq, line);
    }

    fn ready(&self) {
        self.booting.borrow_mut().take();
        self.host.watch();
    }
}
