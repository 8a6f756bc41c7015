// Builds a minimal consumer app with each toolchain (Vite build and dev
// server, webpack 5, esbuild, Next.js app router), pycage installed from
// `npm pack` of pkg/, serves each with COOP/COEP, and checks it end to end in
// headless Chromium: a print, a timeout, and the next run (state kept, since
// the pages are cross-origin isolated). Where the wasm cannot be located
// (esbuild with the default entry, a wrong URL under Vite's dev server),
// checks that init() says so and names the fix. Prints a table of
// toolchain x (builds, runs, zero config), what each app ships, and
// "bundlers: N passed, M failed".
// Usage: node tests/bundlers/run.mjs [app...]   (needs pkg/ from scripts/build;
//        PYCAGE_PKG=<folder> packs another folder)
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { gzipSync } from "node:zlib";
import { ROOT, launch, serve, tally } from "../e2e/harness.mjs";
import { install, pack } from "./install.mjs";

const PKG = process.env.PYCAGE_PKG ?? `${ROOT}pkg`;
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const { check, finish } = tally("bundlers");
const started = Date.now();

// Each app: its targets (a way to serve it) and the pages checked there.
// "runs": the end-to-end checks; "locate": init() must fail clearly (then
// the wasm URL to pass, or undefined for the default, and "html" where the
// server answers with an HTML page in the wasm's place).
const APPS = {
  vite: [
    { label: "Vite 8 (build)", zeroConfig: "yes (config sets headers only)", serve: { dir: "dist" }, pages: [["/", "runs"]] },
    {
      label: "Vite 8 (dev server)",
      zeroConfig: "yes (config sets headers only)",
      serve: { command: (port) => ["node_modules/.bin/vite", "--port", port, "--strictPort", "--host", "127.0.0.1"] },
      pages: [["/", "locate", "/missing/pycage_bg.wasm", "html"], ["/", "runs"]],
    },
  ],
  // An older dev server that pre-bundles pycage away from its wasm: the
  // default entry fails clearly, pycage/inline runs.
  vite6: [
    {
      label: "Vite 6 (dev server), pycage",
      zeroConfig: "no: clear error, use pycage/inline",
      serve: { command: (port) => ["node_modules/.bin/vite", "--port", port, "--strictPort", "--host", "127.0.0.1"] },
      pages: [["/", "locate", undefined, "html"]],
    },
    {
      label: "Vite 6 (dev server), pycage/inline",
      zeroConfig: "yes (the inline entry)",
      serve: { command: (port) => ["node_modules/.bin/vite", "--port", port, "--strictPort", "--host", "127.0.0.1"] },
      pages: [["/inline.html", "runs"]],
    },
  ],
  webpack: [{ label: "webpack 5", zeroConfig: "yes (no webpack config)", serve: { dir: "." }, pages: [["/index.html", "runs"]] }],
  esbuild: [
    { label: "esbuild, pycage/inline (iife)", zeroConfig: "yes (the inline entry)", serve: { dir: "." }, pages: [["/inline.html", "runs"]] },
    { label: "esbuild, pycage (iife)", zeroConfig: "no: clear error, use pycage/inline", serve: { dir: "." }, pages: [["/default-iife.html", "locate"]] },
    { label: "esbuild, pycage (esm)", zeroConfig: "no: clear error, use pycage/inline", serve: { dir: "." }, pages: [["/default-esm.html", "locate"]] },
  ],
  next: [
    {
      label: "Next.js 16 (app router, next start)",
      zeroConfig: "yes (config sets headers only)",
      serve: { command: (port) => ["node_modules/.bin/next", "start", "-p", port, "-H", "127.0.0.1"] },
      pages: [["/", "runs"]],
    },
  ],
};

const freePort = () =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(String(port)));
    });
  });

/** Starts a target's server in app folder `dir`; resolves `{ url, stop }` once it answers. */
async function start(target, dir) {
  if (target.serve.dir) {
    const { server, url } = await serve("--root", `${dir}${target.serve.dir}`);
    return { url: url.replace(/\/$/, ""), stop: () => server.kill() };
  }
  const port = await freePort();
  const [cmd, ...args] = target.serve.command(port);
  // Its own process group, so stopping it also stops the workers it spawned.
  const child = spawn(cmd, args, { cwd: dir, env, detached: true, stdio: ["ignore", "ignore", "inherit"] });
  const stop = () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
  };
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(url)).ok) return { url, stop };
    } catch {}
  }
  stop();
  throw new Error(`${cmd} did not answer at ${url}`);
}

// In the page: the consumer's own pycage import, handed over as window.pycage.
async function runChecks(pyodideUrl) {
  const { init, Sandbox } = window.pycage;
  const pick = (ex) => ({ status: ex.status, stdout: ex.stdout, reset: ex.interpreterReset, error: ex.error?.type ?? null });
  await init();
  const sb = await Sandbox.create({ pyodideUrl, timeoutMs: 30_000 });
  try {
    const first = pick(await sb.runPython('x = 41\nprint("hello from pycage")'));
    const slow = pick(await sb.runPython("while True:\n    pass", { timeoutMs: 1500 }));
    const next = pick(await sb.runPython("print(x + 1)"));
    return { isolated: globalThis.crossOriginIsolated, interruptible: sb.interruptible, first, slow, next };
  } finally {
    sb.dispose();
  }
}

async function initFailure(wasmUrl) {
  const { init, SandboxInitError } = window.pycage;
  try {
    await init(wasmUrl ? { module_or_path: wasmUrl } : undefined);
    return { resolved: true };
  } catch (e) {
    return { isInitError: e instanceof SandboxInitError, message: String(e.message), url: e.url };
  }
}

