// End-to-end test of the demo's files and input(): attach a CSV with the file
// picker and with a drop, run the gallery snippet that charts it, download
// the summary it writes, and answer input() through the page's input box.
// Served as the demo command serves it (COOP/COEP: input() needs a
// cross-origin-isolated page), in headless Chromium (playwright-core).
// Usage: node tests/e2e/files.mjs   (needs pkg/ from scripts/build)
import { mkdirSync, readFileSync } from "node:fs";
import { ROOT, launch, serve, tally, watchPageErrors } from "./harness.mjs";

const SHOTS = `${ROOT}build`;
const SALES = "month,region,revenue\nJan,north,100\nJan,south,50.5\nFeb,north,80\nMar,south,120.25\nMar,north,30\n";
const SALES_SUMMARY = "month,total_revenue,rows\nJan,150.50,2\nFeb,80.00,1\nMar,150.25,2\n";
const VISITS = "day,visits\nMon,7\nTue,9\n";
const VISITS_SUMMARY = "day,total_visits,rows\nMon,7.00,1\nTue,9.00,1\n";
const NOTES = "remember the milk\n";
const FINAL = /^(ok|error|timeout|cancelled|crashed) · /;

const { check, finish } = tally("files e2e");

const { server, url } = await serve();
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const origin = new URL(url).origin;
  watchPageErrors(page, origin, check);

  await page.goto(`${url}www/`);
  await page.waitForSelector('#status[data-phase="ready"]', { timeout: 90_000 });
  check(await page.evaluate(() => crossOriginIsolated), "the demo server makes the page cross-origin isolated (input() needs it)");

  const appears = (locator, timeout = 30_000) => locator.waitFor({ timeout }).then(() => true, () => false);
  const chip = (name) => page.locator(`#file-chips li[data-name="${name}"]`);
  // A chip is replaced as soon as a file of its name is attached again, so a
  // ready chip of that name and size is the new file, written.
  const ready = (name, size) => page.locator(`#file-chips li[data-name="${name}"][data-state="ready"] .size`, { hasText: new RegExp(`^${size} B$`) });

  async function runSnippet(title) {
    const exchange = page.locator("article.exchange", { has: page.locator(`button[data-snippet="${title}"]`) });
    await exchange.locator(`button[data-snippet="${title}"]`).click();
    const out = exchange.locator(".output");
    await out.locator("p.meta", { hasText: FINAL }).waitFor({ timeout: 60_000 });
    return out;
  }
  async function runEditor(code) {
    await page.fill("#code", code);
    await page.click("#run");
    const out = page.locator("#editor-output");
    await out.locator("p.meta", { hasText: FINAL }).waitFor({ timeout: 60_000 });
    return out;
  }
  // What fetching a blob: URL gives inside the page, or "failed".
  const fetchBlob = (href) => page.evaluate(async (href) => {
    try {
      const response = await fetch(href);
      const blob = await response.blob();
      return { type: blob.type, header: response.headers.get("content-type"), text: await blob.text() };
    } catch {
      return "failed";
    }
  }, href);

  // --- attach with the file picker, run the CSV snippet -------------------------
  await page.setInputFiles("#file-input", { name: "sales.csv", mimeType: "text/csv", buffer: Buffer.from(SALES) });
  check(await appears(ready("sales.csv", SALES.length)), "the file picker attaches sales.csv: its chip shows name and size");

  let out = await runSnippet("Plot an attached CSV");
  const printed = await out.innerText();
  check(/^ok · /m.test(printed), `the CSV snippet runs without error (${printed.slice(0, 300).replace(/\n/g, " | ")})`);
  check(/Jan\s+150\.50/.test(printed) && /Mar\s+150\.25/.test(printed), "the snippet read the attached CSV (its totals are printed)");
  const figure = await out.locator("img.pycage-figure").evaluate(async (img) => (await img.decode(), [img.naturalWidth, img.naturalHeight, img.src.slice(0, 18)]))
    .catch((err) => String(err));
  check(Array.isArray(figure) && figure[0] === 560 && figure[1] === 300 && figure[2] === "data:image/svg+xml", `the chart is a validated SVG figure in an <img> (${figure})`);

  const summary = out.locator('a[download="summary.csv"]');
  const summaryHref = (await summary.count()) === 1 ? await summary.getAttribute("href") : null;
  check(summaryHref?.startsWith("blob:"), `summary.csv is a download link with a blob: URL (${summaryHref})`);
  const fetched = summaryHref ? await fetchBlob(summaryHref) : "no link";
  check(fetched.text === SALES_SUMMARY, `the link's bytes are the summary the code wrote (${JSON.stringify(fetched.text)})`);
  check(fetched.type === "application/octet-stream" && fetched.header === "application/octet-stream", `the link is sent as application/octet-stream (${fetched.type}, ${fetched.header})`);
  const chart = out.locator('a[download="chart.svg"]');
  const chartHref = (await chart.count()) === 1 ? await chart.getAttribute("href") : null;
  const chartFile = chartHref ? await fetchBlob(chartHref) : "no link";
  check(chartFile.text?.startsWith("<svg") && chartFile.type === "application/octet-stream", "the saved chart.svg is a download link too, as octet-stream");

  if (summaryHref) {
    const before = page.url();
    const [download] = await Promise.all([page.waitForEvent("download", { timeout: 10_000 }), summary.click()]);
    const saved = readFileSync(await download.path(), "utf8");
    check(download.suggestedFilename() === "summary.csv" && saved === SALES_SUMMARY, `clicking the link downloads summary.csv with its bytes (${download.suggestedFilename()})`);
    check(page.url() === before, "clicking the link does not navigate the page");
  } else {
    check(false, "clicking the link downloads summary.csv (no link)");
  }
  // Generated files are never shown: no <img> of a blob:, no SVG element, and
  // every blob: link is a download.
  const shown = await page.evaluate(() => ({
    blobImages: document.querySelectorAll('img[src^="blob:"]').length,
    svg: document.querySelectorAll("main svg").length,
    notDownloads: [...document.querySelectorAll('a[href^="blob:"]')].filter((a) => !a.hasAttribute("download")).length,
  }));
  check(shown.blobImages === 0 && shown.svg === 0 && shown.notDownloads === 0, `generated files are never rendered inline (${JSON.stringify(shown)})`);

  // --- attach with a drop: a new sales.csv replaces the old ---------------------
  const handled = await page.evaluate(([visits, notes]) => {
    const data = new DataTransfer();
    data.items.add(new File([visits], "sales.csv", { type: "text/csv" }));
    data.items.add(new File([notes], "notes.txt", { type: "text/plain" }));
    const target = document.getElementById("transcript");
    target.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true, cancelable: true }));
    return !target.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
  }, [VISITS, NOTES]);
  check(handled, "the page takes a drop (the browser's default, opening the file, is prevented)");
  const both = (await appears(ready("sales.csv", VISITS.length))) && (await appears(ready("notes.txt", NOTES.length)));
  check(both && (await page.locator("#file-chips li").count()) === 2, "dropped files are attached: sales.csv replaced, notes.txt added");

  // A name the sandbox refuses (outside /mnt/data) is reported, and kept out.
  await page.evaluate(() => {
    const data = new DataTransfer();
    data.items.add(new File(["x"], "../escape.csv", { type: "text/csv" }));
    document.body.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  const refused = await appears(page.locator("#file-notes", { hasText: "Could not attach ../escape.csv" }));
  check(refused && (await page.locator("#file-chips li").count()) === 2, `a file name the sandbox refuses is reported and gets no chip (${await page.textContent("#file-notes")})`);

  out = await runSnippet("Plot an attached CSV");
  check(/Mon\s+7\.00/.test(await out.innerText()), "the snippet reads the dropped sales.csv");
  const newHref = await out.locator('a[download="summary.csv"]').getAttribute("href").catch(() => null);
  check(newHref && newHref !== summaryHref && (await fetchBlob(newHref)).text === VISITS_SUMMARY, "the new run's link gives the new summary");
  check(summaryHref && (await fetchBlob(summaryHref)) === "failed", "the old run's blob: URL was revoked when its output was cleared");

  out = await runEditor('print(open("notes.txt").read())');
  check((await out.innerText()).includes(NOTES.trim()), "code reads a dropped text file");
  await chip("notes.txt").locator("button.remove").click();
  await chip("notes.txt").waitFor({ state: "detached", timeout: 30_000 }).catch(() => {});
  out = await runEditor('import os\nprint("exists:", os.path.exists("notes.txt"), os.path.exists("sales.csv"))');
  check((await out.innerText()).includes("exists: False True"), "removing a chip removes the file from /mnt/data");

  // --- input() -------------------------------------------------------------------
  async function answerInput(where) {
    await page.fill("#code", 'name = input("name? ")\nprint(f"hello, {name}!")');
    await page.click("#run");
    const box = page.locator("#editor-output .input-box");
    if (!(await appears(box))) return check(false, `${where}: an input box appears when the code calls input()`);
    check((await box.locator(".prompt").textContent()) === "name? ", `${where}: the input box shows the prompt`);
    await box.locator("input").fill("Ada");
    await box.locator("input").press("Enter");
    await page.locator("#editor-output p.meta", { hasText: FINAL }).waitFor({ timeout: 30_000 });
    const text = await page.locator("#editor-output").innerText();
    check(text.includes("name? Ada\nhello, Ada!") && /^ok · /m.test(text), `${where}: the output shows the prompt, the answer and what the code did with it (${text.replace(/\n/g, " | ")})`);
    check((await box.count()) === 0, `${where}: the input box goes away once answered`);
  }
  await answerInput("iframe");
  out = page.locator("article.exchange", { has: page.locator('button[data-snippet="Ask for input"]') }).locator(".output");
  await page.click('button[data-snippet="Ask for input"]');
  if (await appears(out.locator(".input-box input"))) {
    await out.locator(".input-box input").fill("Grace Hopper");
    await out.locator(".input-box button").click();
    await out.locator("p.meta", { hasText: FINAL }).waitFor({ timeout: 30_000 });
  }
  check((await out.innerText()).includes("What's your name? Grace Hopper\nHello, Grace Hopper! Your username: @gracehopper"), "the gallery's input() snippet takes its answer from the box (Send button)");

  await page.fill("#code", 'input("wait? ")\nprint("not reached")');
  await page.click("#run");
  if (await appears(page.locator("#editor-output .input-box"))) {
    await page.click("#stop");
    await page.locator("#editor-output p.meta", { hasText: FINAL }).waitFor({ timeout: 30_000 });
    const text = await page.locator("#editor-output").innerText();
    check(text.includes("The run was cancelled") && !text.includes("not reached"), `Stop cancels a run that waits in input() (${text.replace(/\n/g, " | ")})`);
    check((await page.locator(".input-box").count()) === 0, "the input box goes away on Stop");
  } else {
    check(false, "Stop cancels a run that waits in input() (no input box)");
  }

  await page.selectOption("#timeout", "2");
  await page.fill("#code", 'input("slow? ")');
  await page.click("#run");
  await page.locator("#editor-output p.meta", { hasText: FINAL }).waitFor({ timeout: 30_000 });
  check((await page.locator("#editor-output .pycage-notice").first().innerText().catch(() => "")).startsWith("The run timed out"), "the time limit still applies while input() waits");
  check((await page.locator(".input-box").count()) === 0, "the input box goes away when the run times out");
  await page.selectOption("#timeout", "5");
  out = await runEditor('print(open("sales.csv").read())');
  check((await out.innerText()).includes("Tue,9"), "an attached file is still there after the timeout");

  // A crash replaces the interpreter: what the code made is lost (the next run
  // says so), what was attached comes back.
  out = await runEditor('open("made.txt", "w").write("made by the code")');
  check((await out.locator('a[download="made.txt"]').count()) === 1, "a file the code made is offered for download");
  await runEditor("import os\nos._exit(3)");
  out = await runEditor('print(open("sales.csv").read())');
  const afterCrash = await out.innerText();
  check(afterCrash.includes("Tue,9"), "an attached file is still there after a crash");
  check(/(was|were) lost[^\n]*:\n(.*\n)*?\/mnt\/data\/made\.txt/.test(afterCrash), `the run after a crash names the file the code had made as lost (${afterCrash.replace(/\n/g, " | ")})`);

  // --- a new interpreter: reset, and the other isolation mode --------------------
  await page.click("#reset");
  await page.locator("#editor-output", { hasText: "Fresh interpreter" }).waitFor({ timeout: 30_000 });
  out = await runEditor('print(open("sales.csv").read())');
  check((await out.innerText()).includes("Tue,9"), "after Reset, the attached files are written again");

  await page.selectOption("#isolation", "worker");
  await page.waitForSelector('#status[data-phase="ready"]', { timeout: 90_000 });
  check((await page.textContent("#status")).includes("isolation worker"), "the demo switched to worker isolation");
  out = await runEditor('print(open("sales.csv").read())');
  check((await out.innerText()).includes("Tue,9"), "a new sandbox (worker isolation) gets the attached files");
  await answerInput("worker");

  // --- the sample ---------------------------------------------------------------
  await page.click("#attach-sample");
  await appears(page.locator('#file-chips li[data-name="sales.csv"][data-state="ready"]'));
  out = await runSnippet("Plot an attached CSV");
  check(/2026-01\s+2150\.00/.test(await out.innerText()), "the sample CSV button attaches a CSV the snippet charts");

  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/demo-files.png`, fullPage: true });
  console.log(`screenshot: ${SHOTS}/demo-files.png`);
} catch (err) {
  check(false, `the test ran to the end (${err.stack ?? err})`);
} finally {
  await browser.close();
  server.kill();
}
finish();
