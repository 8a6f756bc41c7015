// pycage sandbox worker: hosts Pyodide and runs the user's (hostile) Python.
//
// It never touches the network. The page fetched Pyodide's files and hands
// them over in the init message; anything else Pyodide asks `fetch` for (a
// package wheel) is requested from the page, which decides. In the default
// iframe mode the document's CSP also sets `connect-src 'none'`, so a script
// that bypasses our `fetch` reaches nothing.
//
// Everything we need after user code starts running is captured here, before
// it runs: user code can rewrite any global or prototype, so we keep bound
// copies (pyodide issue #959: Pyodide is not a sandbox).
//
// None of this is a defence against user code: it runs in this realm and
// can reach anything here (a frame's locals, the `emit` callback it is
// handed). The page and the frame enforce every limit themselves. The
// closure and strict mode only keep our bindings off the global object,
// where `js.post` would otherwise find them.
//
// build.rs assembles the worker's source (its `WORKER_PARTS`): `PROTOCOL`
// (the constants declared in src/protocol/), each part in a scope of its
// own, then this file, and calls `pycageWorker` with them: nothing is shared
// through globals.
"use strict";
/* exported pycageWorker */
function pycageWorker(PROTOCOL, { pycageFiles, pycageInput, pycagePypi, pycageLimitMemory, pycageSnapshotOptions }) {

const bindPost = (target) => MessagePort.prototype.postMessage.bind(target);
const nativeClose = self.close.bind(self);
const NativeResponse = Response;
const NativePromise = Promise;

// WebKit makes its own APIs' errors (a fetch the CSP blocks, a
// SecurityError) without a `stack`, and Pyodide takes an object without a
// string `stack` for a non-error: the await would never return. An empty
// default stack makes them errors again; Gecko keeps its accessor.
if (!("stack" in Error.prototype)) {
  Object.defineProperty(Error.prototype, "stack", { value: "", writable: true, configurable: true });
}

let pyodide = null;
let capture = null; // the _pycage module
const importToPackage = new Map(); // import name -> distribution package
let interrupt = null; // Int32Array over a SharedArrayBuffer, when the page has one
let currentRun = null; // id of the run in progress
let fetchFailures = []; // "url (reason)" for each refused or failed fetch
let workFiles = null; // the file part (files.js), once Pyodide is up
let inputFor = null; // input.js, once the shared memory is known
let pypi = null; // pypi.js, with SandboxOptions.pypi
const fetches = new Map(); // request id -> { resolve, reject, url }
let nextFetch = 1;

// ---- The protocol: every message this worker sends or reads. The page's
// side is src/protocol/mod.rs (its "to add a message" list); the `type` of
// each message it sends is declared in src/protocol/messages.rs, and is
// `PROTOCOL.TYPES` here. `display` and `stream` are also built by the
// capture runtime and sent by `run`'s `emit`. ----

const TYPES = PROTOCOL.TYPES;

let send = null; // bound port.postMessage, set at init
let token = "";
// Settings that hold for the whole sandbox, from the init message.
const settings = { autoLoad: true, allowed: null, maxOutputBytes: 1 << 20, maxFileBytes: 0, maxRunFileBytes: 0, maxRunFiles: 0, maxSessionBytes: 0, workDir: "" };

function post(msg, transfer = []) {
  send({ token, msg }, transfer);
}

const say = {
  progress: (phase) => post({ type: TYPES.PROGRESS, phase }),
  ready: (pyodideVersion, pythonVersion, interruptible) =>
    post({ type: TYPES.READY, pyodideVersion, pythonVersion, interruptible }),
  bootFailed: (reason) => post({ type: TYPES.BOOT_FAILED, reason: String(reason) }),
  snapshot: (data) => post({ type: TYPES.SNAPSHOT, data }, [data.buffer]),
  stream: (id, name, text) => post({ type: TYPES.STREAM, id, name, text }),
  fetch: (req, url) => post({ type: TYPES.FETCH, req, url }),
  log: (text) => post({ type: TYPES.LOG, text: String(text) }),
  crashed: (reason) => post({ type: TYPES.CRASHED, reason: String(reason).slice(0, 2000) }),
  refused: (reason) => post({ type: TYPES.REFUSED, reason }),
  pong: (nonce) => post({ type: TYPES.PONG, nonce }),
  fileResult: (id, fields, transfer) => post({ type: TYPES.FILE_RESULT, id, ...fields }, transfer),
  files: (id, files, skipped) => post({ type: TYPES.FILES, id, files, skipped }, files.map((f) => f.data.buffer)),
  input: (id, seq, prompt) => post({ type: TYPES.INPUT, id, seq, prompt }),
  memoryLimit: (id, bytes) => post({ type: TYPES.MEMORY_LIMIT, id, bytes }),
};

self.onmessage = (event) => {
  self.onmessage = null; // exactly one init message; later ones are ignored
  const init = event.data;
  const port = event.ports[0];
  send = bindPost(port);
  token = init.token;
  settings.autoLoad = init.autoLoad;
  settings.allowed = init.allowed || null;
  settings.maxOutputBytes = init.maxOutputBytes;
  settings.maxFileBytes = init.maxFileBytes;
  settings.maxRunFileBytes = init.maxRunFileBytes;
  settings.maxRunFiles = init.maxRunFiles;
  settings.maxSessionBytes = init.maxSessionBytes;
  settings.workDir = init.workDir;
  port.onmessage = (ev) => onCommand(ev.data);
  boot(init).catch((err) => say.bootFailed((err && err.stack) || err));
};

function onCommand(msg) {
  switch (msg && msg.type) {
    case "run":
      return run(msg);
    case "fetchResult":
      return settleFetch(msg);
    // Never during a run: the page sends the next command after `done`.
    case "writeFile":
    case "readFile":
    case "listFiles":
    case "removeFile": {
      const [fields, transfer] = workFiles.command(msg, settings.maxFileBytes);
      return say.fileResult(msg.id, fields, transfer);
    }
    // Sessions are queued like file calls: never during a run.
    case "exportSession":
      return exportSession(msg.id);
    case "restoreSession":
      return restoreSession(msg.id, msg.body);
    // The page asks after a run's deadline: being able to answer at all
    // shows that Python has stopped (a busy interpreter blocks this loop).
    case "ping":
      return say.pong(msg.nonce);
    default:
      return say.refused(`the worker does not know the command ${JSON.stringify(msg && msg.type)}`);
  }
}

// ---- End of the protocol block. ----

// `self.close()` from user code is a crash of its run: say so before closing,
// or the page could only find out at the deadline. Defined non-writable so a
// later assignment cannot route around it.
const onClose = function close() {
  if (send) say.crashed("the worker closed itself (self.close())");
  nativeClose();
};
for (const proto of [self, Object.getPrototypeOf(self), WorkerGlobalScope.prototype]) {
  try {
    Object.defineProperty(proto, "close", { value: onClose, writable: false, configurable: false });
  } catch {}
}

// What the CSP blocked (a fetch, an import, an eval) is worth a log line.
// (Pyodide's own boot-time probe for importScripts is expected, so not logged.)
self.addEventListener("securitypolicyviolation", (e) => {
  if (pyodide && capture) say.log(`CSP blocked ${e.blockedURI} (${e.effectiveDirective})`);
});

// os._exit() and fatal errors end the interpreter from inside an emscripten
// callback, so they surface as an unhandled error rather than as a failed
// run. The run then never finishes; report the crash instead of waiting for
// the deadline.
let crashed = false;
function onUncaught(event) {
  const err = event.reason || event.error;
  const text = String((err && err.message) || err || event.message || "");
  const fatal = (err && err.name === "Exit") || /Program terminated|already exited|fatally failed/.test(text);
  // Reported to the page as `crashed`, so not also as an uncaught error in
  // the host page's console.
  if (fatal) event.preventDefault();
  if (fatal && send && !crashed) {
    crashed = true;
    say.crashed(`the interpreter exited: ${text.slice(0, 500)}`);
  }
}
self.addEventListener("unhandledrejection", onUncaught);
self.addEventListener("error", onUncaught);


// Pyodide calls the global `fetch` for its own files and for wheels.
function sandboxFetch(files, indexURL) {
  return function fetch(input) {
    // Pyodide passes strings and URL objects; a Request carries its own .url.
    const raw = input instanceof Request ? input.url : String(input);
    const url = new URL(raw, indexURL).href;
    const bytes = files.get(url); // a Blob: the Response reads it as Pyodide streams it
    if (bytes) {
      const type = url.endsWith(".wasm") ? "application/wasm" : "application/octet-stream";
      return NativePromise.resolve(new NativeResponse(bytes, { headers: { "content-type": type } }));
    }
    const req = nextFetch++;
    return new NativePromise((resolve, reject) => {
      fetches.set(req, { resolve, reject, url });
      // No integrity: the page takes each file's hash from the lockfile.
      say.fetch(req, url);
    });
  };
}

function settleFetch(msg) {
  const pending = fetches.get(msg.req);
  if (!pending) return;
  fetches.delete(msg.req);
  if (msg.ok) {
    // The type matters for a package index's page: micropip picks its parser by it.
    const headers = msg.contentType ? { "content-type": msg.contentType } : {};
    pending.resolve(new NativeResponse(msg.body, { status: 200, headers }));
  } else {
    fetchFailures.push(`${pending.url} (${msg.error})`);
    pending.reject(new TypeError(`pycage: could not fetch ${pending.url}: ${msg.error}`));
  }
}

async function importBytes(blob) {
  const url = URL.createObjectURL(new Blob([blob], { type: "text/javascript" }));
  try {
    return await import(url);
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function boot(init) {
  const files = new Map(Object.entries(init.files));
  const indexURL = init.indexURL;
  self.fetch = sandboxFetch(files, indexURL);
  if (init.maxMemoryBytes) {
    pycageLimitMemory(init.maxMemoryBytes, (bytes) => currentRun !== null && say.memoryLimit(currentRun, bytes));
  }
  say.progress("starting");
  const { default: createPyodideModule } = await importBytes(files.get(indexURL + "pyodide.asm.mjs"));
  const { loadPyodide } = await importBytes(files.get(indexURL + "pyodide.mjs"));
  const lockFile = await new NativeResponse(files.get(indexURL + "pyodide-lock.json")).text();
  for (const [name, info] of Object.entries(JSON.parse(lockFile).packages)) {
    for (const module of info.imports || []) importToPackage.set(module, name);
  }
  const fromSnapshot = !!init.snapshot;
  const options = {
    indexURL,
    createPyodideModule,
    lockFileContents: lockFile,
    packageBaseUrl: init.packageBaseUrl,
    env: { HOME: "/home/pyodide", MPLBACKEND: "module://_pycage_mpl" },
    stdout: (text) => forward("stdout", text + "\n"),
    stderr: (text) => forward("stderr", text + "\n"),
  };
  // A snapshot (made by a fresh interpreter, kept by the page) skips
  // Python's start-up (snapshot.js); otherwise the page may ask us to make one.
  if (fromSnapshot) Object.assign(options, pycageSnapshotOptions(init.snapshot, createPyodideModule));
  else if (init.makeSnapshot) options._makeSnapshot = true;
  init.snapshot = null;
  pyodide = await loadPyodide(options);
  // Booted: Pyodide's files are in its heap now; `fetch` serves nothing more.
  files.clear();
  if (init.interruptBuffer) {
    interrupt = new Int32Array(init.interruptBuffer);
    pyodide.setInterruptBuffer(interrupt);
  }
  inputFor = pycageInput(PROTOCOL, interrupt, (seq, prompt) => say.input(currentRun, seq, prompt), () => pyodide.checkInterrupt());
  workFiles = pycageFiles(pyodide.FS, pyodide.ERRNO_CODES, init.workDir);
  workFiles.enter();
  pyodide.FS.mkdirTree("/lib/pycage/_pycage");
  for (const [name, source] of init.runtime) pyodide.FS.writeFile(`/lib/pycage/_pycage/${name}`, source);
  capture = pyodide.runPython("import sys; sys.path.insert(0, '/lib/pycage'); import _pycage; _pycage");
  capture.install();
  if (interrupt) capture.install_interrupt_gate();
  if (fromSnapshot) {
    // Every interpreter from one snapshot would otherwise replay the same
    // random sequence.
    pyodide.runPython("import random; random.seed()");
  } else if (init.makeSnapshot) {
    // Taken before any user code has run here, which is why the page trusts it.
    const snapshot = pyodide.makeMemorySnapshot();
    say.snapshot(snapshot);
  }
  if (init.pypi) {
    pypi = pycagePypi(pyodide, () => fetchFailures.splice(0));
    pypi.setup(init.pypi);
  }
  if (init.packages.length) {
    say.progress("packages");
    const failure = await loadPackages(init.packages);
    if (failure) throw new Error(failure.message);
  }
  say.ready(pyodide.version, pyodide.runPython("import sys; sys.version.split()[0]"), interrupt !== null);
}

// C-level writes (os.write(1, ...)) bypass sys.stdout; they still belong to the run.
function forward(name, text) {
  if (currentRun !== null) say.stream(currentRun, name, text);
}


// Returns null on success, or { message, detail }: the message names the
// packages and the first URL that failed (one line, for people); the detail
// has every error and URL (for the traceback).
async function loadPackages(names) {
  const errors = [];
  fetchFailures = [];
  try {
    await pyodide.loadPackage(names, { messageCallback: say.log, errorCallback: (m) => errors.push(String(m)) });
  } catch (err) {
    errors.push(String((err && err.message) || err));
  }
  if (!errors.length && !fetchFailures.length) return null;
  // The requested packages' own files first, then their dependencies'.
  const own = (f) => names.some((n) => f.includes(`/${n.toLowerCase()}-`));
  const failures = [...fetchFailures.filter(own), ...fetchFailures.filter((f) => !own(f))];
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more files)` : "";
  const reason = failures.length ? `could not fetch ${failures[0]}${more}` : errors[0];
  const tried = failures.length ? `\nTried:\n  ${failures.join("\n  ")}` : "";
  return { message: `could not load ${names.join(", ")}: ${reason}`, detail: `${errors.join("\n")}${tried}` };
}

// The top-level modules the code imports, scanned once per run.
function importsOf(code) {
  if (!code.includes("import")) return []; // most runs: no call into Python
  const found = capture.find_imports(code);
  const modules = found.toJs();
  found.destroy();
  return modules;
}

// Distribution packages named by the imports (as Pyodide's
// loadPackagesFromImports picks them), minus those already loaded.
function packagesFor(modules) {
  const names = new Set(modules.map((m) => importToPackage.get(m)).filter(Boolean));
  return [...names].filter((n) => !(n in pyodide.loadedPackages));
}

// Runs never overlap: the page sends the next only after this one's `done`
// (supervisor/runs.rs), so there is no queue here.
async function run(msg) {
  const { id, code } = msg;
  currentRun = id;
  if (interrupt) {
    // Drop a stale interrupt meant for an earlier run, but keep one the page
    // sent for this run before it started (src/supervisor/host/shared_buffer.rs).
    Atomics.store(interrupt, PROTOCOL.SLOT_IN_RUN, id);
    Atomics.store(interrupt, PROTOCOL.SLOT_INTERRUPT, 0);
    if (Atomics.load(interrupt, PROTOCOL.SLOT_STOP_RUN) === (id | 0)) {
      Atomics.store(interrupt, PROTOCOL.SLOT_INTERRUPT, PROTOCOL.SIGINT);
    }
  }
  try {
    if (settings.autoLoad) {
      const modules = importsOf(code);
      const wanted = packagesFor(modules);
      const { allowed } = settings;
      const denied = allowed ? wanted.filter((n) => !allowed.includes(n)) : [];
      if (denied.length) {
        post(packageError(id, { message: `package ${denied.join(", ")} is not in this sandbox's allowedPackages` }));
        return;
      }
      if (wanted.length) {
        const failure = await loadPackages(wanted);
        if (failure) {
          post(packageError(id, failure));
          return;
        }
      }
      // Imports of allowed PyPI names that nothing provides yet.
      const refused = pypi && (await pypi.autoLoad(modules));
      if (refused) {
        post(packageError(id, { message: refused }));
        return;
      }
    }
    const emit = (event) => {
      const data = event.toJs({ dict_converter: Object.fromEntries });
      event.destroy();
      data.id = id;
      post(data);
    };
    workFiles.enter();
    const before = workFiles.snapshot();
    const [reader, noInput] = inputFor(msg.input);
    // Finished within the call unless the cell awaits (_pycage/cell.py).
    const args = [code, emit, msg.figureFormat, msg.figureDpi, settings.maxOutputBytes, reader, noInput];
    let result = msg.warmUp === true ? capture.start_cell.callKwargs(...args, { warm_up: true }) : capture.start_cell(...args);
    if (result.type !== "dict") {
      const pending = result;
      result = await pending;
      pending.destroy();
    }
    const done = result.toJs({ dict_converter: Object.fromEntries });
    result.destroy();
    const omitted = sendFiles(id, before);
    done.type = TYPES.DONE;
    if (omitted > 0) done.filesOmitted = omitted;
    done.id = id;
    done.memoryBytes = pyodide._module.HEAP8.length;
    post(done);
  } catch (err) {
    // Not a Python exception in user code (run_cell catches those): the
    // interpreter itself failed (os._exit, a fatal error). It cannot go on.
    say.crashed((err && err.message) || err);
  } finally {
    currentRun = null;
    if (interrupt) Atomics.store(interrupt, PROTOCOL.SLOT_IN_RUN, 0);
  }
}

