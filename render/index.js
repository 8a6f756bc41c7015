// pycage/render: an Execution in the page, safe by construction.
//
// Everything in an Execution is attacker data. Text enters the page only as
// text nodes; images only as <img> of checked PNG/JPEG/SVG data: URLs; table
// HTML only after an inert parse and an element-by-element rebuild through
// an allowlist (table.js); every other HTML only inside a nested sandboxed,
// opaque-origin frame without network (frame.js). No sandbox string is ever
// assigned to innerHTML, outerHTML, insertAdjacentHTML or a page element's
// srcdoc. Options that are wrong throw a TypeError naming the field; hostile
// content never throws: it becomes a notice.
import { clip, el, formatBytes, formatCount, notice } from "./dom.js";
import { downloadName, shownPath } from "./files.js";
import { FrameHost, plotlyBody, usesPlotly, usesVegaEmbed, vegaBody } from "./frame.js";
import { buildMarkdown, parseMarkdown } from "./markdown.js";
import { bundleImage, imageDataUrl, imageTitle, pngSize } from "./media.js";
import { optionError, resolveOptions, vegaScripts } from "./options.js";
import { installStyle } from "./style.js";
import { tableFromHtml } from "./table.js";
import { textBlock } from "./text.js";

export { DEFAULT_OPTIONS } from "./options.js";
export { applyCarriageReturns, parseAnsi, stripAnsi } from "./ansi.js";
export { CSS } from "./style.js";

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const str = (v) => (typeof v === "string" ? v : "");

function checkContainer(container) {
  if (!container || typeof container !== "object" || container.nodeType !== 1 || !container.ownerDocument?.defaultView) {
    throw optionError("container", "must be an Element in a document with a window");
  }
}

function checkExecution(execution) {
  if (!isObject(execution) || !Array.isArray(execution.outputs) || typeof execution.status !== "string") {
    throw optionError("execution", "must be an Execution (an object with `status` and `outputs`)");
  }
}

function checkOutputs(outputs) {
  if (!Array.isArray(outputs)) throw optionError("outputs", "must be an array of Output items");
}

const isStream = (item) => isObject(item) && (item.type === "stdout" || item.type === "stderr");

// Runs of stream items become one text block; each display item is a block.
function group(outputs, max) {
  const groups = [];
  const n = Math.min(outputs.length, max);
  for (let i = 0; i < n; i++) {
    if (isStream(outputs[i])) {
      const start = i;
      while (i + 1 < n && isStream(outputs[i + 1])) i++;
      groups.push({ kind: "stream", start, end: i + 1 });
    } else groups.push({ kind: "display", start: i, end: i + 1 });
  }
  return groups;
}

const mimeKey = (item) => (isObject(item) && isObject(item.data) ? Object.keys(item.data).join(",") : String(item?.type));
const streamSize = (outputs, g) => {
  let n = 0;
  for (let i = g.start; i < g.end; i++) n += str(outputs[i].text).length;
  return n;
};

class Renderer {
  constructor(container, options) {
    checkContainer(container);
    this.options = resolveOptions(options);
    this.doc = container.ownerDocument;
    installStyle(container);
    const theme = this.options.theme === "auto" ? "" : ` pycage-${this.options.theme}`;
    this.root = el(this.doc, "div", `pycage-render${theme}`);
    this.outputsNode = el(this.doc, "div", "pycage-outputs");
    this.outputsNode.style.display = "contents";
    this.trailerNode = el(this.doc, "div", "pycage-trailer");
    this.trailerNode.style.display = "contents";
    this.root.append(this.outputsNode, this.trailerNode);
    container.append(this.root);
    this.blocks = [];
    this.overflowNode = null;
    this.result = { bundle: undefined, node: null };
    this.fileUrls = new Map(); // file object -> blob: URL
    this.tables = 0;
    this.framesUsed = 0;
    this.figures = 0;
    this.disposed = false;
    this.pendingFrames = [];
    this.frames = new FrameHost(this.doc.defaultView, this.options, (frame, why, state) => {
      if (why === "blocked") return this.blocked(frame, state);
      frame.replaceWith(notice(this.doc, why === "flood" ? "This HTML output was removed: its frame sent too many messages." : "This HTML output was removed.", "warn"));
    });
  }

  // --- outputs, in their order ---------------------------------------------

