// pycage sandbox worker, the input() part (host.rs puts it in front of
// worker.js). Python's input() blocks this thread on the memory shared with
// the page (layout: src/supervisor/shared_buffer.rs) until the page answers,
// waking every 50 ms so that an interrupt (the deadline, a cancel) raises
// KeyboardInterrupt through the run's interrupt gate.
"use strict";
const pycageInput = (shared, ask, checkInterrupt) => {
  const INPUT_AT = 24;
  const decoder = new TextDecoder();
  let seq = 0; // requests so far; the shared memory names the current one
  const reader = (prompt) => {
    seq += 1;
    Atomics.store(shared, 5, seq);
    Atomics.store(shared, 3, 0);
    ask(seq, String(prompt));
    for (;;) {
      Atomics.wait(shared, 3, 0, 50);
      const state = Atomics.load(shared, 3);
      if (state === 2) return undefined; // None in Python: end of input
      if (state === 1) {
        const length = Math.min(Math.max(Atomics.load(shared, 4), 0), shared.buffer.byteLength - INPUT_AT);
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
