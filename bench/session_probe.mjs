// Research probe for issue 26 ("Conversations that survive a reload"): how
// would a Python session be saved and restored, measured under Node with the
// real Pyodide 314 (docs/sessions-research.md has the findings).
//
//   python3 tests/fixtures/make_full_dist.py tests/fixtures/pyodide-wheels   # numpy
//   node bench/session_probe.mjs
//
// Prints a table and writes bench/results/session-probe.json. Scratch files go
// to build/session-probe/. Every boot, export and restore runs in a Node
// process of its own (this file, with --child), so its time and its peak RSS
// are its own; each is repeated REPEAT times and the median kept.
//
// Sessions run as pycage runs them: an interpreter booted from a boot
// snapshot (made as guest/worker.js makes it: capture runtime installed,
// before any user code), cells run through the capture runtime's start_cell
// (guest/_pycage), numpy loaded before the cell that imports it, files in
// /mnt/data. Two ways to save one:
//   (a) a memory snapshot of the live interpreter (Pyodide's
//       makeMemorySnapshot; the interpreter must run with _makeSnapshot),
//       plus the files of /mnt/data, which live in JS (MEMFS), not in the heap;
//   (b) the names of __main__ pickled (stdlib pickle), with the skipped ones
//       and why, plus the same files.
// Restores boot through guest/snapshot.js's own streaming copy (as the
// worker does), with the heap grown first when the session's heap is larger
// than a fresh one (Pyodide 314's own restore cannot do that: see the doc).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DIST = path.join(ROOT, "build", "full-pyodide") + "/";
const WORK = path.join(ROOT, "build", "session-probe");
const RESULTS = path.join(ROOT, "bench", "results", "session-probe.json");
const REPEAT = Number(process.env.PROBE_REPEAT || 3);
const WORK_DIR = "/mnt/data";
const PAGE64 = 65536;
const PAGE4 = 4096;

// ---- The sessions: cells, run in order, and checks (expressions whose repr
// is compared between the exporting interpreter and the restored one). ----

const SMALL_CELLS = [
  `x = 42\nname = "pycage"\nitems = [1, 2, 3]\ncfg = {"a": 1, "b": [2, 3]}`,
  `def make_counter(start):
    count = start
    def inc(step=1):
        nonlocal count
        count += step
        return count
    return inc
counter = make_counter(10)
counter()`,
  `class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y
    def norm2(self):
        return self.x ** 2 + self.y ** 2
p = Point(3, 4)
p.norm2()`,
];
const SMALL_CHECKS = [
  ["x", "x"],
  ["name", "name"],
  ["items", "items"],
  ["cfg", "cfg"],
  ["closure counter()", "counter()"],
  ["class instance p.norm2()", "p.norm2()"],
  ["isinstance(p, Point)", "isinstance(p, Point)"],
  ["new Point(1, 1).norm2()", "Point(1, 1).norm2()"],
];

const NUMPY_CELLS = [
  `import numpy as np
rng = np.random.default_rng(0)
noise = rng.standard_normal(625_000)          # 5 MB of float64, hardly compressible
ramp = np.arange(625_000, dtype=np.int64)     # 5 MB of int64, very compressible
label = "two arrays, 10 MB"`,
  `stats = {"mean": float(noise.mean()), "max": int(ramp.max())}\nstats`,
];
const NUMPY_CHECKS = [
  ["label", "label"],
  ["'numpy' in sys.modules", "__import__('sys').modules.get('numpy') is not None"],
  ["type(noise)", "type(noise).__name__"],
  ["noise.shape", "noise.shape"],
  ["noise.sum() (C code)", "round(float(noise.sum()), 6)"],
  ["ramp.sum()", "int(ramp.sum())"],
  ["np.linspace", "np.linspace(0, 1, 3).tolist()"],
  ["stats", "stats"],
];

