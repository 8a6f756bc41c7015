// End-to-end test of the demo's kept conversations (www/kept.js): runs that
// define a function, a list, a generator and a file; a reload that brings
// the cells and the Python session back; a stored session corrupted through
// IndexedDB, which the page refuses and says so, and still runs code; and
// "New conversation", which forgets it all. Then agent mode against the
// scripted model server (llm_server.mjs): a turn with a tool call comes
// back after a reload, and the next turn sends its messages and uses its
// variables. Served as the demo command serves it, in headless Chromium
// (playwright-core).
// Usage: node tests/e2e/sessions.mjs   (needs pkg/ from scripts/build)
import { mkdirSync } from "node:fs";
import { CHART, ROOT, launch, serve, tally, watchPageErrors } from "./harness.mjs";
import { startLlmServer } from "./llm_server.mjs";

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
const llm = await startLlmServer();
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
      // Not while a save is under way: an earlier run's may end first.
      return (Number(kept.dataset.saves) > n && kept.dataset.state !== "saving") || kept.dataset.state === "failed";
    }, before, { timeout: 60_000 });
    return editorText();
  }
  async function runSnippet(title) {
    const before = await saves();
    const exchange = page.locator("article.exchange", { has: page.locator(`button[data-snippet="${title}"]`) });
    await exchange.locator(`button[data-snippet="${title}"]`).click();
    await exchange.locator(".output p.meta", { hasText: FINAL }).waitFor({ timeout: 60_000 });
    await page.waitForFunction((n) => {
      const kept = document.getElementById("kept");
      return Number(kept.dataset.saves) > n && kept.dataset.state !== "saving";
    }, before, { timeout: 60_000 });
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
  mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(() => scrollTo(0, 0)); // the browser keeps the scroll of before the reload
  await page.screenshot({ path: `${SHOTS}/demo-sessions.png`, fullPage: false });

  text = await runAndKeep(USE);
  check(/^18$/m.test(text) && text.includes(NOTE), `the restored function, list and file work (${text.replace(/\n/g, " | ")})`);

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
  await agentMode();
} catch (err) {
  check(false, `the test ran to the end (${err.stack ?? err})`);
} finally {
  await browser.close();
  await llm.close();
  server.kill();
}
// Agent mode, in a page of its own (a new browser context: its own IndexedDB).
async function agentMode() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // Requests to the scripted server are logged under its address, not the page's.
  watchPageErrors(page, new URL(url).origin, check);
  const ready = () => page.waitForSelector('#status[data-phase="ready"]', { timeout: 90_000 });
  const turn = (n) => page.locator("#agent-log article.exchange").nth(n);
  async function say(text, n) {
    const before = Number(await page.getAttribute("#kept", "data-saves"));
    await page.fill("#agent-input", text);
    await page.click("#agent-send");
    await turn(n).and(page.locator("[data-done]")).waitFor({ timeout: 60_000 });
    await page.waitForFunction((b) => Number(document.getElementById("kept").dataset.saves) > b, before, { timeout: 60_000 });
    return turn(n);
  }

  await page.goto(`${url}www/?llm=${encodeURIComponent(llm.base)}&model=scripted`);
  await ready();
  llm.script([
    { toolCalls: [{ id: "call_chart", arguments: { code: `${CHART}\ntotal = sum(values)` } }] },
    { content: "Four bars; they add up to 24." },
  ]);
  await say("Chart my numbers.", 0);
  await page.reload();
  await ready();
  const first = turn(0);
  const shown = {
    turns: await page.locator("#agent-log article.exchange").count(),
    kept: await first.getAttribute("data-kept"),
    code: (await first.locator(".tool-call pre.code").innerText()).includes("total = sum(values)"),
    answer: await first.locator(".say.answer").innerText(),
    image: await first.locator(".tool-call img.pycage-figure").evaluate(async (img) => (await img.decode(), [img.naturalWidth, img.naturalHeight])).catch(String),
  };
  check(shown.turns === 1 && shown.kept === "true" && shown.code && shown.answer === "Four bars; they add up to 24." && String(shown.image) === "320,160",
    `agent mode: after a reload the turn is shown again, its chart included (${JSON.stringify(shown)})`);

  // The next turn: the model gets the earlier messages, and its code uses
  // the restored variable.
  const history = (body) => {
    const m = body.messages ?? [];
    const asked = m.some((x) => x.role === "user" && x.content === "Chart my numbers.");
    const answered = m.some((x) => x.role === "tool" && x.tool_call_id === "call_chart");
    return asked && answered ? [] : [`the earlier turn is not in the request (${m.length} messages)`];
  };
  llm.script([
    { expect: history, toolCalls: [{ id: "call_total", arguments: { code: "print(total * 2)" } }] },
    { content: "Twice the total is 48." },
  ]);
  const second = await say("Double the total.", 1);
  const out = await second.locator(".tool-call .output").innerText();
  check(/^48$/m.test(out) && llm.state.problems.length === 0,
    `agent mode: the next turn sends the kept messages and uses the restored variable (${out.replace(/\n/g, " | ")}; ${llm.state.problems.join("; ") || "no problem"})`);
  await page.close();
}

console.log(`sessions e2e took ${((Date.now() - started) / 1000).toFixed(1)} s`);
finish();
