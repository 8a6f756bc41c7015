// pycage sandbox worker, the snapshot part (build.rs puts it in front of
// worker.js): booting from the page's memory snapshot without paying for it
// twice in memory.
//
// Pyodide restores a snapshot with one `HEAP8.set(snapshot)`: every page of
// the heap is written, so every page is resident, though about half of a
// fresh interpreter's heap is zeros that a full boot never touches (measured:
// 30 MiB snapshot, 52% zero pages). Its config keeps the snapshot's bytes
// for the interpreter's life, and an idle worker may not collect garbage
// for minutes. (The page sends a Blob, so the frame and the messages on the
// way never hold the bytes; see src/supervisor/page/snapshot.rs.) Here no buffer
// the size of the snapshot is ever made.
"use strict";

// The snapshot's layout (API.makeSnapshot of Pyodide 314, pinned in
// package.json): u32 words [magic, heap offset, JSON length, 0, build id x8],
// the JSON, then the heap from `heap offset` (a multiple of 16) to the end.
const PYCAGE_PAGE = 4096;
const PYCAGE_CHUNK = 4 * 1048576; // read from the Blob at a time

/** Options for loadPyodide that boot from `snapshot`, a Blob (the page keeps
 *  one; every boot reads its own copy). Pyodide gets the header and JSON
 *  alone, so its own restore writes nothing; the heap is streamed from the
 *  Blob into the new module's memory, a chunk at a time, before Pyodide
 *  reads it. Pyodide keeps nothing of it. A header that is not as expected
 *  leaves it all to Pyodide (which rejects what it cannot read). */
const pycageSnapshotOptions = (snapshot, createPyodideModule) => {
  let blob = snapshot;
  let heapAt = 0; // where the heap starts in the Blob; 0: Pyodide restores all
  return {
    // A thenable, not the bytes: Pyodide awaits it once, and its config
    // (kept for the interpreter's life) then holds nothing.
    _loadSnapshot: {
      then(resolve, reject) {
        pycageSnapshotHead(blob).then(([head, at]) => {
          heapAt = at;
          resolve(head);
        }, reject);
      },
    },
    createPyodideModule: async (settings) => {
      const source = blob;
      blob = null;
      if (!heapAt) return createPyodideModule(settings);
      settings.INITIAL_MEMORY = source.size - heapAt; // Pyodide set it from the header's length
      const module = await createPyodideModule(settings);
      await pycageStreamHeap(source.slice(heapAt), module);
      return module;
    },
  };
};

/** [the header and JSON, the heap's offset], or [the whole snapshot, 0]
 *  if its header is not as expected. */
const pycageSnapshotHead = async (blob) => {
  const words = new Uint32Array(await blob.slice(0, 48).arrayBuffer());
  const at = words.length === 12 ? words[1] : 0;
  const heap = blob.size - at;
  if (at < 48 || at % 16 !== 0 || heap <= 0 || heap % 65536 !== 0) {
    return [new Uint8Array(await blob.arrayBuffer()), 0];
  }
  return [new Uint8Array(await blob.slice(0, at).arrayBuffer()), at];
};

/** Copies the heap from `blob` into `module`'s memory, a chunk at a time,
 *  through one buffer: a byte stream's BYOB reader hands the same memory
 *  back each time. (Freed buffers would stay resident until the worker's
 *  next GC, which an idle worker may not have for minutes; detaching them
 *  does not free them sooner in V8.) Engines without BYOB on Blob streams
 *  read slices instead. */
const pycageStreamHeap = async (blob, module) => {
  let reader;
  try {
    reader = blob.stream().getReader({ mode: "byob" });
  } catch {
    for (let offset = 0; offset < blob.size; offset += PYCAGE_CHUNK) {
      const chunk = new Uint8Array(await blob.slice(offset, offset + PYCAGE_CHUNK).arrayBuffer());
      pycageCopyPages(new Uint8Array(module.HEAP8.buffer, offset, chunk.length), chunk);
    }
    return;
  }
  let buffer = new ArrayBuffer(PYCAGE_CHUNK);
  let filled = 0;
  let offset = 0;
  for (let done = false; !done; ) {
    const read = await reader.read(new Uint8Array(buffer, filled, PYCAGE_CHUNK - filled));
    done = read.done;
    if (read.value) {
      buffer = read.value.buffer; // the same memory, moved back to us
      filled += read.value.byteLength;
    }
    if (filled === PYCAGE_CHUNK || (done && filled)) {
      // A view of the heap fetched again each time: one goes stale if memory grows.
      pycageCopyPages(new Uint8Array(module.HEAP8.buffer, offset, filled), new Uint8Array(buffer, 0, filled));
      offset += filled;
      filled = 0;
    }
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
