// The benchmark page: the same measurements for pycage and for the baseline
// (plain Pyodide in a plain module worker), called by bench/run.mjs through
// `window.bench`. Every function returns milliseconds or plain numbers.
import init, { Sandbox, setMaxLiveInterpreters } from "../pkg/pycage.js";
import { SESSIONS } from "./session-cells.js";

const INDEX_URL = new URL("../node_modules/pyodide/", location.href).href;
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class Baseline {
  static async boot(fromBytes = false) {
    const worker = new Worker(new URL("baseline-worker.js", import.meta.url), { type: "module" });
    const baseline = new Baseline(worker);
    await new Promise((resolve) => {
      baseline.onReady = resolve;
      worker.postMessage({ type: "boot", indexURL: INDEX_URL, fromBytes });
    });
    return baseline;
  }
  constructor(worker) {
    this.worker = worker;
    this.nextId = 1;
    this.waiting = new Map();
    this.onStdout = null;
    worker.onmessage = ({ data }) => {
      if (data.type === "stdout") this.onStdout?.(data.text);
      else if (data.type === "ready") this.onReady();
      else {
        this.waiting.get(data.id)?.(data);
        this.waiting.delete(data.id);
      }
    };
  }
  run(code) {
    return this.call({ type: "run", code });
  }
  /** Plain `FS.writeFile` in the worker, the buffer transferred. */
  writeFile(path, data) {
    return this.call({ type: "writeFile", path, data }, [data.buffer]);
  }
  /** Plain `FS.readFile` in the worker, the bytes transferred back. */
  async readFile(path) {
    const reply = await this.call({ type: "readFile", path });
    if (reply.error) throw new Error(reply.error);
    return reply.result;
  }
  call(message, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }
}

let wasm = null; // pycage's wasm exports (for its memory size)
const impl = {}; // "pycage" | "baseline" -> { run(code, opts) }

function use(name, target) {
  impl[name] = name === "baseline"
    ? { run: (code) => target.run(code), target }
    : { run: (code, opts) => target.runPython(code, opts), target };
}

const held = []; // instances kept alive by createMany

async function checkTarget(kind, target) {
  const ex = await (kind === "baseline" ? target.run("1+1") : target.runPython("1+1"));
  const value = kind === "baseline" ? ex.result : ex.result?.["text/plain"];
  if (String(value) !== "2") throw new Error(`${kind}: 1+1 gave ${JSON.stringify(ex)}`);
}

async function check(name) {
  const ex = await impl[name].run("1+1");
  const value = name === "baseline" ? ex.result : ex.result?.["text/plain"];
  if (String(value) !== "2") throw new Error(`${name}: 1+1 gave ${JSON.stringify(ex)}`);
}

const PNG = `import zlib, struct
def png(w, h):
    def chunk(k, d): return struct.pack('>I', len(d)) + k + d + struct.pack('>I', zlib.crc32(k + d))
    row = b'\\x00' + bytes(x % 251 for x in range(w * 3))
    raw = b''.join(row for _ in range(h))
    header = struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)
    return b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', header) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
class Img:
    def __init__(self, data): self.data = data
    def _repr_png_(self): return self.data
`;

const FILE_BYTES = 50 << 20; // 52428800
/** A new 50 MiB buffer (either side may transfer and detach it), filled
 *  with a repeated 64 KiB random block so every page is committed. */
function bigBytes() {
  const block = crypto.getRandomValues(new Uint8Array(65536));
  const bytes = new Uint8Array(FILE_BYTES);
  for (let i = 0; i < FILE_BYTES; i += block.length) bytes.set(block, i);
  return bytes;
}

/** The options of the bench's sandboxes (one boot setting: they share the
 *  page's standby). */
const sandboxOptions = (isolation = "iframe", snapshot = true) =>
  ({ pyodideUrl: INDEX_URL, isolation, snapshot, maxOutputBytes: 16 << 20, timeoutMs: 60_000 });

/** A session's sandbox options: the bench's, on `dist` ({ url, hashes }:
 *  the local full distribution, for numpy) when given. */
const sessionOptions = (dist) =>
  ({ ...sandboxOptions(), ...(dist && { pyodideUrl: dist.url, pyodideHashes: dist.hashes }) });

async function runCell(sandbox, code) {
  const ex = await sandbox.runPython(code);
  if (ex.status !== "ok") throw new Error(`cell gave ${ex.status}: ${JSON.stringify(ex.error ?? ex).slice(0, 300)}`);
  return ex;
}

