//! Builds the `Execution` a run resolves with, from what the sandbox sent.
//! Every display item is validated here; caps are enforced here, whatever the
//! sandbox claims to have enforced.

use js_sys::{Array, Object, Reflect, Uint8Array, JSON};
use wasm_bindgen::{JsCast, JsValue};

use crate::figures::{self, ALLOWED_MIMES, IMAGE_MIMES};
use crate::json;
use crate::options::FigureCaps;
use crate::protocol::{DisplaySource, PyError, StreamName};

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Status {
    Ok,
    Error,
    Timeout,
    Cancelled,
    Crashed,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Error => "error",
            Status::Timeout => "timeout",
            Status::Cancelled => "cancelled",
            Status::Crashed => "crashed",
        }
    }
}

enum Output {
    Stream(StreamName, String),
    Display(JsValue),
}

/// One run's results so far.
pub(crate) struct Execution {
    caps: FigureCaps,
    max_output_bytes: usize,
    stdout: String,
    stderr: String,
    truncated: bool,
    outputs: Vec<Output>,
    figures: Array,
    figure_bytes: usize,
    dropped: Vec<String>,
    dropped_more: usize,
    pub(crate) violations: Vec<String>,
    started: f64,
}

fn set(obj: &JsValue, key: &str, value: impl Into<JsValue>) {
    // Setting a data property on an object we just created cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value.into());
}

