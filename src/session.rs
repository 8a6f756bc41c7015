//! Sessions: a sandbox's Python state as bytes an app keeps
//! (`exportSession`), and a new sandbox that boots into it
//! (`create({ session })`). docs/sessions.md says what comes back and why.
//!
//! The page never decodes the state itself: it is the capture runtime's
//! pickle of the namespace (guest/_pycage/session.py), made and read inside
//! the sandbox. The page wraps it in an envelope it can check before any
//! byte reaches a worker (envelope.rs), compresses it (codec.rs), and
//! checks what the sandbox says it restored (summary.rs). A session is
//! attacker data: it came from a sandbox, and it may have been changed
//! since.

mod codec;
mod envelope;
mod summary;

use codec::{compress, decompress};
use envelope::Envelope;
pub(crate) use envelope::Header;
pub(crate) use summary::parse_summary;
pub use summary::{RestoredSession, SkippedName};

use js_sys::Uint8Array;

use crate::errors::Error;

/// A session's bytes, checked and inflated: its header, and the state for
/// the worker. Nothing reaches a worker before this has passed.
pub(crate) async fn open(bytes: &Uint8Array, max: usize) -> Result<(Header, Uint8Array), Error> {
    let refused = |why: String| Error::session(format!("the session was refused: {why}"));
    let total = bytes.byte_length();
    let start = bytes
        .subarray(0, total.min(envelope::prefix_len() as u32))
        .to_vec();
    let envelope = Envelope::read(&start, total as usize, max).map_err(refused)?;
    let body = bytes.subarray(envelope.body_offset as u32, total);
    let raw = decompress(&body, envelope.header.raw_bytes as usize)
        .await
        .map_err(refused)?;
    Ok((envelope.header, raw))
}

/// The session of `raw` (the sandbox's state), from an interpreter of
/// `versions` (Pyodide's, Python's).
pub(crate) async fn seal(
    raw: &Uint8Array,
    versions: &(String, String),
) -> Result<Uint8Array, Error> {
    let raw_bytes = u64::from(raw.byte_length());
    let prefix =
        |body: usize| Header::new(&versions.0, &versions.1, raw_bytes, body as u64).prefix();
    compress(raw, prefix)
        .await
        .map_err(|why| Error::session(format!("could not compress the session: {why}")))
}
