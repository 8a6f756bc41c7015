// The conversation kept across a reload. Two things are kept, both in this
// origin's IndexedDB:
//  - the Python session (sandbox.exportSession()'s bytes: variables,
//    functions, classes, modules, the files in /mnt/data), through
//    pycage/store under SESSION_KEY;
//  - the page's own record (each cell's code and Execution, the agent's
//    turns, the attached files), in the database "pycage-demo".
// Both are written after each run, the record first. Storage is a nicety
// here: anything that fails (no IndexedDB, a full disk, a record from
// another version) becomes a note, and the demo goes on as if fresh.
import { deleteSession, loadSession, saveSession } from "../pkg/store/index.js";
import { el, formatBytes } from "./output.js";

export const SESSION_KEY = "pycage-demo";
const DB_NAME = "pycage-demo";
const STORE = "conversation";
const RECORD = "current";
// Bumped when the record's shape changes: an older record is not shown.
const VERSION = 1;
// Files a run wrote are kept (as download links) up to this many bytes per
// run; more would make every save slow. Their paths are kept either way.
const MAX_KEPT_FILE_BYTES = 4 * 1024 * 1024;

const $ = (id) => document.getElementById(id);

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error("IndexedDB is blocked by another tab"));
  });
}

// One request in one transaction; resolves once the transaction committed.
async function transact(mode, work) {
  const db = await openDb();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onabort = tx.onerror = () => reject(tx.error ?? request.error);
    });
  } finally {
    db.close();
  }
}

// What the last visit kept: `{ record, session, problem }`. Never rejects:
// a storage that cannot be read gives nulls and says why in `problem`.
async function loadKept() {
  try {
    const record = await transact("readonly", (store) => store.get(RECORD));
    if (record?.version !== VERSION) return { record: null, session: null, problem: null };
    return { record, session: await loadSession(SESSION_KEY), problem: null };
  } catch (err) {
    return { record: null, session: null, problem: describe(err) };
  }
}

/**
 * An Execution as the record keeps it: what pycage/render draws, as plain
 * data IndexedDB can clone. stdout, stderr and figures are left out: the
 * same text and images are in `outputs` and `result`.
 */
export function keepable(ex) {
  let budget = MAX_KEPT_FILE_BYTES;
  const files = (ex.files ?? []).map((f) => {
    const fits = f.data instanceof Uint8Array && f.data.length <= budget;
    if (fits) budget -= f.data.length;
    return { path: f.path, size: f.size, mime: f.mime, data: fits ? f.data : null };
  });
  return {
    status: ex.status,
    outputs: ex.outputs,
    result: ex.result,
    error: ex.error,
    truncated: ex.truncated,
    droppedOutputs: ex.droppedOutputs,
    protocolViolations: ex.protocolViolations,
    durationMs: ex.durationMs,
    interpreterReset: ex.interpreterReset,
    resetReason: ex.resetReason,
    files,
    lostFiles: ex.lostFiles,
  };
}

/**
 * Keeps the conversation. `sandbox()` gives the page's current
 * Promise<Sandbox>; `snapshot()` the record's contents now (`{ cells,
 * agent: { messages, turns }, attached }`). Returns `load()` (what the last
 * visit kept: `{ record, session }`), `saveSoon()`, `forget()`, and
 * `restored(summary)` / `refused(err)` / `noSession()`, which say what came
 * back.
 */
export function setupKept({ sandbox, snapshot }) {
  let chain = Promise.resolve();
  let queued = false;
  // forget() bumps it, so a save already under way does not write the old
  // conversation back after it was forgotten.
  let generation = 0;
  let saves = 0;
  // Whether a record is kept: until then an empty conversation (a visit
  // that ran nothing) writes nothing; after, emptying it is saved too.
  let keeping = false;

  async function load() {
    const last = await loadKept();
    if (last.problem) state("failed", `This browser does not let the page keep conversations (${last.problem}).`);
    keeping = Boolean(last.record);
    return last;
  }

  function state(name, text) {
    $("kept").dataset.state = name;
    $("kept-state").textContent = text;
  }

  function told(text, kind = "") {
    const box = $("kept-told");
    box.replaceChildren(...(text ? [el("div", { className: `notice ${kind}`.trim(), textContent: text })] : []));
  }

  // Saves once after the calls so far: runs that end while a save is under
  // way are covered by one more save, not one each.
  function saveSoon() {
    if (queued) return;
    queued = true;
    const mine = generation;
    chain = chain.then(() => {
      queued = false;
      return save(mine);
    });
  }

  async function save(mine) {
    if (mine !== generation) return;
    try {
      const contents = snapshot();
      const empty = !contents.cells.length && !contents.agent.turns.length && !contents.attached.length;
      if (empty && !keeping) return;
      keeping = true;
      state("saving", "Saving…");
      await transact("readwrite", (store) => store.put({ version: VERSION, savedAt: Date.now(), ...contents }, RECORD));
      const bytes = await (await sandbox()).exportSession();
      if (mine !== generation) return;
      await saveSession(SESSION_KEY, bytes);
      $("kept").dataset.saves = String(++saves);
      state("saved", `Kept in this browser (Python session ${formatBytes(bytes.length)}): reload and it comes back.`);
    } catch (err) {
      // The sandbox was replaced (isolation switch) while it exported: the
      // new one saves once it is ready.
      if (err?.name === "SandboxDisposedError") return;
      console.warn("[demo] could not keep the conversation:", err);
      state("failed", `Could not keep the conversation: ${describe(err)}`);
    }
  }

  async function forget() {
    generation++;
    keeping = false;
    await chain;
    told("");
    try {
      await transact("readwrite", (store) => store.delete(RECORD));
      await deleteSession(SESSION_KEY);
      state("empty", "New conversation: nothing from the last one is kept.");
    } catch (err) {
      state("failed", `Could not forget the conversation: ${describe(err)}`);
    }
  }

  function restored({ exact, variables, skipped, files }) {
    // The user's names first: Python's own (__warningregistry__) say little.
    const names = [...variables.filter((n) => !n.startsWith("_")), ...variables.filter((n) => n.startsWith("_"))];
    const parts = [`${count(names.length, "variable")}${names.length ? ` (${list(names)})` : ""}`];
    parts.push(`${count(files, "file")} in /mnt/data`);
    let text = `Restored from your last visit: ${parts.join(", ")}.`;
    if (skipped.length) text += ` Skipped: ${list(skipped.map((s) => `${s.name} (${s.reason})`))}.`;
    else if (!exact) text += " Some state could not be restored exactly.";
    told(text);
    $("kept").dataset.restored = "session";
  }

  function refused(err) {
    told(`The saved Python session could not be restored (${describe(err)}). Python starts fresh: the conversation below is only a record, its variables are gone.`, "error");
    $("kept").dataset.restored = "refused";
  }

  function noSession() {
    told("The conversation came back, but no Python session was kept with it: Python starts fresh.");
    $("kept").dataset.restored = "no-session";
  }

  state("empty", "Runs are kept in this browser: reload and the conversation comes back.");
  return { load, saveSoon, forget, restored, refused, noSession };
}

const count = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

// At most a handful of names: the rest as a number.
function list(names, max = 12) {
  const shown = names.slice(0, max).join(", ");
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

function describe(err) {
  return err?.message ?? String(err);
}
