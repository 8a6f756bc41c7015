// A plain W3C WebDriver client over HTTP for the two other engines: Firefox
// ESR through geckodriver, and WebKitGTK (Safari's engine) through its
// WebDriver and MiniBrowser under Xvfb. Playwright's Firefox and WebKit are
// its own builds, which are not installable here, so the end-to-end tests
// (tests/e2e/engines.mjs) and the benchmark (bench/engines.mjs) speak to the
// system browsers' drivers (scripts/setup installs them).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";

const MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A WebDriver server on a free-ish port: `{ base, stop }` once it answers. */
export async function driver(engine) {
  const port = 4400 + Math.floor(Math.random() * 500);
  const [cmd, args] =
    engine === "firefox"
      ? ["geckodriver", ["--port", String(port)]]
      : ["xvfb-run", ["-a", "/usr/bin/WebKitWebDriver", `--port=${port}`]];
  // Its own process group, so that xvfb-run's children go with it.
  const proc = spawn(cmd, args, { stdio: ["ignore", "ignore", "ignore"], detached: true });
  const stop = () => {
    try {
      process.kill(-proc.pid);
    } catch {}
  };
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`${base}/status`)).ok) return { base, stop };
    } catch {}
    await sleep(100);
  }
  stop();
  throw new Error(`${cmd} did not answer on port ${port}`);
}

/**
 * A browser session: `go(url)`, `js(body, ...args)` (a function body, run by
 * execute/sync), `jsAsync(body, ...args)` (execute/async: the body calls
 * its last argument with the value), `timeouts({ script })`, `quit()`, and
 * the `capabilities` the driver matched (browserName, browserVersion).
 */
export async function session(base, engine) {
  const capabilities =
    engine === "firefox"
      ? {
          browserName: "firefox",
          "moz:firefoxOptions": {
            args: ["-headless"],
            ...(existsSync("/usr/bin/firefox-esr") ? { binary: "/usr/bin/firefox-esr" } : {}),
          },
        }
      : { browserName: "MiniBrowser", "webkitgtk:browserOptions": { binary: MINIBROWSER, args: ["--automation"] } };
  const call = async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const { value } = await res.json();
    if (value && value.error) throw new Error(`${path}: ${value.error}: ${value.message}`);
    return value;
  };
  const created = await call("POST", "/session", { capabilities: { alwaysMatch: capabilities } });
  const at = `/session/${created.sessionId}`;
  return {
    capabilities: created.capabilities ?? {},
    go: (url) => call("POST", `${at}/url`, { url }),
    js: (script, ...args) => call("POST", `${at}/execute/sync`, { script, args }),
    jsAsync: (script, ...args) => call("POST", `${at}/execute/async`, { script, args }),
    timeouts: (limits) => call("POST", `${at}/timeouts`, limits),
    quit: () => call("DELETE", at).catch(() => {}),
  };
}

/** Polls `script` until it returns something truthy, or throws after `ms`. */
export async function until(s, what, ms, script, ...args) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await s.js(script, ...args);
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
