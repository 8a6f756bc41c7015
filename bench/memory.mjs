// The Chromium bench's memory parts (11-13): each measurement launches a
// browser of its own on the profile of the warm boots (HTTP cache and
// snapshot warm, as a person's browser has) and reads the PSS of its
// process tree from /proc (bench/proc.mjs). Chromium only: the other
// engines' process trees are not comparable, and WebDriver gives no GC.
// Environment: BENCH_SOAK (runs in the soak, 10000), BENCH_CYCLES
// (pycage's create/dispose cycles, 200), BENCH_PLAIN_CYCLES (the baseline's
// boot/terminate cycles, 25).
import { chromium } from "playwright-core";
import { log, mb, stats } from "./common.mjs";
import { browserPid, treePss } from "./proc.mjs";

export const SOAK = Number(process.env.BENCH_SOAK || 10000); // runs of 1+1 in the soak rows
export const SOAK_EVERY = 2000; // the soak's sampling interval, in runs
export const CYCLES = Number(process.env.BENCH_CYCLES || 200); // pycage's create/dispose cycles
// The baseline's boot/terminate cycles: fewer by default, as each is a full
// Pyodide boot (~2 s here; 200 would add ~7 minutes to the run).
export const PLAIN_CYCLES = Number(process.env.BENCH_PLAIN_CYCLES || 25);
export const CYCLES_EVERY = 50;
export const PSS_COUNTS = [1, 4, 8]; // sandboxes (and plain workers) per PSS measurement
export const SETTLE_MS = 12000; // after the last create, for standbys to boot, before a PSS reading
const SETTLE_NO_STANDBY_MS = 3000; // the same, where nothing boots in the background

/** Launches a browser on `on.profile`, opens the bench page in its first
 *  tab, and calls `fn(page, memory)`, where `memory()` gives the page's JS
 *  heap after a GC and the PSS of the browser's process tree. */
async function measured(on, fn) {
  const context = await chromium.launchPersistentContext(on.profile, on.launch);
  try {
    const pid = browserPid(on.profile);
    const page = await on.open(context, on.url, context.pages()[0]);
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
export async function pssRows(on, record) {
  const kinds = { pycage: ["pycage", {}], "pycage, standby: false": ["pycage", { standby: false }], baseline: ["baseline", {}] };
  for (const n of PSS_COUNTS) {
    for (const [name, [kind, options]] of Object.entries(kinds)) {
      const row = await measured(on, async (page, memory) => {
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
export async function soakRows(on, record) {
  for (const name of ["pycage", "baseline"]) {
    const row = await measured(on, async (page, memory) => {
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
export async function cycleRows(on, record) {
  for (const name of ["pycage", "baseline"]) {
    const options = { standby: false };
    const count = name === "baseline" ? PLAIN_CYCLES : CYCLES;
    const row = await measured(on, async (page, memory) => {
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
