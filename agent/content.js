// An Execution as the parts a model reads: one text part (status, streams,
// error, result, a line per figure, files) and then the figures sent: PNG
// and JPEG as image parts, SVG as text parts of their source.
import { formatBytes, headTail, resolveBudget, trimTraceback } from "./budget.js";
import { chartNote } from "./charts.js";
import { figureParts } from "./figures.js";

/** A text part, for callers that have something of their own to say. */
export function textPart(text) {
  return { type: "text", text };
}

function seconds(ms) {
  if (!(ms >= 0)) return "";
  return ms < 1000 ? ` in ${Math.round(ms)} ms` : ` in ${(ms / 1000).toFixed(1)} s`;
}

const LOST = "The interpreter was restarted: variables, imports and definitions from earlier calls are gone.";

const SYNTAX = new Set(["SyntaxError", "IndentationError", "TabError"]);

// For timeout, cancelled and crashed, `error` says why the run stopped; it
// belongs in the status line, not in the exception section.
function statusLine(ex) {
  const said = ex.error?.message ? ` Sandbox: ${ex.error.message}.` : "";
  const lost = ex.interpreterReset ? ` ${LOST}` : "";
  switch (ex.status) {
    case "ok":
      return `Status: ok. The code ran to its end${seconds(ex.durationMs)}.`;
    case "error": {
      const type = ex.error?.type ?? "an exception";
      const at = ex.error?.line != null ? ` on line ${ex.error.line}` : "";
      if (SYNTAX.has(type)) return `Status: error. The code did not run: it has a ${type}${at}.`;
      return `Status: error. The code raised ${type}${at}.${lost}`;
    }
    case "timeout":
      return `Status: timeout. The code ran past its time limit and was stopped.${said}${lost}`;
    case "cancelled":
      return `Status: cancelled. The user stopped the run.${said}${lost}`;
    case "crashed":
      return `Status: crashed. The Python interpreter died.${said}${lost || ` ${LOST}`}`;
    default:
      return `Status: ${String(ex.status)}.`;
  }
}

function section(title, body) {
  return `--- ${title} ---\n${body.replace(/\n+$/, "")}`;
}

function errorSection(error, budget) {
  const message = headTail(String(error.message ?? ""), budget.maxResultChars, "the message");
  const head = `${error.type}: ${message}`;
  // A SyntaxError's message already ends "(<cell-3>, line 2)".
  const at = error.line != null && !message.includes(`line ${error.line})`) ? ` (line ${error.line})` : "";
  const tb = error.traceback ? trimTraceback(String(error.traceback), budget.maxTracebackLines, budget.maxStreamChars) : "";
  return section("error", tb ? `${head}${at}\n${tb}` : `${head}${at}`);
}

// What the model reads of a bundle that is not an image: a line naming a
// chart (charts.js), else its text/plain. HTML is never sent.
function bundleText(bundle) {
  const note = chartNote(bundle);
  if (note) return note;
  return typeof bundle?.["text/plain"] === "string" ? bundle["text/plain"] : undefined;
}

// What display() showed that is not an image (a DataFrame, a dict, a chart).
function displayedText(outputs) {
  const texts = [];
  for (const out of Array.isArray(outputs) ? outputs : []) {
    if (out?.type !== "display" || !out.data) continue;
    const bundle = out.data;
    if (bundle["image/png"] || bundle["image/jpeg"] || bundle["image/svg+xml"]) continue;
    const text = bundleText(bundle);
    if (text !== undefined) texts.push(text);
  }
  return texts.join("\n");
}

function fileList(files, budget) {
  const entries = [];
  const add = (name, value) => {
    const size = value?.size ?? value?.byteLength ?? value?.length ?? value?.data?.byteLength;
    entries.push(typeof size === "number" ? `${name} (${formatBytes(size)})` : String(name));
  };
  if (Array.isArray(files)) for (const f of files) add(f?.path ?? f?.name ?? "?", f);
  else if (files instanceof Map) for (const [name, v] of files) add(name, v);
  else if (files && typeof files === "object") for (const [name, v] of Object.entries(files)) add(name, v);
  if (entries.length > budget.maxFiles) {
    const cut = entries.length - budget.maxFiles;
    entries.length = budget.maxFiles;
    entries.push(`[... ${cut} more files ...]`);
  }
  return entries.join("\n");
}

function textOf(ex, budget, imageNotes) {
  const parts = [statusLine(ex)];
  if (ex.stdout) parts.push(section("stdout", headTail(ex.stdout, budget.maxStreamChars, "stdout")));
  if (ex.stderr) parts.push(section("stderr", headTail(ex.stderr, budget.maxStreamChars, "stderr")));
  if (ex.truncated) parts.push("(The output went over the sandbox's output cap and was cut before this point.)");
  if (ex.status === "error" && ex.error) parts.push(errorSection(ex.error, budget));
  const result = bundleText(ex.result);
  if (typeof result === "string") parts.push(section("result", headTail(result, budget.maxResultChars, "the result")));
  const displayed = displayedText(ex.outputs);
  if (displayed) parts.push(section("displayed", headTail(displayed, budget.maxResultChars, "displayed output")));
  if (imageNotes.length) parts.push(section("figures", imageNotes.join("\n")));
  const dropped = Array.isArray(ex.droppedOutputs) ? ex.droppedOutputs : [];
  if (dropped.length) {
    const shown = dropped.slice(0, 5).map((d) => headTail(String(d), 300, "the reason"));
    const more = dropped.length > 5 ? `\n[... ${dropped.length - 5} more ...]` : "";
    parts.push(section("refused outputs", `${shown.join("\n")}${more}`));
  }
  if (ex.files != null) {
    const list = fileList(ex.files, budget);
    parts.push(section("files", list || "(none)"));
  }
  const silent = !ex.stdout && !ex.stderr && result == null && !displayed && !imageNotes.length;
  if (ex.status === "ok" && silent) {
    parts.push("(No output. Print values, or end the code with an expression, to see them.)");
  }
  return parts.join("\n");
}

/**
 * What the model reads of a run: a text part first, then up to
 * `budget.maxImages` figures, in their order: image parts (base64, no
 * data: prefix) and text parts of SVG source.
 */
export async function toModelContent(ex, budget) {
  const b = resolveBudget(budget);
  const { parts, notes } = await figureParts(ex?.figures, b);
  return [textPart(textOf(ex ?? {}, b, notes)), ...parts];
}
