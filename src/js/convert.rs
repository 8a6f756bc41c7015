//! Rust results as JS values, by serde: the JS `Execution` is the Rust
//! [`Execution`](crate::Execution) field for field (camelCase names, `null`
//! for `None`, `Uint8Array` for bytes, plain objects for maps).

use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::errors::Error;

pub(super) fn execution(execution: &crate::Execution) -> Result<JsValue, JsValue> {
    to_js(execution)
}

pub(super) fn to_js(value: &impl Serialize) -> Result<JsValue, JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new()
        .serialize_maps_as_objects(true)
        .serialize_missing_as_null(true);
    value.serialize(&serializer).map_err(|err| {
        // Only a bug can get here: every value was validated on the way in.
        JsValue::from(Error::init(
            format!("could not build the result: {err}"),
            None,
        ))
    })
}
