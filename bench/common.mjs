// What every part of the benchmark shares: the settings read from the
// environment, the statistics, and the progress log (on stderr, so that
// stdout is the table alone).
export { ROOT, serve } from "../tests/e2e/harness.mjs";

/** The engines `scripts/bench --engine` measures; each keeps bench/results/<engine>.json. */
export const ENGINES = ["chromium", "firefox", "webkit"];
export const REPS = Number(process.env.BENCH_REPS || 5); // boots per implementation and kind
export const RUNS = Number(process.env.BENCH_RUNS || 1000); // warm round trips per implementation
// BENCH_ONLY=pss,soak,... runs only those parts (boot, page, afterboot,
// sessions, noisolation, pss, soak, cycles; files, the 50 MiB file rows of
// page alone); everything by default.
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(",")) : null;
export const part = (name) => !ONLY || ONLY.has(name);

export const median = (xs) => quantile(xs, 0.5);
export function quantile(xs, q) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
export const stats = (xs) => ({ median: median(xs), p95: quantile(xs, 0.95), n: xs.length });
export const ms = (v) => (v == null || Number.isNaN(v) ? "-" : v >= 100 ? v.toFixed(0) : v.toFixed(2));
export const mb = (v) => (v / 1048576).toFixed(1);

export const started = Date.now();
export const log = (...args) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0)} s]`, ...args);
