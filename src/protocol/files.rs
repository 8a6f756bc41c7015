//! The sandbox's messages about files and `input()` (see mod.rs for the
//! rules every message follows).

use serde::Deserialize;
use wasm_bindgen::JsValue;

/// Why a file command failed: an errno name and a message.
#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileFailure {
    pub code: String,
    pub message: String,
}

/// The answer to a file command: `data` for a read (or a session's
/// export), `listing` (JSON text of `[[path, size, modifiedMs], …]`, one
/// string however long the list) for a listing, `summary` for a session's
/// restore, `error` when it failed.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileResult {
    #[serde(rename = "type")]
    _type: String,
    pub id: u32,
    #[serde(default)]
    pub error: Option<FileFailure>,
    /// A read's bytes; `None` when the message has none.
    #[serde(default, deserialize_with = "super::preserve_some")]
    pub data: Option<JsValue>,
    #[serde(default)]
    pub listing: Option<String>,
    /// A session restore's report (JSON text: session/summary.rs).
    #[serde(default)]
    pub summary: Option<String>,
}

/// A batch of the files run `id` created or changed in the working
/// directory (the worker sends up to 100 entries and `maxFileBytes` of data
/// per message, in worker.js `sendFiles`): those it sent, and those too
/// large to send.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct OutputFiles {
    #[serde(rename = "type")]
    _type: String,
    pub id: u32,
    pub files: Vec<SentFile>,
    pub skipped: Vec<SkippedFile>,
}

/// A file's path and its bytes (a `Uint8Array`, checked when received).
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct SentFile {
    pub path: String,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub data: JsValue,
}

/// A file too large to send, and its size.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct SkippedFile {
    pub path: String,
    pub size: f64,
}

/// Run `id` called `input(prompt)` and waits for the answer.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct Input {
    #[serde(rename = "type")]
    _type: String,
    pub id: u32,
    /// The request, as the worker numbered it in the shared memory.
    pub seq: u32,
    pub prompt: String,
}
