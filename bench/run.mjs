// Benchmark driver: pycage against plain Pyodide in a plain module worker,
// in the same headless Chromium, served by the same server, in one run.
// Prints a table and writes build/bench.json. Run through scripts/bench.
// Environment: BENCH_REPS (boots per kind, 5), BENCH_SOAK (runs in the soak,
// 10000), BENCH_CYCLES (pycage's create/dispose cycles, 200),
// BENCH_PLAIN_CYCLES (the baseline's boot/terminate cycles, 25), BENCH_ONLY
// (a comma list of parts: boot, page, noisolation, pss, soak, cycles).
// The memory parts read /proc, so they need Linux.
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
const SOAK = Number(process.env.BENCH_SOAK || 10000); // runs of 1+1 in the soak rows
const SOAK_EVERY = 2000; // the soak's sampling interval, in runs
const CYCLES = Number(process.env.BENCH_CYCLES || 200); // pycage's create/dispose cycles
// The baseline's boot/terminate cycles: fewer by default, as each is a full
// Pyodide boot (~2 s here; 200 would add ~7 minutes to the run).
const PLAIN_CYCLES = Number(process.env.BENCH_PLAIN_CYCLES || 25);
const CYCLES_EVERY = 50;
const PSS_COUNTS = [1, 4, 8]; // sandboxes (and plain workers) per PSS measurement
const SETTLE_MS = 12000; // after the last create, for standbys to boot, before a PSS reading
const SETTLE_NO_STANDBY_MS = 3000; // the same, where nothing boots in the background
// BENCH_ONLY=pss,soak,... runs only those parts (boot, page, noisolation,
// pss, soak, cycles); everything by default.
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(",")) : null;
const part = (name) => !ONLY || ONLY.has(name);

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
const ms = (v) => (v == null || Number.isNaN(v) ? "-" : v >= 100 ? v.toFixed(0) : v.toFixed(2));
const mb = (v) => (v / 1048576).toFixed(1);

