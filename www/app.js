// The pycage demo: a chat transcript whose code blocks run in a sandbox.
// This is the reference integration, so it renders the safe way, with
// pycage/render (output.js): text as text nodes, figures as <img>, tables
// rebuilt element by element, any other HTML in a nested sandboxed frame,
// files the code writes as downloads, never shown.
import init, { Sandbox } from "../pkg/pycage.js";
import { GALLERY } from "./gallery.js";
import { clearOutput, el, errorBox, showExecution, streamInto } from "./output.js";
import { setupAgent } from "./agent.js";
import { askInput, setupFiles } from "./files.js";

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

function setStatus(phase, text) {
  $("status").dataset.phase = phase;
  $("status-text").textContent = text;
}

// --- the sandbox ------------------------------------------------------------

let sandbox = null; // Promise<Sandbox>
let current = null; // { controller } of the run in progress
const files = setupFiles({ sandbox: () => sandbox });

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
  }).then((sb) => {
    // Before any run can get this sandbox, so the files are there for it.
    files.restore(sb);
    return sb;
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
  // A prompt still open when the run ends (its time limit, a crash) is
  // settled with null; clearing the output removes its box.
  const finished = new AbortController();
  const mine = { controller };
  current = mine;
  const live = streamInto(out);
  let ex;
  const limit = Number($("timeout").value);
  try {
    const sb = await sandbox;
    ex = await sb.runPython(code, {
      timeoutMs: limit * 1000,
      figureFormat: $("format").value,
      signal: controller.signal,
      onStdout: live.stdout,
      onStderr: live.stderr,
      onInput: (prompt) => askInput(out, prompt, AbortSignal.any([controller.signal, finished.signal])),
    });
  } catch (err) {
    clearOutput(out);
    out.append(errorBox(err.name ?? "Error", err.message, ""));
    return;
  } finally {
    finished.abort();
    if (current === mine) current = null;
  }
  showExecution(ex, out, { limit, packageUrl: PACKAGE_URL });
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
  // reset() restores nothing; the conversation's attached files come back.
  files.restore(sb);
  clearOutput($("editor-output"));
  $("editor-output").append(el("p", { className: "meta", textContent: "Fresh interpreter: all variables cleared; attached files written again." }));
};
$("isolation").onchange = async () => {
  const old = sandbox;
  boot();
  (await old.catch(() => null))?.dispose();
};

await init();
boot();
setupAgent({ sandbox: () => sandbox, timeoutSeconds: () => Number($("timeout").value), packageUrl: PACKAGE_URL });
