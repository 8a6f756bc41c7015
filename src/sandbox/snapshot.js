// pycage sandbox worker, the snapshot part (host.rs puts it in front of
// worker.js): booting from the page's memory snapshot without paying for it
// twice in memory.
//
// Pyodide restores a snapshot with one `HEAP8.set(snapshot)`: every page of
// the heap is written, so every page is resident, though about half of a
// fresh interpreter's heap is zeros that a full boot never touches (measured:
// 30 MiB snapshot, 52% zero pages). Its config keeps the snapshot's bytes
// for the interpreter's life, and an idle worker may not collect garbage
// for minutes. (The page sends a Blob, so the frame and the messages on the
// way never hold the bytes; see src/supervisor/snapshot.rs.)
"use strict";

// The snapshot's layout (API.makeSnapshot of Pyodide 314, pinned in package.json): u32 words
// [magic, heap offset, JSON length, 0, build id x8], the JSON, then the heap
// from `heap offset` (a multiple of 16) to the end.
const PYCAGE_PAGE = 4096;

/** Options for loadPyodide that boot from `snapshot` (a Blob: the page
 *  keeps one, and every boot reads its own copy), and drop it after. */
const pycageSnapshotOptions = (snapshot, createPyodideModule) => {
  let blob = snapshot;
  return {
    // A one-shot thenable, not the bytes: Pyodide awaits it once, and its
    // config (kept for the interpreter's life) then holds nothing.
    _loadSnapshot: {
      then(resolve, reject) {
        const taken = blob;
        blob = null;
        taken.arrayBuffer().then((buffer) => resolve(new Uint8Array(buffer)), reject);
      },
    },
    createPyodideModule: async (settings) => {
      const module = await createPyodideModule(settings);
      pycageSparseRestore(settings.API, module);
      return module;
    },
  };
};

/** Makes API.restoreSnapshot write only the pages that differ from the fresh
 *  heap's, so the zero pages stay untouched (and not resident). Anything
 *  unexpected leaves Pyodide's own restore in place. */
const pycageSparseRestore = (api, module) => {
  const restore = api && api.restoreSnapshot;
  if (typeof restore !== "function") return;
  api.restoreSnapshot = (snapshot) => {
    const words = snapshot.byteOffset % 4 === 0 && snapshot.byteLength >= 48
      ? new Uint32Array(snapshot.buffer, snapshot.byteOffset, 3)
      : null;
    const at = words ? words[1] : 0;
    const heap = module.HEAP8;
    const length = snapshot.byteLength - at;
    if (!words || at % 16 !== 0 || at < 48 || at > snapshot.byteLength || length > heap.byteLength) {
      return restore(snapshot);
    }
    // The header and JSON alone: Pyodide checks and parses them, and its
    // HEAP8.set of the (now empty) rest is a no-op.
    const state = restore(snapshot.subarray(0, at));
    pycageCopyPages(new Uint8Array(heap.buffer, 0, length), snapshot.subarray(at));
    pycageRelease([snapshot.buffer]); // Pyodide is done with it
    return state;
  };
};

/** Frees `buffers`' memory now rather than at the next GC, which an idle
 *  worker may not have for a long time: detaching an ArrayBuffer
 *  (transfer(0), where the engine has it) releases its backing store. */
const pycageRelease = (buffers) => {
  for (const buffer of buffers) {
    if (buffer instanceof ArrayBuffer && typeof buffer.transfer === "function" && !buffer.detached) buffer.transfer(0);
  }
};

/** Copies `from` into `to` (same length, 4-aligned), skipping each page that
 *  is zero in both. Runs of pages to write are copied in one call. */
const pycageCopyPages = (to, from) => {
  const src = new Uint32Array(from.buffer, from.byteOffset, from.byteLength >> 2);
  const dst = new Uint32Array(to.buffer, to.byteOffset, to.byteLength >> 2);
  const zero = (words, start, end) => {
    for (let i = start; i < end; i++) if (words[i] !== 0) return false;
    return true;
  };
  const step = PYCAGE_PAGE >> 2;
  let run = -1; // the first word of the pending run of pages to write
  for (let i = 0; i < src.length; i += step) {
    const end = Math.min(i + step, src.length);
    const skip = zero(src, i, end) && zero(dst, i, end);
    if (!skip && run < 0) run = i;
    if (skip && run >= 0) {
      dst.set(src.subarray(run, i), run);
      run = -1;
    }
  }
  if (run >= 0) dst.set(src.subarray(run), run);
  // A tail shorter than a word, if any.
  for (let b = src.length << 2; b < from.length; b++) to[b] = from[b];
};
