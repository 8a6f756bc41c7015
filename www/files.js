// Files in, and answers to input(): the attach bar (a file picker, drops
// anywhere on the page, the attached files as chips) and the box that
// appears when the code asks for input. Files the code writes come back as
// download links, drawn by pycage/render with the rest of an Execution.
import { el, formatBytes } from "./output.js";

const $ = (id) => document.getElementById(id);
export const WORKDIR = "/mnt/data";

const SAMPLE = `month,region,revenue
2026-01,north,1200
2026-01,south,950
2026-02,north,1340
2026-02,south,880
2026-03,north,1510
2026-03,south,1020
2026-04,north,1460
2026-04,south,1190
`;

// `sandbox()` gives the page's current Promise<Sandbox>; `onChange()` is
// called when a file was attached or removed. Returns `restore(sb)`, which
// writes every attached file again into a fresh interpreter (after reset(),
// or into the sandbox of another isolation mode): the files belong to the
// conversation, not to one interpreter. `entries()` and `load(entries)` give
// and take the attached files for the kept conversation; `clear()` forgets
// them (the page resets the interpreter).
export function setupFiles({ sandbox, onChange = () => {} }) {
  // name -> bytes. A copy is kept because a write may transfer its buffer
  // to the sandbox, and restore() must be able to write it again.
  const attached = new Map();

  $("attach").onclick = () => $("file-input").click();
  $("file-input").onchange = () => {
    attachAll([...$("file-input").files]);
    $("file-input").value = ""; // picking the same file again still fires change
  };
  $("attach-sample").onclick = () => attachAll([new File([SAMPLE], "sales.csv", { type: "text/csv" })]);

  // A drop anywhere on the page attaches; without preventDefault the
  // browser would open the file in place of the demo.
  const hasFiles = (event) => event.dataTransfer?.types.includes("Files");
  document.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    document.body.dataset.dropping = "true";
  });
  document.addEventListener("dragleave", (event) => {
    if (!event.relatedTarget) delete document.body.dataset.dropping;
  });
  document.addEventListener("drop", (event) => {
    delete document.body.dataset.dropping;
    if (!event.dataTransfer?.files.length) return;
    event.preventDefault();
    attachAll([...event.dataTransfer.files]);
  });

  async function attachAll(files) {
    note("");
    await Promise.all(files.map(attach));
  }

  async function attach(file) {
    const name = file.name;
    const item = chip(name, file.size);
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      await write(await sandbox(), name, bytes, item);
      attached.set(name, bytes);
      onChange();
    } catch (err) {
      // A refused write loses nothing: a file of that name attached before is still there.
      if (attached.has(name)) chip(name, attached.get(name).length).dataset.state = "ready";
      else item.remove();
      note(`Could not attach ${name}: ${describe(err)}`);
    }
  }

  // The sandbox refuses bad names itself (a path with "..", NUL, a file over
  // maxFileBytes) with a SandboxFileError; the chip only shows what it took.
  async function write(sb, name, bytes, item) {
    item.dataset.state = "pending";
    await sb.writeFile(name, bytes.slice());
    item.dataset.state = "ready";
  }

  async function remove(name, item) {
    item.dataset.state = "pending";
    try {
      await (await sandbox()).removeFile(name);
    } catch (err) {
      // Already gone (the code deleted it, or a reset did): nothing to undo.
      if (err?.code !== "ENOENT") {
        item.dataset.state = "ready";
        note(`Could not remove ${name}: ${describe(err)}`);
        return;
      }
    }
    attached.delete(name);
    item.remove();
    onChange();
  }

  // One chip per name: attaching a file of the same name replaces it, as it
  // replaces the file in the sandbox.
  function chip(name, size) {
    const old = [...$("file-chips").children].find((li) => li.dataset.name === name);
    const remover = el("button", { className: "remove", textContent: "×", title: `Remove ${name}` });
    remover.setAttribute("aria-label", `Remove ${name}`);
    const item = el("li", { className: "chip", title: `${WORKDIR}/${name}` },
      el("span", { className: "name", textContent: name }),
      el("span", { className: "size", textContent: formatBytes(size) }),
      remover);
    item.dataset.name = name;
    item.dataset.state = "pending";
    remover.onclick = () => remove(name, item);
    if (old) old.replaceWith(item);
    else $("file-chips").append(item);
    return item;
  }

  function note(text) {
    $("file-notes").textContent = text;
  }

  // Called before anyone else gets the sandbox: file operations queue in
  // order with runs, so these writes land before the next run starts.
  function restore(sb) {
    for (const [name, bytes] of attached) {
      const item = [...$("file-chips").children].find((li) => li.dataset.name === name);
      write(sb, name, bytes, item).catch((err) => {
        item.dataset.state = "error";
        note(`Could not write ${name} again: ${describe(err)}`);
      });
    }
  }

  // The chips of a kept conversation: its files are in /mnt/data already
  // when its session came back, and restore() writes them when it did not.
  function load(entries) {
    for (const [name, bytes] of entries) {
      if (typeof name !== "string" || !(bytes instanceof Uint8Array)) continue;
      attached.set(name, bytes);
      chip(name, bytes.length).dataset.state = "ready";
    }
  }

  function clear() {
    attached.clear();
    $("file-chips").replaceChildren();
    note("");
  }

  return { restore, entries: () => [...attached], load, clear };
}

// The box shown while the code waits in input(). Resolves with what the user
// typed. When `signal` aborts (the user pressed Stop, or the run ended at its
// time limit before anyone answered) the box goes away and the answer is
// null, end of input: the run is over, and pycage logs a rejection as an error.
export function askInput(out, prompt, signal) {
  return new Promise((resolve) => {
    const field = el("input", { type: "text", name: "answer", autocomplete: "off", spellcheck: false });
    const form = el("form", { className: "input-box" },
      el("label", {}, el("span", { className: "prompt", textContent: prompt || "input()" }), field),
      el("button", { type: "submit", className: "primary", textContent: "Send" }));
    const stop = () => {
      form.remove();
      resolve(null);
    };
    if (signal.aborted) return stop();
    signal.addEventListener("abort", stop, { once: true });
    form.onsubmit = (event) => {
      event.preventDefault();
      signal.removeEventListener("abort", stop);
      form.remove();
      resolve(field.value);
    };
    out.append(form);
    field.focus();
  });
}

function describe(err) {
  return err?.message ?? String(err);
}