const TWENTY_CELLS = [
  `import json, math, collections`,
  `data = {"users": [{"id": i, "name": f"user{i}"} for i in range(200)]}`,
  `text = "lorem ipsum dolor " * 500`,
  `squares = [i * i for i in range(1000)]`,
  `counts = collections.Counter(text.split())`,
  `gen = (i * 2 for i in range(10))\nfirst = next(gen)`,
  `double = lambda v: v * 2`,
  `def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nfib(15)`,
  `with open("notes.txt", "w") as f:\n    f.write("hello from run 9\\n" * 100)`,
  `from dataclasses import dataclass\n@dataclass\nclass Item:\n    name: str\n    qty: int\nitems = [Item(f"i{k}", k) for k in range(50)]`,
  `total = sum(i.qty for i in items)`,
  `import re\npattern = re.compile(r"user(\\d+)")`,
  `matches = [pattern.match(u["name"]).group(1) for u in data["users"][:10]]`,
  `nested = {"a": {"b": {"c": [1, 2, {"d": "e"}]}}}`,
  `s = set(range(100))\nfs = frozenset("abc")`,
  `top = sorted(data["users"], key=lambda u: -u["id"])[:3]`,
  `import datetime\nstamp = datetime.datetime(2024, 5, 1, 12, 30)`,
  `def outer():\n    secret = "closure"\n    return lambda: secret\nget_secret = outer()`,
  `blob = bytes(range(256)) * 40`,
  `summary = json.dumps({"total": total, "n": len(items)})\nsummary`,
];
const TWENTY_CHECKS = [
  ["dict data", "len(data['users'])"],
  ["str text", "len(text)"],
  ["list squares", "squares[-1]"],
  ["Counter counts", "counts['lorem']"],
  ["generator next(gen)", "next(gen)"],
  ["lambda double(21)", "double(21)"],
  ["function fib(10)", "fib(10)"],
  ["file notes.txt", "open('notes.txt').read()[:16]"],
  ["dataclass items[3]", "items[3]"],
  ["total", "total"],
  ["re pattern", "pattern.match('user7').group(1)"],
  ["matches", "matches"],
  ["nested", "nested"],
  ["set, frozenset", "(len(s), sorted(fs))"],
  ["top (sorted by lambda)", "top[0]['id']"],
  ["datetime stamp", "stamp.isoformat()"],
  ["closure lambda get_secret()", "get_secret()"],
  ["bytes blob", "len(blob)"],
  ["summary", "summary"],
  ["module math", "math.pi"],
];

const SESSIONS = {
  small: { cells: SMALL_CELLS, checks: SMALL_CHECKS, packages: [] },
  numpy: { cells: NUMPY_CELLS, checks: NUMPY_CHECKS, packages: ["numpy"] },
  twenty: { cells: TWENTY_CELLS, checks: TWENTY_CHECKS, packages: [] },
  // The small session's state after 200 more runs that leave nothing behind
  // but one int: does the saved session grow with the number of runs?
  small200: {
    cells: [...SMALL_CELLS, ...Array.from({ length: 200 }, (_, i) => `t = ${i}`)],
    checks: [...SMALL_CHECKS, ["t", "t"]],
    packages: [],
  },
};

// ---- Helpers shared by the children. ----

const median = (xs) => {
  const s = xs.filter((x) => typeof x === "number").sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};
const mib = (n) => (n == null ? "-" : `${(n / 1048576).toFixed(2)} MiB`);
const ms = (n) => (n == null ? "-" : `${Math.round(n)} ms`);
const ratio = (a, b) => (a == null || b == null ? "-" : `${(a / b).toFixed(2)}x`);
const maxRss = () => process.resourceUsage().maxRSS * 1024; // bytes
const timed = (fn) => {
  const t = performance.now();
  const value = fn();
  return [value, performance.now() - t];
};
const gzip = (bytes) => timed(() => gzipSync(bytes, { level: 6 }));

/** guest/snapshot.js, as build.rs runs it (a scope of its own), with its
 *  internal helpers exposed. */
function snapshotPart() {
  const source = readFileSync(path.join(ROOT, "guest", "snapshot.js"), "utf8");
  return new Function(`${source}\nreturn { pycageSnapshotOptions, pycageSnapshotHead, pycageStreamHeap };`)();
}

/** [header+JSON length, heap length] of a Pyodide 314 snapshot. */
function snapshotLayout(bytes) {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, 12);
  return { magic: words[0], heapAt: words[1], jsonBytes: words[2], heap: bytes.length - words[1] };
}

async function pyodideModules() {
  const { loadPyodide } = await import(pathToFileURL(DIST + "pyodide.mjs").href);
  const { default: createPyodideModule } = await import(pathToFileURL(DIST + "pyodide.asm.mjs").href);
  return { loadPyodide, createPyodideModule };
}

/** Options that boot from `snapshot` (a Blob) the way guest/snapshot.js does,
 *  except that the new module's memory is first grown to the snapshot's heap
 *  (a wasm memory starts at 30 MiB whatever INITIAL_MEMORY says). */
function snapshotBootOptions(snapshot, createPyodideModule) {
  const { pycageSnapshotHead, pycageStreamHeap } = snapshotPart();
  let heapAt = 0;
  return {
    _loadSnapshot: {
      then(resolve, reject) {
        pycageSnapshotHead(snapshot).then(([head, at]) => {
          heapAt = at;
          resolve(head);
        }, reject);
      },
    },
    createPyodideModule: async (settings) => {
      const module = await createPyodideModule(settings);
      if (!heapAt) return module;
      const heap = snapshot.size - heapAt;
      if (heap > module.HEAP8.length) module.growMemory(heap);
      await pycageStreamHeap(snapshot.slice(heapAt), module);
      return module;
    },
  };
}

