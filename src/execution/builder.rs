//! Builds the [`Execution`] a run resolves with, from what the sandbox sent.
//! Every display item is validated here; caps are enforced here, whatever the
//! sandbox claims to have enforced.

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use super::{
    DisplaySource, Execution, Figure, FigureSource, ImageMime, MimeBundle, MimeValue, Output,
    PythonError, Status,
};
use crate::figures::{self, IMAGE_MIMES};
use crate::files::OutputFile;
use crate::json;
use crate::options::FigureCaps;
use crate::protocol::{self, PyError, StreamName};

/// One run's results so far.
pub(crate) struct ExecutionBuilder {
    caps: FigureCaps,
    max_output_bytes: usize,
    stdout: String,
    stderr: String,
    truncated: bool,
    outputs: Vec<Output>,
    figures: Vec<Figure>,
    figure_bytes: usize,
    dropped: Vec<String>,
    dropped_more: usize,
    pub(crate) violations: Vec<String>,
    files: Vec<OutputFile>,
    /// Files the code made that a replaced interpreter lost before this run.
    pub(crate) lost_files: Vec<String>,
    /// The interpreter's heap after the run, as the sandbox reported it.
    pub(crate) memory_bytes: Option<f64>,
    /// From the run's call to its start, in ms.
    pub(crate) waited_ms: f64,
    started: f64,
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

/// Where an image in a bundle came from, as a figure.
fn figure_source(source: &str) -> FigureSource {
    match source {
        "matplotlib" => FigureSource::Matplotlib,
        "result" => FigureSource::Result,
        _ => FigureSource::Display,
    }
}

/// Whether a JSON value has a `__proto__` key anywhere: turned into a JS
/// object it would set that object's prototype instead of a field.
fn has_proto_key(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Array(items) => items.iter().any(has_proto_key),
        serde_json::Value::Object(fields) => fields
            .iter()
            .any(|(key, item)| key == "__proto__" || has_proto_key(item)),
        _ => false,
    }
}

impl ExecutionBuilder {
    pub(crate) fn new(caps: FigureCaps, max_output_bytes: usize, started: f64) -> Self {
        ExecutionBuilder {
            caps,
            max_output_bytes,
            stdout: String::new(),
            stderr: String::new(),
            truncated: false,
            outputs: Vec::new(),
            figures: Vec::new(),
            figure_bytes: 0,
            dropped: Vec::new(),
            dropped_more: 0,
            violations: Vec::new(),
            files: Vec::new(),
            lost_files: Vec::new(),
            memory_bytes: None,
            waited_ms: 0.0,
            started,
        }
    }

    /// Records why something was dropped; the list is capped, the count is not.
    pub(crate) fn drop_reason(&mut self, reason: String) {
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
        match (self.outputs.last_mut(), name) {
            (Some(Output::Stdout { text }), StreamName::Stdout)
            | (Some(Output::Stderr { text }), StreamName::Stderr) => text.push_str(kept),
            (_, StreamName::Stdout) => self.outputs.push(Output::Stdout {
                text: kept.to_string(),
            }),
            (_, StreamName::Stderr) => self.outputs.push(Output::Stderr {
                text: kept.to_string(),
            }),
        }
        Some(kept.to_string())
    }

    /// Adds a display item, validating every mime entry.
    pub(crate) fn display(&mut self, data: &JsValue, source: protocol::DisplaySource) {
        let source = match source {
            protocol::DisplaySource::Display => DisplaySource::Display,
            protocol::DisplaySource::Matplotlib => DisplaySource::Matplotlib,
        };
        let name = match source {
            DisplaySource::Display => "display",
            DisplaySource::Matplotlib => "matplotlib",
        };
        if let Some(data) = self.bundle(data, name) {
            self.outputs.push(Output::Display { source, data });
        }
    }

