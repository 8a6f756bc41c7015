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

// The agent tests' chart: four bars of different heights drawn as a PNG with
// zlib and struct (the npm Pyodide core has no numpy, Pillow or matplotlib),
// shown with display(); STDOUT is what it prints.
export const CHART = String.raw`import struct, zlib

def bar_png(values, width=320, height=160):
    rows = [bytearray(b"\xff" * width * 3) for _ in range(height)]
    bar, gap = 60, 16
    for i, v in enumerate(values):
        x0 = gap + i * (bar + gap)
        for y in range(height - v * 15, height):
            rows[y][x0 * 3:(x0 + bar) * 3] = bytes((79, 70, 229)) * bar
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

class Chart:
    def __init__(self, png): self.png = png
    def _repr_png_(self): return self.png

values = [3, 7, 5, 9]
display(Chart(bar_png(values)))
print("CHART-STDOUT bars=" + ",".join(map(str, values)))`;
export const STDOUT = "CHART-STDOUT bars=3,7,5,9";
