// The pycage demo: a chat transcript whose code blocks run in a sandbox.
// This is the reference integration, so it renders the safe way, with
// pycage/render (output.js): text as text nodes, figures as <img>, tables
// rebuilt element by element, any other HTML in a nested sandboxed frame,
// files the code writes as downloads, never shown. The conversation is kept
// across a reload (kept.js): its cells, and the Python session.
import init, { Sandbox } from "../pkg/pycage.js";
import { GALLERY } from "./gallery.js";
import { clearOutput, el, errorBox, showExecution, streamInto } from "./output.js";
import { setupAgent } from "./agent.js";
import { askInput, setupFiles } from "./files.js";
import { keepable, setupKept } from "./kept.js";

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
// The cells of the showcase: id ("snippet:<title>", "editor") -> its output
// box, and the last run of each, as kept ({ code, limit, execution }).
const outputs = new Map();
const cells = new Map();
let agent = null; // setupAgent's handle, once the page is set up
const kept = setupKept({ sandbox: () => sandbox, snapshot });
const files = setupFiles({ sandbox: () => sandbox, onChange: kept.saveSoon });

// What the kept record holds now.
function snapshot() {
  return { cells: [...cells], agent: agent?.saved() ?? { messages: [], turns: [] }, attached: files.entries() };
}

// `session`: bytes of a kept session to boot into, or null for a fresh one.
// A session the sandbox refuses (SessionError) is said and dropped: Python
// starts fresh, and the cells shown stay.
function boot(session = null) {
  const isolation = $("isolation").value;
  const started = performance.now();
  setStatus("downloading", PHASES.downloading);
  const options = {
    pyodideUrl: PYODIDE_URL,
    packageBaseUrl: PACKAGE_URL,
    isolation,
    onProgress: ({ phase }) => phase !== "ready" && setStatus(phase, PHASES[phase] ?? phase),
    onLog: (line) => console.debug("[pycage]", line),
  };
  sandbox = Sandbox.create(session ? { ...options, session } : options).catch((err) => {
    if (!session || err?.name !== "SessionError") throw err;
    kept.refused(err);
    return Sandbox.create(options);
  }).then((sb) => {
    // Before any run can get this sandbox, so the files are there for it.
    if (sb.restoredSession) kept.restored(sb.restoredSession);
    else {
      files.restore(sb);
      // The kept session is now older than this interpreter: replace it.
      kept.saveSoon();
    }
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

// Runs `code` with its output in `out`; `cell` names the cell, to keep it.
async function run(code, out, cell) {
  current?.controller.abort();
  const controller = new AbortController();
  // A prompt still open when the run ends (its time limit, a crash) is
  // settled with null; clearing the output removes its box.
  const finished = new AbortController();
  const mine = { controller };
  current = mine;
  delete out.dataset.kept;
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
    cells.delete(cell);
    return;
  } finally {
    finished.abort();
    if (current === mine) current = null;
  }
  showExecution(ex, out, { limit, packageUrl: PACKAGE_URL });
  cells.set(cell, { code, limit, execution: keepable(ex) });
  kept.saveSoon();
}

// Draws the cells a kept conversation had, marked as earlier output.
function showKeptCells(saved) {
  for (const [id, cell] of saved) {
    const out = outputs.get(id);
    if (!out || !cell?.execution) continue;
    try {
      showExecution(cell.execution, out, { limit: cell.limit, packageUrl: PACKAGE_URL });
    } catch (err) {
      // A record this page cannot draw: the cell stays empty, the page works.
      console.warn("[demo] a kept cell could not be shown:", err);
      continue;
    }
    out.dataset.kept = "true";
    if (id === "editor") $("code").value = cell.code;
    cells.set(id, cell);
  }
}

// --- the page ---------------------------------------------------------------

function exchange(item, index) {
  const out = el("div", { className: "output", id: `out-${index}` });
  const runButton = el("button", { className: "primary", textContent: "Run" });
  runButton.dataset.snippet = item.title;
  const id = `snippet:${item.title}`;
  outputs.set(id, out);
  runButton.onclick = () => run(item.code, out, id);
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
outputs.set("editor", $("editor-output"));
$("run").onclick = () => run($("code").value, $("editor-output"), "editor");
$("stop").onclick = () => current?.controller.abort();
$("reset").onclick = async () => {
  const sb = await sandbox;
  await sb.reset();
  // reset() restores nothing; the conversation's attached files come back.
  files.restore(sb);
  kept.saveSoon();
  clearOutput($("editor-output"));
  cells.delete("editor");
  $("editor-output").append(el("p", { className: "meta", textContent: "Fresh interpreter: all variables cleared; attached files written again." }));
};
// Forgets everything: what is shown, the files, the interpreter's state and
// what is kept in this browser.
$("forget").onclick = async () => {
  current?.controller.abort();
  agent.clear();
  for (const out of outputs.values()) clearOutput(out);
  cells.clear();
  files.clear();
  await kept.forget();
  try {
    await (await sandbox).reset();
  } catch {
    // A sandbox that failed to start has no state to forget.
  }
};
$("isolation").onchange = async () => {
  const old = sandbox;
  boot();
  (await old.catch(() => null))?.dispose();
};

await init();
const last = await kept.load();
agent = setupAgent({ sandbox: () => sandbox, timeoutSeconds: () => Number($("timeout").value), packageUrl: PACKAGE_URL, onChange: kept.saveSoon });
if (last.record) {
  showKeptCells(last.record.cells ?? []);
  agent.load(last.record.agent);
  files.load(last.record.attached ?? []);
  if (!last.session) kept.noSession();
}
boot(last.session);