  renderOutputs(outputs) {
    const o = this.options;
    const groups = group(outputs, o.maxOutputs);
    let keep = 0;
    for (; keep < Math.min(groups.length, this.blocks.length); keep++) {
      const g = groups[keep];
      const b = this.blocks[keep];
      if (b.kind !== g.kind || b.start !== g.start) break;
      if (g.kind === "display" && b.item !== outputs[g.start] && b.key !== mimeKey(outputs[g.start])) break;
      if (g.kind === "stream" && (b.end !== g.end || b.size !== streamSize(outputs, g))) break;
    }
    for (const b of this.blocks.splice(keep)) b.node.remove();
    this.frames.prune();
    for (const g of groups.slice(keep)) {
      const item = outputs[g.start];
      const node = g.kind === "stream" ? this.streamBlock(outputs, g) : this.safely(() => this.displayItem(item));
      this.outputsNode.append(node);
      this.blocks.push({ ...g, node, item, key: mimeKey(item), size: g.kind === "stream" ? streamSize(outputs, g) : 0 });
      this.registerFrames();
    }
    this.overflowNode?.remove();
    this.overflowNode = null;
    if (outputs.length > o.maxOutputs) {
      this.overflowNode = notice(this.doc, `${formatCount(outputs.length - o.maxOutputs)} more outputs not shown (over maxOutputs, ${formatCount(o.maxOutputs)}).`);
      this.outputsNode.append(this.overflowNode);
    }
  }

  // A frame's window exists once it is in a document: its messages are
  // recognised from then on (and again at its load event).
  registerFrames() {
    for (const state of this.pendingFrames.splice(0)) state.register();
  }

  streamBlock(outputs, g) {
    return this.safely(() => {
      const pieces = [];
      for (let i = g.start; i < g.end; i++) pieces.push({ text: str(outputs[i].text), stderr: outputs[i].type === "stderr" });
      return textBlock(this.doc, pieces, this.options);
    });
  }

  // Hostile content never throws out of the renderer.
  safely(make) {
    try {
      return make();
    } catch (error) {
      return notice(this.doc, `This output could not be shown (${clip(error?.message ?? error, 200)}).`, "warn");
    }
  }

  displayItem(item) {
    if (!isObject(item) || item.type !== "display" || !isObject(item.data)) return notice(this.doc, "An output item of an unknown shape was not shown.", "warn");
    return this.bundle(item.data);
  }

  // --- one mime bundle: the richest representation that may be shown ------

  bundle(data) {
    const o = this.options;
    const doc = this.doc;
    const wrap = el(doc, "div", "pycage-output");
    wrap.style.display = "contents";
    const notes = [];
    const plain = str(data["text/plain"]);
    const tryShow = () => {
      const plotly = data["application/vnd.plotly.v1+json"];
      if (isObject(plotly)) {
        if (o.plotlyUrl && o.frames) {
          const frame = this.frame(plotlyBody(plotly), plotlyTitle(plotly), [o.plotlyUrl], notes, () => this.specText(plain, plotly));
          if (frame) return frame;
        } else if (!("text/html" in data)) notes.push("A plotly figure is not drawn: the app has not configured plotly.js (options.plotlyUrl).");
      }
      const vega = this.vega(data, notes);
      if (vega) return vega;
      const image = bundleImage(data);
      if (image) {
        const img = this.image(image, plain);
        if (img) return img;
        notes.push(`An image (${image.mime}) was not shown: its data is not a valid image.`);
      }
      const html = data["text/html"];
      if (typeof html === "string" && html) {
        const shown = this.html(html, notes);
        if (shown) return shown;
      }
      const markdown = data["text/markdown"];
      if (typeof markdown === "string") return this.markdown(markdown, notes);
      const latex = data["text/latex"];
      if (typeof latex === "string") return this.latex(latex);
      if ("application/json" in data) return this.json(data["application/json"]);
      if (plain) return textBlock(doc, [{ text: plain, stderr: false }], o, "pycage-stream pycage-plain");
      return null;
    };
    const shown = tryShow();
    if (shown) wrap.append(shown);
    for (const n of notes) wrap.append(notice(doc, n));
    if (!shown && !notes.length) wrap.append(notice(doc, "An output with nothing that can be shown."));
    return wrap;
  }

  // A Vega-Lite or Vega spec, drawn by the app's vega-embed; without it, a
  // notice when the bundle has nothing else to draw (Altair's default
  // renderer gives the spec and text/plain only).
  vega(data, notes) {
    const o = this.options;
    const found = VEGA_MIMES.find(([mime]) => isObject(data[mime]));
    if (!found) return null;
    const [mime, mode, kind] = found;
    if (o.vegaUrls && o.frames) return this.frame(vegaBody(data[mime], mode), vegaTitle(data[mime], kind), vegaScripts(o), notes, () => this.specText(str(data["text/plain"]), data[mime]));
    if ("text/html" in data || bundleImage(data)) return null;
    notes.push(o.frames ? `A ${kind} chart is not drawn: the app has not configured vega (options.vegaUrls).` : `A ${kind} chart is not drawn here (frames are off).`);
    return null;
  }

