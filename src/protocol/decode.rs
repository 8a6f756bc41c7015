//! Decoding what the sandbox sends: fallible and strict, and sized before
//! anything is copied into wasm. Nothing here panics on any input.

use js_sys::{Object, Reflect};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};

use super::*;

/// Longest string accepted anywhere in a message, in UTF-16 units, whatever
/// the sandbox's caps: the supervisor passes a lower one from the options.
pub(crate) const MAX_STRING: u32 = 16 << 20;

/// Decodes one message from the sandbox. `Err` is a short reason for the
/// protocol-violation count; it never panics.
pub(crate) fn decode(data: &JsValue, token: &str, max_string: u32) -> Result<FromSandbox, String> {
    if !data.is_object() {
        return Err("message is not an object".into());
    }
    let keys = Object::keys(data.unchecked_ref::<Object>());
    if keys.length() != 2 {
        return Err("envelope must have exactly `token` and `msg`".into());
    }
    let got = Reflect::get(data, &"token".into())
        .ok()
        .and_then(|t| t.as_string());
    if got.as_deref() != Some(token) {
        return Err("wrong or missing session token".into());
    }
    let msg = Reflect::get(data, &"msg".into()).map_err(|_| "missing msg".to_string())?;
    if !msg.is_object() {
        return Err("msg is not an object".into());
    }
    // A snapshot's bytes are not walked (they are not copied either).
    let kind = Reflect::get(&msg, &"type".into()).unwrap_or_default();
    if kind.dyn_ref::<js_sys::JsString>() != Some(&types::SNAPSHOT.into()) {
        let mut nodes = 0;
        check_sizes(&msg, max_string.min(MAX_STRING), 1, &mut nodes)?;
    }
    let kind = kind.as_string().ok_or("missing type")?;
    messages::decode_as(&kind, msg)
        .unwrap_or_else(|| Err(format!("unknown message type {:?}", truncate(&kind, 40))))
}

/// The `id` of a message of type `wanted` (`done`, `fileResult`), read
/// without decoding the rest: when a run's `done` or a file call's answer
/// is refused, it ends now rather than at its deadline.
pub(crate) fn message_id(data: &JsValue, wanted: &str) -> Option<u32> {
    let msg = Reflect::get(data, &"msg".into()).ok()?;
    let kind = Reflect::get(&msg, &"type".into()).ok()?;
    let kind = kind.dyn_ref::<js_sys::JsString>()?;
    if kind != wanted {
        return None;
    }
    let id = Reflect::get(&msg, &"id".into()).ok()?.as_f64()?;
    (id >= 0.0 && id <= u32::MAX as f64 && id.fract() == 0.0).then_some(id as u32)
}

/// `{type: "snapshot", data: Uint8Array}`, read without copying the bytes into wasm.
pub(super) fn snapshot_bytes(msg: JsValue) -> Result<SnapshotBytes, String> {
    if Object::keys(msg.unchecked_ref::<Object>()).length() != 2 {
        return Err("snapshot must have exactly `type` and `data`".into());
    }
    let data = Reflect::get(&msg, &"data".into()).map_err(|_| "missing data".to_string())?;
    let data = data
        .dyn_into::<js_sys::Uint8Array>()
        .map_err(|_| "snapshot data is not a Uint8Array".to_string())?;
    if data.length() == 0 || data.length() > MAX_SNAPSHOT {
        return Err(format!(
            "snapshot of {} bytes is out of range",
            data.length()
        ));
    }
    Ok(SnapshotBytes {
        size: data.length(),
        bytes: data,
    })
}

/// Rejects oversized strings at any depth, and shapes deeper or wider than
/// ours, before serde copies anything into wasm: what the sandbox sends can
/// be sized to exhaust the page's memory. Byte arrays are not copied (they
/// stay JS objects) and are sized by their checks later.
fn check_sizes(
    value: &JsValue,
    max_string: u32,
    depth: u32,
    nodes: &mut u32,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("message is nested too deep".into());
    }
    for value in Object::values(value.unchecked_ref::<Object>()).iter() {
        *nodes += 1;
        if *nodes > MAX_NODES {
            return Err("message has too many fields".into());
        }
        if let Some(s) = value.dyn_ref::<js_sys::JsString>() {
            if s.length() > max_string {
                return Err(format!(
                    "string field of {} units is over the limit ({max_string})",
                    s.length()
                ));
            }
        } else if value.is_object()
            && !value.is_instance_of::<js_sys::Uint8Array>()
            && !value.is_instance_of::<js_sys::ArrayBuffer>()
        {
            check_sizes(&value, max_string, depth + 1, nodes)?;
        }
    }
    Ok(())
}

pub(super) fn parse<T: DeserializeOwned>(msg: JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(msg).map_err(|e| truncate(&e.to_string(), 200).to_string())
}

pub(crate) fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}
