// pycage on a host page with a strict Content-Security-Policy (no
// 'unsafe-eval', no 'unsafe-inline'), in real headless Chromium:
// - in each mode (inline iframe, runnerUrl, worker) the page's policy is a
//   strict base plus exactly what requiredCsp() returns, and the core
//   behaviours hold: print, error, a figure, a timeout, the next run;
// - a policy lacking those sources makes Sandbox.create reject promptly with
//   a SandboxInitError that says CSP and names the directive, through each
//   way pycage detects it (csp_watch.rs).
// - pycage/render (pkg/render/) on such a page: its frames are srcdoc
//   documents, which inherit the page's policy, so their scripts cannot run;
//   each frame is replaced by a notice naming the CSP and the output's text,
//   within a bound. On a page whose script-src allows 'unsafe-inline' (and
//   no hash, which would turn it off) they draw, and no notice appears.
// The page (tests/csp/index.html + page.js) is served by scripts/serve.py
// with --csp-file, rewritten before each page; the runner page from a second
// site (localhost vs 127.0.0.1), as a site would deploy it.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launch, serve, tally } from "../e2e/harness.mjs";

const t = tally("csp");
const dir = mkdtempSync(join(tmpdir(), "pycage-csp-"));
const policyFile = join(dir, "policy.txt");
// The strictest base a careful app would set; requiredCsp() adds to it.
const BASE =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; " +
  "object-src 'none'; base-uri 'none'; form-action 'none'";
const PROMPT_MS = 3000; // "promptly": the old failure took the 10 s frame deadline
// The renderer's notice of a blocked frame: READY_MS (1 s) after the outer
// frame's load, which waits for the inner one and plotly.js (3.5 MB).
const BLOCKED_MS = 5000;

// plotly.js as an app would self-host it (the copy in Python's plotly
// package), served from another origin with CORP cross-origin: the frames
// are opaque origins under the page's COEP, so they load nothing else.
function plotlyFolder() {
  try {
    const dir = execFileSync("python3", ["-c", "import plotly, os; print(os.path.dirname(plotly.__file__))"], { encoding: "utf8" }).trim();
    return existsSync(join(dir, "package_data/plotly.min.js")) ? join(dir, "package_data") : null;
  } catch {
    return null;
  }
}

// Where a directive a policy does not set falls back to (CSP3).
const FALLBACK = {
  "script-src": ["default-src"],
  "worker-src": ["child-src", "script-src", "default-src"],
  "frame-src": ["child-src", "default-src"],
  "connect-src": ["default-src"],
};

/** `base` with `extra`'s sources added, directive by directive, as the
 * docs/csp.md says: a directive `base` lacks starts as a copy of its fallback. */
function merge(base, extra) {
  const parse = (policy) =>
    policy.split(";").map((p) => p.trim().split(/\s+/)).filter(([name]) => name);
  const directives = new Map(parse(base).map(([name, ...sources]) => [name, sources]));
  for (const [name, ...sources] of parse(extra)) {
    if (!directives.has(name)) {
      const from = (FALLBACK[name] ?? []).find((f) => directives.has(f));
      directives.set(name, from ? [...directives.get(from)] : []);
    }
    const list = directives.get(name);
    for (const s of sources) if (!list.includes(s)) list.push(s);
  }
  return [...directives].map(([name, sources]) => [name, ...sources].join(" ")).join("; ");
}

writeFileSync(policyFile, BASE);
const main = await serve("--csp-file", policyFile);
const otherPyodide = await serve("--cors"); // a Pyodide mirror on another origin
const browser = await launch();
let runner;
const plotlyDir = plotlyFolder();
const plotlyServer = plotlyDir ? await serve("--cors", "--root", plotlyDir) : null;
const plotlyUrl = plotlyServer ? `${plotlyServer.url}plotly.min.js` : null;

/** The inner frames' text, and how many hold a plotly SVG, and vega's marks. */
async function innerFrames(page) {
  const texts = [];
  let plots = 0;
  let vegas = 0;
  for (const f of page.frames()) {
    if (!f.parentFrame()?.parentFrame()) continue;
    const seen = await f
      .evaluate(() => ({ text: document.body?.innerText ?? "", plotly: !!document.querySelector(".main-svg"), vega: !!document.querySelector("#pycage-vega .mark-rect path") }))
      .catch(() => null);
    if (!seen) continue;
    texts.push(seen.text);
    if (seen.plotly) plots++;
    if (seen.vega) vegas++;
  }
  return { texts, plots, vegas };
}