/** The capture runtime, installed as guest/worker.js installs it. */
function installRuntime(py) {
  py.FS.mkdirTree("/lib/pycage/_pycage");
  const dir = path.join(ROOT, "guest", "_pycage");
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".py"))) {
    py.FS.writeFile(`/lib/pycage/_pycage/${name}`, readFileSync(path.join(dir, name), "utf8"));
  }
  py.FS.mkdirTree(WORK_DIR);
  const capture = py.runPython("import sys; sys.path.insert(0, '/lib/pycage'); import _pycage; _pycage");
  capture.install();
  py.runPython(`import os; os.chdir(${JSON.stringify(WORK_DIR)})`);
  return capture;
}

/** One cell through the capture runtime, as worker.js's `run` does it. */
async function runCell(py, capture, code) {
  const emit = (event) => {
    event.toJs({ dict_converter: Object.fromEntries });
    event.destroy();
  };
  py.runPython(`import os; os.chdir(${JSON.stringify(WORK_DIR)})`);
  let result = capture.start_cell(code, emit, "png", null, 1 << 20, null, "no input");
  if (result.type !== "dict") {
    const pending = result;
    result = await pending;
    pending.destroy();
  }
  const done = result.toJs({ dict_converter: Object.fromEntries });
  result.destroy();
  if (done.status !== "ok") throw new Error(`cell failed: ${JSON.stringify(done.error).slice(0, 500)}`);
}

/** The files under /mnt/data: [[path, bytes], ...]. */
function readWorkFiles(py) {
  const out = [];
  const walk = (dir) => {
    for (const name of py.FS.readdir(dir)) {
      if (name === "." || name === "..") continue;
      const p = `${dir}/${name}`;
      const st = py.FS.lstat(p);
      if (py.FS.isDir(st.mode)) walk(p);
      else if (py.FS.isFile(st.mode)) out.push([p, py.FS.readFile(p)]);
    }
  };
  walk(WORK_DIR);
  return out;
}

function writeWorkFiles(py, files) {
  for (const [p, bytes] of files) {
    py.FS.mkdirTree(path.posix.dirname(p));
    py.FS.writeFile(p, bytes);
  }
}

/** Files as one byte string: [u32 count, (u32 path length, path, u32 size, bytes)*]. */
function packFiles(files) {
  const enc = new TextEncoder();
  const parts = [];
  const head = new Uint32Array([files.length]);
  parts.push(new Uint8Array(head.buffer));
  for (const [p, bytes] of files) {
    const name = enc.encode(p);
    parts.push(new Uint8Array(new Uint32Array([name.length]).buffer), name);
    parts.push(new Uint8Array(new Uint32Array([bytes.length]).buffer), bytes);
  }
  return Buffer.concat(parts);
}

function unpackFiles(buf) {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dec = new TextDecoder();
  let at = 0;
  const u32 = () => {
    const v = view.getUint32(at, true);
    at += 4;
    return v;
  };
  const files = [];
  for (let n = u32(); n > 0; n--) {
    const len = u32();
    const p = dec.decode(buf.subarray(at, at + len));
    at += len;
    const size = u32();
    files.push([p, buf.subarray(at, at + size)]);
    at += size;
  }
  return files;
}

/** Evaluates each check in __main__; a fatal interpreter error ends the rest. */
function runChecks(py, checks) {
  const out = {};
  let dead = null;
  for (const [label, expr] of checks) {
    if (dead) {
      out[label] = `not run: ${dead}`;
      continue;
    }
    try {
      out[label] = py.runPython(`repr(${expr})`);
    } catch (err) {
      const text = String((err && err.message) || err);
      const last = text.trim().split("\n").pop().slice(0, 200);
      if (/fatal|table index|unreachable|memory access out of bounds/i.test(text)) dead = `interpreter died (${last})`;
      out[label] = `error: ${dead || last}`;
    }
  }
  return out;
}