  image({ mime, data }, plain) {
    const url = imageDataUrl(mime, data);
    if (!url) return null;
    const n = ++this.figures;
    const img = el(this.doc, "img", "pycage-figure");
    const size = mime === "image/png" ? pngSize(data) : null;
    if (size) {
      img.width = size.width;
      img.height = size.height;
    }
    const kind = { "image/png": "PNG", "image/jpeg": "JPEG", "image/svg+xml": "SVG" }[mime];
    const title = imageTitle(mime, data);
    const described = plain && plain.length <= 200 ? plain.trim() : "";
    img.alt = clip(title || described || `Figure ${n} (${kind}${size ? `, ${size.width}×${size.height}` : ""})`, 300);
    img.decoding = "async";
    img.src = url;
    return img;
  }

  html(html, notes) {
    const o = this.options;
    const doc = this.doc;
    if (this.tables < o.maxTables) {
      const table = tableFromHtml(html, doc, o);
      if (table) {
        this.tables++;
        const out = doc.createDocumentFragment();
        out.append(table.node);
        const rowsLeft = table.skippedRows + table.moreRows;
        const cut = [];
        if (rowsLeft) cut.push(`${table.moreRowsExact ? "" : "at least "}${formatCount(rowsLeft)} more rows`);
        if (table.skippedCells) cut.push(`${formatCount(table.skippedCells)} more cells`);
        if (cut.length || table.cutChars) {
          const read = table.cutChars ? ` Its HTML is ${formatBytes(html.length)}; the first ${formatBytes(html.length - table.cutChars)} were read.` : "";
          notes.push(`Table cut: showing ${formatCount(table.rows)} rows (maxTableRows ${formatCount(o.maxTableRows)}, maxTableCells ${formatCount(o.maxTableCells)})${cut.length ? `, not ${cut.join(" and ")}` : ""}.${read}`);
        }
        if (table.clippedCells) notes.push(`${formatCount(table.clippedCells)} cells were cut at ${formatCount(o.maxCellChars)} characters.`);
        return out;
      }
    }
    if (!o.frames) {
      notes.push("HTML output is not shown here (frames are off).");
      return null;
    }
    if (html.length > o.maxHtmlChars) {
      notes.push(`An HTML output of ${formatBytes(html.length)} was not shown (over maxHtmlChars).`);
      return null;
    }
    const plotly = usesPlotly(html);
    if (plotly && !o.plotlyUrl) {
      notes.push("A plotly figure is not drawn: the app has not configured plotly.js (options.plotlyUrl).");
      return null;
    }
    // Altair's HTML names vega on a CDN, which the CSP refuses; the app's
    // own copies are loaded first instead, so its vegaEmbed() call draws.
    const vega = usesVegaEmbed(html);
    if (vega && !o.vegaUrls) {
      notes.push("A Vega-Lite chart is not drawn: the app has not configured vega (options.vegaUrls).");
      return null;
    }
    const source = () => textBlock(this.doc, [{ text: html, stderr: false }], o, "pycage-stream pycage-html-source");
    if (plotly) return this.frame(html, "Plotly figure", [o.plotlyUrl], notes, source);
    return this.frame(html, vega ? "Vega-Lite chart" : "HTML output", vega ? vegaScripts(o) : [], notes, source);
  }

  // `fallback` makes what the frame shows as text, for when it cannot run.
  frame(body, title, preload, notes, fallback) {
    if (this.framesUsed >= this.options.maxFrames) {
      notes.push(`An HTML output was not shown: over maxFrames (${this.options.maxFrames}) in this render.`);
      return null;
    }
    this.framesUsed++;
    const state = this.frames.create(this.doc, body, { title, preloadScripts: preload });
    state.fallback = fallback;
    this.pendingFrames.push(state);
    return state.frame;
  }

  // A frame whose scripts did not run (no "ready", frame.js): on a page
  // whose CSP forbids inline scripts it would stay an empty box. It is
  // replaced by a notice saying why and the output as text.
  blocked(frame, state) {
    const shown = notice(this.doc, BLOCKED_NOTICE, "warn");
    shown.classList.add("pycage-blocked");
    frame.replaceWith(shown, ...(state.fallback ? [this.safely(state.fallback)] : []));
  }

