// Text blocks (stdout, stderr, a traceback, text/plain): ANSI colours as
// spans with classes, long text collapsed to its first lines with a
// "Show all" button that expands it up to a hard cap.
import { applyCarriageReturns, parseAnsi } from "./ansi.js";
import { button, el, formatCount } from "./dom.js";

let serial = 0;

// The first `maxChars` characters of the pieces, stopping after `maxLines` lines.
function take(pieces, maxChars, maxLines) {
  const out = [];
  let chars = 0;
  let lines = 0;
  for (const piece of pieces) {
    if (chars >= maxChars || lines >= maxLines) break;
    let text = piece.text.length > maxChars - chars ? piece.text.slice(0, maxChars - chars) : piece.text;
    let at = -1;
    while (lines < maxLines && (at = text.indexOf("\n", at + 1)) >= 0) lines++;
    if (lines >= maxLines && at >= 0) text = text.slice(0, at + 1);
    out.push({ ...piece, text });
    chars += text.length;
  }
  return { pieces: out, chars };
}

// Consecutive pieces of the same kind, joined (a carriage return may end one and act on the next).
function merge(pieces) {
  const out = [];
  for (const p of pieces) {
    const last = out[out.length - 1];
    if (last && last.stderr === p.stderr) last.text += p.text;
    else out.push({ text: p.text, stderr: p.stderr });
  }
  return out;
}

function fill(doc, pre, pieces, options) {
  let budget = options.maxAnsiSegments;
  for (const piece of merge(pieces)) {
    const segments = parseAnsi(applyCarriageReturns(piece.text), { maxSegments: Math.max(1, budget) });
    budget -= segments.length;
    const target = piece.stderr ? el(doc, "span", "pycage-stderr") : pre;
    if (piece.stderr) pre.append(target);
    for (const s of segments) target.append(s.classes ? el(doc, "span", s.classes, s.text) : doc.createTextNode(s.text));
  }
}

/**
 * A block of text: `pieces` are `{ text, stderr }`. Returns the element;
 * over `maxStreamChars` or `maxStreamLines` it shows the head, how much is
 * hidden, and a button to show all (up to `maxExpandedChars`).
 */
export function textBlock(doc, pieces, options, className = "pycage-stream") {
  const total = pieces.reduce((n, p) => n + p.text.length, 0);
  const block = el(doc, "div", "pycage-text");
  const pre = el(doc, "pre", className);
  pre.id = `pycage-text-${++serial}`;
  pre.tabIndex = -1;
  block.append(pre);
  let expanded = false;
  let more = null;
  const draw = () => {
    const shown = expanded ? take(pieces, options.maxExpandedChars, Infinity) : take(pieces, options.maxStreamChars, options.maxStreamLines);
    pre.replaceChildren();
    fill(doc, pre, shown.pieces, options);
    const hidden = total - shown.chars;
    if (!more && hidden <= 0) return;
    if (!more) {
      more = el(doc, "div", "pycage-more");
      block.append(more);
    }
    const label = el(doc, "span", "", hidden > 0 ? `${formatCount(hidden)} more characters${expanded ? " (over the display limit)" : ""}` : "");
    const toggle = button(doc, expanded ? "Show less" : "Show all", () => {
      expanded = !expanded;
      draw();
      more.querySelector("button")?.focus();
    });
    toggle.setAttribute("aria-expanded", String(expanded));
    toggle.setAttribute("aria-controls", pre.id);
    more.replaceChildren(label, toggle);
  };
  draw();
  return block;
}
