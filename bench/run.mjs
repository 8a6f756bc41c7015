// Benchmark driver: pycage against plain Pyodide in a plain module worker,
// in the same headless Chromium, served by the same server, in one run.
// Prints a table and writes build/bench.json. Run through scripts/bench.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";

const ROOT = new URL("../", import.meta.url).pathname;
const REPS = Number(process.env.BENCH_REPS || 5); // boots per implementation and kind
const RUNS = 1000;
const FILE_REPS = Math.max(3, REPS); // 50 MiB file reps per implementation

function serve(...flags) {
  const server = spawn("python3", [`${ROOT}scripts/serve.py`, "--port", "0", ...flags], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve) => {
    createInterface({ input: server.stdout }).once("line", (line) => resolve({ server, url: line.match(/http:\S+/)[0] }));
  });
}

const median = (xs) => quantile(xs, 0.5);
function quantile(xs, q) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
const stats = (xs) => ({ median: median(xs), p95: quantile(xs, 0.95), n: xs.length });

const log = (...args) => console.error("[bench]", ...args);
const { server, url } = await serve();
const plain = await serve("--no-isolation");
const launch = {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--enable-precise-memory-info", "--js-flags=--expose-gc"],
};
const browser = await chromium.launch(launch);
const chromiumVersion = browser.version();
const results = {};
const record = (key, name, value) => ((results[key] ??= {})[name] = value);

async function open(context, base = url) {
  const page = await context.newPage();
  page.on("pageerror", (err) => log("page error:", err.message));
  await page.goto(`${base}bench/`);
  await page.waitForFunction(() => window.bench);
  return page;
}

try {
  // 1. Cold boot: a new context (empty HTTP cache) for every boot.
  const cold = { pycage: [], baseline: [] };
  for (let i = 0; i < REPS; i++) {
    for (const name of ["pycage", "baseline"]) {
      const context = await browser.newContext();
      const page = await open(context);
      cold[name].push(await page.evaluate((n) => window.bench.boot(n), name));
      await context.close();
    }
  }
  for (const name in cold) record("coldBoot", name, stats(cold[name]));
  log("cold boot done");

  // 2 and 8. Warm boot (HTTP cache warm; a new page each time): a full boot
  // and a boot from the snapshot (made by the warm-up page's standby), in
  // both isolation modes. A profile on disk, as a person's browser has: an
  // incognito context keeps no wasm code cache, which the baseline's
  // instantiateStreaming from the URL can use (pycage's sandbox compiles
  // bytes the page hands it, so it cannot).
  const profile = mkdtempSync(join(tmpdir(), "pycage-bench-"));
  const context = await chromium.launchPersistentContext(profile, launch);
  const warmup = await open(context);
  await warmup.evaluate(async () => {
    await window.bench.boot("pycage");
    await window.bench.boot("pycage", "worker");
    await window.bench.boot("baseline");
  });
  await warmup.waitForTimeout(8000); // the standby boots and saves the snapshot
  await warmup.close();
  const kinds = {
    baseline: ["baseline"],
    "pycage, full boot": ["pycage", "iframe", false],
    "pycage, full boot, worker mode": ["pycage", "worker", false],
    "pycage, from the snapshot": ["pycage", "iframe", true],
    "pycage, from the snapshot, worker mode": ["pycage", "worker", true],
  };
  const warm = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  for (let i = 0; i < REPS; i++) {
    for (const [name, args] of Object.entries(kinds)) {
      const page = await open(context);
      warm[name].push(await page.evaluate((a) => window.bench.boot(...a), args));
      await page.close();
    }
  }
  for (const name in warm) record("warmBoot", name, stats(warm[name]));
  log("warm boot done");

  // 3-7 on one page with both booted.
  const page = await open(context);
  await page.evaluate(async () => {
    await window.bench.boot("pycage");
    await window.bench.boot("baseline");
  });
  await page.waitForTimeout(4000); // let pycage's standby finish booting
  for (const name of ["pycage", "baseline"]) {
    await page.evaluate((n) => window.bench.roundTrips(n, 50), name); // warm-up
    record("roundTrip", name, stats(await page.evaluate(([n, k]) => window.bench.roundTrips(n, k), [name, RUNS])));
  }
  log("round trips done");
  const wasmAfterRuns = await page.evaluate(() => window.bench.wasmMemory());
  for (const name of ["pycage", "baseline"]) {
    const reps = [];
    for (let i = 0; i < REPS; i++) reps.push(await page.evaluate((n) => window.bench.timeoutRecovery(n), name));
    record("timeoutToNextResult", name, stats(reps.map((r) => r.toNextResult)));
    record("deadlineToTimeout", name, stats(reps.map((r) => r.deadlineToTimeout)));
  }
  log("timeouts done");
  for (const name of ["pycage", "baseline"]) {
    const reps = [];
    for (let i = 0; i < 3; i++) reps.push(await page.evaluate((n) => window.bench.stdout(n), name));
    record("stdout10MB", name, stats(reps));
  }
  log("stdout done");
  for (const name of ["pycage", "baseline"]) {
    record("png640x480", name, stats(await page.evaluate((n) => window.bench.png(n, 20), name)));
  }
  record("importNumpyToPackageLoadError", "pycage", stats(await page.evaluate(() => window.bench.packageError(5))));
  for (const name of ["pycage", "baseline"]) {
    record("memoryAfter1000Runs", name, await page.evaluate(([n, k]) => window.bench.memory(n, k), [name, RUNS]));
  }
  log("png and memory done");
  record("pycageWasmMemory", "afterRoundTrips", wasmAfterRuns);
  record("pycageWasmMemory", "afterAll", await page.evaluate(() => window.bench.wasmMemory()));
  // 10. A 50 MiB file: written from the page, read whole in Python, read
  // back to the page. After the memory figures, which it would move.
  for (const name of ["pycage", "baseline"]) {
    const f = await page.evaluate(([n, k]) => window.bench.files(n, k), [name, FILE_REPS]);
    record("writeFile50MiB", name, stats(f.write));
    record("writeFile50MiBThenPythonRead", name, stats(f.writeThenPythonRead));
    record("readFile50MiB", name, stats(f.readBack));
  }
  record("pycageWasmMemory", "afterFiles", await page.evaluate(() => window.bench.wasmMemory()));
  log("50 MiB files done");
  await context.close();
  rmSync(profile, { recursive: true, force: true });

  // 4b. Without cross-origin isolation there is no SharedArrayBuffer, so a
  // timeout terminates the worker and the warm standby takes over.
  const plainContext = await browser.newContext();
  const plainPage = await open(plainContext, plain.url);
  await plainPage.evaluate(() => window.bench.boot("pycage"));
  const reps = [];
  for (let i = 0; i < REPS; i++) {
    await plainPage.waitForTimeout(5000); // the next standby boots
    reps.push(await plainPage.evaluate(() => window.bench.timeoutRecovery("pycage")));
  }
  record("timeoutToNextResult (no isolation: terminate + standby)", "pycage", stats(reps.map((r) => r.toNextResult)));
  record("deadlineToTimeout (no isolation: terminate + standby)", "pycage", stats(reps.map((r) => r.deadlineToTimeout)));
  await plainContext.close();
  log("non-isolated timeouts done");
} finally {
  await browser.close();
  server.kill();
  plain.server.kill();
}

