// Benchmark driver: pycage against plain Pyodide in a plain module worker,
// in the same browser, served by the same server, in one run. Prints a
// table and writes build/bench.json (Chromium) or build/bench-<engine>.json.
// Run through scripts/bench.
//
// Usage: node bench/run.mjs [--engine chromium|firefox|webkit]
// (or BENCH_ENGINE=...; Chromium by default). Chromium is driven by
// playwright-core and measures everything (bench/chromium.mjs,
// bench/memory.mjs); Firefox ESR and WebKitGTK are driven over plain
// WebDriver and measure boots and round trips (bench/engines.mjs).
// Environment: BENCH_REPS (boots per kind, 5), BENCH_RUNS (round trips,
// 1000), BENCH_ONLY (a comma list of parts: boot, page, afterboot, sessions,
// noisolation, pss, soak, cycles, files; the other engines know boot and
// page), and those bench/memory.mjs reads. The memory parts read /proc,
// so they need Linux.
import { bench as chromium } from "./chromium.mjs";
import { bench as webdriver } from "./engines.mjs";
import { ENGINES } from "./common.mjs";
import { report } from "./report.mjs";


function engineChoice(argv) {
  let engine = process.env.BENCH_ENGINE || "chromium";
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--engine") engine = argv[++i];
    else if (argv[i].startsWith("--engine=")) engine = argv[i].slice("--engine=".length);
    else throw new Error(`bench: unknown argument ${argv[i]} (usage: --engine ${ENGINES.join("|")})`);
  }
  if (!ENGINES.includes(engine)) throw new Error(`bench: unknown engine ${engine} (${ENGINES.join(", ")})`);
  return engine;
}

const engine = engineChoice(process.argv.slice(2));
const results = {};
const record = (key, name, value) => ((results[key] ??= {})[name] = value);
const run = engine === "chromium" ? await chromium(record) : await webdriver(engine, record);
report(engine, run, results);