// The files the run created or changed, moved (not copied) to the page in
// batches, within the caps; the rest are named as skipped. A batch holds up
// to FILES_PER_MESSAGE entries (three fields each: the frame and the page
// walk at most 512 per message) and maxFileBytes of data, so a run of 5 000
// small files crosses the frame's thread, which the page's heartbeat shares,
// as 10 messages, not 5 000. Past maxRunFiles they are only counted.
// Returns how many were left out.
const FILES_PER_MESSAGE = 100;
function sendFiles(id, before) {
  let total = 0;
  let sent = 0;
  let omitted = 0;
  let batch = { files: [], skipped: [], bytes: 0 };
  const flush = () => {
    if (batch.files.length || batch.skipped.length) say.files(id, batch.files, batch.skipped);
    batch = { files: [], skipped: [], bytes: 0 };
  };
  for (const [path, size] of workFiles.changes(before)) {
    if (sent >= settings.maxRunFiles) {
      omitted++;
      continue;
    }
    sent++;
    const skip = size > settings.maxFileBytes || total + size > settings.maxRunFileBytes;
    const full = batch.files.length + batch.skipped.length >= FILES_PER_MESSAGE;
    if (full || (!skip && batch.bytes + size > settings.maxFileBytes)) flush();
    if (skip) {
      batch.skipped.push({ path, size });
      continue;
    }
    total += size;
    batch.bytes += size;
    batch.files.push({ path, data: workFiles.read(path) });
  }
  flush();
  return omitted;
}

