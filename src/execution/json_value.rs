//! How a JSON mime value reaches JS: as `JSON.parse` would make it. Every
//! number becomes a JS number (serde-wasm-bindgen refuses a `u64` over 2^53,
//! which would fail the whole `Execution`), and objects are plain objects.

use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

pub(super) fn serialize<S: Serializer>(value: &Value, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Value::Null => serializer.serialize_unit(),
        Value::Bool(b) => serializer.serialize_bool(*b),
        Value::Number(n) => serializer.serialize_f64(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => serializer.serialize_str(s),
        Value::Array(items) => {
            let mut seq = serializer.serialize_seq(Some(items.len()))?;
            for item in items {
                seq.serialize_element(&Json(item))?;
            }
            seq.end()
        }
        Value::Object(fields) => {
            let mut map = serializer.serialize_map(Some(fields.len()))?;
            for (key, item) in fields {
                map.serialize_entry(key, &Json(item))?;
            }
            map.end()
        }
    }
}

struct Json<'a>(&'a Value);

impl serde::Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize(self.0, serializer)
    }
}
