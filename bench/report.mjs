// The benchmark's report: pkg/'s sizes, the JSON in build/ (bench.json for
// Chromium, bench-<engine>.json for the others) and the table on stdout.
// Every engine's results print through the same rows: a measure whose
// entries are named "baseline" and "pycage..." gives one row per pycage
// entry, against that measure's baseline.
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { gzipSync } from "node:zlib";
import { ENGINES, REPS, ROOT, RUNS, mb, ms, started } from "./common.mjs";
import { CYCLES_EVERY, PSS_COUNTS, SOAK_EVERY } from "./memory.mjs";

/** Writes the JSON and prints the table for `engine`'s `results`; `run`
 *  is what the engine's bench returned ({ browser, json, notes }). */
export function report(engine, run, results) {
  const sizes = {};
  for (const file of readdirSync(`${ROOT}pkg`).filter((f) => /\.(wasm|js)$/.test(f))) {
    const bytes = readFileSync(`${ROOT}pkg/${file}`);
    sizes[file] = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  }
  const machine = `${cpus().length} cores, ${cpus()[0]?.model ?? "unknown CPU"}`;
  const seconds = Math.round((Date.now() - started) / 1000);
  const json = { date: new Date().toISOString(), machine, engine, ...run.json, seconds, notes: run.notes, results, sizes };
  const file = engine === "chromium" ? "build/bench.json" : `build/bench-${engine}.json`;
  mkdirSync(`${ROOT}build`, { recursive: true });
  writeFileSync(`${ROOT}${file}`, JSON.stringify(json, null, 2));

  const table = markdownTable({ ...json, browser: run.browser });
  console.log(`\n${table}`);
  // The latest run per engine is kept in the repository (bench/results/),
  // with one line per run appended to history.jsonl, and
  // docs/performance-latest.md is rewritten from the latest of each engine.
  if (!process.env.BENCH_ONLY) {
    mkdirSync(`${ROOT}bench/results`, { recursive: true });
    writeFileSync(`${ROOT}bench/results/${engine}.json`, `${JSON.stringify({ ...json, browser: run.browser }, null, 2)}\n`);
    appendFileSync(`${ROOT}bench/results/history.jsonl`, `${JSON.stringify(summary(json, run.browser))}\n`);
    writeLatest();
  }
  console.log(`\nwritten: ${file} (${seconds} s)${process.env.BENCH_ONLY ? "" : ", bench/results/, docs/performance-latest.md"}`);
}

