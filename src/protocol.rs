//! The messages between the page and the sandbox: one enum per direction.
//!
//! The sandbox runs hostile code, so decoding what it sends is fallible and
//! strict: the envelope must carry this sandbox's session token, the `type`
//! must be known, every field must have its type, unknown fields are
//! rejected, and strings are length-checked before they are copied into wasm.
//! Nothing here panics on any input.

use js_sys::{Object, Reflect};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

/// Page to sandbox, after the init message (which carries the asset bytes
/// and is built by the host).
#[derive(Serialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub(crate) enum ToSandbox<'a> {
    /// Run one cell.
    Run {
        id: u32,
        code: &'a str,
        auto_load: bool,
        allowed: Option<&'a [String]>,
        figure_format: &'a str,
        figure_dpi: Option<f64>,
        max_output_bytes: usize,
    },
    /// After a run's deadline: echo `nonce` (see `FromSandbox::Pong`).
    Ping { nonce: &'a str },
    /// The answer to a [`FromSandbox::Fetch`].
    FetchResult {
        req: u32,
        ok: bool,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        body: JsValue,
        error: Option<String>,
    },
}

impl ToSandbox<'_> {
    pub(crate) fn to_js(&self) -> JsValue {
        // Serializing our own plain data cannot fail; an error would be a bug,
        // and the message is then simply not sent.
        serde_wasm_bindgen::to_value(self).unwrap_or(JsValue::UNDEFINED)
    }
}

/// Boot phases, for progress reporting.
#[derive(Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Phase {
    Starting,
    Packages,
}

#[derive(Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) enum StreamName {
    Stdout,
    Stderr,
}

#[derive(Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) enum DisplaySource {
    Display,
    Matplotlib,
}

#[derive(Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) enum DoneStatus {
    Ok,
    Error,
}

