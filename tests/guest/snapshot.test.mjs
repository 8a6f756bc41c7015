// guest/snapshot.js under Node against real Pyodide (from npm): a boot
// from a snapshot Blob restores the interpreter's state, Pyodide is handed
// only the header (so a Pyodide whose snapshot layout changed fails here,
// not silently in memory), its config keeps no bytes, and the page copy
// writes every non-zero page whatever the heap held before.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { loadPyodide } from "pyodide";
// Not in the package's exports map: by path, as the worker gets it by bytes.
import createPyodideModule from "../../node_modules/pyodide/pyodide.asm.mjs";

const source = readFileSync(new URL("../../guest/snapshot.js", import.meta.url), "utf8");
const { pycageSnapshotOptions, pycageCopyPages } = new Function(
  `${source}\nreturn { pycageSnapshotOptions, pycageCopyPages };`,
)();

test("a boot from a snapshot Blob restores the state, and Pyodide keeps no bytes", async () => {
  const maker = await loadPyodide({ _makeSnapshot: true });
  maker.runPython("made_before = 41");
  const snapshot = maker.makeMemorySnapshot();
  const options = pycageSnapshotOptions(new Blob([snapshot]), createPyodideModule);
  const given = await new Promise((resolve, reject) => options._loadSnapshot.then(resolve, reject));
  assert.ok(given.length < 1048576, `Pyodide gets the header and JSON only, not ${given.length} bytes`);

  const booted = await loadPyodide(pycageSnapshotOptions(new Blob([snapshot]), createPyodideModule));
  assert.equal(booted.runPython("made_before + 1"), 42);
  assert.equal(booted.runPython("import statistics; statistics.mean([1, 2, 3])"), 2);
  assert.equal(booted._module.HEAP8.length, snapshot.length - given.length);
  const kept = booted._api.config._loadSnapshot;
  assert.ok(!ArrayBuffer.isView(kept) && !(kept instanceof ArrayBuffer), "the config holds no snapshot bytes");
});

test("a snapshot that is not one is left to Pyodide, which refuses it", async () => {
  const options = pycageSnapshotOptions(new Blob([new Uint8Array(4096)]), createPyodideModule);
  await assert.rejects(loadPyodide(options), /invalid magic number/);
});

test("the page copy writes every page that is not zero in both", () => {
  const page = 4096;
  const pages = 64;
  const from = new Uint8Array(pages * page + 3); // and a tail shorter than a word
  const to = new Uint8Array(from.length);
  for (let p = 0; p < pages; p++) {
    if (p % 3 === 0) from[p * page + (p % page)] = p + 1; // some pages carry data
    if (p % 5 === 0) to[p * page + 7] = 0xee; // the fresh heap is not all zeros
  }
  from[from.length - 1] = 9;
  pycageCopyPages(to, from);
  assert.deepEqual(to, from);
});