/** The table of one run (a results JSON), as Markdown. */
export function markdownTable(json) {
  const { results, sizes, notes = [] } = json;
  const rows = [["measure", "pycage median (p95)", "baseline median (p95)", "ratio"], ...timeRows(results)];
  rows.push(...sessionRows(results), ...memoryRows(results), ...pssRows(results), ...soakRows(results, json.soakRuns), ...cycleRows(results));
  for (const [name, s] of Object.entries(sizes)) rows.push([`size of pkg/${name}`, `${s.raw} B (${s.gzip} B gzip)`, "", ""]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  const out = [`pycage benchmark, ${json.date.slice(0, 10)}: ${json.machine}, ${json.browser}, ${REPS} boots per kind, ${json.seconds} s`, ""];
  for (const note of notes) out.push(`- ${note}`);
  if (notes.length) out.push("");
  out.push(line(rows[0]), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.slice(1).map(line));
  return out.join("\n");
}

/** One line of history: each measure's medians and ratio. */
function summary(json, browser) {
  const ratios = {};
  for (const [key, by] of Object.entries(json.results)) {
    const base = by?.baseline?.median;
    for (const [name, s] of Object.entries(by ?? {})) {
      if (name === "baseline" || typeof s?.median !== "number") continue;
      ratios[name === "pycage" ? key : `${key}, ${name}`] = { ms: +s.median.toFixed(2), baseline: base ?? null, ratio: base ? +(s.median / base).toFixed(3) : null };
    }
  }
  Object.assign(ratios, sessionRatios(json.results.sessions));
  return { date: json.date, engine: json.engine, browser, machine: json.machine, ratios };
}

/** History's session entries: each restore against the boot from the
 *  snapshot, and each export (with the session's size) against what it
 *  is compared with. */
function sessionRatios(sessions = {}) {
  const ratios = {};
  const entry = (s, base, extra = {}) =>
    ({ ms: +s.median.toFixed(2), baseline: base?.median ?? null, ratio: base ? +(s.median / base.median).toFixed(3) : null, ...extra });
  for (const [name, s] of Object.entries(sessions)) {
    if (s.skipped) continue;
    ratios[`session ${name}, restore to the first result`] = entry(s.first, s.boot);
    ratios[`session ${name}, export`] = entry(s.export, sessions[s.against]?.export, { bytes: s.bytes.median });
  }
  return ratios;
}

/** docs/performance-latest.md from bench/results/<engine>.json. */
function writeLatest() {
  const dir = `${ROOT}bench/results`;
  const parts = ["# Latest benchmark results", "", "Written by `scripts/bench` from `bench/results/<engine>.json` (the latest run per engine; every run's medians and ratios are in `bench/results/history.jsonl`). Do not edit: run the bench. What each row measures: [performance.md](performance.md).", ""];
  // The engines' files only: bench/results also holds other probes' data
  // (session-probe.json).
  for (const engine of ENGINES) {
    const file = `${dir}/${engine}.json`;
    if (!existsSync(file)) continue;
    const json = JSON.parse(readFileSync(file, "utf8"));
    parts.push(`## ${json.engine}`, "", markdownTable(json), "");
  }
  writeFileSync(`${ROOT}docs/performance-latest.md`, parts.join("\n"));
}

/** Times (boots, round trips, timeouts...) against the same measure's baseline. */
function timeRows(results) {
  const rows = [];
  for (const [key, by] of Object.entries(results)) {
    if (key === "memoryAfter1000Runs" || key === "pycageWasmMemory" || /^pss\d|^soak$|^cycles$|^sessions$/.test(key)) continue;
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
  return rows;
}

const sized = (b) => (b >= 1e6 ? `${(b / 1e6).toFixed(2)} MB (${b} B)` : b >= 1e3 ? `${(b / 1e3).toFixed(1)} kB (${b} B)` : `${b} B`);
const timed = (s) => `${ms(s.median)} (${ms(s.p95)}) ms`;
const times = (a, b, target) => `${(a / b).toFixed(2)}x${target ? ` (target ${target}x)` : ""}`;

/** Each session's rows: its size and export (small200: against small's),
 *  its restore against a boot from the snapshot and against re-running
 *  its cells, and what came back. */
function sessionRows(results) {
  const all = results.sessions ?? {};
  return Object.entries(all).flatMap(([name, s]) => {
    const what = `session ${name} (${s.cells} cells)`;
    if (s.skipped) return [[`${what}: not measured`, s.skipped, "", ""]];
    return [...exportRows(what, s, all[s.against]), ...restoreRows(what, s)];
  });
}

function exportRows(what, s, base) {
  const vs = base ? `, vs session ${s.against}'s` : "";
  const size = s.bytes.median;
  const target = s.targetBytes && `target < ${s.targetBytes / 1e6} MB: ${size < s.targetBytes ? "met" : "missed"}`;
  return [
    [`${what}: exportSession's size (gzip)${vs}`, sized(size), base ? sized(base.bytes.median) : "", base ? times(size, base.bytes.median) : target || ""],
    [`${what}: exportSession, call to resolved${vs}`, timed(s.export), base ? timed(base.export) : "", base ? times(s.export.median, base.export.median) : ""],
    [`${what}: exportSession again at once (the next save)${vs}`, timed(s.exportAgain), base ? timed(base.exportAgain) : "", base ? times(s.exportAgain.median, base.exportAgain.median) : ""],
  ];
}

function restoreRows(what, s) {
  const r = s.restored;
  return [
    [`${what}: create({ session }) to resolved, vs create({}) to the first 1+1 (from the snapshot)`, timed(s.create), timed(s.boot), times(s.create.median, s.boot.median)],
    [`${what}: create({ session }) to the first 1+1, vs the same boot`, timed(s.first), timed(s.boot), times(s.first.median, s.boot.median, s.targetRestore)],
    [`${what}: create({ session }) to the first 1+1, vs create and the cells re-run`, timed(s.first), timed(s.rerun), times(s.first.median, s.rerun.median)],
    [`${what}: restoredSession`, `${r.exact ? "exact" : "not exact"}, ${r.variables} variables, ${r.files} files, skipped: ${r.skipped.join(", ") || "none"}; check ${r.check}`, "", ""],
  ];
}

function memoryRows(results) {
  const rows = [];
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
  return rows;
}

function pssRows(results) {
  const rows = [];
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
  return rows;
}

const series = (samples, key) => samples.map((x) => mb(x[key])).join(", ");

function soakRows(results, soakRuns) {
  const soak = results.soak;
  if (!soak?.pycage) return [];
  const [p, b] = [soak.pycage, soak.baseline];
  const first = (r, key) => r.samples[0][key];
  const last = (r, key) => r.samples.at(-1)[key];
  const heapPss = (r, key) => (r ? `${mb(first(r, key))} -> ${mb(last(r, key))} MiB` : "-");
  return [
    [`soak, ${soakRuns} runs of 1+1 on one sandbox (defaults): runs per second`, `${p.runsPerSecond.toFixed(0)}/s`, b ? `${b.runsPerSecond.toFixed(0)}/s` : "-", b ? `${(b.runsPerSecond / p.runsPerSecond).toFixed(2)}x (time per run)` : "-"],
    ["soak: page JS heap after GC, first -> last", heapPss(p, "heap"), heapPss(b, "heap"), ""],
    ["soak: browser PSS, first -> last", heapPss(p, "pss"), heapPss(b, "pss"), ""],
    ["soak: browser Pss_Anon, first -> last", heapPss(p, "pssAnon"), heapPss(b, "pssAnon"), ""],
    [`soak: browser PSS every ${SOAK_EVERY} runs (MiB)`, series(p.samples, "pss"), b ? series(b.samples, "pss") : "-", ""],
    [`soak: page JS heap every ${SOAK_EVERY} runs (MiB)`, series(p.samples, "heap"), b ? series(b.samples, "heap") : "-", ""],
  ];
}

function cycleRows(results) {
  const cycles = results.cycles;
  if (!cycles?.pycage) return [];
  const [p, b] = [cycles.pycage, cycles.baseline];
  const startEnd = (r, key) => (r ? `${mb(r.samples[0][key])} -> ${mb(r.samples.at(-1)[key])} MiB` : "-");
  return [
    [
      `${p.cycles} cycles of create (standby: false), one 1+1, dispose; baseline (${b?.cycles ?? 0}): boot, 1+1, terminate; per cycle`,
      `${ms(p.cycle.median)} (${ms(p.cycle.p95)}) ms`,
      b ? `${ms(b.cycle.median)} (${ms(b.cycle.p95)}) ms` : "-",
      b ? `${(p.cycle.median / b.cycle.median).toFixed(2)}x` : "-",
    ],
    ["cycles: page JS heap after GC, start -> end", startEnd(p, "heap"), startEnd(b, "heap"), ""],
    ["cycles: browser PSS, start -> end", startEnd(p, "pss"), startEnd(b, "pss"), ""],
    ["cycles: browser Pss_Anon, start -> end", startEnd(p, "pssAnon"), startEnd(b, "pssAnon"), ""],
    [`cycles: browser PSS every ${CYCLES_EVERY} cycles (MiB)`, series(p.samples, "pss"), b ? series(b.samples, "pss") : "-", ""],
  ];
}
