//! What the page checks in each Pyodide core file before any sandbox gets it:
//! that it is not an HTML page (a wrong `pyodideUrl` under a dev server that
//! answers every path with `index.html`), that it is the pinned Pyodide
//! version, and that its sha256 is the expected one. Pure functions, so the
//! native unit tests cover them; assets.rs does the fetching and hashing.

use crate::options::{PyodideHashes, PYODIDE_VERSION};

/// The sha256 of Pyodide 314.0.7's core files, as npm's `pyodide@314.0.7`
/// ships them (jsDelivr's `/pyodide/v314.0.7/full/` serves the same bytes).
/// Made with `cd node_modules/pyodide && sha256sum pyodide.mjs
/// pyodide.asm.mjs pyodide.asm.wasm python_stdlib.zip pyodide-lock.json`;
/// `pinned_hashes_match_node_modules` below recomputes them when
/// node_modules is there. Update them with `PYODIDE_VERSION`.
pub(crate) const PINNED_SHA256: &[(&str, &str)] = &[
    (
        "pyodide.mjs",
        "6f1d60f7bf529beb300f0f47983c921d3982363640ba20af0e38efdddbc66109",
    ),
    (
        "pyodide.asm.mjs",
        "f7cdc8ece80678ceb712f8e65ebe6d3a83203a180c399865f49612a051693635",
    ),
    (
        "pyodide.asm.wasm",
        "cc36e3cab04fdfc9a63ff13eb52eae2b911bf46c025cc7b281f394bd3de1d5e6",
    ),
    (
        "python_stdlib.zip",
        "fa1957e5777068fc4f7437f96d860ae2fbe9c19732ba06c84e004ec16dd7dd7a",
    ),
    (
        "pyodide-lock.json",
        "5dc2fc119108bc148c7457dc86e7675b5c87e1cafd420b9c34c1eaef7b36c010",
    ),
];

/// The core files, in the order they are fetched (`pyodide.mjs` first: it
/// names the version, so a wrong one is reported before any hash is).
pub(crate) fn core_file_names() -> impl Iterator<Item = &'static str> {
    PINNED_SHA256.iter().map(|(name, _)| *name)
}

/// What a core file should be, in words, for the error messages.
fn expected_kind(name: &str) -> &'static str {
    if name.ends_with(".wasm") {
        "WebAssembly"
    } else if name.ends_with(".zip") {
        "a zip archive"
    } else if name.ends_with(".json") {
        "JSON"
    } else {
        "JavaScript"
    }
}

/// An error if `head` (a file's first bytes) is a markup document, which
/// no core file is: a module, wasm, a zip and JSON never start with `<`.
pub(crate) fn markup_error(name: &str, url: &str, head: &[u8]) -> Option<String> {
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
    let text = &text[start..];
    if text.first() != Some(&b'<') {
        return None;
    }
    let what = if text.starts_with(b"<?xml") {
        "an XML document"
    } else {
        "an HTML page"
    };
    Some(format!(
        "got {what} where {} was expected at {url}: is pyodideUrl right? a dev server \
         answers unknown paths with index.html",
        expected_kind(name)
    ))
}

/// The Pyodide version a core file declares, where it declares one:
/// `pyodide.mjs` (its one version literal, exported as `version`),
/// `pyodide.asm.mjs` (`API.version="…"`, which Pyodide itself compares) and
/// the lockfile (`info.version`, which 314 no longer writes but 0.2x did).
pub(crate) fn declared_version(name: &str, bytes: &[u8]) -> Option<String> {
    match name {
        "pyodide.mjs" => {
            let mut found: Vec<&str> = string_literals(bytes).filter(|s| is_version(s)).collect();
            found.sort_unstable();
            found.dedup();
            // Two different ones: cannot tell which is Pyodide's.
            (found.len() == 1).then(|| found[0].to_string())
        }
        "pyodide.asm.mjs" => {
            let marker = b"API.version=\"";
            let at = find(bytes, marker)? + marker.len();
            let end = bytes[at..].iter().position(|b| *b == b'"')?;
            let version = std::str::from_utf8(&bytes[at..at + end]).ok()?;
            is_version(version).then(|| version.to_string())
        }
        "pyodide-lock.json" => {
            #[derive(serde::Deserialize)]
            struct Lock {
                info: Info,
            }
            #[derive(serde::Deserialize)]
            struct Info {
                version: Option<String>,
            }
            let lock: Lock = serde_json::from_slice(bytes).ok()?;
            lock.info.version
        }
        _ => None,
    }
}

