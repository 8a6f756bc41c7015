//! Compressing a session's state for keeping, and inflating it again with
//! a cap, through the browser's `CompressionStream` (gzip, in every
//! engine). The inflating side reads attacker data: it stops as soon as
//! the output passes the size the header claims, so a small session that
//! inflates to gigabytes costs the page no more than that claim, and a
//! body that ends short, carries a bad checksum or trails junk is refused.
//!
//! Declared here rather than through web-sys, whose bindings of these
//! streams are behind `web_sys_unstable_apis`.

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = CompressionStream)]
    type Compressor;
    #[wasm_bindgen(constructor, js_class = "CompressionStream", catch)]
    fn new(format: &str) -> Result<Compressor, JsValue>;

    #[wasm_bindgen(js_name = DecompressionStream)]
    type Decompressor;
    #[wasm_bindgen(constructor, js_class = "DecompressionStream", catch)]
    fn new(format: &str) -> Result<Decompressor, JsValue>;

    #[wasm_bindgen(js_name = Blob)]
    type Source;
    #[wasm_bindgen(method)]
    fn stream(this: &Source) -> Stream;

    #[wasm_bindgen(js_name = ReadableStream)]
    type Stream;
    #[wasm_bindgen(method, js_name = pipeThrough)]
    fn pipe_through(this: &Stream, pair: &JsValue) -> Stream;
    #[wasm_bindgen(method, js_name = getReader)]
    fn get_reader(this: &Stream) -> Reader;

    #[wasm_bindgen(js_name = ReadableStreamDefaultReader)]
    type Reader;
    #[wasm_bindgen(method)]
    fn read(this: &Reader) -> Promise;
    #[wasm_bindgen(method)]
    fn cancel(this: &Reader) -> Promise;
}

fn message(err: &JsValue) -> String {
    err.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| err.as_string())
        .unwrap_or_else(|| format!("{err:?}"))
}

/// A stream of `bytes` through `transform` (a Compression- or
/// DecompressionStream), read chunk by chunk.
fn through(bytes: &Uint8Array, transform: &JsValue) -> Result<Reader, String> {
    let blob =
        web_sys::Blob::new_with_u8_array_sequence(&Array::of1(bytes)).map_err(|e| message(&e))?;
    Ok(blob
        .unchecked_into::<Source>()
        .stream()
        .pipe_through(transform)
        .get_reader())
}

/// Reads every chunk, stopping with an error once they pass `max` bytes.
async fn chunks(reader: &Reader, max: usize) -> Result<(Vec<Uint8Array>, usize), String> {
    let (mut chunks, mut total) = (Vec::new(), 0usize);
    loop {
        let step: Object = JsFuture::from(reader.read())
            .await
            .map_err(|e| message(&e))?
            .unchecked_into();
        if Reflect::get(&step, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            == Some(true)
        {
            return Ok((chunks, total));
        }
        let chunk: Uint8Array = Reflect::get(&step, &"value".into())
            .map_err(|e| message(&e))?
            .dyn_into()
            .map_err(|_| "the stream gave a chunk that is not bytes".to_string())?;
        total = total.saturating_add(chunk.byte_length() as usize);
        if total > max {
            let _ = reader.cancel();
            return Err(format!("it inflates past {max} bytes"));
        }
        chunks.push(chunk);
    }
}

/// One array of the chunks' bytes, after `prefix`.
fn join(prefix: &[u8], chunks: &[Uint8Array], total: usize) -> Uint8Array {
    let out = Uint8Array::new_with_length((prefix.len() + total) as u32);
    out.subarray(0, prefix.len() as u32).copy_from(prefix);
    let mut at = prefix.len() as u32;
    for chunk in chunks {
        out.set(chunk, at);
        at += chunk.byte_length();
    }
    out
}

/// gzip of `raw`, after the envelope `prefix(body_len)` makes once the
/// body's length is known.
pub(crate) async fn compress(
    raw: &Uint8Array,
    prefix: impl FnOnce(usize) -> Vec<u8>,
) -> Result<Uint8Array, String> {
    let gzip =
        Compressor::new("gzip").map_err(|e| format!("no CompressionStream: {}", message(&e)))?;
    let reader = through(raw, &gzip)?;
    let (chunks, total) = chunks(&reader, usize::MAX).await?;
    Ok(join(&prefix(total), &chunks, total))
}

/// The state in a gzip `body`, which must inflate to exactly `raw_bytes`.
pub(crate) async fn decompress(body: &Uint8Array, raw_bytes: usize) -> Result<Uint8Array, String> {
    let gunzip = Decompressor::new("gzip")
        .map_err(|e| format!("no DecompressionStream: {}", message(&e)))?;
    let reader = through(body, &gunzip)?;
    let (chunks, total) = chunks(&reader, raw_bytes)
        .await
        .map_err(|why| format!("its body is corrupt: {why}"))?;
    if total != raw_bytes {
        return Err(format!(
            "its body inflates to {total} bytes, not the {raw_bytes} its header claims"
        ));
    }
    Ok(join(&[], &chunks, total))
}
