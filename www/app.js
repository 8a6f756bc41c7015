// The pycage demo: a chat transcript whose code blocks run in a sandbox.
// This is the reference integration, so it renders the safe way: text goes
// in as text nodes, images as <img> with data URLs made from validated
// figures, and HTML/SVG from the sandbox is never inserted into the page.
import init, { Sandbox, figureToDataUrl } from "../pkg/pycage.js";
import { GALLERY } from "./gallery.js";

const opened = performance.now();
const params = new URLSearchParams(location.search);
// Pyodide's core files come from this server (npm's pyodide package); the
// packages numpy and matplotlib need are not on npm, so they come from the
// CDN unless ?packages= names a self-hosted mirror.
const PYODIDE_URL = params.get("pyodide") ?? new URL("../node_modules/pyodide/", location.href).href;
const PACKAGE_URL = params.get("packages") ?? "https://cdn.jsdelivr.net/pyodide/v314.0.7/full/";

const $ = (id) => document.getElementById(id);
const PHASES = {
  downloading: "Downloading Pyodide…",
  starting: "Starting Python…",
  packages: "Loading packages…",
};

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function setStatus(phase, text) {
  $("status").dataset.phase = phase;
  $("status-text").textContent = text;
}

// --- the sandbox ------------------------------------------------------------

let sandbox = null; // Promise<Sandbox>
let current = null; // { controller } of the run in progress

function boot() {
  const isolation = $("isolation").value;
  const started = performance.now();
  setStatus("downloading", PHASES.downloading);
  sandbox = Sandbox.create({
    pyodideUrl: PYODIDE_URL,
    packageBaseUrl: PACKAGE_URL,
    isolation,
    onProgress: ({ phase }) => phase !== "ready" && setStatus(phase, PHASES[phase] ?? phase),
    onLog: (line) => console.debug("[pycage]", line),
  });
  sandbox.then(
    (sb) => {
      const secs = ((performance.now() - started) / 1000).toFixed(1);
      const mode = sb.isolation === "iframe" ? "iframe: opaque origin, no network" : "worker: same origin";
      setStatus("ready", `Ready in ${secs} s · Python ${sb.pythonVersion} · isolation ${mode}`);
      document.body.dataset.readyMs = String(Math.round(performance.now() - opened));
    },
    (err) => setStatus("failed", `Could not start Python: ${err.message}`),
  );
  return sandbox;
}

async function run(code, out) {
  current?.controller.abort();
  const controller = new AbortController();
  const mine = { controller };
  current = mine;
  out.replaceChildren();
  const meta = el("p", { className: "meta", textContent: "Running…" });
  const stream = el("pre", { className: "stream" });
  out.append(meta);
  const write = (cls) => (chunk) => {
    if (!stream.isConnected) out.append(stream);
    stream.append(cls ? el("span", { className: cls, textContent: chunk }) : chunk);
  };
  let ex;
  const limit = Number($("timeout").value);
  try {
    const sb = await sandbox;
    ex = await sb.runPython(code, {
      timeoutMs: limit * 1000,
      figureFormat: $("format").value,
      signal: controller.signal,
      onStdout: write(null),
      onStderr: write("stderr"),
    });
  } catch (err) {
    out.replaceChildren(errorBox(err.name ?? "Error", err.message, ""));
    return;
  } finally {
    if (current === mine) current = null;
  }
  render(ex, out, limit);
}

// --- rendering an Execution -------------------------------------------------

function figureImage(figure) {
  const img = el("img", { className: "figure", src: figureToDataUrl(figure), alt: `figure (${figure.mime})` });
  // Known sizes reserve their space, so the page does not jump as it decodes.
  if (figure.width && figure.height) {
    img.width = figure.width;
    img.height = figure.height;
  }
  return img;
}

function errorBox(type, message, traceback) {
  const box = el("div", { className: "error" }, el("strong", { textContent: `${type}: ${message}` }));
  if (traceback) box.append(el("pre", { textContent: traceback }));
  return box;
}

// Rich data that is not an image is shown as text, with its source on demand.
function richData(bundle, plainClass = "stream") {
  const parts = [];
  const plain = bundle["text/plain"];
  for (const [mime, label] of [
    ["text/html", "HTML"],
    ["text/markdown", "Markdown"],
    ["application/json", "JSON"],
    ["application/vnd.plotly.v1+json", "Plotly figure (render it with plotly.js)"],
    ["text/latex", "LaTeX"],
  ]) {
    if (!(mime in bundle)) continue;
    const value = typeof bundle[mime] === "string" ? bundle[mime] : JSON.stringify(bundle[mime], null, 2);
    parts.push(el("details", { className: "rich" }, el("summary", { textContent: `${label} (shown as source, never inserted)` }), el("pre", { textContent: value })));
  }
  if (plain) parts.unshift(el("pre", { className: plainClass, textContent: plain }));
  return parts;
}

