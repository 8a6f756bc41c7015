//! The messages between the page and the sandbox: the init message, then
//! one enum per direction. Every message is defined here and built or read
//! only through these types; the JS side builds and reads them in one marked
//! block per file (`worker.js`: "The protocol"; `frame.js`: the relay).
//!
//! The sandbox runs hostile code that holds every key in the worker's realm,
//! so decoding what it sends (decode.rs) is fallible and strict: the
//! envelope must carry this interpreter's session token, the `type` must be
//! known, every field must have its type, unknown fields are rejected, and
//! strings are length-checked at every depth before they are copied into
//! wasm. Nothing here panics on any input.
//!
//! The constants both sides use (the frame's control port, the shared
//! memory, the limits on a message's shape) are declared once, in
//! constants.rs, and the sandbox's messages once, in messages.rs; build.rs
//! writes both into the guest's JavaScript as `PROTOCOL` (see build.rs).
//!
//! To add a message:
//! 1. page to sandbox: a variant of [`ToSandbox`]; the worker reads it in
//!    `onCommand` (worker.js), which reports types it does not know
//!    (`agreement_tests.rs` fails until the two list the same types);
//! 2. sandbox to page: its payload (a struct with `deny_unknown_fields`,
//!    here or in files.rs) and its entry in messages.rs (type, weight, its
//!    name when unexpected), then its handling in `on_message`
//!    (supervisor/machine/events.rs), with a scenario in
//!    supervisor/machine/scenarios/ (and its JSON form in `message` there);
//!    the worker posts it with `post`, its `type` as `PROTOCOL.TYPES.NAME`.
//!    `agreement_tests.rs` fails on a `type` the guest sends that is not
//!    declared;
//! 3. the frame's check (frame.js `check`) and decode.rs refuse anything
//!    deeper than `MAX_DEPTH` or with more than `MAX_NODES` fields: keep it
//!    flat;
//! 4. a setting for the whole sandbox goes in [`Init`], never in a per-run
//!    message;
//! 5. an attack test for it in tests/attacks_forged.rs: the sandbox can
//!    send it at any time, with any content.

mod constants;
mod decode;
#[macro_use]
mod declare;
#[cfg(test)]
mod agreement_tests;
mod files;
mod messages;

pub(crate) use constants::*;
pub(crate) use files::{FileResult, Input, OutputFiles, SentFile, SkippedFile};
pub(crate) use messages::{types, FromSandbox};

pub(crate) use decode::{decode, message_id, truncate};

use js_sys::Object;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

/// The first message to a new interpreter, read by `boot` in worker.js.
/// Everything that holds for the whole sandbox is here and only here.
/// (`interruptBuffer` is added by whoever creates the SharedArrayBuffer:
/// host/container.rs in worker mode, frame.js in iframe mode.)
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Init<'a> {
    pub token: &'a str,
    /// Pyodide's files, `{ url: Blob }` (handles: the messages to the frame
    /// and the worker carry no copy), the small lock file as an ArrayBuffer.
    #[serde(serialize_with = "preserve_ref")]
    pub files: &'a JsValue,
    #[serde(rename = "indexURL")]
    pub index_url: &'a str,
    pub package_base_url: &'a str,
    /// The capture runtime, the package `_pycage`: (file name, source).
    pub runtime: &'a [(&'a str, &'a str)],
    /// Packages to load at boot.
    pub packages: &'a [String],
    /// Load the packages a run's imports name (within `allowed`).
    pub auto_load: bool,
    pub allowed: Option<&'a [String]>,
    pub max_output_bytes: usize,
    /// The cwd of every run, and the only folder the file calls reach.
    pub work_dir: &'a str,
    /// Files over this, or past `max_run_file_bytes` in one run, are named
    /// as skipped rather than sent.
    pub max_file_bytes: usize,
    pub max_run_file_bytes: usize,
    /// Files one run sends at most; past it they are only counted
    /// (`Done.files_omitted`).
    pub max_run_files: usize,
    /// `SandboxOptions.pypi`: `{ index, allowed, hook, micropip | micropipError }`, or undefined.
    #[serde(serialize_with = "preserve_ref")]
    pub pypi: &'a JsValue,
    /// Refuse to grow the heap past this, during a run (None: no limit).
    pub max_memory_bytes: Option<f64>,
    /// A snapshot to boot from (a Blob), or undefined.
    #[serde(serialize_with = "preserve_ref")]
    pub snapshot: &'a JsValue,
    /// Make a snapshot after boot and send it (only a standby is asked).
    pub make_snapshot: bool,
    /// The largest session state the worker makes (`maxSessionBytes`).
    pub max_session_bytes: usize,
}

/// Serializes a borrowed JS value as itself (borrowed, so that building an
/// `Init` copies no handle: the machine's native tests build one too).
fn preserve_ref<S: serde::Serializer>(value: &&JsValue, serializer: S) -> Result<S::Ok, S::Error> {
    serde_wasm_bindgen::preserve::serialize(*value, serializer)
}

impl Init<'_> {
    pub(crate) fn to_js(&self) -> Result<Object, JsValue> {
        Ok(serde_wasm_bindgen::to_value(self)?.unchecked_into())
    }
}

