//! The memory the page (or, in iframe mode, the frame) shares with a
//! worker, when there is a `SharedArrayBuffer`. Its layout is declared in
//! protocol/constants.rs, which frame.js, input.js and worker.js read as
//! `PROTOCOL` too:
//!
//! - `SLOT_INTERRUPT`: Pyodide's interrupt flag (`SIGINT` raises);
//! - `SLOT_STOP_RUN`: the run the page wants stopped; `SLOT_IN_RUN`: the run
//!   the worker is in. The handshake never loses an interrupt to a run that
//!   starts late, nor leaks one into the next run;
//! - `SLOT_INPUT_STATE`: the state of an `input()` answer (`INPUT_WAITING`,
//!   `INPUT_LINE`, `INPUT_END`); `SLOT_INPUT_LENGTH`: its length in bytes;
//!   `SLOT_INPUT_SEQ`: the request it answers (so a late answer never lands
//!   in a later request);
//! - bytes from `INPUT_AT`: the answer, UTF-8, at most `MAX_INPUT`.
//!
//! The worker may write anything here (it runs the user's code): the page
//! only writes, and never trusts what it reads back.

use js_sys::{Atomics, Int32Array, Object, Reflect, Uint8Array};
use wasm_bindgen::JsValue;

use crate::protocol::{
    INPUT_AT, INPUT_END, INPUT_LINE, MAX_INPUT, SIGINT, SLOT_INPUT_LENGTH, SLOT_INPUT_SEQ,
    SLOT_INPUT_STATE, SLOT_INTERRUPT, SLOT_IN_RUN, SLOT_STOP_RUN,
};

pub(crate) const BYTES: u32 = crate::protocol::SHARED_BYTES;

pub(in crate::supervisor) fn request_interrupt(
    buffer: &Int32Array,
    id: u32,
) -> Result<(), JsValue> {
    Atomics::store(buffer, SLOT_STOP_RUN, id as i32)?;
    if Atomics::load(buffer, SLOT_IN_RUN)? == id as i32 {
        Atomics::store(buffer, SLOT_INTERRUPT, SIGINT as i32)?;
    }
    Ok(())
}

/// Hands the worker waiting in `input()` request `seq` its answer (`None`:
/// end of input). A line longer than [`MAX_INPUT`] bytes is cut there.
pub(in crate::supervisor) fn answer_input(
    buffer: &Int32Array,
    seq: u32,
    line: Option<&str>,
) -> Result<(), JsValue> {
    if Atomics::load(buffer, SLOT_INPUT_SEQ)? != seq as i32 {
        return Ok(()); // that request is over
    }
    let state = match line {
        Some(line) => {
            let bytes = clip(line);
            Uint8Array::new_with_byte_offset_and_length(
                &buffer.buffer(),
                INPUT_AT,
                bytes.len() as u32,
            )
            .copy_from(bytes);
            Atomics::store(buffer, SLOT_INPUT_LENGTH, bytes.len() as i32)?;
            INPUT_LINE
        }
        None => INPUT_END,
    };
    Atomics::store(buffer, SLOT_INPUT_STATE, state as i32)?;
    Atomics::notify(buffer, SLOT_INPUT_STATE)?;
    Ok(())
}

/// `line`'s UTF-8 bytes, cut at a character boundary within [`MAX_INPUT`].
pub(in crate::supervisor) fn clip(line: &str) -> &[u8] {
    let mut end = line.len().min(MAX_INPUT as usize);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    &line.as_bytes()[..end]
}

/// In iframe mode the frame holds the memory: the answer it writes there.
pub(in crate::supervisor) fn frame_answer(seq: u32, line: Option<&str>) -> JsValue {
    let answer = Object::new();
    let _ = Reflect::set(&answer, &"input".into(), &seq.into());
    let line = line.map(|l| String::from_utf8_lossy(clip(l)).into_owned());
    let _ = Reflect::set(
        &answer,
        &"line".into(),
        &line.map_or(JsValue::NULL, JsValue::from),
    );
    answer.into()
}

/// Whether this page can share memory with a worker. `crossOriginIsolated`
/// alone is not enough: WebKitGTK reports it true yet has no global
/// `SharedArrayBuffer`, and constructing one there throws, which would
/// leave `Sandbox.create` unsettled. Without it, timeouts take the
/// terminate-and-standby path.
pub(in crate::supervisor) fn available() -> bool {
    let global = js_sys::global();
    let isolated = Reflect::get(&global, &"crossOriginIsolated".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    isolated && Reflect::get(&global, &"SharedArrayBuffer".into()).is_ok_and(|v| v.is_function())
}