    /// Validates a mime bundle (display item or result); an image in it
    /// becomes a figure. `None` when nothing valid is left.
    pub(crate) fn bundle(&mut self, data: &JsValue, source: &str) -> Option<MimeBundle> {
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
        let mut clean = MimeBundle::default();
        let mut figure_taken = false;
        for mime in IMAGE_MIMES
            .iter()
            .copied()
            .chain(figures::allowed_mimes().filter(|m| !IMAGE_MIMES.contains(m)))
        {
            let Ok(value) = Reflect::get(data, &JsValue::from_str(mime)) else {
                continue;
            };
            if value.is_undefined() {
                continue;
            }
            match self.mime_value(mime, &value, source, !figure_taken) {
                Ok(Some(v)) => {
                    if IMAGE_MIMES.contains(&mime) {
                        figure_taken = true;
                    }
                    clean.0.insert(mime.to_string(), v);
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
            if !figures::is_allowed(&mime) {
                let shown = crate::protocol::truncate(&mime, 60);
                self.drop_reason(format!("{source}: mime type {shown:?} is not allowed"));
            }
        }
        (!clean.0.is_empty()).then_some(clean)
    }

    fn mime_value(
        &mut self,
        mime: &str,
        value: &JsValue,
        source: &str,
        figure: bool,
    ) -> Result<Option<MimeValue>, String> {
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
                let bytes = bytes.to_vec();
                if figure {
                    self.add_figure(mime, bytes.clone(), size, source)?;
                }
                Ok(Some(MimeValue::Bytes(bytes)))
            }
            "image/svg+xml" => {
                let text = value.as_string().ok_or("image/svg+xml is not text")?;
                let read = |start, end| figures::read_slice(text.as_bytes(), start, end);
                let size = figures::check_image(mime, text.len(), &read, &self.caps)?;
                if figure {
                    self.add_figure(mime, text.as_bytes().to_vec(), size, source)?;
                }
                Ok(Some(MimeValue::Text(text)))
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
                    let value: serde_json::Value = serde_json::from_str(&text)
                        .map_err(|_| format!("{mime} is not valid JSON"))?;
                    if has_proto_key(&value) {
                        return Err(format!("{mime} has a \"__proto__\" key"));
                    }
                    return Ok(Some(MimeValue::Json(value)));
                }
                Ok(Some(MimeValue::Text(text)))
            }
        }
    }

    fn add_figure(
        &mut self,
        mime: &str,
        data: Vec<u8>,
        size: figures::Size,
        source: &str,
    ) -> Result<(), String> {
        let mime = ImageMime::parse(mime).ok_or("not an image type")?;
        if self.figures.len() >= self.caps.max_figures {
            return Err(format!(
                "figure over maxFigures ({})",
                self.caps.max_figures
            ));
        }
        if self.figure_bytes + data.len() > self.caps.max_run_figure_bytes {
            return Err(format!(
                "figure over maxRunFigureBytes ({})",
                self.caps.max_run_figure_bytes
            ));
        }
        self.figure_bytes += data.len();
        self.figures.push(Figure {
            mime,
            data,
            width: size.width,
            height: size.height,
            source: figure_source(source),
        });
        Ok(())
    }

    /// A file the run made or changed (checked by supervisor/files.rs); a
    /// later report of the same path replaces the earlier one.
    pub(crate) fn file(&mut self, file: OutputFile) {
        self.files.retain(|f| f.path != file.path);
        self.files.push(file);
    }

    /// The final `Execution`.
    pub(crate) fn finish(
        self,
        status: Status,
        result: Option<MimeBundle>,
        error: Option<PyError>,
        reset: Option<String>,
        now: f64,
    ) -> Execution {
        // Error text shares the output cap: a huge exception message is as
        // much attacker-sized output as a huge print.
        let cap = self.max_output_bytes;
        // The sandbox clips at the cap itself (guest/_pycage/streams.py), so a text within
        // a few bytes of it was clipped there.
        let near_cap = |text: &str| text.len() + 4 > cap;
        let error_clipped = error
            .as_ref()
            .is_some_and(|e| near_cap(&e.message) || near_cap(&e.traceback) || e.kind.len() > 200);
        let error = error.map(|e| PythonError {
            kind: clip(&e.kind, 200).to_string(),
            message: clip(&e.message, cap).to_string(),
            traceback: clip(&e.traceback, cap).to_string(),
            line: e.line,
        });
        let mut dropped = self.dropped;
        if self.dropped_more > 0 {
            dropped.push(format!("... and {} more", self.dropped_more));
        }
        Execution {
            status,
            stdout: self.stdout,
            stderr: self.stderr,
            truncated: self.truncated || error_clipped,
            result,
            error,
            figures: self.figures,
            outputs: self.outputs,
            dropped_outputs: dropped,
            protocol_violations: self.violations,
            duration_ms: (now - self.started).max(0.0),
            waited_ms: self.waited_ms,
            interpreter_reset: reset.is_some(),
            reset_reason: reset,
            memory_bytes: self.memory_bytes,
            files: self.files,
            lost_files: self.lost_files,
        }
    }
}
