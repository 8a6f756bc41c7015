//! PyPI packages through the page (`SandboxOptions.pypi`), the pure half:
//! names, wheel file names, the package index's answers and which wheel
//! URLs the sandbox may then ask for. The page does the fetching and the
//! hashing (fetch_proxy.rs, assets.rs); nothing here touches the network.
//!
//! How micropip 0.11.1 talks to an index (found by running it in Pyodide
//! 314.0.7): for `install("Name")` it asks `{index}/{name}/` (the PEP 503
//! normalised name) with `Accept: application/vnd.pypi.simple.v1+json,
//! */*;q=0.01`, picks a parser by the answer's `content-type` (only
//! `application/vnd.pypi.simple.v1+json` reads PEP 691 JSON), takes each
//! file's `url` as is (PEP 691 relative URLs are not resolved), then fetches
//! the chosen wheel's `url` (and `url + ".metadata"` if the file has
//! `core-metadata`) and checks `hashes.sha256` itself.
//!
//! So the page answers the sandbox's index request itself: it fetches the
//! configured index's PEP 691 page for an allowed name, keeps only the pure
//! wheels (`py3-none-any`) that carry a sha256 and an http(s) URL, and gives
//! the sandbox a PEP 691 page of its own ([`sandbox_index`]) with absolute
//! URLs and no `core-metadata`. Only the wheel URLs it listed are fetched
//! afterwards ([`Listings`]), and each body is checked against the listed
//! sha256 by the page. Everything here reads input from a third party (the
//! index) or from hostile code (the URLs), so nothing panics and every size
//! is bounded.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::Value;

/// The index used when `pypi.indexUrl` is not given.
pub(crate) const DEFAULT_INDEX_URL: &str = "https://pypi.org/simple/";
/// The media type of PEP 691 JSON: the `Accept` header of the page's index
/// requests, and the `content-type` the sandbox's answer must carry (micropip
/// refuses an index answer without it).
pub(crate) const PEP_691_JSON: &str = "application/vnd.pypi.simple.v1+json";
/// The micropip the sandbox gets: PyPI's wheel (Pyodide's lockfile lists its
/// own build of 0.11.1, whose sha256 differs). It has no dependencies (its
/// `packaging` is vendored). Pinned: the page refuses any other bytes.
pub(crate) const MICROPIP_PROJECT: &str = "micropip";
pub(crate) const MICROPIP_FILENAME: &str = "micropip-0.11.1-py3-none-any.whl";
pub(crate) const MICROPIP_SHA256: &str =
    "768de165adb8e66906039d8fec4127a57f522dfdf8e6fbff877a4616941ecfd3";
/// The largest index page read (PyPI's biggest projects list tens of
/// thousands of files in a few MiB).
pub(crate) const MAX_INDEX_BYTES: usize = 16 << 20;
/// Names in `pypi.allowed`.
pub(crate) const MAX_ALLOWED: usize = 1000;
/// The longest project name accepted (PyPI's own limit is far lower in practice).
pub(crate) const MAX_NAME: usize = 200;
/// Pure wheels kept per project: the last ones the index lists (indexes list
/// files oldest first, so the newest are kept).
pub(crate) const MAX_WHEELS_PER_PROJECT: usize = 2000;
/// Wheel URLs one sandbox may have listed in all.
pub(crate) const MAX_LISTED: usize = 20_000;
const MAX_FILENAME: usize = 255;
const MAX_URL: usize = 2048;
/// Pyodide 314's Python is 3.14: `py3N` tags above this are not for it.
const PYTHON_MINOR: u32 = 14;

/// A project name as PyPI compares them (PEP 503): runs of `-`, `_`, `.`
/// become one `-`, lower case.
pub(crate) use super::fetch::canonical_name as normalize;

/// Whether `name` is a valid project name (PEP 508: ASCII letters and
/// digits, with `.`, `_`, `-` inside), at most [`MAX_NAME`] bytes.
pub(crate) fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let inner = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            bytes.len() <= MAX_NAME
                && first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes.iter().all(inner)
        }
        _ => false,
    }
}

/// `name` cut for an error message (it may come from hostile code).
fn shown(name: &str) -> String {
    match name.char_indices().nth(80) {
        Some((end, _)) => format!("{:?}…", &name[..end]),
        None => format!("{name:?}"),
    }
}

/// `pypi.allowed`, normalised. micropip is always allowed (the sandbox
/// loads it at boot), whether listed or not.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Allowlist {
    names: HashSet<String>,
}

