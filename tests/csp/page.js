// The strict-CSP test page's only script (tests/csp/run.mjs drives it). It
// records every CSP violation the page hears of, loads pycage, and offers
// the checks run.mjs calls; a script file, since the policy refuses inline
// ones.
const violations = [];
document.addEventListener("securitypolicyviolation", (e) => violations.push(`${e.effectiveDirective} ${e.blockedURI}`), true);

const pycage = await import("/pkg/pycage.js");
await pycage.default();

// A 2x2 PNG written by pure Python (zlib and struct: no packages needed),
// shown through the display protocol.
const PNG = `
import struct, zlib
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
class Square:
    def _repr_png_(self):
        rows = b"".join(b"\\x00" + b"\\xff\\x00\\x00" * 2 for _ in range(2))
        ihdr = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
        return b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
display(Square())
`;

/** The core behaviours in one sandbox: what each gave, for run.mjs to check. */
async function core(options) {
  const out = {};
  const sb = await pycage.Sandbox.create({ pyodideUrl: "/node_modules/pyodide/", ...options });
  try {
    out.isolation = sb.isolation;
    out.print = (await sb.runPython("print('hello from a strict page')")).stdout;
    const error = await sb.runPython("1 / 0");
    out.error = `${error.status} ${error.error?.type}`;
    const figure = await sb.runPython(PNG);
    const f = figure.figures[0];
    out.figure = f ? `${f.mime} ${f.width}x${f.height}` : `none (${figure.droppedOutputs.join("; ")})`;
    out.figureUrl = f ? pycage.figureToDataUrl(f).slice(0, 22) : "";
    await sb.runPython("kept = 41");
    const slow = await sb.runPython("while True: pass", { timeoutMs: 1500 });
    out.timeout = slow.status;
    const next = await sb.runPython("print('next run')\ntry:\n    print(kept + 1)\nexcept NameError:\n    print('reset')");
    out.next = next.stdout;
  } finally {
    sb.dispose();
  }
  return out;
}

/** Sandbox.create's outcome under the page's policy, and how long it took. */
async function attempt(options) {
  const start = performance.now();
  try {
    const sb = await pycage.Sandbox.create({ pyodideUrl: "/node_modules/pyodide/", ...options });
    sb.dispose();
    return { ms: performance.now() - start, ok: true };
  } catch (err) {
    return { ms: performance.now() - start, name: err.name, message: err.message, url: err.url ?? null };
  }
}

// pycage/render's frames on this page: an HTML output whose script writes
// into it, a plotly figure and a Vega-Lite chart (with their text/plain). The frames are srcdoc
// documents, so they run under this page's policy too.
const HTML = '<p id="said">static</p><script>document.getElementById("said").textContent = "its script ran"</script>';
const FIGURE = { data: [{ type: "bar", x: ["a", "b"], y: [3, 4] }], layout: { title: { text: "bars" } } };
const SPEC = { data: { values: [{ x: "a", y: 3 }, { x: "b", y: 4 }] }, mark: "bar", encoding: { x: { field: "x", type: "nominal" }, y: { field: "y", type: "quantitative" } } };

/** Renders them (the charts only with their URLs); run.mjs then watches what the page shows. */
async function render({ plotlyUrl, vegaUrls }) {
  const { renderExecution } = await import("/pkg/render/index.js");
  const display = (data) => ({ type: "display", source: "display", data });
  const outputs = [display({ "text/html": HTML, "text/plain": "<IPython.core.display.HTML object>" })];
  if (plotlyUrl) outputs.push(display({ "application/vnd.plotly.v1+json": FIGURE, "text/plain": "Figure(bars: 3, 4)" }));
  if (vegaUrls) outputs.push(display({ "application/vnd.vegalite.v6+json": SPEC, "text/plain": "alt.Chart(bars: 3, 4)" }));
  const out = document.createElement("div");
  document.body.append(out);
  renderExecution({ status: "ok", outputs }, out, { plotlyUrl, vegaUrls });
  window.cspTest.renderedAt = performance.now();
  return outputs.length;
}

/** What the renderer shows: its notices of blocked frames, its frames, and its text. */
function shown() {
  const blocked = [...document.querySelectorAll(".pycage-blocked")];
  return {
    ms: performance.now() - window.cspTest.renderedAt,
    blocked: blocked.map((n) => n.textContent),
    frames: [...document.querySelectorAll("iframe.pycage-frame")].map((f) => f.style.height),
    text: [...document.querySelectorAll(".pycage-render pre")].map((p) => p.textContent),
  };
}

window.cspTest = { pycage, violations, core, attempt, render, shown };