/// A Python exception, as the capture runtime describes it.
#[derive(Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct PyError {
    #[serde(rename = "type")]
    pub kind: String,
    pub message: String,
    pub traceback: String,
    pub line: Option<u32>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Progress {
    #[serde(rename = "type")]
    _type: String,
    pub phase: Phase,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Ready {
    #[serde(rename = "type")]
    _type: String,
    pub pyodide_version: String,
    pub python_version: String,
    pub interruptible: bool,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct Text {
    #[serde(rename = "type")]
    _type: String,
    #[serde(alias = "reason", alias = "message")]
    pub text: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct Stream {
    #[serde(rename = "type")]
    _type: String,
    pub id: u32,
    pub name: StreamName,
    pub text: String,
    #[serde(default)]
    pub truncated: bool,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct Display {
    #[serde(rename = "type")]
    _type: String,
    pub id: u32,
    pub source: DisplaySource,
    /// Validated field by field by `execution`, never trusted as a whole.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub data: JsValue,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct Done {
    #[serde(rename = "type")]
    _type: String,
    pub id: u32,
    pub status: DoneStatus,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    pub result: JsValue,
    #[serde(default)]
    pub error: Option<PyError>,
}

/// The answer to a `Ping`: only a worker whose event loop is free (its
/// Python has stopped) can send it, since the nonce arrives in the ping.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct Pong {
    #[serde(rename = "type")]
    _type: String,
    pub nonce: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct Fetch {
    #[serde(rename = "type")]
    _type: String,
    pub req: u32,
    pub url: String,
}

/// Sandbox to page.
#[derive(Debug)]
pub(crate) enum FromSandbox {
    Progress(Progress),
    Ready(Ready),
    BootFailed(Text),
    Stream(Stream),
    Display(Display),
    Done(Done),
    Fetch(Fetch),
    Pong(Pong),
    Log(Text),
    Crashed(Text),
    /// The frame refused a message of the worker's (frame.js `check`).
    Refused(Text),
    /// A memory snapshot of a freshly booted interpreter (asked for at init).
    Snapshot(js_sys::Uint8Array),
}

impl FromSandbox {
    /// Approximate bytes carried, for the flood budget.
    pub(crate) fn weight(&self) -> usize {
        match self {
            FromSandbox::Stream(s) => s.text.len(),
            FromSandbox::Log(t)
            | FromSandbox::Crashed(t)
            | FromSandbox::BootFailed(t)
            | FromSandbox::Refused(t) => t.text.len(),
            _ => 64,
        }
    }
}

/// Longest string accepted anywhere in a message, in UTF-16 units, whatever
/// the sandbox's caps: the supervisor passes a lower one from the options.
pub(crate) const MAX_STRING: u32 = 16 << 20;
/// How deep the size check looks; our messages are at most 4 levels deep
/// (envelope, message, bundle or error, value), and anything deeper is
/// refused rather than walked.
const MAX_DEPTH: u32 = 4;
/// Properties the size check visits in one message, in all.
const MAX_NODES: u32 = 512;

/// Decodes one message from the sandbox. `Err` is a short reason for the
/// protocol-violation count; it never panics.
pub(crate) fn decode(data: &JsValue, token: &str, max_string: u32) -> Result<FromSandbox, String> {
    if !data.is_object() {
        return Err("message is not an object".into());
    }
    let keys = Object::keys(data.unchecked_ref::<Object>());
    if keys.length() != 2 {
        return Err("envelope must have exactly `token` and `msg`".into());
    }
    let got = Reflect::get(data, &"token".into())
        .ok()
        .and_then(|t| t.as_string());
    if got.as_deref() != Some(token) {
        return Err("wrong or missing session token".into());
    }
    let msg = Reflect::get(data, &"msg".into()).map_err(|_| "missing msg".to_string())?;
    if !msg.is_object() {
        return Err("msg is not an object".into());
    }
    let kind = Reflect::get(&msg, &"type".into())
        .ok()
        .and_then(|t| t.as_string());
    if kind.as_deref() == Some("snapshot") {
        return decode_snapshot(&msg);
    }
    let mut nodes = 0;
    check_sizes(&msg, max_string.min(MAX_STRING), 1, &mut nodes)?;
    let kind = Reflect::get(&msg, &"type".into())
        .ok()
        .and_then(|t| t.as_string())
        .ok_or("missing type")?;
    Ok(match kind.as_str() {
        "progress" => FromSandbox::Progress(parse(msg)?),
        "ready" => FromSandbox::Ready(parse(msg)?),
        "bootFailed" => FromSandbox::BootFailed(parse(msg)?),
        "stream" => FromSandbox::Stream(parse(msg)?),
        "display" => FromSandbox::Display(parse(msg)?),
        "done" => FromSandbox::Done(parse(msg)?),
        "fetch" => FromSandbox::Fetch(parse(msg)?),
        "pong" => FromSandbox::Pong(parse(msg)?),
        "log" => FromSandbox::Log(parse(msg)?),
        "crashed" => FromSandbox::Crashed(parse(msg)?),
        "refused" => FromSandbox::Refused(parse(msg)?),
        other => return Err(format!("unknown message type {:?}", truncate(other, 40))),
    })
}

/// The run id of a `done` message, read without decoding the rest: when a
/// run's `done` is refused, the run ends now rather than at its deadline.
pub(crate) fn done_id(data: &JsValue) -> Option<u32> {
    let msg = Reflect::get(data, &"msg".into()).ok()?;
    let kind = Reflect::get(&msg, &"type".into()).ok()?;
    let kind = kind.dyn_ref::<js_sys::JsString>()?;
    if kind != "done" {
        return None;
    }
    let id = Reflect::get(&msg, &"id".into()).ok()?.as_f64()?;
    (id >= 0.0 && id <= u32::MAX as f64 && id.fract() == 0.0).then_some(id as u32)
}

/// The largest snapshot accepted (Pyodide's is about 30 MiB).
const MAX_SNAPSHOT: u32 = 512 << 20;

/// `{type: "snapshot", data: Uint8Array}`, read without copying the bytes into wasm.
fn decode_snapshot(msg: &JsValue) -> Result<FromSandbox, String> {
    if Object::keys(msg.unchecked_ref::<Object>()).length() != 2 {
        return Err("snapshot must have exactly `type` and `data`".into());
    }
    let data = Reflect::get(msg, &"data".into()).map_err(|_| "missing data".to_string())?;
    let data = data
        .dyn_into::<js_sys::Uint8Array>()
        .map_err(|_| "snapshot data is not a Uint8Array".to_string())?;
    if data.length() == 0 || data.length() > MAX_SNAPSHOT {
        return Err(format!(
            "snapshot of {} bytes is out of range",
            data.length()
        ));
    }
    Ok(FromSandbox::Snapshot(data))
}

/// Rejects oversized strings at any depth, and shapes deeper or wider than
/// ours, before serde copies anything into wasm: what the sandbox sends can
/// be sized to exhaust the page's memory. Byte arrays are not copied (they
/// stay JS objects) and are sized by their checks later.
fn check_sizes(
    value: &JsValue,
    max_string: u32,
    depth: u32,
    nodes: &mut u32,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("message is nested too deep".into());
    }
    for value in Object::values(value.unchecked_ref::<Object>()).iter() {
        *nodes += 1;
        if *nodes > MAX_NODES {
            return Err("message has too many fields".into());
        }
        if let Some(s) = value.dyn_ref::<js_sys::JsString>() {
            if s.length() > max_string {
                return Err(format!(
                    "string field of {} units is over the limit ({max_string})",
                    s.length()
                ));
            }
        } else if value.is_object()
            && !value.is_instance_of::<js_sys::Uint8Array>()
            && !value.is_instance_of::<js_sys::ArrayBuffer>()
        {
            check_sizes(&value, max_string, depth + 1, nodes)?;
        }
    }
    Ok(())
}

fn parse<T: DeserializeOwned>(msg: JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(msg).map_err(|e| truncate(&e.to_string(), 200).to_string())
}

pub(crate) fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}
