use std::collections::BTreeMap;

use super::*;

const PYODIDE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/node_modules/pyodide/");

/// A core file from node_modules, if `npm install` has run.
fn installed(name: &str) -> Option<Vec<u8>> {
    std::fs::read(format!("{PYODIDE}{name}")).ok()
}

#[test]
fn pinned_hashes_match_node_modules() {
    // sha256sum rather than a hashing crate: the lib has none natively.
    let Ok(out) = std::process::Command::new("sha256sum")
        .args(core_file_names())
        .current_dir(PYODIDE)
        .output()
    else {
        eprintln!("skipped: no sha256sum or no node_modules/pyodide");
        return;
    };
    if !out.status.success() {
        eprintln!("skipped: node_modules/pyodide is not installed");
        return;
    }
    let text = String::from_utf8(out.stdout).unwrap();
    let computed: Vec<(String, String)> = text
        .lines()
        .map(|l| {
            let (hash, name) = l.split_once("  ").unwrap();
            (name.to_string(), hash.to_string())
        })
        .collect();
    let pinned: Vec<(String, String)> = PINNED_SHA256
        .iter()
        .map(|(n, h)| (n.to_string(), h.to_string()))
        .collect();
    assert_eq!(computed, pinned);
}

#[test]
fn the_pinned_files_declare_the_pinned_version() {
    let (Some(module), Some(asm)) = (installed("pyodide.mjs"), installed("pyodide.asm.mjs")) else {
        eprintln!("skipped: node_modules/pyodide is not installed");
        return;
    };
    assert_eq!(
        declared_version("pyodide.mjs", &module).as_deref(),
        Some(PYODIDE_VERSION)
    );
    assert_eq!(
        declared_version("pyodide.asm.mjs", &asm).as_deref(),
        Some(PYODIDE_VERSION)
    );
    // 314's lockfile names no version; that is not an error.
    let lock = installed("pyodide-lock.json").unwrap();
    assert_eq!(declared_version("pyodide-lock.json", &lock), None);
}

#[test]
fn versions_are_read_from_each_file() {
    let module = br#"var a="0.0.0.0";var Y="0.27.7";function k(e){}export{Y as version};"#;
    assert_eq!(
        declared_version("pyodide.mjs", module).as_deref(),
        Some("0.27.7")
    );
    let two = br#"var a="1.2.3";var Y="0.27.7";"#;
    assert_eq!(declared_version("pyodide.mjs", two), None, "ambiguous");
    let asm = br#"API.tests=Tests;API.version="0.28.0a2";API.abiVersion="x""#;
    assert_eq!(
        declared_version("pyodide.asm.mjs", asm).as_deref(),
        Some("0.28.0a2")
    );
    let lock = br#"{"info": {"arch": "wasm32", "version": "0.27.7"}, "packages": {}}"#;
    assert_eq!(
        declared_version("pyodide-lock.json", lock).as_deref(),
        Some("0.27.7")
    );
    assert_eq!(
        declared_version("pyodide-lock.json", b"<!doctype html>"),
        None
    );
    assert_eq!(declared_version("pyodide.asm.wasm", b"\0asm"), None);
}

#[test]
fn version_shapes() {
    for ok in [
        "314.0.7",
        "0.27.0",
        "0.27.0a2",
        "0.28.0.dev0",
        "1.0.0rc1",
        "0.26.0b1.dev3",
    ] {
        assert!(is_version(ok), "{ok}");
    }
    for bad in [
        "0.0.0.0",
        "3.14",
        "1.2.x",
        "",
        "a.b.c",
        "1..2",
        "1.2.3-beta",
        "1.2.3a",
    ] {
        assert!(!is_version(bad), "{bad}");
    }
}

