//! Files in and out of the sandbox: the types the page hands back, and the
//! page's own reading of every path, before anything reaches the sandbox
//! and after anything comes back from it.
//!
//! Runs happen in [`WORK_DIR`], the cwd of every run (what ChatGPT's code
//! interpreter teaches models to expect). The file calls reach only inside
//! it: a path is resolved lexically (`.` and `..` folded, no filesystem
//! lookups), and what it names must be under `WORK_DIR`.

mod path;
#[cfg(test)]
mod tests;
mod upload;

use serde::Serialize;

pub(crate) use path::{mime_for, resolve, within};
pub(crate) use upload::{moves_buffer, Kept, Upload};

/// The working directory of every run; relative paths resolve here.
pub const WORK_DIR: &str = "/mnt/data";

/// A file in the working directory, as `Sandbox::list_files` reports it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileInfo {
    /// Absolute path, e.g. `/mnt/data/sales.csv`.
    pub path: String,
    /// Size in bytes.
    pub size: f64,
    /// Last modification, in ms since the epoch (the sandbox's clock).
    pub modified_ms: f64,
}

/// A file a run created or changed in the working directory
/// ([`Execution::files`](crate::Execution::files)).
///
/// The bytes stay a JS `Uint8Array`: a 50 MiB file copied into the wasm heap
/// would grow it for good (a wasm heap never shrinks). Use `data.to_vec()`
/// for a `Vec<u8>`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputFile {
    /// Absolute path, e.g. `/mnt/data/summary.csv`.
    pub path: String,
    /// Size in bytes.
    pub size: f64,
    /// Chosen by the page from the extension (never by the sandbox):
    /// `text/csv`, `image/png`, … or `application/octet-stream`.
    pub mime: String,
    /// The file's bytes.
    #[serde(with = "serde_wasm_bindgen::preserve")]
    pub data: js_sys::Uint8Array,
}

/// Equal when path, type and bytes are.
impl PartialEq for OutputFile {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
            && self.mime == other.mime
            && self.data.to_vec() == other.data.to_vec()
    }
}

/// Why a file call failed: the `code` of a `SandboxFileError` in JS, named
/// as Node's `fs` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileErrorCode {
    /// `EINVAL`: empty, NUL, too long, or not a file path at all.
    Invalid,
    /// `EACCES`: outside the working directory.
    OutsideWorkDir,
    /// `ENOENT`: no such file.
    NotFound,
    /// `EISDIR`: a directory where a file is expected.
    IsDirectory,
    /// `ENOTDIR`: a file where a directory is expected.
    NotDirectory,
    /// `EFBIG`: over `maxFileBytes`.
    TooLarge,
    /// `EIO`: the interpreter failed or did not answer (it was replaced).
    Io,
}

impl FileErrorCode {
    /// The code as JS sees it, e.g. `"ENOENT"`.
    pub fn as_str(self) -> &'static str {
        match self {
            FileErrorCode::Invalid => "EINVAL",
            FileErrorCode::OutsideWorkDir => "EACCES",
            FileErrorCode::NotFound => "ENOENT",
            FileErrorCode::IsDirectory => "EISDIR",
            FileErrorCode::NotDirectory => "ENOTDIR",
            FileErrorCode::TooLarge => "EFBIG",
            FileErrorCode::Io => "EIO",
        }
    }

    /// Reads a code the sandbox sent (attacker data): unknown ones are `EIO`.
    pub(crate) fn parse(code: &str) -> Self {
        match code {
            "ENOENT" => FileErrorCode::NotFound,
            "EISDIR" => FileErrorCode::IsDirectory,
            "ENOTDIR" => FileErrorCode::NotDirectory,
            "EFBIG" => FileErrorCode::TooLarge,
            "EINVAL" => FileErrorCode::Invalid,
            "EACCES" => FileErrorCode::OutsideWorkDir,
            _ => FileErrorCode::Io,
        }
    }
}
