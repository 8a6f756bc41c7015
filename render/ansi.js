// ANSI escape sequences in a stream, as the terminal would show them: SGR
// (colours, bold, italic, underline) becomes class names, never inline style
// from the stream; every other escape sequence and control character is
// dropped. Carriage returns overwrite their line, as a progress bar expects.
// Pure: no DOM.

/** Keeps, of each line, what follows its last carriage return (a progress bar's last state). */
export function applyCarriageReturns(text) {
  if (!text.includes("\r")) return text;
  return text
    .split("\n")
    .map((line) => {
      const trimmed = line.endsWith("\r") ? line.replace(/\r+$/, "") : line;
      const cut = trimmed.lastIndexOf("\r");
      return cut < 0 ? trimmed : trimmed.slice(cut + 1);
    })
    .join("\n");
}

// 256-colour and truecolour values map to the nearest of the 16 classes.
const BASIC_RGB = [
  [0, 0, 0], [205, 49, 49], [13, 188, 121], [229, 229, 16], [36, 114, 200], [188, 63, 188], [17, 168, 205], [229, 229, 229],
  [102, 102, 102], [241, 76, 76], [35, 209, 139], [245, 245, 67], [59, 142, 234], [214, 112, 214], [41, 184, 219], [255, 255, 255],
];

function nearest(r, g, b) {
  let best = 0;
  let bestDistance = Infinity;
  for (let i = 0; i < 16; i++) {
    const [R, G, B] = BASIC_RGB[i];
    const d = (R - r) ** 2 + (G - g) ** 2 + (B - b) ** 2;
    if (d < bestDistance) [best, bestDistance] = [i, d];
  }
  return best;
}

function from256(n) {
  if (n < 16) return n;
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return nearest(v, v, v);
  }
  const i = n - 16;
  const level = (x) => (x === 0 ? 0 : 55 + x * 40);
  return nearest(level(Math.floor(i / 36)), level(Math.floor(i / 6) % 6), level(i % 6));
}

const byte = (v) => Number.isInteger(v) && v >= 0 && v <= 255;

// Applies one SGR parameter list to the state; returns nothing.
function applySgr(state, params) {
  const codes = params === "" ? [0] : params.split(/[;:]/).map((p) => (p === "" ? 0 : Number(p)));
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c === 0) Object.assign(state, { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false });
    else if (c === 1) state.bold = true;
    else if (c === 2) state.dim = true;
    else if (c === 3) state.italic = true;
    else if (c === 4) state.underline = true;
    else if (c === 22) state.bold = state.dim = false;
    else if (c === 23) state.italic = false;
    else if (c === 24) state.underline = false;
    else if (c >= 30 && c <= 37) state.fg = c - 30;
    else if (c === 39) state.fg = null;
    else if (c >= 40 && c <= 47) state.bg = c - 40;
    else if (c === 49) state.bg = null;
    else if (c >= 90 && c <= 97) state.fg = c - 90 + 8;
    else if (c >= 100 && c <= 107) state.bg = c - 100 + 8;
    else if (c === 38 || c === 48) {
      let colour = null;
      if (codes[i + 1] === 5) {
        if (byte(codes[i + 2])) colour = from256(codes[i + 2]);
        i += 2;
      } else if (codes[i + 1] === 2) {
        if (byte(codes[i + 2]) && byte(codes[i + 3]) && byte(codes[i + 4])) colour = nearest(codes[i + 2], codes[i + 3], codes[i + 4]);
        i += 4;
      }
      if (colour !== null) state[c === 38 ? "fg" : "bg"] = colour;
    }
  }
}

function classesOf(state) {
  const out = [];
  if (state.fg !== null) out.push(`pycage-fg-${state.fg}`);
  if (state.bg !== null) out.push(`pycage-bg-${state.bg}`);
  if (state.bold) out.push("pycage-bold");
  if (state.dim) out.push("pycage-dim");
  if (state.italic) out.push("pycage-italic");
  if (state.underline) out.push("pycage-underline");
  return out.join(" ");
}

// Control characters other than tab and newline (C0, DEL, C1).
// eslint-disable-next-line no-control-regex -- control characters are what this strips
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * Splits text into `{ text, classes }` segments (`classes` is "" or
 * space-separated `pycage-*` class names). After `maxSegments` styled
 * segments the rest of the text is one unstyled segment, so the work and
 * the number of elements stay bounded whatever the stream holds.
 */
export function parseAnsi(text, { maxSegments = 5000 } = {}) {
  const state = { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false };
  const segments = [];
  let classes = "";
  let pending = "";
  const flush = () => {
    if (!pending) return;
    const last = segments[segments.length - 1];
    if (last && last.classes === classes) last.text += pending;
    else segments.push({ text: pending, classes });
    pending = "";
  };
  let i = 0;
  while (i < text.length) {
    const esc = text.indexOf("\x1b", i);
    const end = esc < 0 ? text.length : esc;
    pending += text.slice(i, end).replace(CONTROLS, "");
    if (esc < 0) break;
    if (segments.length >= maxSegments) {
      // Over the budget: the rest is plain text, its escapes removed.
      flush();
      classes = "";
      pending = stripAnsi(text.slice(esc));
      break;
    }
    i = skipEscape(text, esc, (params) => {
      applySgr(state, params);
      const next = classesOf(state);
      if (next !== classes) {
        flush();
        classes = next;
      }
    });
  }
  flush();
  return segments;
}

// Returns the index after the escape sequence starting at `at`; calls
// `onSgr(params)` for an SGR sequence.
function skipEscape(text, at, onSgr) {
  const kind = text[at + 1];
  if (kind === "[") {
    let j = at + 2;
    while (j < text.length && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x3f) j++;
    const params = text.slice(at + 2, j);
    while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
    if (j >= text.length) return text.length;
    const final = text[j];
    if (final === "m" && /^[\d;:]*$/.test(params) && j === at + 2 + params.length) onSgr(params);
    return j + 1;
  }
  if (kind === "]" || kind === "P" || kind === "_" || kind === "^" || kind === "X") {
    // OSC, DCS, APC, PM, SOS: up to BEL or ST (ESC \).
    for (let j = at + 2; j < text.length; j++) {
      if (text[j] === "\x07") return j + 1;
      if (text[j] === "\x1b" && text[j + 1] === "\\") return j + 2;
    }
    return text.length;
  }
  // ESC, intermediates (0x20-0x2F), one final byte (e.g. ESC ( B).
  let j = at + 1;
  while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
  return Math.min(text.length, j + 1);
}

/** The text without any escape sequence or control character (but tab and newline). */
export function stripAnsi(text) {
  const parts = [];
  let i = 0;
  while (i < text.length) {
    const esc = text.indexOf("\x1b", i);
    parts.push(text.slice(i, esc < 0 ? text.length : esc));
    if (esc < 0) break;
    i = skipEscape(text, esc, () => {});
  }
  return parts.join("").replace(CONTROLS, "");
}