/** `exportSession`'s time and bytes. */
async function timedExport(sandbox) {
  const started = now();
  const session = await sandbox.exportSession();
  return [now() - started, session];
}

/** What `restoredSession` says, as counts and names. */
const restoredSummary = ({ exact, variables, skipped, files }) =>
  ({ exact, variables: variables.length, skipped: skipped.map((s) => s.name), files });

window.bench = {
  /** Create to the first result of 1+1. */
  async boot(name, isolation = "iframe", snapshot = true) {
    const started = now();
    if (name === "baseline") {
      use(name, await Baseline.boot());
    } else {
      wasm ??= await init();
      use(name, await Sandbox.create(sandboxOptions(isolation, snapshot)));
    }
    await check(name);
    return now() - started;
  },

  /** A new conversation while `name`'s first one runs (2 s of sleep):
   *  pycage's `Sandbox.create` with the same boot settings (the page's
   *  ready standby is taken) or the baseline's new worker, to the first
   *  result of 1+1. The new one is disposed `settleMs` after the first
   *  one's run ended: meanwhile pycage's pool refills, and the disposed
   *  sandbox passes its standby back to the first. */
  async newConversation(name, settleMs) {
    const busy = impl[name].run("import time\ntime.sleep(2)");
    await sleep(50);
    const started = now();
    const target = name === "baseline" ? await Baseline.boot() : await Sandbox.create(sandboxOptions());
    await checkTarget(name, target);
    const took = now() - started;
    await busy;
    await sleep(settleMs);
    if (name === "baseline") target.worker.terminate();
    else target.dispose();
    return took;
  },

  /** Round trips right after a boot, as a user runs code seconds after a
   *  page opens: `name` boots on this fresh page (`extra` joins pycage's
   *  options, e.g. `{ standby: false }` to tell the standby's share; for
   *  the baseline, `{ fromBytes: true }`), then
   *  from `waitMs` after `create` resolved, `n` sequential round trips. */
  async roundTripsAfterBoot(name, waitMs, n, extra = {}) {
    if (name === "baseline") use(name, await Baseline.boot(extra.fromBytes));
    else {
      wasm ??= await init();
      use(name, await Sandbox.create({ ...sandboxOptions(), ...extra }));
    }
    await sleep(waitMs);
    return this.roundTrips(name, n);
  },

  /** `n` sequential round trips of 1+1, each timed. */
  async roundTrips(name, n) {
    const times = [];
    for (let i = 0; i < n; i++) {
      const started = now();
      await impl[name].run("1+1");
      times.push(now() - started);
    }
    return times;
  },

  /** while True: pass with a 100 ms limit, then 1+1. The baseline can only
   *  stop it by terminating the worker and booting a new one. */
  async timeoutRecovery(name) {
    const started = now();
    let timedOut;
    if (name === "baseline") {
      const stuck = impl.baseline.run("while True: pass");
      await sleep(100);
      impl.baseline.target.worker.terminate();
      timedOut = now();
      void stuck;
      use("baseline", await Baseline.boot());
    } else {
      const ex = await impl[name].run("while True: pass", { timeoutMs: 100 });
      if (ex.status !== "timeout") throw new Error(`expected a timeout, got ${ex.status}`);
      timedOut = now();
    }
    await check(name);
    return { toNextResult: now() - started, deadlineToTimeout: timedOut - (started + 100) };
  },

  /** 10 MiB printed as 1 KiB lines, until the last byte reaches the page. */
  async stdout(name) {
    const target = 10 << 20;
    let received = 0;
    let last = 0;
    const count = (text) => {
      received += text.length + (name === "baseline" ? 1 : 0); // Pyodide's batched stdout drops the newline
      last = now();
    };
    const code = "line = 'x' * 1023\nfor _ in range(10240):\n    print(line)";
    const started = now();
    if (name === "baseline") {
      impl.baseline.target.onStdout = count;
      await impl.baseline.run(code);
      impl.baseline.target.onStdout = null;
    } else {
      await impl[name].run(code, { onStdout: count });
    }
    if (received !== target) throw new Error(`${name}: received ${received} of ${target} bytes`);
    return last - started;
  },

  /** A 640x480 PNG made in Python; pycage returns it through the display
   *  protocol (validated figure), the baseline as the run's bytes. */
  async png(name, reps) {
    await impl[name].run(PNG);
    const code = name === "baseline" ? "png(640, 480)" : "display(Img(png(640, 480)))";
    const times = [];
    for (let i = 0; i < reps; i++) {
      const started = now();
      const ex = await impl[name].run(code);
      times.push(now() - started);
      const bytes = name === "baseline" ? ex.result : ex.figures?.[0]?.data;
      if (!(bytes instanceof Uint8Array) || bytes.length < 1000) throw new Error(`${name}: no PNG (${JSON.stringify(ex).slice(0, 300)})`);
    }
    return times;
  },

  /** `import numpy` where the package cannot be fetched (it is not in the
   *  npm build of Pyodide served here) to the PackageLoadError. */
  async packageError(reps) {
    const times = [];
    for (let i = 0; i < reps; i++) {
      const started = now();
      const ex = await impl.pycage.run("import numpy");
      times.push(now() - started);
      if (ex.error?.type !== "PackageLoadError") throw new Error(`no PackageLoadError: ${JSON.stringify(ex).slice(0, 300)}`);
    }
    return times;
  },

  /** 50 MiB written from the page and read whole in Python: pycage's
   *  writeFile then runPython; the baseline's FS.writeFile in its worker
   *  (buffer transferred) then runPythonAsync. Each rep times the write
   *  (call to resolved), the write plus the Python read (call to the
   *  result of len(...)), then reading the same file back to the page
   *  (pycage's readFile; the baseline's FS.readFile, transferred back).
   *  The buffer is made before each rep, outside the times. One untimed
   *  warm-up rep; the file is removed at the end. */
  async files(name, reps) {
    const target = impl[name].target;
    const path = name === "baseline" ? "/home/pyodide/big.bin" : "big.bin";
    const code = "len(open('big.bin','rb').read())";
    const out = { write: [], writeThenPythonRead: [], readBack: [] };
    for (let i = 0; i <= reps; i++) {
      const bytes = bigBytes();
      await sleep(50);
      const started = now();
      await target.writeFile(path, bytes);
      const written = now();
      const ex = await impl[name].run(code);
      const read = now();
      const value = name === "baseline" ? ex.result : ex.result?.["text/plain"];
      if (String(value) !== String(FILE_BYTES)) throw new Error(`${name}: Python read gave ${JSON.stringify(ex).slice(0, 300)}`);
      const back = await target.readFile(path);
      const readBack = now();
      if (!(back instanceof Uint8Array) || back.length !== FILE_BYTES) throw new Error(`${name}: readFile gave ${back?.length} bytes`);
      if (i === 0) continue; // warm-up
      out.write.push(written - started);
      out.writeThenPythonRead.push(read - started);
      out.readBack.push(readBack - read);
    }
    if (name === "baseline") await target.run("import os; os.remove('big.bin')");
    else await target.removeFile(path);
    return out;
  },

  /** JS heap (after a forced GC) before and after `n` runs of 1+1. */
  async memory(name, n) {
    const heap = () => (globalThis.gc?.(), performance.memory?.usedJSHeapSize ?? NaN);
    await this.roundTrips(name, 100);
    await sleep(50);
    const before = heap();
    await this.roundTrips(name, n);
    await sleep(50);
    const after = heap();
    return { before, after };
  },

  /** pycage's own wasm memory (the page side), in bytes. */
  wasmMemory() {
    return wasm ? wasm.memory.buffer.byteLength : null;
  },

  /** The page's JS heap after a forced GC, in bytes. */
  heap() {
    globalThis.gc?.();
    return performance.memory?.usedJSHeapSize ?? NaN;
  },

  /** `n` more instances of `kind` ("pycage" or "baseline"), made one after
   *  another, each running 1+1 once, kept in `held` (for the PSS rows).
   *  `options` go to Sandbox.create. Returns each create-to-result time. */
  async createMany(kind, n, options = {}) {
    const times = [];
    for (let i = 0; i < n; i++) {
      const started = now();
      const target = kind === "baseline"
        ? await Baseline.boot()
        : (wasm ??= await init(), await Sandbox.create({ pyodideUrl: INDEX_URL, ...options }));
      await checkTarget(kind, target);
      held.push(target);
      times.push(now() - started);
    }
    return times;
  },

  /** `n` runs of 1+1 on `name`, back to back; the last result is checked.
   *  Returns the elapsed milliseconds. */
  async soak(name, n) {
    const started = now();
    for (let i = 1; i < n; i++) await impl[name].run("1+1");
    await check(name);
    return now() - started;
  },

  /** `n` cycles of create, one 1+1, dispose (pycage, `options` to
   *  Sandbox.create) or boot, one 1+1, terminate (the baseline). Returns
   *  each cycle's time. */
  async cycles(kind, n, options = {}) {
    const times = [];
    if (kind !== "baseline") wasm ??= await init();
    for (let i = 0; i < n; i++) {
      const started = now();
      const target = kind === "baseline"
        ? await Baseline.boot()
        : await Sandbox.create({ pyodideUrl: INDEX_URL, ...options });
      await checkTarget(kind, target);
      if (kind === "baseline") target.worker.terminate();
      else target.dispose();
      times.push(now() - started);
    }
    return times;
  },

  /** Session `name` built on this fresh page: `Sandbox.create` to the
   *  first 1+1 (`boot`), then its cells (`rerun`: create to the last
   *  cell's result), then, `settleMs` later (the standby booted, the page's
   *  warm-up done), `exportSession` (`export`), and at once again
   *  (`exportAgain`: the next save). Returns the times and the session,
   *  its size and its bytes in base64. */
  async sessionBuild(name, dist, settleMs) {
    const started = now();
    wasm ??= await init();
    const sandbox = await Sandbox.create(sessionOptions(dist));
    await checkTarget("pycage", sandbox);
    const boot = now() - started;
    for (const code of SESSIONS[name].cells) await runCell(sandbox, code);
    const rerun = now() - started;
    await sleep(settleMs);
    const [exported, session] = await timedExport(sandbox);
    const [again] = await timedExport(sandbox);
    sandbox.dispose();
    return { boot, rerun, export: exported, exportAgain: again, bytes: session.length, session: session.toBase64() };
  },

  /** The next run of a sandbox the page's limit of live interpreters
   *  evicted, on this fresh page: the small session's cells run in `a`, a
   *  second sandbox takes its interpreter (limit 1), and `a` runs the
   *  session's check (its call to its result: a fresh interpreter's boot,
   *  and with `keep`, keepSessionOnEviction, the restore). Returns the
   *  time and whether the state came back. */
  async evictedRun(keep) {
    wasm ??= await init();
    const options = { ...sandboxOptions(), standby: false };
    // The page's warm-up (its first interpreter's) keeps a sandbox busy,
    // and a busy one is never evicted: another sandbox makes it first.
    const warm = await Sandbox.create(options);
    await sleep(3000);
    warm.dispose();
    setMaxLiveInterpreters(1);
    try {
      const a = await Sandbox.create({ ...options, keepSessionOnEviction: keep });
      for (const code of SESSIONS.small.cells) await runCell(a, code);
      const b = await Sandbox.create(options);
      await sleep(1000); // the export (with `keep`) is done
      const [code, expected] = SESSIONS.small.check;
      const started = now();
      const ex = await a.runPython(code);
      const next = now() - started;
      const kept = ex.result?.["text/plain"] === expected;
      a.dispose();
      b.dispose();
      return { next, kept };
    } finally {
      setMaxLiveInterpreters(null);
    }
  },

  /** Session `name` (base64) restored on this fresh page:
   *  `Sandbox.create({ session })` to resolved (`create`) and to the first
   *  1+1 (`first`); then, untimed, what `restoredSession` says and whether
   *  the session's check gives what it should. */
  async sessionRestore(name, dist, session) {
    const bytes = Uint8Array.fromBase64(session);
    const started = now();
    wasm ??= await init();
    const sandbox = await Sandbox.create({ ...sessionOptions(dist), session: bytes });
    const create = now() - started;
    await checkTarget("pycage", sandbox);
    const first = now() - started;
    const [code, expected] = SESSIONS[name].check;
    const got = (await sandbox.runPython(code)).result?.["text/plain"] ?? null;
    const restored = { ...restoredSummary(sandbox.restoredSession), check: got === expected ? "ok" : `got ${got}` };
    sandbox.dispose();
    return { create, first, restored };
  },

  /** What `name`'s sandbox is (null for the baseline): whether its
   *  interpreter booted from the snapshot, and whether a timeout can
   *  interrupt it (SharedArrayBuffer). The engine bench checks that its
   *  rows are what their names say. */
  state(name) {
    const target = impl[name]?.target;
    if (!target || target instanceof Baseline) return null;
    return { fromSnapshot: target.bootedFromSnapshot, interruptible: target.interruptible, isolation: target.isolation };
  },

  dispose(name) {
    const target = impl[name]?.target;
    if (target instanceof Baseline) target.worker.terminate();
    else target?.dispose();
    delete impl[name];
  },
};