// Saving a namespace with the stdlib's pickle: each name alone first, so one
// that cannot be saved is named with its reason, then the kept ones together
// (so shared references stay shared). A function or class defined in a cell
// pickles by name (`__main__.fib`), which a fresh interpreter does not have:
// reducer_override sees every function and class pickled and such names are
// skipped too, with the names they refer to.
const PICKLE_PY = `
import importlib, io, pickle, sys, types

class _Finder(pickle.Pickler):
    def __init__(self, file):
        super().__init__(file, protocol=5)
        self.main_refs = set()
    def reducer_override(self, obj):
        if isinstance(obj, (type, types.FunctionType)) and getattr(obj, "__module__", None) == "__main__":
            self.main_refs.add(obj.__qualname__)
        return NotImplemented

def export_namespace(path):
    main = sys.modules["__main__"].__dict__
    keep, modules, skipped = {}, {}, []
    for name, value in list(main.items()):
        if name.startswith("__") and name.endswith("__"):
            continue
        if isinstance(value, types.ModuleType):
            modules[name] = value.__name__
            continue
        finder = _Finder(io.BytesIO())
        try:
            finder.dump(value)
        except Exception as exc:
            skipped.append([name, type(value).__name__, f"{type(exc).__name__}: {exc}"[:200]])
            continue
        if finder.main_refs:
            refs = ", ".join(sorted(finder.main_refs))
            skipped.append([name, type(value).__name__, f"needs {refs}, defined in a cell (pickle saves functions and classes by name)"])
            continue
        keep[name] = value
    with open(path, "wb") as f:
        pickle.dump({"values": keep, "modules": modules}, f, protocol=5)
    return {"kept": sorted(keep), "modules": modules, "skipped": skipped}

def import_namespace(path):
    with open(path, "rb") as f:
        state = pickle.load(f)
    main = sys.modules["__main__"].__dict__
    for name, module in state["modules"].items():
        main[name] = importlib.import_module(module)
    main.update(state["values"])
`;

// ---- The children. ----

/** Full boot in snapshot-making mode, as the page's maker does; the first
 *  one writes build/session-probe/boot.snap. */
async function childMakeBoot({ write }) {
  const t0 = performance.now();
  const { loadPyodide } = await pyodideModules();
  const py = await loadPyodide({ indexURL: DIST, _makeSnapshot: true });
  py.runPython("1+1");
  const firstMs = performance.now() - t0;
  installRuntime(py);
  const readyMs = performance.now() - t0;
  const [snap, snapMs] = timed(() => py.makeMemorySnapshot());
  if (write) writeFileSync(path.join(WORK, "boot.snap"), snap);
  const [gz, gzMs] = gzip(snap);
  return {
    firstMs,
    readyMs,
    snapshotMs: snapMs,
    bytes: snap.length,
    gzipBytes: gz.length,
    gzipMs: gzMs,
    layout: snapshotLayout(snap),
    buildId: py._api.config.BUILD_ID,
    version: py.version,
    zeroPages4k: zeroPages(snap.subarray(snapshotLayout(snap).heapAt), PAGE4),
    maxRss: maxRss(),
  };
}

function zeroPages(heap, size) {
  const words = new Uint32Array(heap.buffer, heap.byteOffset, heap.byteLength >> 2);
  const step = size >> 2;
  let zero = 0;
  for (let i = 0; i < words.length; i += step) {
    let z = true;
    for (let j = i; j < i + step; j++) if (words[j]) { z = false; break; }
    if (z) zero++;
  }
  return { zero, pages: Math.ceil(words.length / step) };
}

/** Boot from a snapshot file to the first 1+1, then ready (capture runtime,
 *  files); `kind` "snapshot" restores a session's memory, "pickle" a boot
 *  snapshot plus the pickled namespace, "boot" the boot snapshot alone. */
async function childRestore({ kind, session, makeSnapshot }) {
  const snapFile = kind === "snapshot" ? `${session}.snap` : "boot.snap";
  const bytes = readFileSync(path.join(WORK, snapFile));
  const blob = new Blob([bytes]);
  const extra = session ? JSON.parse(readFileSync(path.join(WORK, `${session}.json`), "utf8")) : null;
  const filesBuf = session ? readFileSync(path.join(WORK, `${session}.files`)) : null;
  const pickled = kind === "pickle" ? readFileSync(path.join(WORK, `${session}.pickle`)) : null;
  const rssBefore = maxRss();
  const t0 = performance.now();
  const { loadPyodide, createPyodideModule } = await pyodideModules();
  const options = { indexURL: DIST, ...snapshotBootOptions(blob, createPyodideModule) };
  if (makeSnapshot) options._makeSnapshot = true;
  // The JS objects the export's serializer stored as null (old runs' `emit`
  // callbacks) come back as a function that says so.
  options._snapshotDeserializer = () => function lostInRestore() {
    throw new Error("a JS object held by Python did not survive the session's restore");
  };
  const py = await loadPyodide(options);
  py.runPython("1+1");
  const firstMs = performance.now() - t0;
  let capture;
  const steps = {};
  const mark = (name) => (steps[name] = performance.now() - t0);
  const out = { kind, session, makeSnapshot: !!makeSnapshot, firstMs, steps };
  if (kind === "snapshot") {
    // The heap has _pycage imported already; only its files are gone (MEMFS).
    capture = installRuntime(py);
    for (const name of extra.packages) py.loadedPackages[name] = "session"; // the JS side's list, emptied for the export
    writeWorkFiles(py, unpackFiles(filesBuf));
  } else {
    capture = installRuntime(py);
    py.runPython("import random; random.seed()");
    mark("runtime");
    if (kind === "pickle") {
      if (extra.packages.length) await py.loadPackage(extra.packages, { messageCallback: () => {} });
      mark("packages");
      writeWorkFiles(py, unpackFiles(filesBuf));
      py.FS.writeFile("/tmp/session.pickle", pickled);
      mark("files");
      const ns = py.toPy({});
      py.runPython(PICKLE_PY, { globals: ns });
      mark("pickle imported");
      ns.get("import_namespace")("/tmp/session.pickle");
      ns.destroy();
      mark("unpickled");
    }
  }
  await runCell(py, capture, "1 + 1");
  mark("cell 1+1");
  out.readyMs = performance.now() - t0;
  out.heapBytes = py._module.HEAP8.length;
  out.maxRss = maxRss();
  out.rssBeforeBoot = rssBefore;
  if (session) {
    out.checks = runChecks(py, SESSIONS[session].checks);
  }
  return out;
}

