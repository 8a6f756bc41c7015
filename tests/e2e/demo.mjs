// End-to-end test of the demo (www/): serves the crate root as the demo
// command does, drives it in headless Chromium (playwright-core, the system
// /usr/bin/chromium) and checks what a person would see.
// Usage: node tests/e2e/demo.mjs   (needs pkg/ from a release build)
import { mkdirSync } from "node:fs";
import { ROOT, launch, serve, tally, watchPageErrors } from "./harness.mjs";

const SHOTS = `${ROOT}build`;
const SECRET = "E2E-HOST-SECRET-51c9";


const { check, finish } = tally("demo e2e");

const { server, url } = await serve();
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const origin = new URL(url).origin;
  watchPageErrors(page, origin, check);

  // Plant host data the attack snippet must not reach.
  await page.goto(`${url}www/`);
  await page.evaluate((secret) => {
    document.cookie = `session=${secret}; path=/`;
    localStorage.setItem("token", secret);
  }, SECRET);
  const opened = Date.now();
  await page.reload();
  await page.waitForSelector('#status[data-phase="ready"]', { timeout: 90_000 });
  const readyMs = Date.now() - opened;
  const status = await page.textContent("#status");
  check(/Ready in .* isolation iframe/.test(status), `status line shows ready and the isolation mode (${status.trim()})`);
  console.log(`page open to ready: ${readyMs} ms (page's own measure: ${await page.getAttribute("body", "data-ready-ms")} ms)`);

  // The sandbox frame runs in a process of its own (Chromium isolates
  // sandboxed frames): the browser lists it as a separate "iframe" target.
  const cdp = await browser.newBrowserCDPSession();
  const { targetInfos } = await cdp.send("Target.getTargets");
  await cdp.detach();
  check(targetInfos.some((t) => t.type === "iframe" && t.url === "about:srcdoc"), "the sandbox frame runs out of the page's process");

  const FINAL = /^(ok|error|timeout|cancelled|crashed) · /;
  async function runSnippet(title) {
    const exchange = page.locator("article.exchange", { has: page.locator(`button[data-snippet="${title}"]`) });
    await exchange.locator(`button[data-snippet="${title}"]`).click();
    const out = exchange.locator(".output");
    await out.locator("p.meta", { hasText: FINAL }).waitFor({ timeout: 60_000 });
    return out;
  }

  let out = await runSnippet("Summary statistics");
  check((await out.locator("pre.pycage-stream").first().innerText()).includes("north"), "printed output is shown");
  check((await out.locator(".pycage-result").innerText()).trim() === "102.02", "the last expression is shown");

  out = await runSnippet("A chart, no packages");
  const size = await out.locator("img.pycage-figure").evaluate(async (img) => {
    await img.decode();
    return [img.naturalWidth, img.naturalHeight, img.src.slice(0, 22)];
  });
  check(size[0] === 480 && size[1] === 240 && size[2] === "data:image/png;base64,", `display-protocol PNG decodes at 480x240 (${size})`);
  const text = await out.innerText();
  check(text.indexOf("Signups per month") < text.indexOf("Best month"), "prints keep their order around the figure");

  out = await runSnippet("SVG figure");
  const svg = await out.locator("img.pycage-figure").evaluate(async (img) => (await img.decode(), [img.naturalWidth, img.src.slice(0, 18)]));
  check(svg[0] === 320 && svg[1] === "data:image/svg+xml", `SVG is shown as an <img> (${svg})`);
  check((await out.locator("svg").count()) === 0, "no SVG is inserted inline");

  // A DataFrame-like _repr_html_: a real <table>, rebuilt by pycage/render
  // from an inert parse, and nothing else from the sandbox in the page.
  out = await runSnippet("HTML table");
  const table = await out.evaluate((o) => {
    const t = o.querySelector("table");
    return {
      tables: o.querySelectorAll("table.pycage-table").length,
      cells: t ? [...t.querySelectorAll("th, td")].map((c) => c.textContent) : [],
      frames: o.querySelectorAll("iframe").length,
      // Attributes on what came from the sandbox: only the renderer's own.
      attrs: t ? [...t.querySelectorAll("*")].flatMap((e) => [...e.attributes].map((a) => a.name)) : ["no table"],
    };
  });
  check(table.tables === 1 && table.cells.join() === "name,score,ada,98,linus,91,grace,89" && table.frames === 0 && table.attrs.length === 0,
    `an HTML table shows as a real <table>, rebuilt with no attribute from the sandbox (${JSON.stringify(table)})`);

  // The figure and the table together, as pycage/render shows them: the
  // exchanges between them and the sticky header hidden for the picture.
  mkdirSync(SHOTS, { recursive: true });
  const clip = await page.evaluate(() => {
    const exchange = (t) => document.querySelector(`button[data-snippet="${t}"]`).closest("article.exchange");
    const [first, last] = [exchange("A chart, no packages"), exchange("HTML table")];
    const hidden = [document.querySelector("header.bar")];
    for (let e = first.nextElementSibling; e && e !== last; e = e.nextElementSibling) hidden.push(e);
    for (const e of hidden) e.dataset.shot = e.style.display = "none";
    const [a, b] = [first.getBoundingClientRect(), last.getBoundingClientRect()];
    return { x: Math.max(0, a.left - 16), y: a.top + scrollY - 16, width: a.width + 32, height: b.bottom - a.top + 32 };
  });
  await page.screenshot({ path: `${SHOTS}/demo-render.png`, fullPage: true, clip });
  await page.evaluate(() => document.querySelectorAll("[data-shot]").forEach((e) => { e.style.display = ""; delete e.dataset.shot; }));

  out = await runSnippet("NameError");
  check((await out.locator(".pycage-error-title").innerText()).includes("NameError: name 'line' is not defined"), "an exception shows type and message");
  check((await out.locator(".pycage-traceback").innerText()).includes("line 2"), "an exception shows its traceback");

  out = await runSnippet("SyntaxError");
  check((await out.locator(".pycage-error").innerText()).includes("SyntaxError"), "a syntax error is shown");

  await page.selectOption("#timeout", "2");
  out = await runSnippet("Infinite loop");
  check((await out.locator(".pycage-notice").first().innerText()).startsWith("The run timed out") && (await out.locator("p.meta").innerText()).includes("the time limit, 2 s"), "a timeout shows the stop notice");
  out = await runSnippet("Summary statistics");
  check((await out.locator(".pycage-result").innerText()).includes("102.02"), "the next run after a timeout works");

  out = await runSnippet("Read the host's data");
  const attack = await out.innerText();
  check(attack.includes("document.cookie: blocked") && attack.includes("localStorage: blocked") && attack.includes("api: blocked"), "the host-data attack visibly fails");
  check(!attack.includes(SECRET) && !(await page.content()).includes(SECRET), "the planted secrets appear nowhere");

  // Back from the 2 s limit of the timeout check: under it, the flood
  // below could end before it reached the output cap (948 lines in one
  // run), and the offline package load before it could time out instead
  // of failing with its own error.
  await page.selectOption("#timeout", "30");
  out = await runSnippet("numpy + matplotlib");
  const offline = (await out.locator(".pycage-error").count()) > 0;
  if (offline) {
    check((await out.locator(".pycage-error-title").innerText()).startsWith("PackageLoadError"), "offline, numpy gives the package error");
    check((await out.locator("div.notice").innerText()).includes("?packages="), "offline, the page says how to self-host");
  } else {
    check((await out.locator("img.pycage-figure").count()) === 1, "online, numpy and matplotlib draw a figure");
  }

  out = await runSnippet("Print flood");
  const flood = await out.innerText();
  const notices = flood.split("\n").filter((line) => !/^\d+$/.test(line)).join(" / ");
  check(flood.includes("Output was cut"), `a print flood is cut and says so (${notices})`);

  out = await runSnippet("Crash");
  check((await out.locator(".pycage-notice").first().innerText()).includes("crashed"), "a crash shows as a crash");
  out = await runSnippet("Summary statistics");
  check((await out.locator(".pycage-result").innerText()).includes("102.02"), "the next run after a crash works");

  await page.fill("#code", "print('from the editor')\n6 * 7");
  await page.click("#run");
  await page.locator("#editor-output p.meta", { hasText: FINAL }).waitFor();
  check((await page.locator("#editor-output").innerText()).includes("42"), "the free-form editor runs code");

  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/demo.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(async () => {
    await new Promise(requestAnimationFrame);
    return document.documentElement.scrollWidth - innerWidth;
  });
  if (overflow > 0) {
    // The widest elements not inside a scrolling box: what to fix.
    const wide = await page.evaluate(() => {
      const scrolled = (e) => { for (let p = e.parentElement; p; p = p.parentElement) if (getComputedStyle(p).overflowX !== "visible") return true; return false; };
      return [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > innerWidth + 1 && !scrolled(e) || e.scrollWidth > innerWidth)
        .slice(0, 5).map((e) => `${e.tagName}.${e.className} ${e.textContent.slice(0, 40)}`);
    });
    console.log("too wide:", wide.join(", "));
  }
  check(overflow <= 0, `no horizontal scrolling at phone width (${overflow} px over)`);
  await page.screenshot({ path: `${SHOTS}/demo-phone.png`, fullPage: false });
  console.log(`screenshots: ${SHOTS}/demo.png, ${SHOTS}/demo-phone.png`);
} catch (err) {
  check(false, `the test ran to the end (${err.stack ?? err})`);
} finally {
  await browser.close();
  server.kill();
}
finish();