impl Allowlist {
    /// The allowlist of the option's names; an invalid name is an error
    /// (for `SandboxInitError`/option validation), naming it.
    pub(crate) fn new(names: &[String]) -> Result<Allowlist, String> {
        if names.len() > MAX_ALLOWED {
            return Err(format!(
                "pypi.allowed has {} names; at most {MAX_ALLOWED} are accepted",
                names.len()
            ));
        }
        let mut set = HashSet::new();
        for name in names {
            if !is_valid_name(name) {
                return Err(format!(
                    "pypi.allowed: {} is not a valid package name (letters, digits, and . _ - inside)",
                    shown(name)
                ));
            }
            set.insert(normalize(name));
        }
        set.insert(MICROPIP_PROJECT.to_string());
        Ok(Allowlist { names: set })
    }

    /// Whether the project `name` (any spelling) may be installed.
    pub(crate) fn allows(&self, name: &str) -> bool {
        is_valid_name(name) && self.names.contains(&normalize(name))
    }

    /// The normalised names, sorted (for the worker's init message: the
    /// imports it installs on its own).
    pub(crate) fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.names.iter().cloned().collect();
        names.sort_unstable();
        names
    }
}

/// The refusal for a project not in the allowlist.
pub(crate) fn not_allowed_error(name: &str) -> String {
    format!(
        "package {} is not in this sandbox's pypi.allowed",
        shown(name)
    )
}

/// A wheel file name, parsed (PEP 427: `{name}-{version}(-{build})?-{python
/// tag}-{abi tag}-{platform tag}.whl`, each tag possibly a `.`-separated set).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WheelName {
    /// Normalised (PEP 503).
    pub name: String,
    pub version: String,
    pub build: Option<String>,
    pub python: Vec<String>,
    pub abi: Vec<String>,
    pub platform: Vec<String>,
}

impl WheelName {
    /// Whether the wheel is pure Python for Pyodide's Python 3.14: ABI
    /// `none`, platform `any`, and a `py3` (or `py3N`, N ≤ 14) python tag.
    pub(crate) fn is_pure(&self) -> bool {
        let python3 = |tag: &String| {
            tag == "py3"
                || tag
                    .strip_prefix("py3")
                    .filter(|minor| !minor.is_empty() && minor.len() <= 2)
                    .and_then(|minor| minor.parse::<u32>().ok())
                    .is_some_and(|minor| minor <= PYTHON_MINOR)
        };
        self.abi == ["none"] && self.platform == ["any"] && self.python.iter().any(python3)
    }
}

/// Parses a wheel file name; an error says why it is not one.
pub(crate) fn parse_wheel_filename(filename: &str) -> Result<WheelName, String> {
    let invalid = |why: &str| {
        Err(format!(
            "{} is not a wheel file name: {why}",
            shown(filename)
        ))
    };
    if filename.len() > MAX_FILENAME {
        return invalid("too long");
    }
    let Some(stem) = filename.strip_suffix(".whl") else {
        return invalid("it does not end in .whl");
    };
    let parts: Vec<&str> = stem.split('-').collect();
    let (name, version, build, tags) = match parts.as_slice() {
        [name, version, tags @ ..] if tags.len() == 3 => (*name, *version, None, tags),
        [name, version, build, tags @ ..] if tags.len() == 3 => {
            (*name, *version, Some(*build), tags)
        }
        _ => return invalid("it does not have 5 or 6 dash-separated parts"),
    };
    let word = |s: &str, extra: &[u8]| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || extra.contains(&b))
    };
    if !word(name, b"") || !name.as_bytes()[0].is_ascii_alphanumeric() {
        return invalid("bad project name");
    }
    if !word(version, b"+!") || !version.as_bytes()[0].is_ascii_alphanumeric() {
        return invalid("bad version");
    }
    if let Some(build) = build {
        if !word(build, b"") || !build.as_bytes()[0].is_ascii_digit() {
            return invalid("bad build tag");
        }
    }
    let mut sets = Vec::with_capacity(3);
    for tag in tags {
        let set: Vec<String> = tag.split('.').map(str::to_ascii_lowercase).collect();
        if set.iter().any(|t| !word(t, b"")) || set.len() > 64 {
            return invalid("bad compatibility tag");
        }
        sets.push(set);
    }
    let [python, abi, platform] = <[Vec<String>; 3]>::try_from(sets)
        .map_err(|_| format!("{} is not a wheel file name", shown(filename)))?;
    Ok(WheelName {
        name: normalize(name),
        version: version.to_string(),
        build: build.map(str::to_string),
        python,
        abi,
        platform,
    })
}

mod index;
pub(crate) use index::*;
#[cfg(test)]
mod index_tests;
#[cfg(test)]
mod tests;