/** Opens one page and checks it; returns whether every check passed. */
async function checkPage(browser, target, url, [path, kind, wasmUrl, html], pyodideUrl, shipped) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const origin = new URL(url).origin;
  const bodies = [];
  page.on("response", (res) => {
    if (new URL(res.url()).origin === origin) bodies.push(res.body().then((b) => [res.url(), res.headers()["content-type"] ?? "", b], () => null));
  });
  page.on("pageerror", (err) => console.log(`  page error: ${err.message}`));
  let ok = true;
  const expect = (cond, what) => {
    check(cond, `${target.label}: ${what}`);
    ok &&= cond;
  };
  try {
    await page.goto(`${url}${path}`);
    await page.waitForSelector("body[data-ready]", { state: "attached", timeout: 30_000 });
    if (kind === "locate") {
      const r = await page.evaluate(initFailure, wasmUrl);
      const msg = r.message ?? "";
      expect(r.isInitError === true, `init() rejects with a SandboxInitError (${JSON.stringify(r).slice(0, 300)})`);
      expect(msg.startsWith("pycage: cannot locate pycage_bg.wasm (") && msg.includes("module_or_path") && msg.includes("pycage/inline"), "the message names the file and both fixes");
      if (html) expect(/HTML page/.test(msg), "an HTML page in the wasm's place is called one");
      if (wasmUrl) expect(r.url === wasmUrl, `.url names the URL given (${r.url})`);
    } else {
      const r = await page.evaluate(runChecks, pyodideUrl);
      expect(r.first.status === "ok" && r.first.stdout === "hello from pycage\n", `a print (${JSON.stringify(r.first)})`);
      expect(r.slow.status === "timeout", `a timeout (${JSON.stringify(r.slow)})`);
      expect(r.isolated && r.interruptible && r.slow.reset === false, `cross-origin isolated, so the timeout interrupts (isolated ${r.isolated}, interruptible ${r.interruptible})`);
      expect(r.next.status === "ok" && r.next.stdout === "42\n", `the next run, state kept (${JSON.stringify(r.next)})`);
      if (shipped) Object.assign(shipped, await sizes(await Promise.all(bodies)));
    }
  } catch (e) {
    expect(false, `${path} (${String(e.message ?? e).split("\n")[0]})`);
  } finally {
    await context.close();
  }
  return ok;
}

/** Bytes (raw and gzip) of the JS and wasm the app's own origin served. */
function sizes(responses) {
  const out = { js: 0, jsGzip: 0, wasm: 0, wasmGzip: 0 };
  for (const [u, type, body] of responses.filter(Boolean)) {
    const kind = /wasm/.test(type) || /\.wasm$/.test(new URL(u).pathname) ? "wasm" : /javascript/.test(type) ? "js" : null;
    if (!kind) continue;
    out[kind] += body.length;
    out[`${kind}Gzip`] += gzipSync(body).length;
  }
  return out;
}

const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
const rows = [];
const tarball = pack(PKG);
console.log(`packed ${PKG} -> ${tarball}`);
const pyodide = await serve("--cors");
const pyodideUrl = `${pyodide.url}node_modules/pyodide/`;
const browser = await launch();
try {
  for (const [app, targets] of Object.entries(APPS)) {
    if (process.argv.length > 2 && !process.argv.includes(app)) continue;
    console.log(`\n-- ${app}`);
    let dir;
    let built = false;
    try {
      const setup = install(app, tarball);
      dir = setup.dir;
      console.log(`${app}: install ${setup.cached ? "(toolchain cached) " : ""}${(setup.ms / 1000).toFixed(1)} s`);
      const t0 = Date.now();
      execFileSync("npm", ["run", "--silent", "build"], { cwd: dir, env, stdio: ["ignore", "inherit", "inherit"] });
      console.log(`${app}: build ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      built = true;
      if (existsSync(`${dir}tsconfig.json`)) {
        const tsc = spawnSync(`${ROOT}node_modules/.bin/tsc`, ["--noEmit", "-p", dir], { encoding: "utf8" });
        check(tsc.status === 0, `${app}: the installed package's types resolve through its exports map (tsc strict)${tsc.status ? `\n${tsc.stdout}` : ""}`);
      }
    } catch (e) {
      console.log(`${app}: ${String(e.message).split("\n")[0]}`);
    }
    check(built, `${app}: installs from the packed tarball and builds`);
    for (const target of targets) {
      const shipped = {};
      let runs = false;
      if (built) {
        let server;
        try {
          server = await start(target, dir);
          runs = true;
          for (const p of target.pages) runs = (await checkPage(browser, target, server.url, p, pyodideUrl, p[1] === "runs" ? shipped : null)) && runs;
        } catch (e) {
          check(false, `${target.label}: served (${e.message})`);
          runs = false;
        } finally {
          server?.stop();
        }
      }
      const kind = target.pages.some((p) => p[1] === "runs") ? (runs ? "yes" : "NO") : runs ? "clear error" : "NO";
      rows.push([target.label, built ? "yes" : "NO", kind, target.zeroConfig, shipped.js === undefined ? "-" : `${kb(shipped.js)} (${kb(shipped.jsGzip)} gz)`, shipped.wasm === undefined ? "-" : `${kb(shipped.wasm)} (${kb(shipped.wasmGzip)} gz)`]);
    }
  }
} finally {
  await browser.close();
  pyodide.server.kill();
}

const head = ["toolchain", "builds", "runs", "zero config", "JS shipped", "wasm shipped"];
console.log(`\n| ${head.join(" | ")} |\n|${head.map(() => "---").join("|")}|`);
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
console.log(`\nbundlers step: ${((Date.now() - started) / 1000).toFixed(0)} s`);
finish();
