//! The page's copies of a `write_file`'s bytes, and how they reach the
//! worker, whose file then keeps what it got (guest/files.js, `canOwn`:
//! MEMFS copies it no more). Two ways, by the policy below:
//!
//! - a `Blob`, for large writes in iframe isolation: the page's one copy,
//!   kept to write the file into a replacement interpreter (a handle: the
//!   browser holds the bytes, not the page's JS heap, and nothing can change
//!   them), and sent as it is; the worker reads it once;
//! - otherwise two buffers: the page keeps one, and the other is moved
//!   (transferred) to the worker, not copied.
//!
//! Measured in Chromium 156 with 50 MiB (docs/performance.md, "Files"): a
//! worker reads a Blob in 70-90 ms, against 30 ms for a second copy on the
//! page, which a move to a worker at the page's origin then costs nothing;
//! and a Blob made on the page is handed to the browser in the background,
//! which slowed the next run's read of the file from about 6 ms to 55 ms.
//! Into the iframe's process, though, a moved buffer is copied twice more
//! (90-140 ms): the Blob is faster there.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Blob;

use crate::options::Isolation;

/// At most this many bytes, a write moves a buffer in iframe isolation too:
/// a Blob costs the worker a round trip to the browser's blob store, and
/// two copies of a few KiB cost nothing.
pub(crate) const SMALL_WRITE_BYTES: usize = 1 << 20;

/// Whether a write of `len` bytes keeps its copy as bytes and moves a
/// buffer of its own to the worker (else the page keeps a Blob, which the
/// worker reads).
pub(crate) fn moves_buffer(isolation: Isolation, len: usize) -> bool {
    isolation == Isolation::Worker || len <= SMALL_WRITE_BYTES
}

/// The page's copy of a write, kept to restore the file.
#[derive(Clone)]
pub(crate) enum Kept {
    Blob(Blob),
    Bytes(Uint8Array),
}

/// What a write sends to the sandbox.
pub(crate) struct Upload {
    pub(crate) kept: Kept,
    /// A buffer of the same bytes, moved to the worker (once).
    moved: Option<Uint8Array>,
}

impl Upload {
    /// The copies of `bytes` (a view of any buffer, shared memory included).
    pub(crate) fn of_bytes(bytes: &Uint8Array, isolation: Isolation) -> Result<Upload, JsValue> {
        let len = bytes.byte_length();
        if moves_buffer(isolation, len as usize) {
            return Ok(Upload::of_owned(bytes.slice(0, len)));
        }
        // A view of shared memory cannot make a Blob (BufferSource excludes
        // it): it is copied out first.
        let kept = Blob::new_with_u8_array_sequence(&Array::of1(bytes))
            .or_else(|_| Blob::new_with_u8_array_sequence(&Array::of1(&bytes.slice(0, len))))?;
        Ok(Upload::kept(Kept::Blob(kept)))
    }

    /// `moved`, a buffer of the page's own, to be moved; the page keeps a
    /// copy of it.
    pub(crate) fn of_owned(moved: Uint8Array) -> Upload {
        Upload {
            kept: Kept::Bytes(moved.slice(0, moved.byte_length())),
            moved: Some(moved),
        }
    }

    /// `text` (a JS string) as UTF-8: large, in iframe isolation, into a
    /// Blob, which encodes it (the text never passes through wasm memory);
    /// else as bytes.
    pub(crate) fn of_text(text: &JsValue, isolation: Isolation) -> Result<Upload, JsValue> {
        let units = text.dyn_ref::<js_sys::JsString>().map_or(0, |s| s.length()) as usize;
        if moves_buffer(isolation, units) {
            let utf8 = text.as_string().unwrap_or_default();
            return Ok(Upload::of_owned(Uint8Array::from(utf8.as_bytes())));
        }
        let kept = Blob::new_with_str_sequence(&Array::of1(text))?;
        Ok(Upload::kept(Kept::Blob(kept)))
    }

    /// Nothing, for a write refused for its size before any copy.
    pub(crate) fn empty() -> Upload {
        Upload::of_owned(Uint8Array::new_with_length(0))
    }

    /// A kept copy, to write again (a restore).
    pub(crate) fn kept(kept: Kept) -> Upload {
        Upload { kept, moved: None }
    }

    /// The bytes' length.
    pub(crate) fn len(&self) -> f64 {
        match &self.kept {
            Kept::Blob(blob) => blob.size(),
            Kept::Bytes(bytes) => f64::from(bytes.byte_length()),
        }
    }

    /// The message's body: the moved buffer (the first time), the Blob, or
    /// a new copy of the kept bytes, to move (a restore). host/browser.rs
    /// moves a buffer; postMessage copies no bytes either way.
    pub(crate) fn body(&mut self) -> JsValue {
        match (self.moved.take(), &self.kept) {
            (Some(moved), _) => moved.buffer().into(),
            (None, Kept::Blob(blob)) => blob.clone().into(),
            (None, Kept::Bytes(bytes)) => bytes.slice(0, bytes.byte_length()).buffer().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_isolation_always_moves_a_buffer() {
        for len in [0, 1, SMALL_WRITE_BYTES, SMALL_WRITE_BYTES + 1, 1 << 30] {
            assert!(moves_buffer(Isolation::Worker, len), "{len}");
        }
    }

    #[test]
    fn iframe_isolation_moves_small_writes_and_sends_a_blob_for_large_ones() {
        assert!(moves_buffer(Isolation::Iframe, 0));
        assert!(moves_buffer(Isolation::Iframe, SMALL_WRITE_BYTES));
        assert!(!moves_buffer(Isolation::Iframe, SMALL_WRITE_BYTES + 1));
        assert!(!moves_buffer(Isolation::Iframe, 50 << 20));
    }
}