  // A chart's text: its text/plain, or its spec as JSON when it has none.
  specText(plain, spec) {
    const o = this.options;
    if (plain) return textBlock(this.doc, [{ text: plain, stderr: false }], o, "pycage-stream pycage-plain");
    return this.json(spec);
  }

  json(value) {
    const o = this.options;
    let text;
    try {
      text = JSON.stringify(value, null, 2) ?? "null";
    } catch {
      text = "(JSON that cannot be shown)";
    }
    return textBlock(this.doc, [{ text: clip(text, o.maxJsonChars), stderr: false }], o, "pycage-stream pycage-json");
  }

  markdown(text, notes) {
    const o = this.options;
    const node = el(this.doc, "div", "pycage-markdown");
    if (text.length > o.maxMarkdownChars) notes.push(`Markdown cut at ${formatCount(o.maxMarkdownChars)} of ${formatCount(text.length)} characters.`);
    buildMarkdown(this.doc, parseMarkdown(text.slice(0, o.maxMarkdownChars)), node);
    return node;
  }

  latex(source) {
    const o = this.options;
    const node = el(this.doc, "div", "pycage-latex");
    const text = clip(source, o.maxMarkdownChars);
    if (o.renderLatex) {
      try {
        o.renderLatex(text, node);
        return node;
      } catch {
        node.replaceChildren();
      }
    }
    node.append(el(this.doc, "pre", "", text));
    return node;
  }

  // --- after the outputs: result, error, files, notices -------------------

  renderTrailer(ex) {
    const doc = this.doc;
    const o = this.options;
    const parts = [];
    if (ex.result !== this.result.bundle) {
      this.result.node?.remove();
      this.result = { bundle: ex.result, node: isObject(ex.result) ? this.safely(() => this.bundle(ex.result)) : null };
    }
    this.result.node?.classList.add("pycage-result");
    const error = isObject(ex.error) ? ex.error : null;
    if (ex.status === "error" && error) parts.push(this.safely(() => this.errorBox(error)));
    const why = error ? clip(str(error.message), 500) : "";
    if (ex.status === "timeout") parts.push(notice(doc, `The run timed out${why ? `: ${why}` : "."}`, "warn"));
    else if (ex.status === "cancelled") parts.push(notice(doc, `The run was cancelled${why ? `: ${why}` : "."}`, "warn"));
    else if (ex.status === "crashed") parts.push(notice(doc, `The interpreter crashed${why ? `: ${why}` : "."}`, "warn"));
    if (ex.interpreterReset === true) {
      const reason = str(ex.resetReason);
      parts.push(notice(doc, `The interpreter was reset${reason ? ` (${clip(reason, 300)})` : ""}: variables from earlier runs are gone.`, "warn"));
    } else if (ex.status === "timeout") parts.push(notice(doc, "The interpreter and its variables were kept."));
    if (ex.truncated === true) parts.push(notice(doc, "Output was cut at the sandbox's output limit (maxOutputBytes)."));
    if (Array.isArray(ex.files) && ex.files.length) parts.push(this.safely(() => this.fileList(ex.files)));
    else this.revokeUnused(new Set());
    const lists = [
      [ex.lostFiles, (n) => `${n} file${n === 1 ? "" : "s"} from earlier runs ${n === 1 ? "was" : "were"} lost when the interpreter was replaced:`],
      [ex.droppedOutputs, (n) => `${n} output${n === 1 ? " was" : "s were"} dropped:`],
      [ex.protocolViolations, (n) => `The sandbox broke pycage's protocol ${n} time${n === 1 ? "" : "s"}:`],
    ];
    for (const [items, title] of lists) {
      if (!Array.isArray(items) || !items.length) continue;
      const box = notice(doc, title(items.length));
      const ul = el(doc, "ul", "");
      for (const item of items.slice(0, o.maxListed)) ul.append(el(doc, "li", "", clip(str(item) || String(item), 300)));
      if (items.length > o.maxListed) ul.append(el(doc, "li", "", `... and ${formatCount(items.length - o.maxListed)} more`));
      box.append(ul);
      parts.push(box);
    }
    this.trailerNode.replaceChildren(...(this.result.node ? [this.result.node] : []), ...parts);
    this.registerFrames();
  }

