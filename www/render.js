// Renders an Execution into the page, the safe way: text goes in as text
// nodes, images as <img> with data URLs made from validated figures, and
// HTML/SVG from the sandbox is never inserted. Files the code wrote are
// download links only, never shown. Shared by the scripted showcase (app.js)
// and the agent mode (agent.js).
import { figureToDataUrl } from "../pkg/pycage.js";

export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

export function figureImage(figure) {
  const img = el("img", { className: "figure", src: figureToDataUrl(figure), alt: `figure (${figure.mime})` });
  // Known sizes reserve their space, so the page does not jump as it decodes.
  if (figure.width && figure.height) {
    img.width = figure.width;
    img.height = figure.height;
  }
  return img;
}

// Every download link's blob: URL, with its <a>: a URL is revoked once its
// link has left the page (its output cleared, a conversation cleared).
const downloads = new Map();

/** Empties an output and frees the blob: URLs of links no longer shown. */
export function clearOutput(out) {
  out.replaceChildren();
  for (const [url, link] of downloads) {
    if (link.isConnected) continue;
    URL.revokeObjectURL(url);
    downloads.delete(url);
  }
}

export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// The code chose the file's name and bytes. As application/octet-stream the
// browser saves it whatever its name says (an .html or .svg is not opened as
// a page of this origin), and it is never put in an <img> or the DOM.
function fileLinks(files) {
  const list = el("ul", { className: "files-out" });
  for (const file of files) {
    const name = file.path.split("/").pop() || "file";
    const url = URL.createObjectURL(new Blob([file.data], { type: "application/octet-stream" }));
    const link = el("a", { href: url, download: name, rel: "noopener", textContent: file.path.replace(/^\/mnt\/data\//, "") });
    downloads.set(url, link);
    list.append(el("li", {}, link, el("span", { className: "meta", textContent: ` ${formatBytes(file.size)} · ${file.mime}` })));
  }
  return el("div", { className: "files-written" }, el("p", { className: "meta", textContent: "Files the code wrote (downloads):" }), list);
}

export function errorBox(type, message, traceback) {
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

// `limit` is the run's time limit in seconds; `packageUrl` is where numpy and
// friends were to come from, named when they could not be loaded.
export function render(ex, out, { limit, packageUrl }) {
  clearOutput(out);
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
  if (ex.files?.length) out.append(fileLinks(ex.files));
  if (ex.lostFiles?.length) {
    out.append(el("div", { className: "notice", textContent: `Files earlier code made were lost when its interpreter was replaced: ${ex.lostFiles.join(", ")}. Attached files are restored.` }));
  }
  const secs = (ex.durationMs / 1000).toFixed(1);
  if (ex.status === "error") {
    out.append(errorBox(ex.error.type, ex.error.message, ex.error.traceback));
    if (ex.error.type === "PackageLoadError") out.append(packageHelp(packageUrl));
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

function packageHelp(packageUrl) {
  return el("div", { className: "notice" },
    "numpy and matplotlib are not part of Pyodide's npm package, so this demo loads them from ",
    el("code", { textContent: packageUrl }),
    ". That server is not reachable from here. To self-host, copy a full Pyodide distribution to your server and open this page with ",
    el("code", { textContent: "?packages=<its URL>" }),
    " (or pass packageBaseUrl to Sandbox.create).");
}
