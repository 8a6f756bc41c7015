// The sandbox document's only script (its messages: src/protocol/mod.rs,
// FrameInit, and the constants in src/protocol/constants.rs, which build.rs
// writes as `PROTOCOL` in front of this file; it then calls `pycageFrame`).
// The page created this document as an
// `<iframe sandbox="allow-scripts">` (an opaque origin) whose CSP allows no
// network at all; this script starts the Pyodide worker in it. No user code
// ever runs in this document, so it is the trusted end of the worker's
// channel: user code holds every secret in the worker's realm (the token,
// the port, the helpers), so whatever the worker sends is checked here, in
// this realm and on this thread, before it is relayed to the page.
"use strict";
/* exported pycageFrame */
function pycageFrame(PROTOCOL) {
  // Only ever run as the sandbox document's script, in its opaque origin.
  // The page inserts a copy of this script, which browsers check against
  // its policy but never run (the `event`/`for` attributes; see
  // src/supervisor/host/csp_watch.rs); should one run it, it stops here.
  if (self.origin !== "null") return;
  const STRAY_LIMIT = 200; // postMessage calls on the worker global (we expect none)
  const BAD_LIMIT = 100; // relayed messages refused for their shape
  // Our messages are {token, msg: {type, ..., data|error|result: {k: v}}}:
  // four levels and a few dozen fields. Anything deeper or wider is refused
  // without being walked further (the page's decode.rs has the same limits).
  const { MAX_DEPTH, MAX_NODES, MAX_SNAPSHOT, TYPES } = PROTOCOL;

  addEventListener("message", function onInit(event) {
    if (event.source !== parent || !event.data || event.data.type !== PROTOCOL.FRAME_INIT) return;
    removeEventListener("message", onInit);
    const [pagePort, controlPort] = event.ports;
    const { workerSource, init, limits } = event.data;
    const maxString = limits.maxString;
    const maxBytes = limits.maxBytes;
    const maxFileBytes = limits.maxFileBytes;
    controlPort.postMessage(PROTOCOL.FRAME_TAKEN); // the page stops waiting for us
    const report = (reason) =>
      pagePort.postMessage({ token: init.token, msg: { type: TYPES.CRASHED, reason: String(reason).slice(0, 2000) } });

    // The byte arrays of a file message: a file call's answer, or a batch
    // of a run's files (the walk below has checked the shape's size).
    function fileData(msg) {
      if (msg && msg.type === TYPES.FILE_RESULT && msg.data instanceof Uint8Array) return [msg.data];
      if (!msg || msg.type !== TYPES.FILES || !Array.isArray(msg.files)) return [];
      return msg.files.map((f) => f && f.data).filter((d) => d instanceof Uint8Array);
    }

    // Returns null, or why `data` is not a message pycage sends. Also lists
    // the buffers of snapshots and files, which are moved on, not copied.
    function check(data, transfer) {
      let nodes = 0;
      let bytes = 0;
      const walk = (value, depth) => {
        if (value == null || typeof value === "number" || typeof value === "boolean") return null;
        if (typeof value === "string") return value.length > maxString ? `a string of ${value.length} units` : null;
        if (typeof value !== "object") return `a ${typeof value}`;
        if (value instanceof Uint8Array) {
          // Cloned whole, so counted whole; shared memory could change
          // after this check, so it is refused.
          if (!(value.buffer instanceof ArrayBuffer)) return "a byte array in shared memory";
          bytes += value.buffer.byteLength;
          return null;
        }
        if (depth >= MAX_DEPTH) return "nesting too deep";
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== Array.prototype) return "an object that is not plain data";
        for (const key of Object.keys(value)) {
          if (++nodes > MAX_NODES) return "too many fields";
          const bad = walk(value[key], depth + 1);
          if (bad) return bad;
        }
        return null;
      };
      const bad = walk(data, 0);
      if (bad) return bad;
      const msg = data && data.msg;
      if (msg && msg.type === TYPES.SNAPSHOT && msg.data instanceof Uint8Array && bytes <= MAX_SNAPSHOT) {
        transfer.push(msg.data.buffer);
        return null;
      }
      // Files may be larger than any display item; their bytes are moved on
      // (a batch of a run's files holds up to maxFileBytes in all).
      const datas = fileData(msg);
      if (bytes > (datas.length ? maxFileBytes : maxBytes)) return `${bytes} bytes of binary data`;
      // Once each: a buffer listed twice would make the relay's postMessage throw.
      transfer.push(...new Set(datas.map((d) => d.buffer)));
      return null;
    }

    // The page's policy applies here too (this srcdoc frame inherits it).
    // When it blocks our blob: worker only this document hears of it, so
    // tell the page which directive (host.rs).
    let blobRefused = false; // the worker, by a policy
    document.addEventListener("securitypolicyviolation", (e) => {
      if (String(e.blockedURI).startsWith("blob")) blobRefused = true;
      controlPort.postMessage(`${PROTOCOL.CSP_BLOCKED}${e.effectiveDirective} ${e.blockedURI}`);
    });
    // A classic worker: Chromium cannot load a *module* worker from a blob:
    // URL in an opaque origin (its error event has no message). Pyodide's
    // ES modules are then loaded with dynamic import(), which works here.
    // Pyodide refuses classic workers, but detects them by trying
    // importScripts("data:..."), which this CSP blocks, so it proceeds.
    // The source ends by saying it is up, and nothing is sent to it before:
    // an error until then means it never loaded.
    const UP = PROTOCOL.WORKER_UP;
    let worker;
    try {
      const source = `${workerSource}\n;postMessage(${JSON.stringify(UP)});\n`;
      worker = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })), { name: "pycage" });
    } catch (err) {
      pagePort.postMessage({ token: init.token, msg: { type: TYPES.BOOT_FAILED, reason: `cannot start the worker: ${err}` } });
      return;
    }
    worker.onmessage = (e) => {
      if (e.data === UP) begin();
    };
    worker.onerror = (e) => {
      e.preventDefault();
      // A policy that refused it has told the page which directive (above),
      // if its violation event came first; the page's csp_watch names it.
      setTimeout(() => {
        if (blobRefused) {
          report(`worker error: ${e.message || "the worker script failed to load"}`);
          return;
        }
        // No policy refused it. WebKit (Safari) refuses a blob: worker of an
        // opaque origin under Cross-Origin-Embedder-Policy ("Refused to load
        // 'blob:null/…' worker because of Cross-Origin-Embedder-Policy"):
        // the frame has COEP on a cross-origin-isolated page, or when a
        // runner page sends it. Other engines start it, so this is WebKit.
        const reason =
          "the browser refused to start the sandbox's worker (a blob: worker in the opaque-origin frame). " +
          "WebKit (Safari) refuses it under Cross-Origin-Embedder-Policy, which the frame has on a " +
          "cross-origin-isolated page or when a runner page sends it; there, serve the page and the runner " +
          'page without COOP/COEP, or use isolation: "worker"' +
          (e.message ? ` (${e.message})` : "");
        pagePort.postMessage({ token: init.token, msg: { type: TYPES.BOOT_FAILED, reason } });
      }, 50);
    };

    function begin() {
      const kill = (reason) => {
        worker.terminate();
        report(reason);
      };

      // The relay: worker -> (checked here) -> page, and page -> worker.
      const relay = new MessageChannel();
      let bad = 0;
      relay.port1.onmessage = (e) => {
        const transfer = [];
        const reason = e.ports.length ? "transferred ports" : check(e.data, transfer);
        if (!reason) {
          pagePort.postMessage(e.data, transfer);
          if (e.data && e.data.msg && e.data.msg.type === TYPES.DONE) measureMemory();
          return;
        }
        // The page hears of it in a few bytes: a refused `done` ends its run
        // now (not at the deadline), anything else counts as a violation.
        const msg = e.data && typeof e.data === "object" ? e.data.msg : null;
        const kind = msg && typeof msg === "object" ? msg.type : null;
        if (kind === TYPES.DONE) report(`the sandbox's result was refused by its frame: ${reason}`);
        else if (kind === TYPES.FILE_RESULT && Number.isInteger(msg.id)) {
          // The file call fails now, not at its deadline.
          const error = { code: "EIO", message: `the sandbox's answer was refused by its frame: ${reason}` };
          pagePort.postMessage({ token: init.token, msg: { type: TYPES.FILE_RESULT, id: msg.id, error } });
        } else pagePort.postMessage({ token: init.token, msg: { type: TYPES.REFUSED, reason: `refused by the frame: ${reason}` } });
        if (++bad === BAD_LIMIT) kill(`the sandbox sent ${BAD_LIMIT} malformed messages (last: ${reason})`);
      };
      relay.port1.onmessageerror = () => {
        if (++bad === BAD_LIMIT) kill("the sandbox sent messages that could not be deserialized");
      };
      pagePort.onmessage = (e) => {
        const body = e.data && e.data.body;
        relay.port1.postMessage(e.data, body instanceof ArrayBuffer ? [body] : []);
      };

      // What the worker holds outside Python's heap (typed arrays the code
      // made through `js`) it cannot be trusted to report, so this frame
      // measures itself and its worker after each run, where the browser
      // can: Chromium, cross-origin isolated. The answer comes with the
      // next garbage collection (within 20 s); one measure at a time.
      const canMeasure = self.crossOriginIsolated && typeof performance.measureUserAgentSpecificMemory === "function";
      let measuring = false;
      let again = false;
      async function measureMemory() {
        if (!canMeasure) return;
        if (measuring) {
          again = true;
          return;
        }
        measuring = true;
        try {
          const { bytes } = await performance.measureUserAgentSpecificMemory();
          controlPort.postMessage(`${PROTOCOL.MEMORY_MEASURED}${Number(bytes)}`);
        } catch {
          // Not measurable now (e.g. the frame is going away).
        }
        measuring = false;
        if (again) {
          again = false;
          measureMemory();
        }
      }

      // User code can call `postMessage` on its own global: that lands here.
      // It is never legitimate, so a flood of it ends the worker.
      let stray = 0;
      worker.onmessage = () => {
        if (++stray === STRAY_LIMIT) kill("the sandbox flooded its frame with messages");
      };
      worker.onerror = (e) => {
        e.preventDefault(); // reported to the page as `crashed`, not as an uncaught error
        report(`worker error: ${e.message || "the worker script failed to load"}`);
      };
      worker.onmessageerror = () => report("worker sent a message that could not be deserialized");
      // Interrupts need a SharedArrayBuffer, which exists here only when this
      // frame is cross-origin isolated; otherwise timeouts use termination.
      // The layout (interrupt, then input()) is PROTOCOL's SLOT_ and INPUT_
      // constants (src/supervisor/host/shared_buffer.rs tells the handshakes).
      let interrupt = null;
      if (self.crossOriginIsolated && typeof SharedArrayBuffer === "function") {
        interrupt = new Int32Array(new SharedArrayBuffer(limits.sharedBytes));
        init.interruptBuffer = interrupt.buffer;
      }
      const { INPUT_AT, SLOT_INPUT_SEQ, SLOT_INPUT_LENGTH, SLOT_INPUT_STATE } = PROTOCOL;
      const encoder = new TextEncoder();
      // The page's answer to the worker's input() request `input` (null line:
      // end of input), unless that request is over.
      function answerInput({ input, line }) {
        if (!interrupt || !Number.isInteger(input) || Atomics.load(interrupt, SLOT_INPUT_SEQ) !== input) return;
        if (typeof line === "string") {
          // (encodeInto refuses shared memory in Chromium; the page already
          // cut the line to fit.)
          const room = new Uint8Array(interrupt.buffer, INPUT_AT);
          const bytes = encoder.encode(line).subarray(0, room.length);
          room.set(bytes);
          Atomics.store(interrupt, SLOT_INPUT_LENGTH, bytes.length);
          Atomics.store(interrupt, SLOT_INPUT_STATE, PROTOCOL.INPUT_LINE);
        } else {
          Atomics.store(interrupt, SLOT_INPUT_STATE, PROTOCOL.INPUT_END);
        }
        Atomics.notify(interrupt, SLOT_INPUT_STATE);
      }
      // Control: PING is the page's heartbeat (it notices a dead process by
      // the missing answer); a number asks to stop run `id`: SLOT_STOP_RUN
      // names the run, SLOT_INTERRUPT is Pyodide's flag, set only if the
      // worker is in that run (SLOT_IN_RUN); a run that starts later sets it
      // itself (worker.js, `run`).
      controlPort.onmessage = (e) => {
        const id = e.data;
        if (id === PROTOCOL.PING) {
          controlPort.postMessage(PROTOCOL.ALIVE);
          return;
        }
        if (id && typeof id === "object") return answerInput(id);
        if (!interrupt || !Number.isInteger(id)) return;
        Atomics.store(interrupt, PROTOCOL.SLOT_STOP_RUN, id);
        if (Atomics.load(interrupt, PROTOCOL.SLOT_IN_RUN) === id) {
          Atomics.store(interrupt, PROTOCOL.SLOT_INTERRUPT, PROTOCOL.SIGINT);
        }
      };
      // Pyodide's files and the snapshot are Blobs: handles, not bytes, so
      // neither this frame nor the messages hold tens of MiB per sandbox.
      worker.postMessage(init, [relay.port2]);
    }
  });
}
