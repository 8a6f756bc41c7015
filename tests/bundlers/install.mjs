// Sets up each consumer app as a user's project would be: its pinned
// toolchain from its committed package-lock.json, and pycage installed from
// the tarball `npm pack` makes of pkg/ (what the registry would serve), not a
// link to pkg/. Each app is copied to build/bundlers/<app>/; its toolchain
// install is kept there between runs, keyed by the lockfile's hash (a new
// lockfile reinstalls), so a second run only reinstalls pycage itself.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { ROOT } from "../e2e/harness.mjs";

export const WORK = `${ROOT}build/bundlers/`;
const SOURCES = `${ROOT}tests/bundlers/`;
const npmFlags = ["--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"];
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", npm_config_update_notifier: "false" };

function npm(args, cwd) {
  execFileSync("npm", [...args, ...npmFlags], { cwd, env, stdio: ["ignore", "inherit", "inherit"] });
}

/** `npm pack` of the package folder; returns the tarball's path, named by its content hash. */
export function pack(pkgDir) {
  mkdirSync(WORK, { recursive: true });
  for (const old of readdirSync(WORK)) if (old.endsWith(".tgz")) rmSync(`${WORK}${old}`);
  const [{ filename }] = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", WORK, pkgDir], { env, encoding: "utf8" }));
  const bytes = readFileSync(`${WORK}${filename}`);
  const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 12);
  // A new name per content: npm never takes a changed tarball for the old one.
  const path = `${WORK}pycage-${hash}.tgz`;
  cpSync(`${WORK}${filename}`, path);
  rmSync(`${WORK}${filename}`);
  return path;
}

/** Copies app `name` to build/bundlers/<name>/ and installs it; returns its folder and what that took. */
export function install(name, tarball) {
  const dir = `${WORK}${name}/`;
  const started = Date.now();
  mkdirSync(dir, { recursive: true });
  // Sources afresh, build outputs gone; node_modules stays (the cache).
  for (const entry of readdirSync(dir)) {
    if (entry !== "node_modules" && entry !== ".lockhash") rmSync(`${dir}${entry}`, { recursive: true, force: true });
  }
  cpSync(`${SOURCES}${name}/`, dir, { recursive: true });
  const lockHash = createHash("sha256").update(readFileSync(`${dir}package-lock.json`)).digest("hex");
  const stamp = `${dir}.lockhash`;
  const cached = existsSync(stamp) && readFileSync(stamp, "utf8") === lockHash && existsSync(`${dir}node_modules`);
  if (!cached) {
    rmSync(stamp, { force: true });
    npm(["ci"], dir);
    writeFileSync(stamp, lockHash);
  }
  // pycage itself, from the tarball, every run: --no-save keeps the
  // committed package.json and lockfile as they are. Vite's pre-bundle of
  // the old copy goes with it.
  rmSync(`${dir}node_modules/pycage`, { recursive: true, force: true });
  rmSync(`${dir}node_modules/.vite`, { recursive: true, force: true });
  npm(["install", "--no-save", tarball], dir);
  if (!existsSync(`${dir}node_modules/pycage/index.js`)) throw new Error(`${name}: pycage did not install from ${tarball}`);
  return { dir, cached, ms: Date.now() - started };
}
