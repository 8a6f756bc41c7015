// The Chromium bench, driven by playwright-core: boots, the one-page
// measurements, the sessions (bench/sessions.mjs), the non-isolated
// timeouts, then the memory parts (bench/memory.mjs). Everything in the same headless Chromium, served by
// the same server, in one run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { REPS, RUNS, log, part, serve, stats } from "./common.mjs";
import { CYCLES, PLAIN_CYCLES, SETTLE_MS, SOAK, cycleRows, pssRows, soakRows } from "./memory.mjs";
import { SESSION_SETTLE_MS, measureSessions } from "./sessions.mjs";

const FILE_REPS = Math.max(3, REPS); // 50 MiB file reps per implementation

/** Runs every part BENCH_ONLY allows, calling `record(measure, name,
 *  value)`; returns what the report says of the run. */
export async function bench(record) {
  const { server, url } = await serve();
  const plain = await serve("--no-isolation");
  const launch = {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--no-first-run", "--enable-precise-memory-info", "--js-flags=--expose-gc"],
  };
  const browser = await chromium.launch(launch);
  const version = browser.version();
  let profile = null; // a profile on disk with the snapshot saved (section 2)
  try {
    if (part("boot")) await coldBoots(browser, url, record);
    // 2 and 8 (warm boots) and 3-7, 10 (one page) in a profile on disk, as
    // a person's browser has: an incognito context keeps no wasm code
    // cache, which the baseline's instantiateStreaming from the URL can use
    // (pycage's sandbox compiles bytes the page hands it, so it cannot).
    profile = mkdtempSync(join(tmpdir(), "pycage-bench-"));
    const context = await chromium.launchPersistentContext(profile, launch);
    const warmup = await open(context, url);
    await warmup.evaluate(async () => {
      await window.bench.boot("pycage");
      await window.bench.boot("pycage", "worker");
      await window.bench.boot("baseline");
    });
    await warmup.waitForTimeout(8000); // the standby boots and saves the snapshot
    await warmup.close();
    if (part("boot")) await warmBoots(context, url, record);
    if (part("page")) await onePage(context, url, record);
    else if (part("files")) await filesOnly(context, url, record);
    if (part("afterboot")) await afterBoot(context, url, record);
    if (part("sessions")) await measureSessions({ context, url, open }, record);
    await context.close();
    if (part("noisolation")) await notIsolated(browser, plain.url, record);
    await browser.close(); // the parts below measure a browser of their own
    const on = { profile, launch, url, open };
    if (part("pss")) await pssRows(on, record);
    if (part("soak")) await soakRows(on, record);
    if (part("cycles")) await cycleRows(on, record);
  } finally {
    await browser.close();
    server.kill();
    plain.server.kill();
    if (profile) rmSync(profile, { recursive: true, force: true });
  }
  return {
    browser: `Chromium ${version}`,
    json: {
      chromium: version, reps: REPS, soakRuns: SOAK, cycles: CYCLES, plainCycles: PLAIN_CYCLES, settleMs: SETTLE_MS,
      sessionSettleMs: SESSION_SETTLE_MS,
    },
    notes: [],
  };
}

async function open(context, base, page = null) {
  page ??= await context.newPage();
  page.on("pageerror", (err) => log("page error:", err.message));
  await page.goto(`${base}bench/`);
  await page.waitForFunction(() => window.bench);
  return page;
}

// 1. Cold boot: a new context (empty HTTP cache) for every boot.
async function coldBoots(browser, url, record) {
  const cold = { pycage: [], baseline: [] };
  for (let i = 0; i < REPS; i++) {
    for (const name of ["pycage", "baseline"]) {
      const context = await browser.newContext();
      const page = await open(context, url);
      cold[name].push(await page.evaluate((n) => window.bench.boot(n), name));
      await context.close();
    }
  }
  for (const name in cold) record("coldBoot", name, stats(cold[name]));
  log("cold boot done");
}

// 2 and 8. Warm boot (HTTP cache warm; a new page each time): a full boot
// and a boot from the snapshot (made by the warm-up page's standby), in
// both isolation modes.
async function warmBoots(context, url, record) {
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
      const page = await open(context, url);
      warm[name].push(await page.evaluate((a) => window.bench.boot(...a), args));
      await page.close();
    }
  }
  for (const name in warm) record("warmBoot", name, stats(warm[name]));
  log("warm boot done");
}

const ROUNDS = 5; // of the round trips