/** Builds a session from the boot snapshot (in snapshot-making mode, as a
 *  session-capable interpreter would have to run), exports it both ways,
 *  then records the expected values of the checks. */
async function childSession({ session }) {
  const spec = SESSIONS[session];
  const bootBytes = readFileSync(path.join(WORK, "boot.snap"));
  const { loadPyodide, createPyodideModule } = await pyodideModules();
  const py = await loadPyodide({ indexURL: DIST, _makeSnapshot: true, ...snapshotBootOptions(new Blob([bootBytes]), createPyodideModule) });
  const capture = installRuntime(py);
  py.runPython("import random; random.seed()");
  const t0 = performance.now();
  for (const [i, code] of spec.cells.entries()) {
    if (i === 0 && spec.packages.length) await py.loadPackage(spec.packages, { messageCallback: () => {} });
    await runCell(py, capture, code);
  }
  const out = { session, runs: spec.cells.length, runMs: performance.now() - t0, heapBytes: py._module.HEAP8.length };

  // (a) The memory snapshot. First as Pyodide allows it, to record what stops it.
  const a = {};
  try {
    py.makeMemorySnapshot();
    a.plain = "ok";
  } catch (err) {
    a.plain = String(err.message).split("\n")[0];
  }
  // Pyodide refuses once loadPackage ran (its hiwire slot 6, loadedPackages,
  // must be {}), and refuses JS objects Python holds that are not reached
  // by a path from globalThis: the serializer names them and stores null.
  const loaded = { ...py.loadedPackages };
  const jsRefs = [];
  const serializer = (obj) => {
    jsRefs.push(`${typeof obj} ${(obj && obj.constructor && obj.constructor.name) || ""} ${typeof obj === "function" ? obj.name : ""}`.trim());
    return null;
  };
  // A slot of the hiwire table that was never used reads as undefined, and
  // Pyodide refuses the whole snapshot for it ("Unexpected object of type
  // undefined"): such slots are set to null, as a freed slot reads.
  let unsetSlots = 0;
  const fillUnsetSlots = () => {
    for (let i = 0; ; i++) {
      let v;
      try {
        v = py._module.__hiwire_get(i);
      } catch {
        break;
      }
      if (v === undefined) {
        py._module.__hiwire_set(i, null);
        unsetSlots++;
      }
    }
  };
  const exportOnce = () => {
    for (const k of Object.keys(py.loadedPackages)) delete py.loadedPackages[k];
    fillUnsetSlots();
    try {
      return py.makeMemorySnapshot({ serializer });
    } finally {
      Object.assign(py.loadedPackages, loaded);
    }
  };
  const rssBeforeExport = maxRss();
  const times = [];
  let snap;
  for (let i = 0; i < REPEAT; i++) {
    jsRefs.length = 0;
    const [s, t] = timed(exportOnce);
    snap = s;
    times.push(t);
  }
  const [files, filesMs] = timed(() => packFiles(readWorkFiles(py)));
  const [gz, gzMs] = gzip(snap);
  const [gzFiles] = gzip(files);
  a.jsRefs = jsRefs;
  a.unsetSlots = unsetSlots;
  // The capture runtime's old runs (each _Run holds its `emit`) are cyclic
  // garbage: how many JS objects are left after a collection?
  py.runPython("import gc as _gc; _gc.collect(); del _gc");
  jsRefs.length = 0;
  exportOnce();
  a.jsRefsAfterGc = jsRefs.length;
  a.exportMs = median(times);
  a.filesMs = filesMs;
  a.bytes = snap.length;
  a.filesBytes = files.length;
  a.gzipBytes = gz.length + gzFiles.length;
  a.gzipMs = gzMs;
  a.maxRssAfterExport = maxRss();
  a.rssBeforeExport = rssBeforeExport;
  a.layout = snapshotLayout(snap);
  a.delta = delta(bootBytes, snap);
  writeFileSync(path.join(WORK, `${session}.snap`), snap);
  writeFileSync(path.join(WORK, `${session}.files`), files);
  writeFileSync(path.join(WORK, `${session}.json`), JSON.stringify({ packages: Object.keys(loaded) }));
  out.a = a;

  // (b) The namespace, pickled.
  const ns = py.toPy({});
  py.runPython(PICKLE_PY, { globals: ns });
  const exportNs = ns.get("export_namespace");
  const b = {};
  const btimes = [];
  let report;
  for (let i = 0; i < REPEAT; i++) {
    const t = performance.now();
    const r = exportNs("/tmp/session.pickle");
    const bytes = py.FS.readFile("/tmp/session.pickle");
    btimes.push(performance.now() - t);
    report = r.toJs({ dict_converter: Object.fromEntries });
    r.destroy();
    b.bytes = bytes.length;
    writeFileSync(path.join(WORK, `${session}.pickle`), bytes);
    if (i === REPEAT - 1) {
      const [pgz, pgzMs] = gzip(bytes);
      b.gzipBytes = pgz.length + gzFiles.length;
      b.gzipMs = pgzMs;
    }
  }
  exportNs.destroy();
  ns.destroy();
  b.exportMs = median(btimes);
  b.filesBytes = files.length;
  b.kept = report.kept;
  b.modules = report.modules;
  b.skipped = report.skipped;
  out.b = b;
  out.expected = runChecks(py, spec.checks);
  out.maxRss = maxRss();
  return out;
}

