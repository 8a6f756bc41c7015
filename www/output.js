// How the demo shows a run. The Execution itself (text, tables, figures,
// files, notices) is drawn by pycage/render, imported from the built
// package as an app imports it: nothing from the sandbox reaches innerHTML,
// HTML that is not a plain table runs in a nested sandboxed frame
// (docs/render.md). Around it the demo adds only its own words: a status
// line ("ok · 1.2 s") and, when numpy cannot be loaded, how to self-host.
// plotly.js is not configured: no copy of it is served by the demo (the
// renderer shows a notice for a plotly figure instead).
import { renderExecution } from "../pkg/render/index.js";

export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function errorBox(type, message, traceback) {
  const box = el("div", { className: "error" }, el("strong", { textContent: `${type}: ${message}` }));
  if (traceback) box.append(el("pre", { textContent: traceback }));
  return box;
}

const OPTIONS = { theme: "light" };
// The renderer's handle of each output box: disposed when the box is
// cleared, which removes its frames and revokes its files' blob: URLs.
const views = new WeakMap();

/** Empties an output box, and lets go of what its last render held. */
export function clearOutput(out) {
  views.get(out)?.dispose();
  views.delete(out);
  out.replaceChildren();
}

const running = (outputs) => ({
  status: "running",
  stdout: "",
  stderr: "",
  truncated: false,
  result: null,
  error: null,
  figures: [],
  outputs,
  droppedOutputs: [],
  protocolViolations: [],
  interpreterReset: false,
  files: [],
  lostFiles: [],
});

/**
 * Streams a run into `out`: returns `{ stdout(chunk), stderr(chunk) }` for
 * `onStdout`/`onStderr`, drawn through the renderer's `update()` at most
 * once a frame.
 */
export function streamInto(out) {
  clearOutput(out);
  const meta = el("p", { className: "meta", textContent: "Running…" });
  out.append(meta);
  const outputs = [];
  let view = null;
  let queued = false;
  const draw = () => {
    queued = false;
    if (!meta.isConnected) return; // cleared, or the run is over
    if (view) view.update(running([...outputs]));
    else {
      view = renderExecution(running([...outputs]), out, OPTIONS);
      views.set(out, view);
      out.append(meta);
    }
  };
  const write = (type) => (text) => {
    const last = outputs[outputs.length - 1];
    if (last?.type === type) outputs[outputs.length - 1] = { type, text: last.text + text };
    else outputs.push({ type, text });
    if (!queued) {
      queued = true;
      requestAnimationFrame(draw);
    }
  };
  return { stdout: write("stdout"), stderr: write("stderr") };
}

// `limit` is the run's time limit in seconds; `packageUrl` is where numpy and
// friends were to come from, named when they could not be loaded.
export function showExecution(ex, out, { limit, packageUrl }) {
  clearOutput(out);
  views.set(out, renderExecution(ex, out, OPTIONS));
  if (ex.status === "error" && ex.error?.type === "PackageLoadError") out.append(packageHelp(packageUrl));
  const secs = (ex.durationMs / 1000).toFixed(1);
  const why = ex.status === "timeout" ? ` (the time limit, ${limit} s)` : "";
  out.append(el("p", { className: "meta", textContent: `${ex.status} · ${secs} s${why}` }));
}

function packageHelp(packageUrl) {
  return el("div", { className: "notice" },
    "numpy and matplotlib are not part of Pyodide's npm package, so this demo loads them from ",
    el("code", { textContent: packageUrl }),
    ". That server is not reachable from here. To self-host, copy a full Pyodide distribution to your server and open this page with ",
    el("code", { textContent: "?packages=<its URL>" }),
    " (or pass packageBaseUrl to Sandbox.create).");
}
