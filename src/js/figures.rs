//! Figure helpers for JS: a figure from an `Execution` as a `data:` URL or
//! a `Blob`, for `<img>`.

use js_sys::{Reflect, Uint8Array};
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
    Ok(crate::figures::data_url(mime, &data.to_vec()))
}

/// A `Blob` of a figure's bytes with its mime type, e.g. for
/// `URL.createObjectURL` (use it in an `<img>`, never inline).
#[wasm_bindgen(js_name = figureToBlob)]
pub fn figure_to_blob(
    #[wasm_bindgen(unchecked_param_type = "Figure")] figure: JsValue,
) -> Result<web_sys::Blob, JsValue> {
    let (mime, data) = figure_parts(&figure)?;
    crate::figures::blob(mime, &data)
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