const IMAGE = ["image/png", "image/jpeg", "image/svg+xml"];

function render(ex, out, limit) {
  out.replaceChildren();
  const figures = ex.figures.filter((f) => f.source !== "result");
  let stream = null;
  for (const item of ex.outputs) {
    if (item.type === "display") {
      stream = null;
      const image = IMAGE.some((m) => m in item.data) && figures.length ? figures.shift() : null;
      out.append(...(image ? [figureImage(image)] : richData(item.data)));
      continue;
    }
    if (!stream) out.append((stream = el("pre", { className: "stream" })));
    stream.append(item.type === "stderr" ? el("span", { className: "stderr", textContent: item.text }) : item.text);
  }
  if (ex.result) {
    const image = ex.figures.find((f) => f.source === "result");
    if (image) out.append(figureImage(image));
    else out.append(...richData(ex.result, "result"));
  }
  const secs = (ex.durationMs / 1000).toFixed(1);
  if (ex.status === "error") {
    out.append(errorBox(ex.error.type, ex.error.message, ex.error.traceback));
    if (ex.error.type === "PackageLoadError") out.append(packageHelp());
  } else if (ex.status === "timeout") {
    const state = ex.interpreterReset
      ? "The interpreter was reset: earlier variables are gone."
      : "Python was interrupted (KeyboardInterrupt); the interpreter and its variables are kept.";
    out.append(el("div", { className: "notice timeout", textContent: `Stopped after ${limit} s (the time limit). ${state}` }));
  } else if (ex.status === "cancelled") {
    out.append(el("div", { className: "notice", textContent: `Cancelled after ${secs} s.` }));
  } else if (ex.status === "crashed") {
    out.append(el("div", { className: "notice crash", textContent: `The interpreter crashed: ${ex.error?.message ?? "unknown reason"}. A fresh one took its place.` }));
  }
  if (ex.truncated) out.append(el("div", { className: "notice", textContent: "Output was cut at the maxOutputBytes limit." }));
  for (const reason of ex.droppedOutputs) out.append(el("p", { className: "meta", textContent: `Dropped: ${reason}` }));
  out.append(el("p", { className: "meta", textContent: `${ex.status} · ${secs} s` }));
}

function packageHelp() {
  return el("div", { className: "notice" },
    "numpy and matplotlib are not part of Pyodide's npm package, so this demo loads them from ",
    el("code", { textContent: PACKAGE_URL }),
    ". That server is not reachable from here. To self-host, copy a full Pyodide distribution to your server and open this page with ",
    el("code", { textContent: "?packages=<its URL>" }),
    " (or pass packageBaseUrl to Sandbox.create).");
}

// --- the page ---------------------------------------------------------------

function exchange(item, index) {
  const out = el("div", { className: "output", id: `out-${index}` });
  const runButton = el("button", { className: "primary", textContent: "Run" });
  runButton.dataset.snippet = item.title;
  runButton.onclick = () => run(item.code, out);
  const stop = el("button", { textContent: "Stop", onclick: () => current?.controller.abort() });
  const edit = el("button", { textContent: "Open in editor", onclick: () => { $("code").value = item.code; $("code").focus(); } });
  return el("article", { className: "exchange", id: `ex-${index}` },
    el("div", { className: "msg user" }, el("div", { className: "role", textContent: "user" }), item.ask),
    el("div", { className: "msg agent" },
      el("div", { className: "role", textContent: "agent" }),
      el("p", { textContent: item.say }),
      el("pre", { className: "code" }, el("code", { textContent: item.code })),
      el("div", { className: "actions" }, runButton, stop, edit),
      out));
}

GALLERY.forEach((item, i) => {
  $("transcript").append(exchange(item, i));
  $("gallery").append(el("a", { href: `#ex-${i}`, textContent: item.title }));
});
$("run").onclick = () => run($("code").value, $("editor-output"));
$("stop").onclick = () => current?.controller.abort();
$("reset").onclick = async () => {
  const sb = await sandbox;
  await sb.reset();
  $("editor-output").replaceChildren(el("p", { className: "meta", textContent: "Fresh interpreter: all variables cleared." }));
};
$("isolation").onchange = async () => {
  const old = sandbox;
  boot();
  (await old.catch(() => null))?.dispose();
};

await init();
boot();
