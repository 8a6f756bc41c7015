// pycage sandbox worker, the input() part (build.rs puts it in front of
// worker.js). Python's input() blocks this thread on the memory shared with
// the page (its layout: `PROTOCOL`'s SLOT_ and INPUT_ constants, from
// src/protocol/constants.rs; src/supervisor/host/shared_buffer.rs tells the
// handshake) until the page answers,
// waking every 50 ms so that an interrupt (the deadline, a cancel) raises
// KeyboardInterrupt through the run's interrupt gate.
"use strict";
const pycageInput = (PROTOCOL, shared, ask, checkInterrupt) => {
  const { INPUT_AT, SLOT_INPUT_SEQ, SLOT_INPUT_STATE, SLOT_INPUT_LENGTH } = PROTOCOL;
  const decoder = new TextDecoder();
  let seq = 0; // requests so far; the shared memory names the current one
  const reader = (prompt) => {
    seq += 1;
    Atomics.store(shared, SLOT_INPUT_SEQ, seq);
    Atomics.store(shared, SLOT_INPUT_STATE, PROTOCOL.INPUT_WAITING);
    ask(seq, String(prompt));
    for (;;) {
      Atomics.wait(shared, SLOT_INPUT_STATE, PROTOCOL.INPUT_WAITING, 50);
      const state = Atomics.load(shared, SLOT_INPUT_STATE);
      if (state === PROTOCOL.INPUT_END) return undefined; // None in Python: end of input
      if (state === PROTOCOL.INPUT_LINE) {
        const length = Math.min(Math.max(Atomics.load(shared, SLOT_INPUT_LENGTH), 0), shared.buffer.byteLength - INPUT_AT);
        const bytes = new Uint8Array(length); // a copy: TextDecoder refuses shared memory
        bytes.set(new Uint8Array(shared.buffer, INPUT_AT, length));
        return decoder.decode(bytes);
      }
      checkInterrupt();
    }
  };
  // [reader, why there is none] for a run; undefined, not null, so that
  // Python gets None.
  return (wanted) => {
    if (!wanted) return [undefined, "this sandbox has no standard input (the host gave no onInput)"];
    if (!shared) {
      return [undefined, "input() needs a SharedArrayBuffer in the sandbox, which only a cross-origin-isolated page (COOP/COEP) has"];
    }
    return [reader, ""];
  };
};
