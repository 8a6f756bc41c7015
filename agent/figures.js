// A run's figures as the parts a model reads, within the budget: a PNG or
// JPEG as an image part (images.js), an SVG as its source in a text part
// (svg_text.js), and for every figure a line in the main text part, so the
// model knows of each figure, those it cannot see included. No figure is
// drawn on the page's thread at a cost its bytes do not bound.
import { formatBytes } from "./budget.js";
import { toBytes } from "./base64.js";
import { rasterImage } from "./images.js";
import { svgText } from "./svg_text.js";

const SHORT = { "image/png": "PNG", "image/jpeg": "JPEG", "image/svg+xml": "SVG" };

function describe(fig, bytes) {
  const kind = SHORT[fig.mime] ?? String(fig.mime);
  const size = fig.width > 0 && fig.height > 0 ? ` ${fig.width}x${fig.height}` : "";
  return `${kind}${size} (${formatBytes(bytes.length)})`;
}

async function convert(fig, bytes, label, budget, svgLeft) {
  if (fig.mime === "image/png" || fig.mime === "image/jpeg") return rasterImage(fig, bytes, budget);
  if (fig.mime === "image/svg+xml") return svgText(label, bytes, svgLeft);
  return { note: "not sent: not an image type a model takes" };
}

function leftOver(first, total, budget) {
  const left = total - first + 1;
  const which = left === 1 ? `Figure ${first} was` : `Figures ${first}-${total} (${left}) were`;
  return (
    `${which} not sent: the budget is ${budget.maxImages} figure${budget.maxImages === 1 ? "" : "s"} per call. ` +
    "Draw related plots as subplots of one figure, or show fewer."
  );
}

/**
 * The figures as parts, at most `budget.maxImages` of them (image parts,
 * and text parts of SVG source), and one line per figure for the main text
 * part. A figure that cannot be sent does not use up a place: the next one
 * gets it.
 */
export async function figureParts(figures, budget) {
  const list = Array.isArray(figures) ? figures : [];
  const parts = [];
  const notes = [];
  let images = 0;
  let svgLeft = budget.maxSvgChars;
  let i = 0;
  for (; i < list.length && parts.length < budget.maxImages; i++) {
    const fig = list[i] ?? {};
    const bytes = toBytes(fig.data);
    const about = describe(fig, bytes);
    let out;
    try {
      out = await convert(fig, bytes, `figure ${i + 1}: ${about}`, budget, svgLeft);
    } catch (err) {
      out = { note: `not sent: it could not be decoded (${err?.message ?? err})` };
    }
    const label = `Figure ${i + 1}: ${about}`;
    if (out.image) {
      parts.push(out.image);
      images++;
      notes.push(`${label}, attached as image ${images}${out.note ? `, ${out.note}` : ""}.`);
      continue;
    }
    if (out.part) {
      parts.push(out.part);
      svgLeft -= out.chars;
    }
    notes.push(`${label}, ${out.note}.`);
  }
  if (i < list.length) notes.push(leftOver(i + 1, list.length, budget));
  return { parts, notes };
}
