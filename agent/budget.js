// How much of a run reaches the model, and the trimming that keeps it there.
// Every cut leaves a line that says what was cut, so the model knows the
// output it sees is partial and can ask for less (a summary, a slice).

/** The defaults suit a model's context: about 6k tokens of text at most,
 *  some 2k more of SVG source, and images no larger than the vision APIs
 *  would keep (they downscale anything over ~1.15 megapixels or 1568 px a
 *  side, and charge for the full size). */
export const DEFAULT_BUDGET = Object.freeze({
  maxStreamChars: 8000,
  maxTracebackLines: 40,
  maxResultChars: 4000,
  maxImages: 4,
  maxImagePixels: 1_150_000,
  maxImageSide: 1568,
  maxImageBytes: 500_000,
  maxSvgChars: 8000,
  maxFiles: 50,
});

/** The defaults with the caller's fields on top; ignores non-numbers so a
 *  typo'd field cannot turn a cap into NaN (which no comparison would hit). */
export function resolveBudget(budget) {
  const out = { ...DEFAULT_BUDGET };
  if (budget && typeof budget === "object") {
    for (const key of Object.keys(DEFAULT_BUDGET)) {
      const value = budget[key];
      if (typeof value === "number" && value >= 0 && !Number.isNaN(value)) out[key] = value;
    }
  }
  return out;
}

const count = (n) => n.toLocaleString("en-US");

/** "1.2 MB", "340 KB", "12 bytes": sizes in the text the model reads. */
export function formatBytes(n) {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)} MB`;
  if (n >= 1000) return `${Math.round(n / 1000)} KB`;
  return `${n} bytes`;
}

function lineCount(text) {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

// A cut between the halves of a surrogate pair would leave a lone half,
// which some APIs reject as invalid UTF-16.
function safeEnd(text, end) {
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
}
function safeStart(text, start) {
  const code = text.charCodeAt(start);
  return code >= 0xdc00 && code <= 0xdfff ? start + 1 : start;
}

/**
 * Keeps the head and the tail of `text` within `max` characters (the elision
 * line included), cutting at line ends when one is near.
 * The head shows what the code set out to do, the tail how it ended.
 */
export function headTail(text, max, label) {
  if (text.length <= max) return text;
  const line = (chars, lines) => `\n[... ${count(chars)} characters${lines ? ` (${count(lines)} lines)` : ""} of ${label} cut ...]\n`;
  // Sized for the largest numbers it could show, so the result never overshoots.
  const reserve = line(text.length, lineCount(text) + 1).length;
  const keep = Math.max(0, max - reserve);
  if (keep === 0) return line(text.length, lineCount(text)).slice(0, max);
  let headEnd = Math.floor(keep / 2);
  let tailStart = text.length - (keep - headEnd);
  const slack = Math.floor(keep / 10);
  const nl = text.lastIndexOf("\n", headEnd - 1);
  if (nl !== -1 && headEnd - nl <= slack) headEnd = nl + 1;
  const next = text.indexOf("\n", tailStart);
  if (next !== -1 && next + 1 - tailStart <= slack && next + 1 < text.length) tailStart = next + 1;
  headEnd = safeEnd(text, headEnd);
  tailStart = safeStart(text, tailStart);
  const middle = text.slice(headEnd, tailStart);
  const head = text.slice(0, headEnd).replace(/\n$/, "");
  const tail = text.slice(tailStart);
  return `${head}${line(middle.length, lineCount(middle))}${tail}`;
}

/**
 * Keeps a traceback's first line ("Traceback (most recent call last):") and
 * its last lines: the innermost frames and the exception are where the
 * cause is; the outer frames of a deep recursion say little.
 */
export function trimTraceback(traceback, maxLines, maxChars) {
  const lines = traceback.replace(/\n+$/, "").split("\n");
  let text = lines.join("\n");
  if (lines.length > maxLines && maxLines < 2) {
    text = maxLines === 1 ? lines[lines.length - 1] : "";
  } else if (lines.length > maxLines) {
    const tail = lines.slice(lines.length - (maxLines - 1));
    const cut = lines.length - 1 - tail.length;
    text = [lines[0], `  [... ${count(cut)} traceback lines cut ...]`, ...tail].join("\n");
  }
  return headTail(text, maxChars, "traceback");
}