const started = Date.now();
const log = (...args) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0)} s]`, ...args);

// The browser's memory: the PSS (proportional set size: private pages plus
// a share of each shared page) of every process in the browser's process
// tree, from /proc (Linux). The browser is found by its profile folder.
function parentOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}
function pidsOnProc() {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number);
}
function browserPid(profile) {
  const flag = `--user-data-dir=${profile}`;
  const marked = new Set();
  for (const pid of pidsOnProc()) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(flag)) marked.add(pid);
    } catch {} // gone
  }
  const roots = [...marked].filter((pid) => { try { return !marked.has(parentOf(pid)); } catch { return false; } });
  if (roots.length !== 1) throw new Error(`expected one browser with ${flag}, found ${roots.length}`);
  return roots[0];
}
/** { pss, pssAnon } in bytes and the process count over `root`'s tree,
 *  and each process's { type, pss, pssAnon } (type from `--type=`). */
function treePss(root) {
  const children = new Map();
  for (const pid of pidsOnProc()) {
    try {
      const parent = parentOf(pid);
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(pid);
    } catch {}
  }
  const total = { pss: 0, pssAnon: 0, processes: 0, each: [] };
  for (const queue = [root]; queue.length; ) {
    const pid = queue.shift();
    queue.push(...(children.get(pid) ?? []));
    try {
      const text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
      const pss = 1024 * Number(text.match(/^Pss:\s+(\d+) kB/m)[1]);
      const pssAnon = 1024 * Number(text.match(/^Pss_Anon:\s+(\d+) kB/m)?.[1] ?? NaN);
      // Chromium rewrites its children's command lines as one string.
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const type = pid === root ? "browser" : (args.match(/--type=(\S+)/)?.[1] ?? "other");
      total.pss += pss;
      total.pssAnon += pssAnon;
      total.processes++;
      total.each.push({ type, pss, pssAnon });
    } catch {} // gone, or a kernel without smaps_rollup
  }
  return total;
}
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

async function open(context, base = url, page = null) {
  page ??= await context.newPage();
  page.on("pageerror", (err) => log("page error:", err.message));
  await page.goto(`${base}bench/`);
  await page.waitForFunction(() => window.bench);
  return page;
}

let profile = null; // a profile on disk with the snapshot saved (section 2)
try {
  // 1. Cold boot: a new context (empty HTTP cache) for every boot.
  if (part("boot")) {
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
  }

  // 2 and 8. Warm boot (HTTP cache warm; a new page each time): a full boot
  // and a boot from the snapshot (made by the warm-up page's standby), in
  // both isolation modes. A profile on disk, as a person's browser has: an
  // incognito context keeps no wasm code cache, which the baseline's
  // instantiateStreaming from the URL can use (pycage's sandbox compiles
  // bytes the page hands it, so it cannot).
  profile = mkdtempSync(join(tmpdir(), "pycage-bench-"));
  const context = await chromium.launchPersistentContext(profile, launch);
  const warmup = await open(context);
  await warmup.evaluate(async () => {
    await window.bench.boot("pycage");
    await window.bench.boot("pycage", "worker");
    await window.bench.boot("baseline");
  });
  await warmup.waitForTimeout(8000); // the standby boots and saves the snapshot
  await warmup.close();
  if (part("boot")) {
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
  }

  // 3-7 on one page with both booted (and, for the round trips, a
  // worker-mode sandbox too, disposed after them).
  if (part("page")) {
  const page = await open(context);
  await page.evaluate(async () => {
    await window.bench.boot("pycage");
    await window.bench.boot("pycage, worker mode", "worker");
    await window.bench.boot("baseline");
  });
  await page.waitForTimeout(5000); // let the standbys finish booting
  for (const name of ["pycage", "pycage, worker mode", "baseline"]) {
    await page.evaluate((n) => window.bench.roundTrips(n, 50), name); // warm-up
    record("roundTrip", name, stats(await page.evaluate(([n, k]) => window.bench.roundTrips(n, k), [name, RUNS])));
  }
  await page.evaluate(() => window.bench.dispose("pycage, worker mode"));
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
  }
  await context.close();

  // 4b. Without cross-origin isolation there is no SharedArrayBuffer, so a
  // timeout terminates the worker and the warm standby takes over.
  if (part("noisolation")) {
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
  }
  await browser.close(); // the parts below measure a browser of their own

  // 11-13: the browser's memory. Each measurement launches a browser of its
  // own on the profile of section 2 (HTTP cache and snapshot warm, as a
  // person's browser has) and reads the PSS of its process tree.
  if (part("pss")) await pssRows();
  if (part("soak")) await soakRows();
  if (part("cycles")) await cycleRows();
} finally {
  await browser.close();
  server.kill();
  plain.server.kill();
  if (profile) rmSync(profile, { recursive: true, force: true });
}

/** Launches a browser on `profile`, opens the bench page in its first tab,
 *  and calls `fn(page, memory)`, where `memory()` gives the page's JS heap
 *  after a GC and the PSS of the browser's process tree. */
async function measured(fn) {
  const context = await chromium.launchPersistentContext(profile, launch);
  try {
    const pid = browserPid(profile);
    const page = await open(context, url, context.pages()[0]);
    const memory = async () => ({ heap: await page.evaluate(() => window.bench.heap()), ...treePss(pid) });
    return await fn(page, memory);
  } finally {
    await context.close();
  }
}

// 11. PSS of the browser with N sandboxes (default options: iframe, a
// standby each; and with `standby: false`) after one run of 1+1 each and
// SETTLE_MS for the standbys to boot (SETTLE_NO_STANDBY_MS where there are
// none), against N plain workers after the same run, less the empty page's
// PSS in the same browser.
async function pssRows() {
  const kinds = { pycage: ["pycage", {}], "pycage, standby: false": ["pycage", { standby: false }], baseline: ["baseline", {}] };
  for (const n of PSS_COUNTS) {
    for (const [name, [kind, options]] of Object.entries(kinds)) {
      const row = await measured(async (page, memory) => {
        await page.waitForTimeout(2000);
        const empty = await memory();
        const creates = await page.evaluate(([k, c, o]) => window.bench.createMany(k, c, o), [kind, n, options]);
        await page.waitForTimeout(name === "pycage" ? SETTLE_MS : SETTLE_NO_STANDBY_MS);
        const after = await memory();
        return { empty, after, pss: after.pss - empty.pss, pssAnon: after.pssAnon - empty.pssAnon, creates: stats(creates) };
      });
      record(`pss${n}`, name, row);
      log(`PSS, ${n} x ${name}: +${mb(row.pss)} MiB (${row.after.processes} processes)`);
    }
  }
}

// 12. Soak: SOAK runs of 1+1 on one sandbox (defaults), against as many on
// the plain worker, each in a browser of its own. The page's JS heap after
// a GC and the browser's PSS every SOAK_EVERY runs (from after 100 warm-up
// runs), and the rate.
async function soakRows() {
  for (const name of ["pycage", "baseline"]) {
    const row = await measured(async (page, memory) => {
      await page.evaluate((n) => window.bench.boot(n), name);
      await page.waitForTimeout(SETTLE_MS); // pycage's standby boots
      await page.evaluate((n) => window.bench.soak(n, 100), name);
      const samples = [{ runs: 0, ...(await memory()) }];
      let ms = 0;
      for (let done = 0; done < SOAK; ) {
        const k = Math.min(SOAK_EVERY, SOAK - done);
        ms += await page.evaluate(([n, c]) => window.bench.soak(n, c), [name, k]);
        done += k;
        samples.push({ runs: done, ...(await memory()) });
      }
      return { runs: SOAK, runsPerSecond: SOAK / (ms / 1000), samples };
    });
    record("soak", name, row);
    log(`soak, ${name}: ${row.runsPerSecond.toFixed(0)} runs/s`);
  }
}

// 13. CYCLES cycles of Sandbox.create({ standby: false }), one 1+1,
// dispose(), against PLAIN_CYCLES of booting a plain worker, one 1+1,
// terminate(), each in a browser of its own. The page's JS heap after a GC
// and the browser's PSS every CYCLES_EVERY cycles, from after two warm-up
// cycles (pycage's wasm and the snapshot are loaded by then).
async function cycleRows() {
  for (const name of ["pycage", "baseline"]) {
    const options = { standby: false };
    const count = name === "baseline" ? PLAIN_CYCLES : CYCLES;
    const row = await measured(async (page, memory) => {
      await page.evaluate(([n, o]) => window.bench.cycles(n, 2, o), [name, options]);
      await page.waitForTimeout(2000);
      const samples = [{ cycles: 0, ...(await memory()) }];
      const times = [];
      for (let done = 0; done < count; ) {
        const k = Math.min(CYCLES_EVERY, count - done);
        times.push(...(await page.evaluate(([n, c, o]) => window.bench.cycles(n, c, o), [name, k, options])));
        done += k;
        await page.waitForTimeout(2000); // the last worker's process memory goes
        samples.push({ cycles: done, ...(await memory()) });
      }
      return { cycles: count, cycle: stats(times), samples };
    });
    record("cycles", name, row);
    log(`cycles, ${name}: ${row.cycle.median.toFixed(0)} ms per cycle`);
  }
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
  soakRuns: SOAK,
  cycles: CYCLES,
  plainCycles: PLAIN_CYCLES,
  seconds: Math.round((Date.now() - started) / 1000),
  settleMs: SETTLE_MS,
  results,
  sizes,
};
mkdirSync(`${ROOT}build`, { recursive: true });
writeFileSync(`${ROOT}build/bench.json`, JSON.stringify(report, null, 2));

const rows = [["measure", "pycage median (p95)", "baseline median (p95)", "ratio"]];
for (const [key, by] of Object.entries(results)) {
  if (key === "memoryAfter1000Runs" || key === "pycageWasmMemory" || /^pss\d|^soak$|^cycles$/.test(key)) continue;
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
for (const n of PSS_COUNTS) {
  const by = results[`pss${n}`];
  if (!by) continue;
  const base = by.baseline;
  const what = (s) => `+${mb(s.pss)} MiB (anon +${mb(s.pssAnon)})`;
  // The issue's target: 1.1x the plain workers' PSS plus one more plain
  // worker's (the shared standby).
  const target = base && 1.1 * base.pss * (n + 1) / n;
  for (const [name, s] of Object.entries(by)) {
    if (name === "baseline") continue;
    rows.push([
      `browser PSS, ${n} ${name === "pycage" ? "sandbox(es), defaults" : name.replace("pycage", "sandbox(es)")}, vs ${n} plain worker(s): after one 1+1 each, less the empty page`,
      what(s),
      base ? what(base) : "-",
      base ? `${(s.pss / base.pss).toFixed(2)}x (target ${mb(target)} MiB: ${(s.pss / target).toFixed(2)}x of it)` : "-",
    ]);
  }
}
const series = (samples, key) => samples.map((x) => mb(x[key])).join(", ");
const soak = results.soak;
if (soak?.pycage) {
  const [p, b] = [soak.pycage, soak.baseline];
  const first = (r, key) => r.samples[0][key];
  const last = (r, key) => r.samples.at(-1)[key];
  const heapPss = (r, key) => (r ? `${mb(first(r, key))} -> ${mb(last(r, key))} MiB` : "-");
  rows.push([`soak, ${SOAK} runs of 1+1 on one sandbox (defaults): runs per second`, `${p.runsPerSecond.toFixed(0)}/s`, b ? `${b.runsPerSecond.toFixed(0)}/s` : "-", b ? `${(b.runsPerSecond / p.runsPerSecond).toFixed(2)}x (time per run)` : "-"]);
  rows.push(["soak: page JS heap after GC, first -> last", heapPss(p, "heap"), heapPss(b, "heap"), ""]);
  rows.push(["soak: browser PSS, first -> last", heapPss(p, "pss"), heapPss(b, "pss"), ""]);
  rows.push(["soak: browser Pss_Anon, first -> last", heapPss(p, "pssAnon"), heapPss(b, "pssAnon"), ""]);
  rows.push([`soak: browser PSS every ${SOAK_EVERY} runs (MiB)`, series(p.samples, "pss"), b ? series(b.samples, "pss") : "-", ""]);
  rows.push([`soak: page JS heap every ${SOAK_EVERY} runs (MiB)`, series(p.samples, "heap"), b ? series(b.samples, "heap") : "-", ""]);
}
const cycles = results.cycles;
if (cycles?.pycage) {
  const [p, b] = [cycles.pycage, cycles.baseline];
  const startEnd = (r, key) => (r ? `${mb(r.samples[0][key])} -> ${mb(r.samples.at(-1)[key])} MiB` : "-");
  rows.push([
    `${p.cycles} cycles of create (standby: false), one 1+1, dispose; baseline (${b?.cycles ?? 0}): boot, 1+1, terminate; per cycle`,
    `${ms(p.cycle.median)} (${ms(p.cycle.p95)}) ms`,
    b ? `${ms(b.cycle.median)} (${ms(b.cycle.p95)}) ms` : "-",
    b ? `${(p.cycle.median / b.cycle.median).toFixed(2)}x` : "-",
  ]);
  rows.push(["cycles: page JS heap after GC, start -> end", startEnd(p, "heap"), startEnd(b, "heap"), ""]);
  rows.push(["cycles: browser PSS, start -> end", startEnd(p, "pss"), startEnd(b, "pss"), ""]);
  rows.push(["cycles: browser Pss_Anon, start -> end", startEnd(p, "pssAnon"), startEnd(b, "pssAnon"), ""]);
  rows.push([`cycles: browser PSS every ${CYCLES_EVERY} cycles (MiB)`, series(p.samples, "pss"), b ? series(b.samples, "pss") : "-", ""]);
}
for (const [file, s] of Object.entries(sizes)) rows.push([`size of pkg/${file}`, `${s.raw} B (${s.gzip} B gzip)`, "", ""]);
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
console.log(`\npycage benchmark: ${report.machine}, Chromium ${chromiumVersion}, ${REPS} boots per kind\n`);
console.log(line(rows[0]));
console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const r of rows.slice(1)) console.log(line(r));
console.log(`\nwritten: build/bench.json (${report.seconds} s)`);
