//! Hostile sessions (SECURITY.md, "Sessions"). A session is attacker data:
//! it came from a sandbox, and it may have been changed since. Each is
//! refused with a `SessionError` that says why, in bounded time and memory,
//! before anything boots where the bytes alone can tell; and none of them
//! leaves anything behind for another sandbox.
// The test scripts the host page itself to gzip its crafted sessions (a
// page may eval; pycage may not).
#![allow(clippy::disallowed_methods)]
use js_sys::{Promise, Uint8Array};
use pycage::{live_interpreters, Error, Sandbox, SandboxOptions};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

const MAGIC: &[u8] = b"PYCAGE-SESSION\n\0";

async fn gzip(bytes: &[u8]) -> Vec<u8> {
    let compress = js_sys::Function::new_with_args(
        "b",
        "return new Response(new Blob([b]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer()",
    );
    let promise: Promise = compress
        .call1(&JsValue::NULL, &Uint8Array::from(bytes))
        .unwrap()
        .unchecked_into();
    Uint8Array::new(&JsFuture::from(promise).await.unwrap()).to_vec()
}

/// A session with `header` (JSON) and `body`, as the page writes one.
fn envelope(header: &serde_json::Value, body: &[u8]) -> Vec<u8> {
    let json = header.to_string();
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(json.as_bytes());
    out.extend_from_slice(body);
    out
}

/// An honest session's header and state, from a shared sandbox.
async fn honest() -> (serde_json::Value, Vec<u8>) {
    let sb = shared().await;
    run(&sb, "honest = [1, 2, 3]").await;
    let bytes = sb.export_session().await.unwrap().to_vec();
    let len = u32::from_le_bytes(bytes[16..20].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[20..20 + len]).unwrap();
    (header, bytes)
}

async fn refused_with(bytes: &[u8], options: SandboxOptions) -> String {
    let before = live_interpreters();
    let started = now();
    let result = Sandbox::create(SandboxOptions {
        session: Some(Uint8Array::from(bytes)),
        standby: Some(false),
        ..options
    })
    .await;
    let message = match result {
        Err(Error::Session { message }) => message,
        other => panic!("expected a SessionError, got {other:?}"),
    };
    assert!(
        now() - started < 15_000.0,
        "refused in bounded time: {message}"
    );
    assert_eq!(
        live_interpreters(),
        before,
        "nothing is left running: {message}"
    );
    message
}

async fn refused(bytes: &[u8]) -> String {
    refused_with(bytes, opts()).await
}

#[wasm_bindgen_test]
async fn s1_a_truncated_session_is_refused() {
    let (_, bytes) = honest().await;
    for cut in [0, 10, 18, 30, bytes.len() / 2, bytes.len() - 1] {
        let message = refused(&bytes[..cut]).await;
        assert!(message.contains("refused"), "cut at {cut}: {message}");
    }
}

#[wasm_bindgen_test]
async fn s2_a_corrupted_or_padded_body_is_refused() {
    let (_, mut bytes) = honest().await;
    let mut padded = bytes.clone();
    padded.push(0);
    assert!(refused(&padded).await.contains("claims a body of"));
    let last = bytes.len() - 9; // inside the deflate data, before the checksum
    bytes[last] ^= 0x55;
    let message = refused(&bytes).await;
    assert!(
        message.contains("corrupt") || message.contains("inflates"),
        "{message}"
    );
}

#[wasm_bindgen_test]
async fn s3_a_session_of_another_version_is_refused() {
    let (header, bytes) = honest().await;
    let body = &bytes[bytes.len() - header["bodyBytes"].as_u64().unwrap() as usize..];
    let mut other = header.clone();
    other["pycage"] = "0.0.0-other".into();
    assert!(refused(&envelope(&other, body))
        .await
        .contains("made by pycage 0.0.0-other"));
    let mut other = header.clone();
    other["format"] = 9.into();
    assert!(refused(&envelope(&other, body)).await.contains("format 9"));
    // Only the booted interpreter knows its version: refused after the boot,
    // and that interpreter ends.
    let mut other = header.clone();
    other["pyodide"] = "0.1.0".into();
    let message = refused(&envelope(&other, body)).await;
    assert!(message.contains("made with Pyodide 0.1.0"), "{message}");
}

#[wasm_bindgen_test]
async fn s4_a_decompression_bomb_stops_at_the_size_its_header_claims() {
    let (mut header, _) = honest().await;
    let bomb = gzip(&vec![0; 64 << 20]).await; // 64 MiB of zeros in ~64 KiB
    header["rawBytes"] = 1000.into();
    header["bodyBytes"] = bomb.len().into();
    let message = refused(&envelope(&header, &bomb)).await;
    assert!(message.contains("inflates past 1000 bytes"), "{message}");
    // A header that claims more than the cap is refused before inflating.
    header["rawBytes"] = (300u64 << 20).into();
    let message = refused(&envelope(&header, &bomb)).await;
    assert!(message.contains("over maxSessionBytes"), "{message}");
}

