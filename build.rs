//! Two build-time facts:
//! - the sandbox document's CSP allows exactly one inline script, frame.js,
//!   by its SHA-256 (the same document is served as a runner page, where a
//!   per-load nonce is impossible);
//! - the numpy/matplotlib browser tests (tests/full_dist.rs) need a full
//!   Pyodide distribution, which is not on npm. When the test command serves
//!   one it sets PYCAGE_PYODIDE_DIST_URL, and those tests run (the matplotlib
//!   ones only with PYCAGE_PYODIDE_DIST_MATPLOTLIB); otherwise they are
//!   reported as ignored, with the reason.
use sha2::{Digest, Sha256};

fn main() {
    println!("cargo::rerun-if-changed=guest/frame.js");
    let frame_js = std::fs::read("guest/frame.js").expect("guest/frame.js");
    println!(
        "cargo::rustc-env=PYCAGE_FRAME_JS_SHA256={}",
        base64(&Sha256::digest(&frame_js))
    );

    println!("cargo::rustc-check-cfg=cfg(full_dist)");
    println!("cargo::rustc-check-cfg=cfg(matplotlib)");
    println!("cargo::rerun-if-env-changed=PYCAGE_PYODIDE_DIST_URL");
    println!("cargo::rerun-if-env-changed=PYCAGE_PYODIDE_DIST_LOCK_SHA256");
    println!("cargo::rerun-if-env-changed=PYCAGE_PYODIDE_DIST_MATPLOTLIB");
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if set("PYCAGE_PYODIDE_DIST_URL") {
        println!("cargo::rustc-cfg=full_dist");
        if set("PYCAGE_PYODIDE_DIST_MATPLOTLIB") {
            println!("cargo::rustc-cfg=matplotlib");
        }
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (*b as u32) << (16 - 8 * i));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}
