//! Figure helpers for JS: a figure from an `Execution` as a `data:` URL or
//! a `Blob`, for `<img>`.

use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::errors::Error;

/// A `data:` URL for a figure, for `<img src>`. An SVG shown through `<img>`
/// runs no script, so this is the safe way to show SVG figures.
#[wasm_bindgen(js_name = figureToDataUrl)]
pub fn figure_to_data_url(
    #[wasm_bindgen(unchecked_param_type = "Figure")] figure: JsValue,
) -> Result<String, JsValue> {
    let (mime, data) = figure_parts(&figure)?;
    let bytes = data.to_vec();
    Ok(format!("data:{mime};base64,{}", base64(&bytes)))
}

/// A `Blob` of a figure's bytes with its mime type, e.g. for
/// `URL.createObjectURL` (use it in an `<img>`, never inline).
#[wasm_bindgen(js_name = figureToBlob)]
pub fn figure_to_blob(
    #[wasm_bindgen(unchecked_param_type = "Figure")] figure: JsValue,
) -> Result<web_sys::Blob, JsValue> {
    let (mime, data) = figure_parts(&figure)?;
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    web_sys::Blob::new_with_u8_array_sequence_and_options(&Array::of1(&data), &options)
}

fn figure_parts(figure: &JsValue) -> Result<(&'static str, Uint8Array), JsValue> {
    let mime = Reflect::get(figure, &"mime".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_default();
    let mime = crate::figures::IMAGE_MIMES
        .iter()
        .find(|m| **m == mime)
        .ok_or_else(|| {
            JsValue::from(Error::options(
                "figure",
                "expected a Figure from an Execution",
            ))
        })?;
    let data = Reflect::get(figure, &"data".into())?
        .dyn_into::<Uint8Array>()
        .map_err(|_| JsValue::from(Error::options("figure.data", "expected a Uint8Array")))?;
    Ok((mime, data))
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = u32::from(chunk[0]) << 16
            | u32::from(*chunk.get(1).unwrap_or(&0)) << 8
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
    }
}
