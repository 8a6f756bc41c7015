// The sandbox document's only script. The page created this document as an
// `<iframe sandbox="allow-scripts">` (an opaque origin) whose CSP allows no
// network at all; this script starts the Pyodide worker in it and hands the
// worker the page's MessagePort. No user code ever runs in this document.
"use strict";
(() => {
  const FLOOD_LIMIT = 200; // messages the worker may post here (we expect none)
  addEventListener("message", function onInit(event) {
    if (event.source !== parent || !event.data || event.data.type !== "pycage:init") return;
    removeEventListener("message", onInit);
    const [workerPort, framePort] = event.ports;
    const { workerSource, init } = event.data;
    framePort.postMessage("pycage:frame"); // the page stops waiting for us
    const report = (reason) =>
      framePort.postMessage({ token: init.token, msg: { type: "crashed", reason: String(reason).slice(0, 2000) } });
    let worker;
    try {
      const url = URL.createObjectURL(new Blob([workerSource], { type: "text/javascript" }));
      // A classic worker: Chromium cannot load a *module* worker from a blob:
      // URL in an opaque origin (its error event has no message). Pyodide's
      // ES modules are then loaded with dynamic import(), which works here.
      // Pyodide refuses classic workers, but detects them by trying
      // importScripts("data:..."), which this CSP blocks, so it proceeds.
      worker = new Worker(url, { name: "pycage" });
    } catch (err) {
      framePort.postMessage({ token: init.token, msg: { type: "bootFailed", message: `cannot start the worker: ${err}` } });
      return;
    }
    // User code can call `postMessage` on its own global: that lands here.
    // It is never legitimate, so a flood of it ends the worker.
    let stray = 0;
    worker.onmessage = () => {
      if (++stray === FLOOD_LIMIT) {
        worker.terminate();
        report("the sandbox flooded its frame with messages");
      }
    };
    worker.onerror = (e) => {
      e.preventDefault(); // reported to the page as `crashed`, not as an uncaught error
      report(`worker error: ${e.message || "the worker script failed to load"}`);
    };
    worker.onmessageerror = () => report("worker sent a message that could not be deserialized");
    // Interrupts need a SharedArrayBuffer, which exists here only when this
    // frame is cross-origin isolated; otherwise timeouts use termination.
    let interrupt = null;
    if (self.crossOriginIsolated && typeof SharedArrayBuffer === "function") {
      interrupt = new Int32Array(new SharedArrayBuffer(12));
      init.interruptBuffer = interrupt.buffer;
    }
    // The page asks to stop run `id`: [1] names the run, [0] is Pyodide's
    // flag, set only if the worker is in that run ([2]); a run that starts
    // later sets it itself (worker.js, runOne).
    framePort.onmessage = (e) => {
      const id = e.data;
      if (!interrupt || !Number.isInteger(id)) return;
      Atomics.store(interrupt, 1, id);
      if (Atomics.load(interrupt, 2) === id) Atomics.store(interrupt, 0, 2);
    };
    // Move, not copy, Pyodide's files and the snapshot (tens of MiB): this
    // frame has no use for its copy.
    const buffers = new Set(Object.values(init.files || {}).filter((b) => b instanceof ArrayBuffer));
    if (init.snapshot && init.snapshot.buffer instanceof ArrayBuffer) buffers.add(init.snapshot.buffer);
    worker.postMessage(init, [workerPort, ...buffers]);
  });
})();
