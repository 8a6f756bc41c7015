//! Three build-time facts:
//! - the guest's JavaScript gets the protocol's constants from the one
//!   declaration in src/protocol/ (constants.rs, and the `type` strings of
//!   messages.rs) as `PROTOCOL`, and the worker's source is assembled here
//!   from its parts (`WORKER_PARTS`, the one list of them): both scripts are
//!   written to OUT_DIR, and supervisor/host/container.rs includes them;
//! - the sandbox document's CSP allows exactly one inline script, the
//!   frame's (`PROTOCOL` and frame.js), by its SHA-256 (the same document
//!   is served as a runner page, where a per-load nonce is impossible);
//! - the numpy/matplotlib browser tests (tests/full_dist.rs) need a full
//!   Pyodide distribution, which is not on npm. When the test command serves
//!   one it sets PYCAGE_PYODIDE_DIST_URL, and those tests run (the matplotlib
//!   ones only with PYCAGE_PYODIDE_DIST_MATPLOTLIB); otherwise they are
//!   reported as ignored, with the reason.
use sha2::{Digest, Sha256};

#[path = "src/protocol/constants.rs"]
mod constants;

/// messages.rs's declaration, of which only the `type` names matter here.
macro_rules! from_sandbox {
    ($($(#[doc = $doc:literal])* $variant:ident($payload:ty) = $name:ident: $type:literal { $($rest:tt)* })*) => {
        pub(crate) const TYPES: &[(&str, &str)] = &[$((stringify!($name), $type)),*];
    };
}

#[path = "src/protocol/messages.rs"]
mod messages;

/// The worker's parts, in order: each file and the one name it defines for
/// worker.js. Each runs in a scope of its own, and worker.js's
/// `pycageWorker` gets `PROTOCOL` and the parts as its arguments: nothing
/// is shared through globals.
const WORKER_PARTS: [(&str, &str); 5] = [
    ("guest/files.js", "pycageFiles"),
    ("guest/input.js", "pycageInput"),
    ("guest/pypi.js", "pycagePypi"),
    ("guest/memory.js", "pycageLimitMemory"),
    ("guest/snapshot.js", "pycageSnapshotOptions"),
];

fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    for path in [
        "src/protocol/constants.rs",
        "src/protocol/messages.rs",
        "guest/frame.js",
        "guest/worker.js",
    ] {
        println!("cargo::rerun-if-changed={path}");
    }
    let protocol = protocol_js();

    let mut worker = format!("{HEADER}\"use strict\";\n(() => {{\n{protocol}const parts = {{\n");
    for (path, name) in WORKER_PARTS {
        println!("cargo::rerun-if-changed={path}");
        let part = read(path);
        worker.push_str(&format!(
            "{name}: (() => {{\n{part}\nreturn {name};\n}})(),\n"
        ));
    }
    worker.push_str(&format!(
        "}};\n{}\npycageWorker(PROTOCOL, parts);\n}})();\n",
        read("guest/worker.js")
    ));
    write(&out.join("worker.js"), &worker);

    let frame = format!(
        "{HEADER}\"use strict\";\n(() => {{\n{protocol}{}\npycageFrame(PROTOCOL);\n}})();\n",
        read("guest/frame.js")
    );
    write(&out.join("frame.js"), &frame);
    println!(
        "cargo::rustc-env=PYCAGE_FRAME_JS_SHA256={}",
        base64(&Sha256::digest(frame.as_bytes()))
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

const HEADER: &str = "// pycage, written by build.rs from guest/ and src/protocol/: edit those.\n";

/// `const PROTOCOL = …;`: constants.rs's constants, then `TYPES`, the
/// messages' `type` strings. Deterministic: the declarations' order.
fn protocol_js() -> String {
    let mut js = String::from("const PROTOCOL = Object.freeze({\n");
    for (name, value) in constants::js_constants() {
        js.push_str(&format!("  {name}: {value},\n"));
    }
    js.push_str("  TYPES: Object.freeze({\n");
    for (name, value) in messages::TYPES {
        js.push_str(&format!(
            "    {name}: {},\n",
            constants::JsLiteral::js(value)
        ));
    }
    js.push_str("  }),\n});\n");
    js
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Writes `text` unless the file already holds it (no needless rebuilds).
fn write(path: &std::path::Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
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
