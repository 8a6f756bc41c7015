// What the Node-driven browser tests share: the crate root served as the
// demo command serves it, the system Chromium, and a tally of checks that
// prints "<label>: N passed, M failed" (scripts/test counts that line).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

export const ROOT = new URL("../../", import.meta.url).pathname;

/** scripts/serve.py on a free port: `{ server, url }` once it listens. */
export function serve(...flags) {
  const server = spawn("python3", [`${ROOT}scripts/serve.py`, "--port", "0", ...flags], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    server.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
    createInterface({ input: server.stdout }).once("line", (line) => resolve({ server, url: line.match(/http:\S+/)[0] }));
  });
}

/** Headless Chromium: /usr/bin/chromium, or $CHROMIUM. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
}

/**
 * Fails `check` on the page's own errors: uncaught ones, and console errors
 * logged from the page's origin. The sandbox's CSP reports (from
 * about:srcdoc and blob: workers) are the sandbox doing its job, and are
 * not the page's. `onConsole(msg)` sees every console message.
 */
export function watchPageErrors(page, origin, check, onConsole = () => {}) {
  page.on("pageerror", (err) => check(false, `no uncaught page error (${err.message})`));
  page.on("console", (msg) => {
    onConsole(msg);
    const from = msg.location().url ?? "";
    if (msg.type() === "error" && (from.startsWith(origin) || from === "")) {
      check(false, `no console error from the page (${msg.text()} at ${from})`);
    }
  });
}

/** A tally: `check(ok, what)` prints each result; `finish()` prints the sum and exits. */
export function tally(label) {
  const failures = [];
  let passed = 0;
  return {
    failures,
    check(ok, what) {
      console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
      if (ok) passed++;
      else failures.push(what);
    },
    finish() {
      console.log(`\n${label}: ${passed} passed, ${failures.length} failed`);
      process.exit(failures.length ? 1 : 0);
    },
  };
}
