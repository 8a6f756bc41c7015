//! Paths as the page reads them: resolved lexically against the working
//! directory, and allowed only inside it.

use super::{FileErrorCode, WORK_DIR};
use crate::errors::Error;

/// Longest path accepted, in bytes (Linux's PATH_MAX).
const MAX_PATH: usize = 4096;

/// The absolute, canonical form of `path` (relative to [`WORK_DIR`]), or
/// why it is refused. `dir` allows the working directory itself (for a
/// listing); a file call needs a path inside it.
pub(crate) fn resolve(path: &str, dir: bool) -> Result<String, Error> {
    let refuse = |code, why: &str| Err(Error::file(code, path, why));
    if path.is_empty() && !dir {
        return refuse(FileErrorCode::Invalid, "the path is empty");
    }
    if path.contains('\0') {
        return refuse(FileErrorCode::Invalid, "the path contains a NUL character");
    }
    if path.len() > MAX_PATH {
        return refuse(FileErrorCode::Invalid, "the path is longer than 4096 bytes");
    }
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{WORK_DIR}/{path}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            name => parts.push(name),
        }
    }
    let canonical = format!("/{}", parts.join("/"));
    if canonical == WORK_DIR {
        if dir {
            return Ok(canonical);
        }
        return refuse(
            FileErrorCode::IsDirectory,
            "that is the working directory itself",
        );
    }
    if !within(&canonical) {
        let why = format!("only files in the working directory {WORK_DIR} can be reached");
        return refuse(FileErrorCode::OutsideWorkDir, &why);
    }
    Ok(canonical)
}

/// Whether an absolute, canonical path lies inside the working directory.
/// Used again on every path the sandbox sends back.
pub(crate) fn within(path: &str) -> bool {
    path.len() > WORK_DIR.len() + 1
        && path.starts_with(WORK_DIR)
        && path.as_bytes()[WORK_DIR.len()] == b'/'
        && !path.contains('\0')
        && path.len() <= MAX_PATH
        && path[1..].split('/').all(|p| !matches!(p, "" | "." | ".."))
}

/// The type a file is handed out as, from its extension only: what the
/// sandbox says about its own files is never believed. Never a type a
/// browser runs as a document (HTML, SVG, XML, JS): an app that links a
/// `blob:` URL of the file would run its scripts at the page's origin.
pub(crate) fn mime_for(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or("");
    let ext = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => return "application/octet-stream",
    };
    match ext.as_str() {
        "csv" => "text/csv",
        "tsv" => "text/tab-separated-values",
        "txt" | "log" | "py" | "md" => "text/plain",
        "json" => "application/json",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "parquet" => "application/vnd.apache.parquet",
        _ => "application/octet-stream",
    }
}
