// Chart specs in a mime bundle (an Altair chart: a Vega-Lite spec beside
// its HTML and text/plain). The model gets one line naming the chart, not the
// spec, which may hold the whole data set, nor its text/plain, which says
// only "alt.Chart(...)" (or, from Altair's mimetype renderer, that "the
// renderer has not been properly enabled").

// Altair 6 gives v6+json (pycage's capture adds it) or, in its mimetype
// renderer, v6.json; Altair 5 v5+json, Altair 4 v4+json.
const SPECS = [
  ...["v6+json", "v6.json", "v5+json", "v4+json"].map((v) => [`application/vnd.vegalite.${v}`, "Vega-Lite"]),
  ...["v6+json", "v6.json", "v5+json"].map((v) => [`application/vnd.vega.${v}`, "Vega"]),
];

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const clip = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

// A title is a string, lines (an array), or { text } of either.
function titleOf(spec) {
  const t = isObject(spec.title) ? spec.title.text : spec.title;
  const text = typeof t === "string" ? t : Array.isArray(t) ? t.filter((l) => typeof l === "string").join(" ") : "";
  return clip(text.trim().replace(/\s+/g, " "), 200);
}

// "bar; x: a, y: b" for a single view; composed charts (layer, concat) have no top-level mark.
function shapeOf(spec) {
  const mark = typeof spec.mark === "string" ? spec.mark : isObject(spec.mark) && typeof spec.mark.type === "string" ? spec.mark.type : "";
  if (!mark) return "";
  const channels = isObject(spec.encoding) ? Object.entries(spec.encoding).slice(0, 8) : [];
  const fields = channels.filter(([, e]) => isObject(e) && typeof e.field === "string").map(([ch, e]) => `${clip(ch, 30)}: ${clip(e.field, 60)}`);
  return clip(`${mark}${fields.length ? `; ${fields.join(", ")}` : ""}`, 300);
}

/** One line for a bundle holding a Vega-Lite or Vega spec, else null. */
export function chartNote(bundle) {
  const found = SPECS.find(([mime]) => isObject(bundle?.[mime]));
  if (!found) return null;
  const [mime, kind] = found;
  const spec = bundle[mime];
  const title = titleOf(spec);
  const shape = shapeOf(spec);
  return `[${kind} chart${title ? ` "${title}"` : ""}${shape ? ` (${shape})` : ""}, drawn for the user; its spec is not shown here]`;
}