/** How much of a session's heap differs from the boot snapshot's. */
function delta(bootSnap, sessionSnap) {
  const boot = bootSnap.subarray(snapshotLayout(bootSnap).heapAt);
  const heap = sessionSnap.subarray(snapshotLayout(sessionSnap).heapAt);
  const result = {};
  for (const size of [PAGE64, PAGE4]) {
    const pages = Math.ceil(heap.length / size);
    const changed = [];
    const t = performance.now();
    for (let p = 0; p < pages; p++) {
      const a = heap.subarray(p * size, (p + 1) * size);
      const b = p * size < boot.length ? boot.subarray(p * size, (p + 1) * size) : null;
      if (!b || Buffer.compare(a, b) !== 0) changed.push(p);
    }
    const body = Buffer.concat(changed.map((p) => heap.subarray(p * size, (p + 1) * size)));
    const [gz] = gzip(body);
    result[size === PAGE64 ? "p64k" : "p4k"] = {
      pages,
      changed: changed.length,
      beyondBoot: Math.max(0, pages - Math.ceil(boot.length / size)),
      bytes: body.length,
      gzipBytes: gz.length,
      ms: performance.now() - t,
    };
  }
  return result;
}

/** What snapshot-making mode does to JS proxies, and which JS objects held by
 *  Python stop an export. */
async function childJsProxies() {
  const bootBytes = readFileSync(path.join(WORK, "boot.snap"));
  const { loadPyodide, createPyodideModule } = await pyodideModules();
  const boot = (make) =>
    loadPyodide({ indexURL: DIST, ...(make ? { _makeSnapshot: true } : {}), ...snapshotBootOptions(new Blob([bootBytes]), createPyodideModule) });
  const maker = await boot(true);
  const normal = await boot(false);
  const holds = [
    ["import js (module)", "import js", "js"],
    ["js.Math (a global)", "m = js.Math", "m"],
    ["js.Math.max (bound)", "mx = js.Math.max", "mx"],
    ["js.Object.new()", "o = js.Object.new()", "o"],
    ["js.JSON.parse('{}')", "jp = js.JSON.parse('{}')", "jp"],
    ["to_js({'a': 1})", "from pyodide.ffi import to_js\nt = to_js({'a': 1})", "t"],
    ["create_proxy(f)", "from pyodide.ffi import create_proxy\ncp = create_proxy(lambda: 1)", "cp"],
    ["js.Promise.resolve(1)", "pr = js.Promise.resolve(1)", "pr"],
  ];
  const holding = [];
  for (const [label, code, name] of holds) {
    maker.runPython(`import js\n${code}`);
    let verdict;
    try {
      maker.makeMemorySnapshot();
      verdict = "ok";
    } catch (err) {
      verdict = String(err.message).split("\n")[0];
    }
    let after;
    try {
      maker.runPython(`del ${name}\nimport gc; gc.collect()`);
      maker.makeMemorySnapshot();
      after = "ok after del";
    } catch (err) {
      after = `after del: ${String(err.message).split("\n")[0]}`;
    }
    holding.push({ label, export: verdict, after });
  }
  const probes = [
    ["js.Math.max == js.Math.max", "import js\njs.Math.max == js.Math.max"],
    ["js.Math is js.Math", "import js\njs.Math is js.Math"],
    ["js.Object.getPrototypeOf(js.Math) == js.Object.prototype", "import js\njs.Object.getPrototypeOf(js.Math) == js.Object.prototype"],
    ["js.Array.isArray(js.Array.new())", "import js\njs.Array.isArray(js.Array.new())"],
    ["js.Math.constructor.name", "import js\njs.Math.constructor.name"],
    ["js.Object.keys(js.Math).length", "import js\njs.Object.keys(js.Math).length"],
    ["type(js.Math.max).__name__", "import js\ntype(js.Math.max).__name__"],
  ];
  const behaviour = [];
  for (const [label, code] of probes) {
    const run = (py) => {
      try {
        return String(py.runPython(code));
      } catch (err) {
        return `error: ${String(err.message).trim().split("\n").pop().slice(0, 120)}`;
      }
    };
    behaviour.push({ label, normal: run(normal), makeSnapshot: run(maker) });
  }
  const speed = (py) => {
    const t = performance.now();
    py.runPython("import js\nfor _ in range(20000): js.Math.PI");
    return performance.now() - t;
  };
  const timing = { normalMs: median([speed(normal), speed(normal), speed(normal)]), makeSnapshotMs: median([speed(maker), speed(maker), speed(maker)]) };
  return { holding, behaviour, timing };
}

