//! The guest's JavaScript and Python against the declaration: every
//! message `type` they send the page is one messages.rs declares, the JS
//! names them and the constants through `PROTOCOL` only, and the worker
//! reads exactly the commands `ToSandbox` has.

use super::messages::TYPES;
use super::*;

const WORKER_JS: &str = include_str!("../../guest/worker.js");
const FRAME_JS: &str = include_str!("../../guest/frame.js");
const PYTHON: [(&str, &str); 2] = [
    (
        "_pycage/__init__.py",
        include_str!("../../guest/_pycage/__init__.py"),
    ),
    (
        "_pycage/streams.py",
        include_str!("../../guest/_pycage/streams.py"),
    ),
];

/// The strings after each `marker` in `source`, up to the next `"`.
fn quoted_after<'a>(source: &'a str, marker: &str) -> Vec<&'a str> {
    source
        .match_indices(marker)
        .filter_map(|(at, _)| source[at + marker.len()..].split('"').next())
        .collect()
}

fn declared(kind: &str) -> bool {
    TYPES.iter().any(|(_, t)| *t == kind)
}

#[test]
fn python_sends_only_declared_types() {
    let mut seen = 0;
    for (file, source) in PYTHON {
        for kind in quoted_after(source, "\"type\": \"") {
            assert!(
                declared(kind),
                "{file} sends {kind:?}, which messages.rs does not declare"
            );
            seen += 1;
        }
    }
    // "stream" and "display" at least, or the pattern went stale.
    assert!(seen >= 2, "found only {seen} message types in the Python");
    for (file, source) in PYTHON {
        for status in quoted_after(source, "\"status\": \"") {
            assert!(
                ["ok", "error"].contains(&status),
                "{file}: status {status:?} is not a DoneStatus"
            );
        }
        for name in quoted_after(source, "emit_display(bundle, \"") {
            assert!(
                ["display", "matplotlib"].contains(&name),
                "{file}: display source {name:?} is not a DisplaySource"
            );
        }
    }
}

#[test]
fn the_guest_names_types_through_the_protocol() {
    for (file, source) in [("worker.js", WORKER_JS), ("frame.js", FRAME_JS)] {
        // A message type spelled as a literal would escape the declaration.
        for marker in ["type: \"", "type === \"", "type !== \""] {
            for literal in quoted_after(source, marker) {
                assert!(
                    !declared(literal),
                    "{file} spells the message type {literal:?}: use PROTOCOL.TYPES"
                );
            }
        }
        for (at, _) in source.match_indices("PROTOCOL.TYPES.") {
            let name: String = source[at + 15..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                .collect();
            assert!(
                TYPES.iter().any(|(n, _)| *n == name),
                "{file} uses PROTOCOL.TYPES.{name}, which messages.rs does not declare"
            );
        }
        for (at, _) in source.match_indices("PROTOCOL.") {
            let name: String = source[at + 9..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            assert!(
                name == "TYPES" || constants::js_constants().iter().any(|(n, _)| *n == name),
                "{file} uses PROTOCOL.{name}, which constants.rs does not declare"
            );
        }
    }
}

#[test]
fn types_are_unique_and_named_after_their_string() {
    for (i, (name, kind)) in TYPES.iter().enumerate() {
        assert!(
            TYPES[..i].iter().all(|(n, t)| n != name && t != kind),
            "{name} twice"
        );
        let snake: String = kind
            .chars()
            .flat_map(|c| {
                let upper = c.to_ascii_uppercase();
                if c.is_ascii_uppercase() {
                    vec!['_', upper]
                } else {
                    vec![upper]
                }
            })
            .collect();
        // `files` is the batch of a run's files: its constant is FILES.
        assert_eq!(&snake, name, "the constant for {kind:?}");
    }
}

#[test]
fn constants_are_javascript_literals() {
    let all = constants::js_constants();
    assert!(all.contains(&("FRAME_INIT", "\"pycage:init\"".to_string())));
    assert!(all.contains(&("SHARED_BYTES", (24 + 65536).to_string())));
    assert_eq!(
        constants::JsLiteral::js(&"a\"b\\c\u{1}"),
        "\"a\\\"b\\\\c\\u0001\""
    );
    for (i, (name, _)) in all.iter().enumerate() {
        assert!(all[..i].iter().all(|(n, _)| n != name), "{name} twice");
    }
}

/// The `type`s of [`ToSandbox`] (serde names them: camelCase), read from
/// mod.rs's enum.
fn to_sandbox_types() -> Vec<String> {
    let source = include_str!("mod.rs");
    let start = source
        .find("pub(crate) enum ToSandbox")
        .expect("ToSandbox in mod.rs");
    let body = &source[start..start + source[start..].find("\n}\n").expect("its end")];
    body.lines()
        .filter_map(|line| line.strip_prefix("    ")?.strip_suffix(" {"))
        .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(|name| name[..1].to_ascii_lowercase() + &name[1..])
        .collect()
}

#[test]
fn the_worker_reads_every_command_the_page_sends() {
    let block = &WORKER_JS[WORKER_JS.find("function onCommand").expect("onCommand")..];
    let block = &block[..block.find("\n}\n").expect("its end")];
    let mut read = quoted_after(block, "case \"");
    read.sort();
    let mut sent = to_sandbox_types();
    sent.sort();
    assert!(sent.len() >= 7, "ToSandbox's variants: {sent:?}");
    assert_eq!(read, sent, "worker.js onCommand against ToSandbox");
}

#[test]
fn a_violation_names_a_message_by_its_type() {
    assert_eq!(messages::UNEXPECTED.len(), TYPES.len());
    for (kind, unexpected) in messages::UNEXPECTED {
        assert!(
            unexpected == kind || unexpected.starts_with(&format!("{kind} (")),
            "{kind:?} is named {unexpected:?}"
        );
    }
}