async function open(policy) {
  writeFileSync(policyFile, policy);
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${main.url}tests/csp/index.html`);
  await page.waitForFunction(() => window.cspTest, null, { timeout: 30_000 });
  return { page, errors };
}

try {
  // What requiredCsp() says, read on a page under the bare base policy.
  const runnerPort = new URL((runner = await serve("--cors", "--root", dir)).url).port;
  const runnerUrl = `http://localhost:${runnerPort}/runner.html`; // another site
  const mirror = `${otherPyodide.url}node_modules/pyodide/`;
  const modes = {
    iframe: {},
    runnerUrl: { runnerUrl },
    worker: { isolation: "worker" },
  };
  const { page: first, errors: firstErrors } = await open(BASE);
  const info = await first.evaluate(
    ({ modes, mirror }) => {
      const { pycage } = window.cspTest;
      const csp = (o) => pycage.requiredCsp({ pyodideUrl: "/node_modules/pyodide/", ...o });
      let bad = null;
      try {
        pycage.requiredCsp({ timeoutMs: 0 });
      } catch (e) {
        bad = `${e.name} ${e.field}`;
      }
      return {
        required: Object.fromEntries(Object.entries(modes).map(([m, o]) => [m, csp(o)])),
        again: csp({}),
        mirror: pycage.requiredCsp({ pyodideUrl: mirror }),
        bare: pycage.requiredCsp(),
        bad,
        runnerHtml: pycage.runnerHtml(),
      };
    },
    { modes, mirror },
  );
  await first.close();
  t.check(firstErrors.length === 0, `pycage loads under the bare strict policy (${firstErrors[0] ?? "no page error"})`);
  writeFileSync(join(dir, "runner.html"), info.runnerHtml);
  // The frame's one script (PROTOCOL and guest/frame.js, as build.rs writes it), as the document holds it.
  const frameScript = info.runnerHtml.match(/<script>([\s\S]*)<\/script>/)[1];
  const hash = createHash("sha256").update(frameScript).digest("base64");
  for (const [mode, csp] of Object.entries(info.required)) console.log(`     requiredCsp ${mode}: ${csp}`);
  console.log(`     requiredCsp (defaults): ${info.bare}`);
  const { iframe, worker } = info.required;
  t.check(iframe === `script-src 'sha256-${hash}' blob: 'wasm-unsafe-eval'; worker-src blob:; connect-src 'self'`, "requiredCsp, iframe: the frame script's hash, blob:, wasm, same-origin Pyodide as 'self'");
  t.check(info.required.runnerUrl === `script-src 'wasm-unsafe-eval'; frame-src ${runnerUrl}; connect-src 'self'`, "requiredCsp, runnerUrl: frame-src for the runner page, no hash, no blob:");
  t.check(worker === "script-src blob: 'wasm-unsafe-eval'; worker-src blob:; connect-src 'self'", "requiredCsp, worker: blob: scripts and workers");
  t.check(info.again === iframe, "requiredCsp is stable for the same options");
  t.check(info.mirror.endsWith(`connect-src ${mirror}`), `requiredCsp: a cross-origin pyodideUrl is allowed by its folder (${info.mirror.split("; ").pop()})`);
  t.check(info.bare.endsWith("connect-src https://cdn.jsdelivr.net/pyodide/v314.0.7/full/"), "requiredCsp(): the default CDN folder");
  t.check(info.bad === "OptionsError timeoutMs", `requiredCsp checks its options (${info.bad})`);
  t.check(!Object.values(info.required).some((c) => /unsafe-eval'|unsafe-inline/.test(c.replace("'wasm-unsafe-eval'", ""))), "no 'unsafe-eval' or 'unsafe-inline' in any mode");

  // The core behaviours, in each mode, under the base plus requiredCsp().
  for (const [mode, options] of Object.entries(modes)) {
    const policy = merge(BASE, info.required[mode]);
    const { page, errors } = await open(policy);
    const started = Date.now();
    const out = await page.evaluate((o) => window.cspTest.core(o).catch((e) => ({ failed: `${e.name}: ${e.message}` })), options);
    const violations = await page.evaluate(() => window.cspTest.violations);
    await page.close();
    const label = `${mode} (${((Date.now() - started) / 1000).toFixed(1)} s)`;
    if (out.failed) {
      t.check(false, `${label}: Sandbox.create under "${policy}": ${out.failed}`);
      continue;
    }
    t.check(out.isolation === (mode === "worker" ? "worker" : "iframe"), `${label}: isolation ${out.isolation}`);
    t.check(out.print === "hello from a strict page\n", `${label}: print (${JSON.stringify(out.print)})`);
    t.check(out.error === "error ZeroDivisionError", `${label}: error (${out.error})`);
    t.check(out.figure === "image/png 2x2" && out.figureUrl === "data:image/png;base64,", `${label}: a _repr_png_ figure (${out.figure})`);
    t.check(out.timeout === "timeout", `${label}: timeout (${out.timeout})`);
    t.check(/^next run\n(42|reset)\n$/.test(out.next), `${label}: the next run (${JSON.stringify(out.next)})`);
    t.check(violations.length === 0 && errors.length === 0, `${label}: no CSP violation or page error (${[...violations, ...errors].join(", ") || "none"})`);
  }

  // Pyodide from another origin, allowed by requiredCsp()'s folder source.
  {
    const { page } = await open(merge(BASE, info.mirror));
    const out = await page.evaluate((mirror) => window.cspTest.attempt({ pyodideUrl: mirror }), mirror);
    await page.close();
    t.check(out.ok, `iframe, Pyodide from another origin: starts (${out.message ?? `${Math.round(out.ms)} ms`})`);
  }

  // pycage/render's frames: blocked by the strict page, and drawn on a page
  // that allows inline scripts and styles (no hash in script-src: a hash or
  // nonce turns 'unsafe-inline' off, so the iframe mode's policy is tested
  // with it as a blocked case).
  if (!plotlyUrl) console.log("     (no Python plotly package: the renderer cases run without a plotly figure)");
  // The charts' scripts, from other origins (CORP cross-origin), in the
  // page's script-src too: the frames inherit its policy, so an app lists them there.
  const vegaUrls = Object.fromEntries(
    [["vega", "vega"], ["vegaLite", "vega-lite"], ["vegaEmbed", "vega-embed"]].map(([key, name]) => [key, `${otherPyodide.url}node_modules/${name}/build/${name}.min.js`]),
  );
  const urls = { plotlyUrl, vegaUrls };
  const withPlotly = (policy) => merge(policy, `script-src ${otherPyodide.url}${plotlyUrl ? ` ${plotlyServer.url}` : ""}`);
  const inline = "script-src 'unsafe-inline'; style-src 'unsafe-inline'";
  const control = withPlotly(merge(merge(BASE, info.required.worker), inline));
  // [what, policy, blocked, vega draws] (vega compiles its expressions with
  // new Function: without 'unsafe-eval' vega-embed says so in the frame).
  const renderCases = [
    ["strict base + requiredCsp()", withPlotly(merge(BASE, info.required.iframe)), true],
    ["requiredCsp() + 'unsafe-inline' (its hash turns it off)", withPlotly(merge(merge(BASE, info.required.iframe), inline)), true],
    ["worker mode's requiredCsp() + 'unsafe-inline' (the control)", control, false, false],
    ["the control + 'unsafe-eval'", merge(control, "script-src 'unsafe-eval'"), false, true],
  ];
  for (const [what, policy, blocked, vegaDraws] of renderCases) {
    const { page, errors } = await open(policy);
    const outputs = await page.evaluate((u) => window.cspTest.render(u), urls);
    const label = `render, ${what}`;
    if (blocked) {
      const done = await page
        .waitForFunction((n) => window.cspTest.shown().blocked.length === n, outputs, { timeout: 15_000 })
        .then(() => true, () => false);
      const out = await page.evaluate(() => window.cspTest.shown());
      const text = out.text.join("\n");
      t.check(done && out.frames.length === 0, `${label}: each frame replaced by a notice (${out.blocked.length} of ${outputs}, ${out.frames.length} frames left)`);
      t.check(out.ms < BLOCKED_MS, `${label}: the notices within ${BLOCKED_MS} ms of the render (${Math.round(out.ms)} ms)`);
      t.check(out.blocked.every((n) => /Content-Security-Policy blocks scripts/.test(n) && /docs\/render\.md/.test(n)), `${label}: the notice names the cause (${out.blocked[0]?.slice(0, 90)}…)`);
      t.check(text.includes('<p id="said">static</p><script>'), `${label}: the HTML's source is shown as text`);
      if (plotlyUrl) t.check(text.includes("Figure(bars: 3, 4)"), `${label}: the figure's text/plain is shown`);
      t.check(text.includes("alt.Chart(bars: 3, 4)"), `${label}: the chart's text/plain is shown`);
    } else {
      const deadline = Date.now() + 15_000;
      let inner = await innerFrames(page);
      while (Date.now() < deadline && !(inner.texts.includes("its script ran") && inner.plots === (plotlyUrl ? 1 : 0) && (vegaDraws ? inner.vegas === 1 : inner.texts.some((x) => /could not be drawn/.test(x))))) {
        await page.waitForTimeout(200);
        inner = await innerFrames(page);
      }
      t.check(inner.texts.includes("its script ran"), `${label}: the HTML's script ran in its frame (${JSON.stringify(inner.texts)})`);
      if (plotlyUrl) t.check(inner.plots === 1, `${label}: plotly drew its figure (${inner.plots} SVG)`);
      const said = inner.texts.find((x) => /could not be drawn/.test(x)) ?? "";
      if (vegaDraws) t.check(inner.vegas === 1 && !said, `${label}: vega-embed drew its chart's bars (${inner.vegas}${said ? `; ${said}` : ""})`);
      else t.check(inner.vegas === 0 && /'unsafe-eval'/.test(said), `${label}: vega-embed says in its frame that it needs 'unsafe-eval' (${said.slice(0, 100)}…)`);
      await page.waitForTimeout(1500); // past READY_MS after the frames' load
      const out = await page.evaluate(() => window.cspTest.shown());
      t.check(out.blocked.length === 0 && out.frames.length === outputs, `${label}: no notice, ${outputs} frames kept (${out.blocked.length} notices)`);
      t.check(out.frames.every((h) => h !== "150px"), `${label}: the frames sized by their height message (${out.frames.join(", ")})`);
    }
    const violations = await page.evaluate(() => window.cspTest.violations);
    await page.close();
    t.check(errors.length === 0 && violations.length === 0, `${label}: no page error or CSP violation on the page (${[...errors, ...violations].join(", ") || "none"})`);
  }

  // Policies lacking what requiredCsp() says: a prompt, named refusal.
  const { iframe: i, worker: w } = info.required;
  const without = (csp, source) => csp.replace(` ${source}`, "");
  const noBlobWorkers = (policy) => policy.replace(/worker-src [^;]*/, "worker-src 'self'");
  const blocked = [
    ["iframe, bare policy", BASE, {}, /script-src-elem/],
    ["iframe, without the frame script's hash", merge(BASE, without(i, `'sha256-${hash}'`)), {}, /script-src-elem .*inline script/],
    ["iframe, without blob: scripts", merge(BASE, without(i, "blob:")), {}, /script-src-elem .*blob:/],
    ["iframe, without blob: workers (seen in the frame)", noBlobWorkers(merge(BASE, i)), {}, /worker-src/],
    ["runnerUrl, bare policy", BASE, modes.runnerUrl, /frame-src .*runner page/],
    ["worker, bare policy", BASE, modes.worker, /script-src-elem|worker-src/],
    ["worker, without blob: workers", noBlobWorkers(merge(BASE, w)), modes.worker, /worker-src/],
    ["worker, without blob: scripts", merge(BASE, without(w, "blob:")), modes.worker, /script-src-elem/],
    ["iframe, Pyodide's origin not in connect-src", merge(BASE, i), { pyodideUrl: mirror }, /connect-src/],
  ];
  for (const [what, policy, options, directive] of blocked) {
    const { page } = await open(policy);
    const out = await page.evaluate((o) => window.cspTest.attempt(o), options);
    await page.close();
    const ms = Math.round(out.ms);
    const clear = out.name === "SandboxInitError" && /Content-Security-Policy/.test(out.message) && directive.test(out.message);
    t.check(clear && !/runnerHtml/.test(out.message), `${what}: SandboxInitError naming the directive (${out.ok ? "it started" : out.message})`);
    t.check(out.ms < PROMPT_MS, `${what}: rejected in ${ms} ms (< ${PROMPT_MS} ms)`);
  }
} catch (err) {
  t.check(false, `the CSP test ran to the end (${err.stack ?? err})`);
} finally {
  await browser.close();
  for (const s of [main, otherPyodide, runner, plotlyServer]) s?.server.kill();
}
t.finish();