#[test]
fn markup_is_named_with_what_was_expected() {
    let url = "http://localhost:5173/pyodide/pyodide.mjs";
    let err = markup_error("pyodide.mjs", url, b"\xef\xbb\xbf\n  <!DOCTYPE html><html>").unwrap();
    assert_eq!(
        err,
        format!(
            "got an HTML page where JavaScript was expected at {url}: is pyodideUrl right? \
             a dev server answers unknown paths with index.html"
        )
    );
    let wasm = markup_error("pyodide.asm.wasm", "u", b"<html>").unwrap();
    assert!(
        wasm.contains("where WebAssembly was expected at u"),
        "{wasm}"
    );
    let xml = markup_error("python_stdlib.zip", "u", b"<?xml version").unwrap();
    assert!(
        xml.starts_with("got an XML document where a zip archive"),
        "{xml}"
    );
    assert!(markup_error("pyodide-lock.json", "u", b"<x")
        .unwrap()
        .contains("JSON"));
    assert_eq!(
        markup_error("pyodide.asm.wasm", "u", b"\0asm\x01\0\0\0"),
        None
    );
    assert_eq!(markup_error("pyodide.mjs", "u", b"var a=1<2"), None);
    assert_eq!(markup_error("pyodide.mjs", "u", b"   "), None);
}

#[test]
fn expected_hashes_follow_the_option() {
    let pinned = PyodideHashes::Pinned;
    assert_eq!(
        expected_sha256(&pinned, "pyodide.asm.wasm"),
        Some(PINNED_SHA256[2].1)
    );
    assert_eq!(
        expected_sha256(&PyodideHashes::Unchecked, "pyodide.mjs"),
        None
    );
    let custom = PyodideHashes::Custom(BTreeMap::from([("pyodide.mjs".into(), "ab".into())]));
    assert_eq!(expected_sha256(&custom, "pyodide.mjs"), Some("ab"));
    let err = mismatch_error(&pinned, "pyodide.mjs", "http://x/pyodide.mjs", "aa", "bb");
    assert!(
        err.starts_with("http://x/pyodide.mjs does not match the sha256 pycage pins"),
        "{err}"
    );
    assert!(err.contains("pyodideHashes"), "{err}");
    let err = mismatch_error(&custom, "pyodide.mjs", "u", "aa", "bb");
    assert!(
        err.contains("given for pyodide.mjs in pyodideHashes"),
        "{err}"
    );
}

#[test]
fn cache_keys_differ_by_policy() {
    let url = "http://x/p/";
    let keys = [
        cache_key(url, &PyodideHashes::Pinned),
        cache_key(url, &PyodideHashes::Unchecked),
        cache_key(url, &PyodideHashes::Custom(BTreeMap::new())),
        cache_key(
            url,
            &PyodideHashes::Custom(BTreeMap::from([("a".into(), "b".into())])),
        ),
    ];
    for (i, a) in keys.iter().enumerate() {
        for b in &keys[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

#[test]
fn custom_tables_need_every_core_file() {
    let full = || -> BTreeMap<String, String> {
        core_file_names()
            .map(|n| (n.to_string(), "AB".repeat(32)))
            .collect()
    };
    let ok = normalise_custom(full()).unwrap();
    assert!(ok.values().all(|h| *h == "ab".repeat(32)), "lower-cased");
    let mut missing = full();
    missing.remove("pyodide.asm.wasm");
    let err = normalise_custom(missing).unwrap_err();
    assert!(err.contains("no hash for pyodide.asm.wasm"), "{err}");
    let mut extra = full();
    extra.insert("pyodide.js".into(), "ab".repeat(32));
    let err = normalise_custom(extra).unwrap_err();
    assert!(
        err.contains("\"pyodide.js\" is not a Pyodide core file"),
        "{err}"
    );
    let mut short = full();
    short.insert("pyodide.mjs".into(), "abc".into());
    let err = normalise_custom(short).unwrap_err();
    assert!(err.contains("pyodide.mjs is not 64 hex digits"), "{err}");
}

#[test]
fn version_error_names_both_versions() {
    let err = version_error("http://x/pyodide-lock.json", "0.27.7");
    assert!(
        err.starts_with("http://x/pyodide-lock.json is from Pyodide 0.27.7, but"),
        "{err}"
    );
    assert!(
        err.contains(&format!("pinned to Pyodide {PYODIDE_VERSION}")),
        "{err}"
    );
    assert!(err.contains("pyodideHashes"), "{err}");
}