// 3-7 and 10 on one page with both booted (and, for the round trips, a
// worker-mode sandbox too, disposed after them).
async function onePage(context, url, record) {
  const page = await open(context, url);
  await page.evaluate(async () => {
    await window.bench.boot("pycage");
    await window.bench.boot("pycage, worker mode", "worker");
    await window.bench.boot("baseline");
  });
  // Let the standbys finish booting, and the fresh interpreters tier their
  // wasm up in the background (it competes for the cores for seconds).
  await page.waitForTimeout(20000);
  // Interleaved, in ROUNDS rounds of RUNS / ROUNDS each, so that whatever
  // else the machine does falls on all three alike, not on the first.
  const names = ["pycage", "pycage, worker mode", "baseline"];
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (const name of names) await page.evaluate((n) => window.bench.roundTrips(n, 200), name); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      times[name].push(...(await page.evaluate(([n, k]) => window.bench.roundTrips(n, k), [name, Math.ceil(RUNS / ROUNDS)])));
    }
  }
  for (const name of names) record("roundTrip", name, stats(times[name]));
  await page.evaluate(() => window.bench.dispose("pycage, worker mode"));
  log("round trips done");
  for (const name of ["pycage", "baseline"]) {
    const reps = [];
    for (let i = 0; i < REPS; i++) reps.push(await page.evaluate((n) => window.bench.newConversation(n, 3000), name));
    record("newConversationWhileOneRuns", name, stats(reps));
  }
  log("new conversations done");
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
  // back to the page, in both isolation modes. After the memory figures,
  // which it would move.
  await page.evaluate(() => window.bench.boot("pycage, worker mode", "worker"));
  await fileRows(page, record);
  record("pycageWasmMemory", "afterFiles", await page.evaluate(() => window.bench.wasmMemory()));
  log("50 MiB files done");
}

const FILE_NAMES = ["pycage", "pycage, worker mode", "baseline"];

/** The 50 MiB file rows for each of FILE_NAMES, booted on `page`. */
async function fileRows(page, record) {
  for (const name of FILE_NAMES) {
    const f = await page.evaluate(([n, k]) => window.bench.files(n, k), [name, FILE_REPS]);
    record("writeFile50MiB", name, stats(f.write));
    record("writeFile50MiBThenPythonRead", name, stats(f.writeThenPythonRead));
    record("readFile50MiB", name, stats(f.readBack));
  }
}

// 10 alone (BENCH_ONLY=files), for quick measures of the file calls: one
// page with the three booted, the standbys given time to boot.
async function filesOnly(context, url, record) {
  const page = await open(context, url);
  await page.evaluate(async () => {
    await window.bench.boot("pycage");
    await window.bench.boot("pycage, worker mode", "worker");
    await window.bench.boot("baseline");
  });
  await page.waitForTimeout(10000);
  await fileRows(page, record);
  await page.close();
  log("50 MiB files done");
}

// 3b. The round trip right after a boot: from 1 s after `create` resolves
// (a new page each time, the snapshot saved), against the baseline measured
// the same way. The variants tell what the first seconds cost: pycage
// without its standby, in worker mode (no frame), and the baseline with its
// wasm compiled from bytes as pycage's sandbox must (no code cache).
const AFTER_BOOT_WAIT_MS = 1000;
const AFTER_BOOT_TRIPS = 300;
async function afterBoot(context, url, record) {
  const kinds = {
    baseline: ["baseline", {}],
    pycage: ["pycage", {}],
    "pycage, no standby": ["pycage", { standby: false }],
    "pycage, worker mode": ["pycage", { isolation: "worker" }],
    "plain Pyodide, its wasm compiled from bytes": ["baseline", { fromBytes: true }],
  };
  const times = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  for (let i = 0; i < REPS; i++) {
    for (const [label, [name, extra]] of Object.entries(kinds)) {
      const page = await open(context, url);
      times[label].push(...(await page.evaluate(
        ([n, wait, k, x]) => window.bench.roundTripsAfterBoot(n, wait, k, x),
        [name, AFTER_BOOT_WAIT_MS, AFTER_BOOT_TRIPS, extra],
      )));
      await page.close();
    }
  }
  for (const label in times) record("roundTripRightAfterBoot", label, stats(times[label]));
  log("round trips right after boot done");
}

// 4b. Without cross-origin isolation there is no SharedArrayBuffer, so a
// timeout terminates the worker and the warm standby takes over.
async function notIsolated(browser, plainUrl, record) {
  const plainContext = await browser.newContext();
  const plainPage = await open(plainContext, plainUrl);
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