fn clip(text: &str, room: usize) -> &str {
    if text.len() <= room {
        return text;
    }
    let mut end = room;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl Execution {
    pub(crate) fn new(caps: FigureCaps, max_output_bytes: usize, started: f64) -> Self {
        Execution {
            caps,
            max_output_bytes,
            stdout: String::new(),
            stderr: String::new(),
            truncated: false,
            outputs: Vec::new(),
            figures: Array::new(),
            figure_bytes: 0,
            dropped: Vec::new(),
            dropped_more: 0,
            violations: Vec::new(),
            started,
        }
    }

    /// Records why something was dropped; the list is capped, the count is not.
    fn drop_reason(&mut self, reason: String) {
        if self.dropped.len() < 20 {
            self.dropped.push(reason);
        } else {
            self.dropped_more += 1;
        }
    }

    /// Adds a stream chunk; returns the part kept (for the live callback).
    pub(crate) fn stream(
        &mut self,
        name: StreamName,
        text: &str,
        truncated: bool,
    ) -> Option<String> {
        let buffer = match name {
            StreamName::Stdout => &mut self.stdout,
            StreamName::Stderr => &mut self.stderr,
        };
        let room = self.max_output_bytes.saturating_sub(buffer.len());
        let kept = clip(text, room);
        if kept.len() < text.len() || truncated {
            self.truncated = true;
        }
        if kept.is_empty() {
            return None;
        }
        buffer.push_str(kept);
        match self.outputs.last_mut() {
            Some(Output::Stream(last, chunk)) if *last == name => chunk.push_str(kept),
            _ => self.outputs.push(Output::Stream(name, kept.to_string())),
        }
        Some(kept.to_string())
    }

    /// Adds a display item, validating every mime entry.
    pub(crate) fn display(&mut self, data: &JsValue, source: &str) {
        if let Some(bundle) = self.bundle(data, source) {
            let item = Object::new();
            set(&item, "type", "display");
            set(&item, "source", source);
            set(&item, "data", bundle);
            self.outputs.push(Output::Display(item.into()));
        }
    }

    /// Validates a mime bundle (display item or result); an image in it
    /// becomes a figure. `None` when nothing valid is left.
    pub(crate) fn bundle(&mut self, data: &JsValue, source: &str) -> Option<JsValue> {
        if !data.is_object() || Array::is_array(data) {
            self.drop_reason(format!("{source}: mime bundle is not an object"));
            return None;
        }
        let entries = Object::entries(data.unchecked_ref::<Object>());
        if entries.length() > 32 {
            self.drop_reason(format!(
                "{source}: mime bundle has {} entries",
                entries.length()
            ));
            return None;
        }
        let clean = Object::new();
        let mut figure_taken = false;
        let mut kept = 0;
        for mime in IMAGE_MIMES
            .iter()
            .chain(ALLOWED_MIMES.iter().filter(|m| !IMAGE_MIMES.contains(m)))
        {
            let Ok(value) = Reflect::get(data, &JsValue::from_str(mime)) else {
                continue;
            };
            if value.is_undefined() {
                continue;
            }
            match self.mime_value(mime, &value, source, !figure_taken) {
                Ok(Some(v)) => {
                    if IMAGE_MIMES.contains(mime) {
                        figure_taken = true;
                    }
                    set(&clean, mime, v);
                    kept += 1;
                }
                Ok(None) => {}
                Err(reason) => self.drop_reason(format!("{source}: {reason}")),
            }
        }
        for entry in entries.iter() {
            let mime = Reflect::get(&entry, &0.into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_default();
            if !ALLOWED_MIMES.contains(&mime.as_str()) {
                let shown = crate::protocol::truncate(&mime, 60);
                self.drop_reason(format!("{source}: mime type {shown:?} is not allowed"));
            }
        }
        (kept > 0).then(|| clean.into())
    }

    fn mime_value(
        &mut self,
        mime: &str,
        value: &JsValue,
        source: &str,
        figure: bool,
    ) -> Result<Option<JsValue>, String> {
        let text_cap = self.caps.max_figure_bytes.max(self.max_output_bytes);
        match mime {
            "image/png" | "image/jpeg" => {
                let bytes = value
                    .dyn_ref::<Uint8Array>()
                    .ok_or_else(|| format!("{mime} is not bytes"))?;
                let len = bytes.length() as usize;
                let read = |start: usize, end: usize| {
                    let clamp = |i: usize| i.min(len) as u32;
                    bytes.subarray(clamp(start), clamp(end)).to_vec()
                };
                let size = figures::check_image(mime, len, &read, &self.caps)?;
                if figure {
                    self.add_figure(mime, bytes.clone().into(), len, size, source)?;
                }
                Ok(Some(bytes.clone().into()))
            }
            "image/svg+xml" => {
                let text = value.as_string().ok_or("image/svg+xml is not text")?;
                let read = |start, end| figures::read_slice(text.as_bytes(), start, end);
                let size = figures::check_image(mime, text.len(), &read, &self.caps)?;
                if figure {
                    let bytes = Uint8Array::from(text.as_bytes());
                    self.add_figure(mime, bytes.into(), text.len(), size, source)?;
                }
                Ok(Some(JsValue::from_str(&text)))
            }
            _ => {
                let text = value
                    .as_string()
                    .ok_or_else(|| format!("{mime} is not text"))?;
                if text.len() > text_cap {
                    return Err(format!("{mime} of {} bytes is over the limit", text.len()));
                }
                if figures::is_json(mime) {
                    // Before parsing: a deep value would make the host's
                    // JSON.stringify and structuredClone of the result throw.
                    if json::depth(&text) > json::MAX_JSON_DEPTH {
                        return Err(format!(
                            "{mime} nested deeper than {} levels",
                            json::MAX_JSON_DEPTH
                        ));
                    }
                    return JSON::parse(&text)
                        .map(Some)
                        .map_err(|_| format!("{mime} is not valid JSON"));
                }
                Ok(Some(JsValue::from_str(&text)))
            }
        }
    }

    fn add_figure(
        &mut self,
        mime: &str,
        data: JsValue,
        len: usize,
        size: figures::Size,
        source: &str,
    ) -> Result<(), String> {
        if self.figures.length() as usize >= self.caps.max_figures {
            return Err(format!(
                "figure over maxFigures ({})",
                self.caps.max_figures
            ));
        }
        if self.figure_bytes + len > self.caps.max_run_figure_bytes {
            return Err(format!(
                "figure over maxRunFigureBytes ({})",
                self.caps.max_run_figure_bytes
            ));
        }
        self.figure_bytes += len;
        let figure = Object::new();
        set(&figure, "mime", mime);
        set(&figure, "data", data);
        set(
            &figure,
            "width",
            size.width.map_or(JsValue::NULL, JsValue::from),
        );
        set(
            &figure,
            "height",
            size.height.map_or(JsValue::NULL, JsValue::from),
        );
        set(&figure, "source", source);
        self.figures.push(&figure);
        Ok(())
    }

    pub(crate) fn display_source(source: DisplaySource) -> &'static str {
        match source {
            DisplaySource::Display => "display",
            DisplaySource::Matplotlib => "matplotlib",
        }
    }

    /// The final `Execution` object.
    pub(crate) fn finish(
        self,
        status: Status,
        result: Option<JsValue>,
        error: Option<PyError>,
        reset: bool,
        now: f64,
    ) -> JsValue {
        let out = Object::new();
        set(&out, "status", status.as_str());
        set(&out, "stdout", self.stdout.as_str());
        set(&out, "stderr", self.stderr.as_str());
        set(&out, "result", result.unwrap_or(JsValue::NULL));
        // Error text shares the output cap: a huge exception message is as
        // much attacker-sized output as a huge print.
        let cap = self.max_output_bytes;
        // The sandbox clips at the cap itself (capture.py), so a text within
        // a few bytes of it was clipped there.
        let near_cap = |text: &str| text.len() + 4 > cap;
        let error_clipped = error
            .as_ref()
            .is_some_and(|e| near_cap(&e.message) || near_cap(&e.traceback) || e.kind.len() > 200);
        set(&out, "truncated", self.truncated || error_clipped);
        let error = error.map_or(JsValue::NULL, |e| {
            let obj = Object::new();
            set(&obj, "type", clip(&e.kind, 200));
            set(&obj, "message", clip(&e.message, cap));
            set(&obj, "traceback", clip(&e.traceback, cap));
            set(&obj, "line", e.line.map_or(JsValue::NULL, JsValue::from));
            obj.into()
        });
        set(&out, "error", error);
        set(&out, "figures", self.figures);
        let outputs: Array = self
            .outputs
            .into_iter()
            .map(|o| match o {
                Output::Display(item) => item,
                Output::Stream(name, text) => {
                    let item = Object::new();
                    set(
                        &item,
                        "type",
                        if name == StreamName::Stdout {
                            "stdout"
                        } else {
                            "stderr"
                        },
                    );
                    set(&item, "text", text);
                    item.into()
                }
            })
            .collect();
        set(&out, "outputs", outputs);
        let dropped: Array = self.dropped.iter().map(|s| JsValue::from_str(s)).collect();
        if self.dropped_more > 0 {
            dropped.push(&format!("... and {} more", self.dropped_more).into());
        }
        set(&out, "droppedOutputs", dropped);
        set(
            &out,
            "protocolViolations",
            self.violations
                .iter()
                .map(|s| JsValue::from_str(s))
                .collect::<Array>(),
        );
        set(&out, "durationMs", (now - self.started).max(0.0));
        set(&out, "interpreterReset", reset);
        out.into()
    }
}
