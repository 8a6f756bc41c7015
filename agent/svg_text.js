// An SVG figure goes to the model as its source text, never as pixels.
// Models take PNG, JPEG, GIF and WebP only, so an SVG would have to be
// drawn first, and what drawing costs is set by the markup, not by the size
// pycage checks: a 1 KB chain of filters holds the page's thread for seconds
// (issue 23). Drawing it safely would take a document of its own; the markup
// itself tells a model what the figure shows (its shapes, text and numbers).

/**
 * The SVG's source as a text part when it fits in `left` characters, else a
 * note saying why it was left out. `label` describes the figure
 * ("figure 2: SVG 640x480 (12 KB)").
 */
export function svgText(label, bytes, left) {
  const over = { note: `not sent: its SVG source is over the ${count(left)} characters of text left for SVG (maxSvgChars); SVGs are sent as text, never drawn` };
  // Three UTF-8 bytes make at least one UTF-16 unit, so a source this heavy
  // cannot fit, and is not decoded.
  if (bytes.length > 3 * left) return over;
  const source = new TextDecoder().decode(bytes);
  if (source.length > left) return over;
  return {
    part: { type: "text", text: `[${label}, sent as its SVG source]\n${source}` },
    chars: source.length,
    note: "sent as its SVG source in a text part of its own, not as an image",
  };
}

const count = (n) => n.toLocaleString("en-US");