/// iframe mode: what the page posts to the sandbox frame (frame.js) once
/// its document has loaded, with two ports (the protocol channel and the
/// frame's control port). The frame starts the worker with `init`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FrameInit<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub worker_source: &'a str,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub init: JsValue,
    pub limits: FrameLimits,
}

impl FrameInit<'_> {
    pub(crate) fn to_js(&self) -> Result<JsValue, JsValue> {
        Ok(serde_wasm_bindgen::to_value(self)?)
    }
}

/// What the frame lets through to the page (frame.js `check`).
#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FrameLimits {
    /// The longest string, in UTF-16 units.
    pub max_string: u32,
    /// The most binary bytes in one message (a snapshot excepted).
    pub max_bytes: f64,
    /// The same for files (`files`, a batch of a run's; `fileResult`): up to `maxFileBytes`.
    pub max_file_bytes: f64,
    /// The size of the memory the frame shares with its worker
    /// (supervisor/shared_buffer.rs), when it can.
    pub shared_bytes: u32,
}

/// Page to sandbox, after [`Init`].
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
        figure_format: &'a str,
        figure_dpi: Option<f64>,
        /// The page answers `input()` (else it raises EOFError at once).
        input: bool,
        /// One of the page's warm-up runs (supervisor/page/warm_up.rs): in
        /// a namespace of its own, and not counted as a cell.
        warm_up: bool,
    },
    /// Write a file, making its folders: `body` is the page's Blob of its
    /// bytes (a handle, passed on by the frame), which the worker reads once.
    WriteFile {
        id: u32,
        path: &'a str,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        body: JsValue,
    },
    ReadFile {
        id: u32,
        path: &'a str,
    },
    /// Every file under `path`, recursively.
    ListFiles {
        id: u32,
        path: &'a str,
    },
    RemoveFile {
        id: u32,
        path: &'a str,
    },
    /// The session's state, as bytes (answered by a `fileResult` with
    /// `data`, at most `maxSessionBytes`).
    ExportSession {
        id: u32,
    },
    /// Load a session's state (`body`: a buffer, moved), before anything
    /// else runs (answered by a `fileResult` with `summary`).
    RestoreSession {
        id: u32,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        body: JsValue,
    },
    /// After a run's deadline: echo `nonce` (see `FromSandbox::Pong`).
    Ping {
        nonce: &'a str,
    },
    /// The answer to a [`FromSandbox::Fetch`].
    FetchResult {
        req: u32,
        ok: bool,
        #[serde(with = "serde_wasm_bindgen::preserve")]
        body: JsValue,
        /// The body's type, when the sandbox needs it (a package index's page).
        content_type: Option<&'static str>,
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

/// A line for the page's `onLog`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct Log {
    #[serde(rename = "type")]
    _type: String,
    pub text: String,
}

/// Why something failed: a boot, an interpreter, or a message the frame
/// (or the worker, for a command it does not know) refused.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct Failure {
    #[serde(rename = "type")]
    _type: String,
    pub reason: String,
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
    /// The result's MIME bundle; `None` when the message has none.
    #[serde(default, deserialize_with = "preserve_some")]
    pub result: Option<JsValue>,
    #[serde(default)]
    pub error: Option<PyError>,
    /// The interpreter's heap after the run.
    #[serde(default, rename = "memoryBytes")]
    pub memory_bytes: Option<f64>,
    /// Files the run changed past `Init.max_run_files`, neither sent nor named.
    #[serde(default, rename = "filesOmitted")]
    pub files_omitted: Option<f64>,
}

/// A boot snapshot's bytes (never copied into wasm), and their size, read
/// once at decode.
#[derive(Debug)]
pub(crate) struct SnapshotBytes {
    pub bytes: js_sys::Uint8Array,
    pub size: u32,
}

/// A JS value kept as itself, present (an absent field is `None`).
pub(crate) fn preserve_some<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<JsValue>, D::Error> {
    serde_wasm_bindgen::preserve::deserialize(deserializer).map(Some)
}

/// Run `id` tried to grow the interpreter's heap to `bytes`, past
/// `maxMemoryBytes` (the worker refused the growth).
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct MemoryLimit {
    #[serde(rename = "type")]
    _type: String,
    pub id: u32,
    pub bytes: f64,
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

/// A bundle's weight: its byte arrays, twice its strings' length, 16 for
/// anything else.
fn bundle_weight(data: &JsValue) -> usize {
    if !data.is_object() {
        return 0;
    }
    Object::values(data.unchecked_ref::<Object>())
        .iter()
        .map(|v: JsValue| {
            v.dyn_ref::<js_sys::Uint8Array>()
                .map(|b| b.length() as usize)
                .or_else(|| {
                    v.dyn_ref::<js_sys::JsString>()
                        .map(|s| s.length() as usize * 2)
                })
                .unwrap_or(16)
        })
        .sum()
}

/// The bytes a `Uint8Array` field holds (0 for anything else).
fn byte_length(value: &JsValue) -> usize {
    value
        .dyn_ref::<js_sys::Uint8Array>()
        .map_or(0, |b| b.byte_length() as usize)
}
