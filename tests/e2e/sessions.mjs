// End-to-end test of the demo's kept conversations (www/kept.js): runs that
// define a function, a list, a generator and a file; a reload that brings
// the cells and the Python session back; a stored session corrupted through
// IndexedDB, which the page refuses and says so, and still runs code; and
// "New conversation", which forgets it all. Served as the demo command
// serves it, in headless Chromium (playwright-core).
// Usage: node tests/e2e/sessions.mjs   (needs pkg/ from scripts/build)
import { mkdirSync } from "node:fs";
import { ROOT, launch, serve, tally, watchPageErrors } from "./harness.mjs";

const SHOTS = `${ROOT}build`;
const FINAL = /^(ok|error|timeout|cancelled|crashed) · /;
const NOTE = "kept across a reload";
const DEFINE = `def f(x):
    return x * 3

rows = [1, 2, 3]
gen = (i for i in range(3))
with open("notes.txt", "w") as fh:
    fh.write("${NOTE}")
print("defined", len(rows))`;
const USE = 'print(f(sum(rows)))\nprint(open("notes.txt").read())';

const { check, finish } = tally("sessions e2e");
const started = Date.now();

const { server, url } = await serve();
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  watchPageErrors(page, new URL(url).origin, check);
  const ready = () => page.waitForSelector('#status[data-phase="ready"]', { timeout: 90_000 });
  const saves = async () => Number(await page.getAttribute("#kept", "data-saves"));
  const editorText = () => page.locator("#editor-output").innerText();
  const told = () => page.locator("#kept-told").innerText();

  // Runs code in the editor, then waits for the conversation to be kept:
  // the save that run started (runs and saves are one at a time here).
  async function runAndKeep(code) {
    const before = await saves();
    await page.fill("#code", code);
    await page.click("#run");
    await page.locator("#editor-output p.meta", { hasText: FINAL }).waitFor({ timeout: 60_000 });
    await page.waitForFunction((n) => {
      const kept = document.getElementById("kept");
      return Number(kept.dataset.saves) > n || kept.dataset.state === "failed";
    }, before, { timeout: 60_000 });
    return editorText();
  }
  async function runSnippet(title) {
    const before = await saves();
    const exchange = page.locator("article.exchange", { has: page.locator(`button[data-snippet="${title}"]`) });
    await exchange.locator(`button[data-snippet="${title}"]`).click();
    await exchange.locator(".output p.meta", { hasText: FINAL }).waitFor({ timeout: 60_000 });
    await page.waitForFunction((n) => Number(document.getElementById("kept").dataset.saves) > n, before, { timeout: 60_000 });
    return exchange.locator(".output");
  }

  // --- a first visit: runs, kept ------------------------------------------------
  await page.goto(`${url}www/`);
  await ready();
  check((await page.getAttribute("#kept", "data-state")) === "empty" && (await told()) === "", "a first visit has nothing to restore");
  check(await page.isVisible("#forget"), "the New conversation button is shown");

  let text = await runAndKeep(DEFINE);
  check(/^ok · /m.test(text) && text.includes("defined 3"), `the defining run works (${text.replace(/\n/g, " | ")})`);
  check((await page.getAttribute("#kept", "data-state")) === "saved", `the conversation is kept (${await page.textContent("#kept-state")})`);
  const stats = await runSnippet("Summary statistics");
  check((await stats.locator(".pycage-result").innerText()).trim() === "102.02", "a gallery snippet runs");

  // --- reload: the cells and the session come back --------------------------------
  let opened = Date.now();
  await page.reload();
  await ready();
  const reloadSecs = ((Date.now() - opened) / 1000).toFixed(1);
  text = await editorText();
  check(text.includes("defined 3") && (await page.getAttribute("#editor-output", "data-kept")) === "true",
    `after a reload the editor's last output is shown again, marked as kept (${text.replace(/\n/g, " | ")})`);
  check((await page.inputValue("#code")) === DEFINE, "the editor holds the code that made it");
  const keptStats = page.locator("article.exchange", { has: page.locator('button[data-snippet="Summary statistics"]') }).locator(".output");
  check((await keptStats.locator(".pycage-result").innerText().catch(() => "")).trim() === "102.02", "the gallery snippet's output is shown again");
  const notice = await told();
  check((await page.getAttribute("#kept", "data-restored")) === "session" && /Restored .*\bf\b.*\brows\b/.test(notice) && notice.includes("1 file"),
    `the notice says what came back (${notice})`);
  check(/Skipped: gen \(.+\)/.test(notice), "the notice names the generator it could not keep, with why");
  console.log(`reload to ready with the session restored: ${reloadSecs} s`);

  text = await runAndKeep(USE);
  check(/^18$/m.test(text) && text.includes(NOTE), `the restored function, list and file work (${text.replace(/\n/g, " | ")})`);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/demo-sessions.png`, fullPage: false });

  // --- a corrupt session: refused, said, and the page still works ----------------
  const corrupted = await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open("pycage-sessions", 1);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction("sessions", "readwrite");
      const store = tx.objectStore("sessions");
      const get = store.get("pycage-demo");
      get.onsuccess = () => {
        const bytes = get.result.bytes;
        // Half of it: the body is shorter than the header claims.
        store.put({ ...get.result, bytes: bytes.slice(0, bytes.length >> 1) }, "pycage-demo");
      };
      tx.oncomplete = () => resolve(true);
      tx.onerror = () => reject(tx.error);
    };
  }));
  check(corrupted, "the stored session was cut in half through IndexedDB");
  opened = Date.now();
  await page.reload();
  await ready();
  const refusal = await told();
  check((await page.getAttribute("#kept", "data-restored")) === "refused" && /could not be restored \(.+\)/.test(refusal),
    `a corrupt session is refused, and the page says why (${refusal})`);
  check((await editorText()).includes(NOTE), "the messages shown before stay after the refusal");
  text = await runAndKeep('print(6 * 7)\nprint("f" in globals())');
  check(/^42\nFalse$/m.test(text), `a new snippet runs in a fresh interpreter (${text.replace(/\n/g, " | ")})`);
  console.log(`reload to ready after the refusal: ${((Date.now() - opened) / 1000).toFixed(1)} s`);

  // --- New conversation: everything forgotten ------------------------------------
  await page.click("#forget");
  await page.waitForFunction(() => !document.getElementById("kept-told").textContent && document.getElementById("kept").dataset.state === "empty");
  const gone = await page.evaluate(async () => {
    const { listSessions } = await import("../pkg/store/index.js");
    return { sessions: await listSessions(), outputs: [...document.querySelectorAll(".output")].filter((o) => o.childElementCount).length };
  });
  check(gone.sessions.length === 0 && gone.outputs === 0, `New conversation clears the page and the kept session (${JSON.stringify(gone)})`);
  await page.reload();
  await ready();
  check((await told()) === "" && (await editorText()) === "", "after New conversation a reload starts empty");
  text = await runAndKeep('print("rows" in globals())');
  check(/^False$/m.test(text), "and Python has no variables from before");
} catch (err) {
  check(false, `the test ran to the end (${err.stack ?? err})`);
} finally {
  await browser.close();
  server.kill();
}
console.log(`sessions e2e took ${((Date.now() - started) / 1000).toFixed(1)} s`);
finish();
