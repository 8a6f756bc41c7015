// The renderer's options: defaults, and checks that throw a TypeError naming
// the field for anything the app got wrong (bad options are the app's bug,
// so they throw; hostile content never does).

export const DEFAULT_OPTIONS = Object.freeze({
  theme: "auto",
  scriptUrls: Object.freeze([]),
  plotlyUrl: null,
  vegaUrls: null,
  renderLatex: null,
  frames: true,
  maxStreamChars: 10_000,
  maxStreamLines: 200,
  maxExpandedChars: 200_000,
  maxAnsiSegments: 5000,
  maxTableHtmlChars: 500_000,
  maxTableRows: 100,
  maxTableCells: 3000,
  maxCellChars: 1000,
  maxTables: 20,
  maxHtmlChars: 5_000_000,
  maxFrames: 20,
  frameHeight: 150,
  maxFrameHeight: 2000,
  maxFrameMessagesPerSecond: 20,
  maxFrameMessagesDropped: 200,
  maxMarkdownChars: 100_000,
  maxJsonChars: 100_000,
  maxOutputs: 2000,
  maxListed: 20,
});

const COUNTS = Object.keys(DEFAULT_OPTIONS).filter((k) => typeof DEFAULT_OPTIONS[k] === "number");

export function optionError(field, message) {
  const error = new TypeError(`pycage/render: ${field} ${message}`);
  error.field = field;
  return error;
}

/**
 * A URL the nested frames may load scripts from: absolute http(s), written
 * into the frame's CSP as it is, so nothing that would end or extend a CSP
 * source list (`;`, `,`, quotes, spaces) may be in it.
 */
export function checkScriptUrl(field, value) {
  if (typeof value !== "string") throw optionError(field, "must be a URL string");
  let url;
  try {
    url = new URL(value);
  } catch {
    throw optionError(field, `is not an absolute URL (${JSON.stringify(value.slice(0, 100))})`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw optionError(field, "must be an http: or https: URL");
  if (url.username || url.password || url.hash || url.search) throw optionError(field, "must have no credentials, query or fragment (a CSP source cannot match them)");
  const href = url.href;
  if (/[\s;,'"<>\\*]/.test(href)) throw optionError(field, "has a character a CSP source cannot hold (space ; , quote < > \\ *)");
  return href;
}

/** The three scripts vega-embed needs, in the order they load. */
const VEGA_SCRIPTS = ["vega", "vegaLite", "vegaEmbed"];

/** `vegaUrls`: each of the three scripts as a checked URL, nothing else. */
function checkVegaUrls(value) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw optionError("vegaUrls", "must be { vega, vegaLite, vegaEmbed } (URLs) or null");
  for (const key of Object.keys(value)) {
    if (!VEGA_SCRIPTS.includes(key)) throw optionError(`vegaUrls.${key}`, "is not one of vega, vegaLite, vegaEmbed");
  }
  return Object.freeze(Object.fromEntries(VEGA_SCRIPTS.map((key) => [key, checkScriptUrl(`vegaUrls.${key}`, value[key])])));
}

/** The URLs of vega, vega-lite and vega-embed, in load order (none when not configured). */
export const vegaScripts = (options) => (options.vegaUrls ? VEGA_SCRIPTS.map((key) => options.vegaUrls[key]) : []);

/** Every URL the frames may load scripts from (their CSP's script-src). */
export const frameScripts = (options) => [...options.scriptUrls, ...(options.plotlyUrl ? [options.plotlyUrl] : []), ...vegaScripts(options)];

/** The options with defaults filled in; throws TypeError (with `.field`) on bad ones. */
export function resolveOptions(options) {
  if (options === undefined || options === null) return { ...DEFAULT_OPTIONS };
  if (typeof options !== "object" || Array.isArray(options)) throw optionError("options", "must be an object");
  const out = { ...DEFAULT_OPTIONS };
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULT_OPTIONS)) throw optionError(key, "is not an option of pycage/render");
  }
  const given = (key) => options[key] !== undefined;
  for (const key of COUNTS) {
    if (!given(key)) continue;
    const v = options[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 1e9) throw optionError(key, "must be an integer from 0 to 1e9");
    out[key] = v;
  }
  if (out.maxFrameHeight < 1) throw optionError("maxFrameHeight", "must be at least 1");
  if (out.maxExpandedChars < out.maxStreamChars) throw optionError("maxExpandedChars", "must be at least maxStreamChars");
  if (given("theme")) {
    if (!["auto", "light", "dark"].includes(options.theme)) throw optionError("theme", 'must be "auto", "light" or "dark"');
    out.theme = options.theme;
  }
  if (given("frames")) {
    if (typeof options.frames !== "boolean") throw optionError("frames", "must be a boolean");
    out.frames = options.frames;
  }
  if (given("scriptUrls")) {
    if (!Array.isArray(options.scriptUrls)) throw optionError("scriptUrls", "must be an array of URLs");
    if (options.scriptUrls.length > 50) throw optionError("scriptUrls", "must list at most 50 URLs");
    out.scriptUrls = Object.freeze(options.scriptUrls.map((u, i) => checkScriptUrl(`scriptUrls[${i}]`, u)));
  }
  if (given("plotlyUrl") && options.plotlyUrl !== null) out.plotlyUrl = checkScriptUrl("plotlyUrl", options.plotlyUrl);
  if (given("vegaUrls") && options.vegaUrls !== null) out.vegaUrls = checkVegaUrls(options.vegaUrls);
  if (given("renderLatex") && options.renderLatex !== null) {
    if (typeof options.renderLatex !== "function") throw optionError("renderLatex", "must be a function (source, element) => void");
    out.renderLatex = options.renderLatex;
  }
  return out;
}