/** What Pyodide does with snapshots that are not what they claim. */
async function childMalformed() {
  const bootBytes = readFileSync(path.join(WORK, "boot.snap"));
  const { loadPyodide, createPyodideModule } = await pyodideModules();
  const layout = snapshotLayout(bootBytes);
  const variants = {
    "build id changed": (b) => {
      b[20] ^= 0xff;
    },
    "bad magic": (b) => {
      b[0] ^= 0xff;
    },
    "heap cut short (not whole 64 KiB pages)": null,
    "JSON names another global (hiwire path [\"process\", \"exit\"])": (b) => {
      const json = JSON.parse(new TextDecoder().decode(b.subarray(48, 48 + layout.jsonBytes)));
      json.hiwireKeys.push({ path: ["process", "exit"] });
      const text = new TextEncoder().encode(JSON.stringify(json));
      if (text.length > layout.heapAt - 48) throw new Error("no room");
      b.fill(0x20, 48, layout.heapAt);
      b.set(text, 48);
      new Uint32Array(b.buffer, b.byteOffset, 12)[2] = text.length;
    },
  };
  const out = {};
  for (const [label, edit] of Object.entries(variants)) {
    let bytes = Buffer.from(bootBytes);
    if (edit) edit(bytes);
    else bytes = bytes.subarray(0, bytes.length - 1000);
    const t = performance.now();
    try {
      const py = await loadPyodide({ indexURL: DIST, ...snapshotBootOptions(new Blob([bytes]), createPyodideModule) });
      out[label] = `booted (${py.runPython("1+1")}) in ${Math.round(performance.now() - t)} ms`;
    } catch (err) {
      out[label] = `refused in ${Math.round(performance.now() - t)} ms: ${String(err.message).split("\n")[0].slice(0, 150)}`;
    }
  }
  return out;
}

const CHILDREN = { makeBoot: childMakeBoot, restore: childRestore, session: childSession, jsProxies: childJsProxies, malformed: childMalformed };

// ---- The driver. ----

function child(task, args = {}) {
  const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", JSON.stringify({ task, ...args })], {
    encoding: "utf8",
    maxBuffer: 64 * 1048576,
  });
  const line = run.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) {
    const tail = `${run.stdout}\n${run.stderr}`.trim().split("\n").slice(-8).join("\n").slice(0, 2000);
    return { error: `child ${task} failed (exit ${run.status}): ${tail}` };
  }
  return JSON.parse(line.slice(7));
}

function repeat(task, args) {
  const runs = [];
  for (let i = 0; i < REPEAT; i++) {
    const r = child(task, args);
    runs.push(r);
    process.stderr.write(".");
  }
  const pick = (k) => median(runs.map((r) => r[k]));
  return { firstMs: pick("firstMs"), readyMs: pick("readyMs"), maxRss: pick("maxRss"), heapBytes: pick("heapBytes"), runs };
}

function compare(expected, got) {
  const out = {};
  for (const [k, v] of Object.entries(expected || {})) {
    const g = got ? got[k] : undefined;
    out[k] = g === v ? "same" : `${g ?? "missing"} (expected ${v})`;
  }
  return out;
}

