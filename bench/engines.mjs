// The bench in the two other engines, Firefox ESR (geckodriver) and
// WebKitGTK (WebKitWebDriver + MiniBrowser under Xvfb), over plain W3C
// WebDriver (tests/e2e/webdriver.mjs): boots and warm round trips of pycage
// in both isolation modes against the baseline, each on the same page of
// the same browser in the same run, as the Chromium bench does. The memory
// parts stay Chromium's: they read the PSS of Chromium's process tree and
// need its forced GC.
//
// Where each mode runs: Firefox, both on the cross-origin-isolated page (as
// in Chromium). WebKit refuses the sandbox frame's blob: worker under COEP
// (Sandbox.create rejects at once), so there iframe mode runs on a page
// served without COOP/COEP and worker mode on the isolated page, each with
// a baseline of its own page. BENCH_NO_ISOLATION=1 puts both modes on the
// non-isolated page, in either engine.
import { driver, session, until } from "../tests/e2e/webdriver.mjs";
import { REPS, RUNS, log, part, serve, stats } from "./common.mjs";

// WebDriver's default script timeout is 30 s; a WebKit boot on a busy
// two-core machine can take more (docs/browsers.md).
const SCRIPT_LIMIT_MS = 300_000;
// A new session is a new browser process, which keeps starting up for a
// moment after the first page has loaded: let it settle before a cold boot.
const COLD_SETTLE_MS = 2000;
const SNAPSHOT_WAIT_MS = 180_000; // for the warm-up page's standby to save the snapshot
const STANDBY_SETTLE_MS = 15_000; // for the standbys to boot before the round trips
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function pagesFor(engine) {
  const notIsolated = { suffix: " (not isolated)", flags: ["--no-isolation"] };
  if (process.env.BENCH_NO_ISOLATION) return [{ ...notIsolated, modes: ["iframe", "worker"] }];
  if (engine === "webkit") {
    return [{ ...notIsolated, modes: ["iframe"] }, { suffix: " (cross-origin isolated)", flags: [], modes: ["worker"] }];
  }
  return [{ suffix: "", flags: [], modes: ["iframe", "worker"] }];
}
const inMode = (mode) => (mode === "worker" ? ", worker mode" : "");

// Calls window.bench[fn](...args) in the page and waits for its promise
// (execute/async), so the timing stays in the page.
const CALL = `const done = arguments[arguments.length - 1];
  const fn = arguments[0], args = arguments[1];
  Promise.resolve().then(() => window.bench[fn].apply(window.bench, args))
    .then((value) => done({ value: value === undefined ? null : value }), (err) => done({ error: String((err && err.stack) || err) }));`;

async function call(s, fn, ...args) {
  const reply = await s.jsAsync(CALL, fn, args);
  if (reply?.error) throw new Error(`bench.${fn}: ${reply.error}`);
  return reply?.value;
}

/** A new session (a new browser: empty HTTP cache, no snapshot) on `url`. */
async function opened(base, engine, url) {
  const s = await session(base, engine);
  try {
    await s.timeouts({ script: SCRIPT_LIMIT_MS });
    await load(s, url);
    return s;
  } catch (err) {
    await s.quit();
    throw err;
  }
}

/** Loads the bench page anew in the session's tab. */
async function load(s, url) {
  await s.go(`${url}bench/`);
  await until(s, "the bench page", 60_000, "return !!window.bench");
}

/**
 * Runs the parts BENCH_ONLY allows (boot, page) in `engine`, calling
 * `record(measure, name, value)`; returns what the report says of the run.
 */
export async function bench(engine, record) {
  const pages = pagesFor(engine);
  const { base, stop } = await driver(engine);
  const servers = [];
  const notes = [];
  let browser = engine;
  try {
    for (const page of pages) {
      const { server, url } = await serve(...page.flags);
      servers.push(server);
      const on = { ...page, url, base, engine, record, notes };
      browser = (await describe(on)) ?? browser;
      if (part("boot")) await coldBoots(on);
      if (part("boot")) await warmBoots(on);
      if (part("page")) await roundTrips(on);
    }
  } finally {
    stop();
    for (const server of servers) server.kill();
  }
  notes.push(
    "memory rows (PSS, soak, create/dispose cycles) and the timeout, stdout, PNG and file rows are Chromium's only " +
      "(scripts/bench without --engine): they read Chromium's process tree and need its forced GC",
  );
  return { browser, json: { browser, reps: REPS, runs: RUNS, pages }, notes };
}

/** Notes what the page is (isolated, SharedArrayBuffer); returns the browser's name and version. */
async function describe(on) {
  const s = await opened(on.base, on.engine, on.url);
  try {
    const [isolated, shared] = await s.js("return [self.crossOriginIsolated === true, typeof SharedArrayBuffer === 'function']");
    const modes = on.modes.map((m) => `${m} mode`).join(" and ");
    on.notes.push(`${modes}${on.suffix || " (cross-origin isolated)"}: crossOriginIsolated ${isolated}, SharedArrayBuffer ${shared ? "yes" : "no"}; against the baseline on the same page`);
    const { browserName, browserVersion } = s.capabilities;
    return browserName ? `${browserName} ${browserVersion}` : null;
  } finally {
    await s.quit();
  }
}

