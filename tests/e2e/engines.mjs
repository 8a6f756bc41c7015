// The demo's essentials (ready, print, a figure, a timeout then the next
// run, a conversation kept across a reload) in the two other engines: Firefox ESR through geckodriver, and
// WebKitGTK (Safari's engine) through its WebDriver and MiniBrowser under
// Xvfb, over plain W3C WebDriver (tests/e2e/webdriver.mjs says why).
// Usage: node tests/e2e/engines.mjs [firefox|webkit]...   (needs pkg/)
import { serve, tally } from "./harness.mjs";
import { driver, session, until } from "./webdriver.mjs";

const { check, finish } = tally("engines e2e");

const READY = `const s = document.getElementById("status");
  return s.dataset.phase === "ready" || s.dataset.phase === "failed" ? [s.dataset.phase, s.textContent.trim()] : null;`;

/** Clicks a gallery snippet and returns its output once the run is over. */
async function snippet(s, title) {
  await s.js(`document.querySelector('button[data-snippet="' + arguments[0] + '"]').click();`, title);
  return until(
    s,
    `the run of "${title}"`,
    120_000, // WebKit's replacement interpreter, after a timeout, on a busy machine
    `const button = document.querySelector('button[data-snippet="' + arguments[0] + '"]');
     const out = button.closest("article.exchange").querySelector(".output");
     const meta = out.querySelector("p.meta");
     if (!meta || !/^(ok|error|timeout|cancelled|crashed) · /.test(meta.textContent)) return null;
     const img = out.querySelector("img.pycage-figure");
     if (img && !img.complete) return null; // not decoded yet
     const pick = (sel) => (out.querySelector(sel) || { innerText: "" }).innerText;
     return { text: out.innerText, stream: pick("pre.pycage-stream"), result: pick(".pycage-result"),
              notice: pick(".pycage-notice"), img: img ? [img.naturalWidth, img.naturalHeight, img.src.slice(0, 22)] : null };`,
    title,
  );
}

/** Runs code in the editor; returns its output once the run is over and the conversation kept. */
async function editor(s, code) {
  const saves = await s.js(`return Number(document.getElementById("kept").dataset.saves);`);
  await s.js(`document.getElementById("code").value = arguments[0]; document.getElementById("run").click();`, code);
  return until(s, "the editor's run, kept", 120_000,
    `const kept = document.getElementById("kept");
     const out = document.getElementById("editor-output");
     const meta = out.querySelector("p.meta");
     if (!meta || !/^(ok|error|timeout|cancelled|crashed) · /.test(meta.textContent)) return null;
     // A save still under way (an earlier run's may end first) is waited for.
     if (kept.dataset.state === "saving") return null;
     if (Number(kept.dataset.saves) <= arguments[0] && kept.dataset.state !== "failed") return null;
     return { text: out.innerText, kept: kept.dataset.state + ": " + document.getElementById("kept-state").textContent };`,
    saves);
}

// The session and the cells come back after a reload (www/kept.js: IndexedDB
// through pycage/store, then Sandbox.create({ session })).
async function reload(s, label, page) {
  let out = await editor(s, 'def f(x):\n    return x * 3\nrows = [1, 2, 3]\nopen("kept.txt", "w").write("kept")\nprint("defined")');
  check(out.kept.startsWith("saved"), `${label}: the conversation is kept in IndexedDB (${out.kept})`);
  if (!out.kept.startsWith("saved")) return;
  const started = Date.now();
  await s.go(page);
  const [phase] = await until(s, "ready after the reload", 120_000, READY);
  const told = await s.js(`return [document.getElementById("kept").dataset.restored, document.getElementById("kept-told").innerText, document.getElementById("editor-output").innerText];`);
  check(phase === "ready" && told[0] === "session" && /^Restored from your last visit: \d+ variables/.test(told[1]) && told[2].includes("defined"),
    `${label}: after a reload the cells and the session come back (${((Date.now() - started) / 1000).toFixed(1)} s: ${told[1]})`);
  out = await editor(s, 'print(f(sum(rows)), open("kept.txt").read())');
  check(out.text.includes("18 kept"), `${label}: the restored function, list and file work (${out.text.slice(0, 200)})`);
}

async function demo(engine, isolated) {
  const label = `${engine}${isolated ? "" : ", not isolated"}`;
  const { server, url } = await serve(...(isolated ? [] : ["--no-isolation"]));
  const { base, stop } = await driver(engine);
  let s = null;
  try {
    s = await session(base, engine);
    const opened = Date.now();
    await s.go(`${url}www/`);
    const [phase, status] = await until(s, "ready", 120_000, READY);
    const secs = ((Date.now() - opened) / 1000).toFixed(1);
    if (engine === "webkit" && isolated && phase === "failed") {
      // Where WebKit refuses the frame's worker under COEP, the demo must
      // say so at once, not hang (guest/frame.js); where it starts,
      // the checks below run as in the other engines.
      check(/Cross-Origin-Embedder-Policy/.test(status) && Date.now() - opened < 30_000,
        `${label}: iframe mode fails at once and says why (${secs} s: ${status})`);
      return;
    }
    check(phase === "ready", `${label}: ready in ${secs} s (${status})`);
    if (phase !== "ready") return;
    let out = await snippet(s, "Summary statistics");
    check(out.stream.includes("north") && out.result.trim() === "102.02", `${label}: print and the last expression are shown`);
    out = await snippet(s, "A chart, no packages");
    check(out.img && out.img[0] === 480 && out.img[1] === 240 && out.img[2] === "data:image/png;base64,",
      `${label}: the figure decodes at 480x240 (${out.img})`);
    await s.js(`const t = document.getElementById("timeout"); t.value = "2"; t.dispatchEvent(new Event("change", { bubbles: true }));`);
    const started = Date.now();
    out = await snippet(s, "Infinite loop");
    check(out.notice.startsWith("The run timed out") && out.text.includes("the time limit, 2 s"), `${label}: a timeout shows the stop notice (${out.notice.trim().slice(0, 60)})`);
    // Back to a usual limit: in WebKit the replacement boots from the
    // snapshot, and runs Python 3-10x slower for its first ~2 s of work
    // (docs/browsers.md), which a 2 s limit would cut.
    await s.js(`const t = document.getElementById("timeout"); t.value = "10"; t.dispatchEvent(new Event("change", { bubbles: true }));`);
    out = await snippet(s, "Summary statistics");
    check(out.result.includes("102.02"), `${label}: the next run after the timeout works (${((Date.now() - started) / 1000).toFixed(1)} s for both${out.result.includes("102.02") ? "" : `: ${JSON.stringify(out).slice(0, 400)}`})`);
    await reload(s, label, `${url}www/`);
  } catch (err) {
    check(false, `${label}: the test ran to the end (${err.message ?? err})`);
  } finally {
    if (s) await s.quit();
    stop();
    server.kill();
  }
}

const engines = process.argv.slice(2).length ? process.argv.slice(2) : ["firefox", "webkit"];
for (const engine of engines) {
  if (engine === "firefox") await demo("firefox", true);
  else if (engine === "webkit") {
    await demo("webkit", false);
    await demo("webkit", true);
  } else check(false, `known engine (${engine}: firefox or webkit)`);
}
finish();