async function main() {
  if (!existsSync(DIST + "pyodide.mjs")) {
    console.error("session_probe: build/full-pyodide is missing; run\n  python3 tests/fixtures/make_full_dist.py tests/fixtures/pyodide-wheels");
    process.exit(2);
  }
  mkdirSync(WORK, { recursive: true });
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  const started = Date.now();
  process.stderr.write("full boots (making the boot snapshot)");
  const fullBoots = [];
  for (let i = 0; i < REPEAT; i++) {
    fullBoots.push(child("makeBoot", { write: i === 0 }));
    process.stderr.write(".");
  }
  if (fullBoots[0].error) throw new Error(fullBoots[0].error);
  const boot = { ...fullBoots[0], firstMs: median(fullBoots.map((b) => b.firstMs)), readyMs: median(fullBoots.map((b) => b.readyMs)) };
  process.stderr.write("\nboot from the boot snapshot");
  const baseline = repeat("restore", { kind: "boot" });
  const baselineMaking = repeat("restore", { kind: "boot", makeSnapshot: true });
  const sessions = {};
  for (const name of Object.keys(SESSIONS)) {
    process.stderr.write(`\nsession ${name}`);
    const made = child("session", { session: name });
    if (made.error) {
      sessions[name] = { error: made.error };
      continue;
    }
    const snap = repeat("restore", { kind: "snapshot", session: name, makeSnapshot: true });
    const pickled = repeat("restore", { kind: "pickle", session: name, makeSnapshot: true });
    const checksOf = (r) => (r.runs.find((x) => x.checks) || {}).checks;
    sessions[name] = {
      made,
      restoreSnapshot: { ...snap, checks: compare(made.expected, checksOf(snap)) },
      restorePickle: { ...pickled, checks: compare(made.expected, checksOf(pickled)) },
    };
  }
  process.stderr.write("\njs proxies, malformed snapshots\n");
  const jsProxies = child("jsProxies");
  const malformed = child("malformed");
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    pyodide: boot.version,
    buildId: boot.buildId,
    repeat: REPEAT,
    note: "Node, not a browser; a 2-core machine shared with other builds and browser tests. Medians of REPEAT runs, each in its own process.",
    seconds: Math.round((Date.now() - started) / 1000),
    fullBoot: boot,
    bootFromSnapshot: baseline,
    bootFromSnapshotMakingMode: baselineMaking,
    sessions,
    jsProxies,
    malformed,
  };
  writeFileSync(RESULTS, JSON.stringify(result, null, 2) + "\n");
  printTable(result);
}

function printTable(r) {
  const base = r.bootFromSnapshot.firstMs;
  const baseReady = r.bootFromSnapshot.readyMs;
  console.log(`\nPyodide ${r.pyodide} under Node ${r.node}, median of ${r.repeat} (busy 2-core machine)\n`);
  console.log(`full boot to 1+1: ${ms(r.fullBoot.firstMs)}; boot snapshot ${mib(r.fullBoot.bytes)} raw, ${mib(r.fullBoot.gzipBytes)} gzip`);
  console.log(`boot from the boot snapshot: 1+1 at ${ms(base)}, ready at ${ms(baseReady)} (in snapshot-making mode: ${ms(r.bootFromSnapshotMakingMode.firstMs)}, ${ms(r.bootFromSnapshotMakingMode.readyMs)})\n`);
  const rows = [["session", "way", "export", "raw", "gzip", "restore 1+1", "ready", "x boot", "peak RSS", "state kept"]];
  for (const [name, s] of Object.entries(r.sessions)) {
    if (s.error) {
      rows.push([name, s.error.slice(0, 60)]);
      continue;
    }
    const kept = (checks) => {
      const v = Object.values(checks || {});
      return `${v.filter((x) => x === "same").length}/${v.length}`;
    };
    const a = s.made.a;
    const b = s.made.b;
    rows.push([name, "(a) memory", ms(a.exportMs), mib(a.bytes + a.filesBytes), mib(a.gzipBytes), ms(s.restoreSnapshot.firstMs), ms(s.restoreSnapshot.readyMs), ratio(s.restoreSnapshot.readyMs, baseReady), mib(s.restoreSnapshot.maxRss), kept(s.restoreSnapshot.checks)]);
    rows.push(["", "(a) delta 64K", "", mib(a.delta.p64k.bytes), mib(a.delta.p64k.gzipBytes), "", "", "", "", `${a.delta.p64k.changed}/${a.delta.p64k.pages} pages`]);
    rows.push(["", "(b) pickle", ms(b.exportMs), mib(b.bytes + b.filesBytes), mib(b.gzipBytes), ms(s.restorePickle.firstMs), ms(s.restorePickle.readyMs), ratio(s.restorePickle.readyMs, baseReady), mib(s.restorePickle.maxRss), kept(s.restorePickle.checks)]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i] ?? "").length)));
  for (const row of rows) console.log(row.map((c, i) => String(c ?? "").padEnd(widths[i])).join("  "));
  console.log(`\n(written to ${path.relative(ROOT, RESULTS)})`);
}

if (process.argv[2] === "--child") {
  const { task, ...args } = JSON.parse(process.argv[3]);
  const result = await CHILDREN[task](args);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
} else {
  await main();
}