// ---- Sessions (src/session.rs; the state is _pycage/session.py's) ----

const sessionFailure = (err) => ({ error: { code: "EIO", message: String((err && err.message) || err).slice(0, 2000) } });

// The namespace, the files and the packages, as bytes moved to the page,
// which compresses and seals them.
function exportSession(id) {
  let fields;
  let transfer = [];
  try {
    const sessions = pyodide.pyimport("_pycage.session");
    const state = sessions.export_session(settings.workDir, Object.keys(pyodide.loadedPackages), settings.maxSessionBytes);
    const data = state.toJs();
    state.destroy();
    sessions.destroy();
    fields = { data };
    transfer = [data.buffer];
  } catch (err) {
    fields = sessionFailure(err);
  }
  say.fileResult(id, fields, transfer);
}

// A session's state (checked by the page, which knows nothing of what is
// inside): its packages first, then the namespace and files. Answers with
// what came back, as JSON text.
async function restoreSession(id, body) {
  let fields;
  try {
    if (!(body instanceof ArrayBuffer)) throw new Error("the session's state is not bytes");
    const sessions = pyodide.pyimport("_pycage.session");
    const session = sessions.open_session(new Uint8Array(body));
    const packages = session.packages.toJs();
    const unavailable = {};
    for (const name of packages) {
      if (name in pyodide.loadedPackages) continue;
      const failure = await loadPackages([name]);
      if (failure) unavailable[name] = failure.message;
    }
    const summary = session.restore(settings.workDir, pyodide.toPy(unavailable));
    const json = pyodide.pyimport("json");
    fields = { summary: json.dumps(summary) };
    json.destroy();
    summary.destroy();
    session.destroy();
    sessions.destroy();
  } catch (err) {
    fields = sessionFailure(err);
  }
  say.fileResult(id, fields, []);
}

function packageError(id, { message, detail = "" }) {
  const traceback = `PackageLoadError: ${message}${detail ? `\n\n${detail}` : ""}`;
  return { type: TYPES.DONE, id, status: "error", error: { type: "PackageLoadError", message, traceback, line: null } };
}
}