// 9. Sizes.
const sizes = {};
for (const file of readdirSync(`${ROOT}pkg`).filter((f) => /\.(wasm|js)$/.test(f))) {
  const bytes = readFileSync(`${ROOT}pkg/${file}`);
  sizes[file] = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}
const report = {
  date: new Date().toISOString(),
  machine: `${cpus().length} cores, ${cpus()[0]?.model ?? "unknown CPU"}`,
  chromium: chromiumVersion,
  reps: REPS,
  results,
  sizes,
};
mkdirSync(`${ROOT}build`, { recursive: true });
writeFileSync(`${ROOT}build/bench.json`, JSON.stringify(report, null, 2));

const ms = (v) => (v == null || Number.isNaN(v) ? "-" : v >= 100 ? v.toFixed(0) : v.toFixed(2));
const mb = (v) => (v / 1048576).toFixed(1);
const rows = [["measure", "pycage median (p95)", "baseline median (p95)", "ratio"]];
for (const [key, by] of Object.entries(results)) {
  if (key === "memoryAfter1000Runs" || key === "pycageWasmMemory") continue;
  for (const [name, s] of Object.entries(by)) {
    if (name === "baseline") continue;
    const base = by.baseline;
    rows.push([
      name === "pycage" ? key : `${key}, ${name}`,
      `${ms(s.median)} (${ms(s.p95)}) ms`,
      base ? `${ms(base.median)} (${ms(base.p95)}) ms` : "-",
      base ? `${(s.median / base.median).toFixed(2)}x` : "-",
    ]);
  }
}
const mem = results.memoryAfter1000Runs ?? {};
for (const name of ["pycage", "baseline"]) {
  const m = mem[name];
  if (m) rows.push([`JS heap, ${name}: before -> after ${RUNS} runs`, `${mb(m.before)} -> ${mb(m.after)} MiB`, "", ""]);
}
const wasmMem = results.pycageWasmMemory;
if (wasmMem) {
  rows.push(["pycage's own wasm memory: after the round trips, after all", `${mb(wasmMem.afterRoundTrips)} MiB, ${mb(wasmMem.afterAll)} MiB`, "", ""]);
  if (wasmMem.afterFiles != null) rows.push(["pycage's own wasm memory after the 50 MiB files", `${mb(wasmMem.afterFiles)} MiB`, "", ""]);
}
for (const [file, s] of Object.entries(sizes)) rows.push([`size of pkg/${file}`, `${s.raw} B (${s.gzip} B gzip)`, "", ""]);
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
console.log(`\npycage benchmark: ${report.machine}, Chromium ${chromiumVersion}, ${REPS} boots per kind\n`);
console.log(line(rows[0]));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of rows.slice(1)) console.log(line(r));
console.log(`\nwritten: build/bench.json`);