/// The error for a file of another Pyodide version than the pinned one.
pub(crate) fn version_error(url: &str, found: &str) -> String {
    format!(
        "{url} is from Pyodide {found}, but this pycage is pinned to Pyodide {PYODIDE_VERSION} \
         and checks its files' hashes: point pyodideUrl at Pyodide {PYODIDE_VERSION} \
         (npm pyodide@{PYODIDE_VERSION}, or https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/), \
         or pass pyodideHashes (your build's sha256 per file, or false) to load another build"
    )
}

/// The sha256 `name` must have under `hashes`; `None` when unchecked.
pub(crate) fn expected_sha256<'a>(hashes: &'a PyodideHashes, name: &str) -> Option<&'a str> {
    match hashes {
        PyodideHashes::Pinned => PINNED_SHA256
            .iter()
            .find(|(file, _)| *file == name)
            .map(|(_, hash)| *hash),
        PyodideHashes::Custom(map) => map.get(name).map(String::as_str),
        PyodideHashes::Unchecked => None,
    }
}

/// The error for a file whose sha256 is not the expected one.
pub(crate) fn mismatch_error(
    hashes: &PyodideHashes,
    name: &str,
    url: &str,
    expected: &str,
    actual: &str,
) -> String {
    let whose = match hashes {
        PyodideHashes::Custom(_) => format!("the sha256 given for {name} in pyodideHashes"),
        _ => format!("the sha256 pycage pins for Pyodide {PYODIDE_VERSION}'s {name}"),
    };
    let hint = match hashes {
        PyodideHashes::Custom(_) => "the file was altered, or pyodideHashes is out of date",
        _ => {
            "the file was altered, or pyodideUrl serves another build (for a self-hosted \
             build, pass its hashes as pyodideHashes)"
        }
    };
    format!("{url} does not match {whose} (expected {expected}, got {actual}): {hint}")
}

/// A key for the page's download cache: the same folder checked against
/// other hashes (or unchecked) must not share a download that was not.
pub(crate) fn cache_key(index_url: &str, hashes: &PyodideHashes) -> String {
    match hashes {
        PyodideHashes::Pinned => format!("{index_url} pinned"),
        PyodideHashes::Unchecked => format!("{index_url} unchecked"),
        PyodideHashes::Custom(map) => {
            let pairs: Vec<String> = map.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!("{index_url} custom {}", pairs.join(","))
        }
    }
}

/// Checks a custom table: one lower-case sha256 per core file, nothing else.
pub(crate) fn normalise_custom(
    map: std::collections::BTreeMap<String, String>,
) -> Result<std::collections::BTreeMap<String, String>, String> {
    if let Some(unknown) = map.keys().find(|k| !core_file_names().any(|n| n == *k)) {
        return Err(format!(
            "{unknown:?} is not a Pyodide core file (expected {})",
            core_file_names().collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(missing) = core_file_names().find(|n| !map.contains_key(*n)) {
        return Err(format!(
            "has no hash for {missing} (every core file needs one, or pass false)"
        ));
    }
    map.into_iter()
        .map(|(name, hash)| {
            let hash = hash.to_ascii_lowercase();
            if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok((name, hash))
            } else {
                Err(format!("the hash for {name} is not 64 hex digits (sha256)"))
            }
        })
        .collect()
}

/// What lies between two consecutive `"` in JS text: every `"…"` literal,
/// and code between literals too (harmless: only version-shaped text counts,
/// and taking every gap survives a `'"'` that would flip literal parity).
fn string_literals(bytes: &[u8]) -> impl Iterator<Item = &str> {
    bytes
        .split(|b| *b == b'"')
        .skip(1)
        .filter(|s| s.len() <= 32)
        .filter_map(|s| std::str::from_utf8(s).ok())
}

/// `314.0.7`, `0.27.0a2`, `0.28.0.dev0`: three numbers, then at most a
/// pre-release or dev suffix. Not `0.0.0.0` (an address).
fn is_version(text: &str) -> bool {
    let mut parts = text.splitn(3, '.');
    let (Some(major), Some(minor), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let patch_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let suffix = &rest[patch_len..];
    let suffix_ok = suffix.is_empty()
        || suffix.strip_prefix(".dev").is_some_and(number)
        || ["a", "b", "rc"].iter().any(|tag| {
            suffix.strip_prefix(tag).is_some_and(|n| {
                let (n, dev) = n.split_once(".dev").unwrap_or((n, "0"));
                number(n) && number(dev)
            })
        });
    number(major) && number(minor) && patch_len > 0 && suffix_ok
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests;
