// The browser's memory: the PSS (proportional set size: private pages plus
// a share of each shared page) of every process in the browser's process
// tree, from /proc (Linux). The browser is found by its profile folder.
import { readFileSync, readdirSync } from "node:fs";

function parentOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}
function pidsOnProc() {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number);
}

/** The pid of the one browser launched with `--user-data-dir=<profile>`. */
export function browserPid(profile) {
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
export function treePss(root) {
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
