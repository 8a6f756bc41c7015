// The session rows (issue 26; BENCH_ONLY=sessions): each session of
// bench/session-cells.js built, exported and restored, every step on a new
// page of the warm profile (snapshot saved), as warmBoot measures boots.
// Per rep and session: one page boots a sandbox (create to the first 1+1,
// from the boot snapshot), runs the cells (create to the last result: the
// work a restore saves), and exports the session once the page has settled;
// another page restores it (create({ session }) to resolved, and to the
// first 1+1). numpy needs Pyodide's full distribution: build/full-pyodide,
// made as scripts/test makes it (tests/fixtures/make_full_dist.py), served
// by the bench's own server, with its own lock's hash.
import { spawnSync } from "node:child_process";
import { REPS, ROOT, log, stats } from "./common.mjs";

export const SESSION_SETTLE_MS = 5000; // from the last cell to the export

/** What the report compares each session with: small200 with small (does a
 *  session grow with its cells?); small with the targets. */
const SESSIONS = {
  small: { cells: 3, targetBytes: 5e6, targetRestore: 1.5 },
  numpy: { cells: 2 },
  twenty: { cells: 20 },
  small200: { cells: 203, against: "small" },
};
const NEEDS_FULL_DIST = new Set(["numpy"]);

/** build/full-pyodide and its core files' hashes (`pyodideHashes`), served
 *  at `url`; null, and why, if it cannot be made. */
function fullDist(url) {
  const made = spawnSync("python3", [`${ROOT}tests/fixtures/make_full_dist.py`, `${ROOT}tests/fixtures/pyodide-wheels`], { encoding: "utf8" });
  if (made.status !== 0) return { why: `no full Pyodide distribution (make_full_dist.py: ${made.stderr.trim().slice(0, 200)})` };
  const hashes = Object.fromEntries(made.stdout.trim().split("\n").map((line) => line.split("=")));
  return { dist: { url: `${url}build/full-pyodide/`, hashes } };
}

/** `fn(page)` on a new page of `context`, closed after. */
async function onPage({ context, url, open }, fn) {
  const page = await open(context, url);
  try {
    return await fn(page);
  } finally {
    await page.close();
  }
}

const build = (on, name, dist) =>
  onPage(on, (p) => p.evaluate(([n, d, s]) => window.bench.sessionBuild(n, d, s), [name, dist, SESSION_SETTLE_MS]));
const restore = (on, name, dist, session) =>
  onPage(on, (p) => p.evaluate(([n, d, s]) => window.bench.sessionRestore(n, d, s), [name, dist, session]));

/** The full distribution's first boot, numpy's first load and its boot
 *  snapshot's save, outside the times (the profile's warm-up did the same
 *  for the npm files). */
async function warmUp(on, dist) {
  await onPage(on, async (page) => {
    await page.evaluate(([d]) => window.bench.sessionBuild("numpy", d, 0), [dist]);
    await page.waitForTimeout(8000);
  });
}

const BUILT = ["boot", "rerun", "export", "exportAgain", "bytes"];
const RESTORED = ["create", "first"];

/** One rep of session `name`: built on a page, restored on another;
 *  its figures pushed onto `into`'s. */
async function rep(on, name, dist, into) {
  const d = NEEDS_FULL_DIST.has(name) ? dist : null;
  const built = await build(on, name, d);
  const back = await restore(on, name, d, built.session);
  for (const key of BUILT) into[key].push(built[key]);
  for (const key of RESTORED) into[key].push(back[key]);
  into.restored = back.restored;
}

/** An evicted sandbox's next run, state lost (`pycage`) and with
 *  keepSessionOnEviction (its session restored), REPS reps interleaved,
 *  each on a new page; recorded as `firstRunAfterEviction`. */
async function measureEviction(on, record) {
  const times = { lost: [], kept: [] };
  for (let i = 0; i < REPS; i++) {
    for (const keep of [false, true]) {
      const got = await onPage(on, (p) => p.evaluate((k) => window.bench.evictedRun(k), keep));
      if (got.kept !== keep) throw new Error(`eviction with keep=${keep}: the state ${got.kept ? "came back" : "was lost"}`);
      times[keep ? "kept" : "lost"].push(got.next);
    }
  }
  record("firstRunAfterEviction", "pycage", stats(times.lost));
  record("firstRunAfterEviction", "keepSessionOnEviction", stats(times.kept));
}

/** Every session's rows, REPS reps interleaved, recorded under "sessions"
 *  (numpy's says why it was not measured, without the full distribution). */
export async function measureSessions(on, record) {
  const { dist, why } = fullDist(on.url);
  const names = Object.keys(SESSIONS).filter((n) => dist || !NEEDS_FULL_DIST.has(n));
  if (dist) await warmUp(on, dist);
  const samples = Object.fromEntries(names.map((n) => [n, Object.fromEntries([...BUILT, ...RESTORED].map((k) => [k, []]))]));
  for (let i = 0; i < REPS; i++) {
    for (const name of names) await rep(on, name, dist, samples[name]);
    log(`sessions: rep ${i + 1} of ${REPS} done`);
  }
  for (const name of Object.keys(SESSIONS)) {
    const got = samples[name];
    const measured = got && { ...Object.fromEntries([...BUILT, ...RESTORED].map((k) => [k, stats(got[k])])), restored: got.restored };
    record("sessions", name, { ...SESSIONS[name], ...(measured ?? { skipped: why }) });
  }
  await measureEviction(on, record);
  log("eviction done");
  log("sessions done");
}