  errorBox(error) {
    const doc = this.doc;
    const o = this.options;
    const box = el(doc, "div", "pycage-error");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Error");
    const type = clip(str(error.type) || "Error", 200);
    box.append(el(doc, "p", "pycage-error-title", `${type}: ${clip(str(error.message), o.maxStreamChars)}`));
    const traceback = str(error.traceback);
    if (traceback.trim()) box.append(textBlock(doc, [{ text: traceback, stderr: false }], o, "pycage-traceback"));
    return box;
  }

  fileList(files) {
    const doc = this.doc;
    const wrap = el(doc, "div", "pycage-files-wrap");
    wrap.append(el(doc, "p", "pycage-meta", `Files the code wrote (${files.length}):`));
    const ul = el(doc, "ul", "pycage-files");
    const used = new Set();
    for (const file of files) {
      if (!isObject(file) || !(file.data instanceof Uint8Array)) continue;
      let url = this.fileUrls.get(file);
      if (!url) {
        url = URL.createObjectURL(new Blob([file.data], { type: "application/octet-stream" }));
        this.fileUrls.set(file, url);
      }
      used.add(file);
      const path = str(file.path);
      const a = el(doc, "a", "", clip(shownPath(path) || "file", 300));
      a.href = url;
      a.download = downloadName(path);
      a.rel = "noopener";
      const size = formatBytes(typeof file.size === "number" ? file.size : file.data.length);
      ul.append(el(doc, "li", "", a, el(doc, "span", "pycage-meta", ` ${size}${file.mime ? ` · ${clip(str(file.mime), 100)}` : ""}`)));
    }
    this.revokeUnused(used);
    wrap.append(ul);
    return wrap;
  }

  revokeUnused(used) {
    for (const [file, url] of this.fileUrls) {
      if (used.has(file)) continue;
      URL.revokeObjectURL(url);
      this.fileUrls.delete(file);
    }
  }

  dispose() {
    if (this.disposed) return;
    this.disposed = true;
    this.frames.dispose();
    this.revokeUnused(new Set());
    this.root.remove();
  }
}

const BLOCKED_NOTICE =
  "This output could not be drawn: the page's Content-Security-Policy blocks scripts in the renderer's sandboxed frames " +
  "(srcdoc frames inherit it). Its text is shown instead. See pycage's docs/render.md.";

// The mime types of Vega-Lite and Vega specs, the newest first, with
// vega-embed's mode. Altair 6 gives v6+json (pycage's capture adds it) or,
// in its mimetype renderer, v6.json; Altair 5 v5+json, Altair 4 v4+json.
const VEGA_MIMES = [
  ...["v6+json", "v6.json", "v5+json", "v4+json"].map((v) => [`application/vnd.vegalite.${v}`, "vega-lite", "Vega-Lite"]),
  ...["v6+json", "v6.json", "v5+json"].map((v) => [`application/vnd.vega.${v}`, "vega", "Vega"]),
];

// A spec's title is a string, lines (an array), or { text } of either.
function vegaTitle(spec, kind) {
  const t = isObject(spec.title) ? spec.title.text : spec.title;
  const text = typeof t === "string" ? t : Array.isArray(t) ? t.filter((l) => typeof l === "string").join(" ") : "";
  return text.trim() ? `${kind} chart: ${clip(text.trim(), 200)}` : `${kind} chart`;
}

function plotlyTitle(figure) {
  const t = figure?.layout?.title;
  const text = typeof t === "string" ? t : typeof t?.text === "string" ? t.text : "";
  return text ? `Plotly figure: ${clip(text.replace(/<[^>]*>/g, ""), 200)}` : "Plotly figure";
}

/**
 * Renders an Execution into `container` (appended, in the outputs' true
 * order, then the result, the error, the files and notices). Returns a
 * handle: `update(execution)` re-renders what changed (streaming: new
 * outputs are appended, frames already shown are kept), `dispose()` removes
 * it, its frames, its message listener and its blob: URLs.
 */
export function renderExecution(execution, container, options) {
  checkExecution(execution);
  const r = new Renderer(container, options);
  const draw = (ex) => {
    r.renderOutputs(ex.outputs);
    r.renderTrailer(ex);
  };
  draw(execution);
  return {
    element: r.root,
    update(next) {
      checkExecution(next);
      if (!r.disposed) draw(next);
    },
    dispose: () => r.dispose(),
  };
}

/** Renders Output items alone (no result, error, files or notices). */
export function renderOutputs(outputs, container, options) {
  checkOutputs(outputs);
  const r = new Renderer(container, options);
  r.renderOutputs(outputs);
  return {
    element: r.root,
    update(next) {
      checkOutputs(next);
      if (!r.disposed) r.renderOutputs(next);
    },
    dispose: () => r.dispose(),
  };
}