#[wasm_bindgen_test]
async fn s5_a_session_that_claims_sizes_it_does_not_have_is_refused() {
    let (mut header, bytes) = honest().await;
    let body = bytes[bytes.len() - header["bodyBytes"].as_u64().unwrap() as usize..].to_vec();
    let raw = header["rawBytes"].as_u64().unwrap();
    header["rawBytes"] = (raw + 1).into();
    let message = refused(&envelope(&header, &body)).await;
    assert!(message.contains("not the"), "{message}");
    let mut huge = MAGIC.to_vec();
    huge.extend_from_slice(&u32::MAX.to_le_bytes());
    assert!(refused(&huge).await.contains("header claims"));
}

#[wasm_bindgen_test]
async fn s6_a_session_over_max_session_bytes_is_refused_before_it_is_read() {
    let big = vec![0u8; 2 << 20];
    let message = refused_with(
        &big,
        SandboxOptions {
            max_session_bytes: Some(1 << 20),
            ..opts()
        },
    )
    .await;
    assert!(
        message.contains("over maxSessionBytes (1048576)"),
        "{message}"
    );
}

#[wasm_bindgen_test]
async fn s7_a_well_sealed_session_with_garbage_state_is_refused_by_the_sandbox() {
    let (mut header, _) = honest().await;
    let state = b"PYCAGE-SESSION-PY\x00 not really".repeat(10);
    let body = gzip(&state).await;
    header["rawBytes"] = state.len().into();
    header["bodyBytes"] = body.len().into();
    let message = refused(&envelope(&header, &body)).await;
    assert!(message.contains("Session"), "{message}");
}

#[wasm_bindgen_test]
async fn s8_a_session_that_runs_code_on_restore_poisons_no_other_sandbox() {
    // Its own interpreter runs what it holds (it is that sandbox's state);
    // the page's boot snapshot, and every other sandbox, stay clean.
    let maker = shared().await;
    let code = "\
class Plant:
    def __reduce__(self):
        return (exec, ('import builtins; builtins.planted = 1',))
plant = Plant()";
    run(&maker, code).await;
    let session = maker.export_session().await.unwrap();
    let restored = Sandbox::create(SandboxOptions {
        session: Some(session),
        ..opts()
    })
    .await
    .unwrap();
    assert_eq!(run(&restored, "planted").await.result_text(), Some("1"));
    restored.reset().await.unwrap();
    let ex = run(&restored, "planted").await;
    assert_eq!(
        ex.error.map(|e| e.kind).as_deref(),
        Some("NameError"),
        "reset is fresh"
    );
    let other = sandbox(SandboxOptions {
        standby: Some(false),
        ..opts()
    })
    .await;
    let ex = run(&other, "planted").await;
    assert_eq!(
        ex.error.map(|e| e.kind).as_deref(),
        Some("NameError"),
        "another sandbox is clean"
    );
    assert!(other.booted_from_snapshot(), "from the page's own snapshot");
}

#[wasm_bindgen_test]
async fn s9_a_forged_export_over_the_cap_is_refused() {
    // The code replaces the runtime's export: the page holds the line.
    let sb = sandbox(SandboxOptions {
        max_session_bytes: Some(1 << 20),
        standby: Some(false),
        ..opts()
    })
    .await;
    let code = "import _pycage.session as s\ns.export_session = lambda *a: b'x' * (2 << 20)";
    run(&sb, code).await;
    let message = match sb.export_session().await {
        Err(Error::Session { message }) => message,
        other => panic!("expected a SessionError, got {other:?}"),
    };
    assert!(message.contains("over its cap (1048576)"), "{message}");
    assert_eq!(
        run(&sb, "1 + 1").await.result_text(),
        Some("2"),
        "the sandbox goes on"
    );
}

#[wasm_bindgen_test]
async fn s10_a_forged_report_of_a_restore_is_bounded() {
    let sb = shared().await;
    let session = sb.export_session().await.unwrap();
    let code = "\
import _pycage.session as s
s.Session.restore = lambda self, *a: {'exact': True, 'variables': ['v' * 210] * 20000,
    'skipped': [{'name': 'n', 'reason': 'r' * 5000}], 'files': 0}";
    run(&sb, code).await;
    let summary = sb.restore_session(&session).await.unwrap();
    assert_eq!(
        summary.variables.len(),
        10_001,
        "10 000 names, then a count"
    );
    assert!(summary.variables[0].len() <= 200);
    assert!(summary.skipped[0].reason.len() <= 500);
    assert!(!summary.exact, "not exact with anything skipped");
    let code = "s.Session.restore = lambda self, *a: {'exact': True}";
    run(&sb, code).await;
    let err = sb.restore_session(&session).await.unwrap_err();
    assert!(err.to_string().contains("malformed"), "{err}");
}