/** Boots `kinds` ({ name: bench.boot's arguments }) `REPS` times each,
 *  interleaved, through `bootOnce(args)`; records `measure` per name, and
 *  notes failed boots and pycage boots whose snapshot use was not `snapshot(name)`. */
async function boots(on, measure, kinds, bootOnce, snapshot) {
  const times = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  const odd = {};
  for (let i = 0; i < REPS; i++) {
    for (const [name, args] of Object.entries(kinds)) {
      try {
        const { ms, state } = await bootOnce(args);
        times[name].push(ms);
        if (state && state.fromSnapshot !== snapshot(name)) (odd[name] ??= []).push(`fromSnapshot ${state.fromSnapshot}`);
      } catch (err) {
        log(`${measure}, ${name}: ${err.message}`);
        (odd[name] ??= []).push(`failed: ${err.message.slice(0, 160)}`);
      }
    }
  }
  for (const [name, xs] of Object.entries(times)) if (xs.length) on.record(measure + on.suffix, name, stats(xs));
  for (const [name, what] of Object.entries(odd)) on.notes.push(`${measure}${on.suffix}, ${name}: ${what.length} of ${REPS} boots: ${[...new Set(what)].join("; ")}`);
  log(`${measure}${on.suffix} done`);
}

// Cold boot: a new session for every boot (a new browser profile: empty
// HTTP cache, no snapshot yet), as the Chromium bench's new context.
async function coldBoots(on) {
  const kinds = { baseline: ["baseline"] };
  for (const mode of on.modes) kinds[`pycage${inMode(mode)}`] = ["pycage", mode];
  await boots(on, "coldBoot", kinds, async (args) => {
    const s = await opened(on.base, on.engine, on.url);
    try {
      await sleep(COLD_SETTLE_MS);
      const ms = await call(s, "boot", ...args);
      return { ms, state: await call(s, "state", args[0]) };
    } finally {
      await s.quit();
    }
  }, () => false);
}

// Warm boot (HTTP cache warm; the page loaded anew for each boot): a full
// boot and a boot from the snapshot, which the warm-up page's standby made.
async function warmBoots(on) {
  const kinds = { baseline: ["baseline"] };
  for (const mode of on.modes) {
    kinds[`pycage, full boot${inMode(mode)}`] = ["pycage", mode, false];
    kinds[`pycage, from the snapshot${inMode(mode)}`] = ["pycage", mode, true];
  }
  const s = await opened(on.base, on.engine, on.url);
  try {
    for (const mode of on.modes) await call(s, "boot", `pycage${inMode(mode)}`, mode);
    await call(s, "boot", "baseline");
    const saved = await waitForSnapshot(s);
    if (!saved) on.notes.push(`warmBoot${on.suffix}: no snapshot saved within ${SNAPSHOT_WAIT_MS / 1000} s of the warm-up`);
    await boots(on, "warmBoot", kinds, async (args) => {
      await load(s, on.url);
      const ms = await call(s, "boot", ...args);
      return { ms, state: await call(s, "state", args[0]) };
    }, (name) => name.includes("snapshot"));
  } finally {
    await s.quit();
  }
}

/** Polls the page origin's CacheStorage, where pycage keeps its boot
 *  snapshots (docs/snapshots.md). */
async function waitForSnapshot(s) {
  const end = Date.now() + SNAPSHOT_WAIT_MS;
  while (Date.now() < end) {
    const count = await s.jsAsync(`const done = arguments[arguments.length - 1];
      caches.open("pycage-snapshots").then((c) => c.keys()).then((k) => done(k.length), () => done(0));`);
    if (count > 0) return true;
    await sleep(1000);
  }
  return false;
}

// Warm round trips of 1+1 on one page with every mode and the baseline
// booted, after the standbys have booted.
async function roundTrips(on) {
  const s = await opened(on.base, on.engine, on.url);
  try {
    const names = [...on.modes.map((m) => `pycage${inMode(m)}`), "baseline"];
    for (const mode of on.modes) await call(s, "boot", `pycage${inMode(mode)}`, mode);
    await call(s, "boot", "baseline");
    await sleep(STANDBY_SETTLE_MS);
    for (const name of names) {
      await call(s, "roundTrips", name, 50); // warm-up
      // In batches: WebKitWebDriver could not parse one reply of 1,000 times.
      const times = [];
      for (let done = 0; done < RUNS; done += 100) times.push(...(await call(s, "roundTrips", name, Math.min(100, RUNS - done))));
      on.record(`roundTrip${on.suffix}`, name, stats(times));
    }
    for (const mode of on.modes) {
      const state = await call(s, "state", `pycage${inMode(mode)}`);
      on.notes.push(`${mode} mode${on.suffix}: a timeout ${state.interruptible ? "interrupts (state kept)" : "restarts the interpreter (no SharedArrayBuffer)"}`);
    }
  } finally {
    await s.quit();
  }
  log(`round trips${on.suffix} done`);
}
