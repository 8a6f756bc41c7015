// End to end: the Vercel AI SDK round trip with no glue, for ai@6 and ai@7.
// For each version, a real useChat page (app/, built by Vite with that
// version's pinned packages, v6/ or v7/, and pycage from `npm pack` of pkg/)
// talks to a Node server (app/server.mjs) running streamText with pycage's
// aiSdkTool and the SDK's mock model. The model's tool call runs in pycage
// in headless Chromium; the model's next prompt must hold the chart as an
// image part of the version's shape. Then arguments without `code`: the
// model must be told what was wrong. Prints each prompt's bytes per part.
// The apps' installs are cached in build/aisdk/<v>/, keyed by lockfile.
// Alongside, pycage/agent's types are checked against ai@6's
// (tests/types/tsconfig.aisdk-v6.json; tsconfig.agent.json checks ai@7's).
// Usage: node tests/aisdk/run.mjs [6|7]   (needs pkg/ from scripts/build)
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { CHART, ROOT, STDOUT, launch, serve, tally, watchPageErrors } from "../e2e/harness.mjs";

const WORK = `${ROOT}build/aisdk/`;
const SRC = `${ROOT}tests/aisdk/`;
const npmFlags = ["--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"];
const npmEnv = { ...process.env, npm_config_update_notifier: "false" };
const { check, finish } = tally("aisdk e2e");
const started = Date.now();
const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;


function npm(args, cwd) {
  execFileSync("npm", [...args, ...npmFlags], { cwd, env: npmEnv, stdio: ["ignore", "inherit", "inherit"] });
}

/** `npm pack` of pkg/ into build/aisdk/, named by its content hash. */
function pack() {
  mkdirSync(WORK, { recursive: true });
  for (const old of readdirSync(WORK)) if (old.endsWith(".tgz")) rmSync(`${WORK}${old}`);
  const [{ filename }] = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", WORK, `${ROOT}pkg`], { env: npmEnv, encoding: "utf8" }));
  const hash = createHash("sha256").update(readFileSync(`${WORK}${filename}`)).digest("hex").slice(0, 12);
  const path = `${WORK}pycage-${hash}.tgz`;
  cpSync(`${WORK}${filename}`, path);
  rmSync(`${WORK}${filename}`);
  return path;
}

/** build/aisdk/v<N>/: the app's sources, that version's pinned packages (cached), pycage from the tarball, built. */
function setUp(version, tarball) {
  const dir = `${WORK}v${version}/`;
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(dir)) if (entry !== "node_modules" && entry !== ".lockhash") rmSync(`${dir}${entry}`, { recursive: true, force: true });
  cpSync(`${SRC}app/`, dir, { recursive: true });
  cpSync(`${SRC}v${version}/`, dir, { recursive: true });
  const lockHash = createHash("sha256").update(readFileSync(`${dir}package-lock.json`)).digest("hex");
  const cached = existsSync(`${dir}.lockhash`) && readFileSync(`${dir}.lockhash`, "utf8") === lockHash && existsSync(`${dir}node_modules`);
  let t0 = Date.now();
  if (!cached) {
    rmSync(`${dir}.lockhash`, { force: true });
    npm(["ci"], dir);
    writeFileSync(`${dir}.lockhash`, lockHash);
  }
  rmSync(`${dir}node_modules/pycage`, { recursive: true, force: true });
  npm(["install", "--no-save", tarball], dir);
  console.log(`ai@${version}: install ${cached ? "(cached) " : ""}${secs(t0)}`);
  t0 = Date.now();
  // Vite's warnings (a "use client" directive in swr) are noise here; its output shows on failure.
  try {
    execFileSync("npm", ["run", "--silent", "build"], { cwd: dir, env: npmEnv, stdio: "pipe" });
  } catch (err) {
    throw new Error(`ai@${version}: vite build failed:\n${err.stdout}\n${err.stderr}`, { cause: err });
  }
  console.log(`ai@${version}: vite build ${secs(t0)}`);
  const installed = JSON.parse(readFileSync(`${dir}node_modules/ai/package.json`, "utf8")).version;
  return { dir, installed };
}

// --- what the prompts must hold ------------------------------------------------

const partBytes = (p) => Buffer.byteLength(JSON.stringify(p));

/** One line per message part: role, part type (and output part types), JSON bytes. */
function describePrompt(prompt) {
  const lines = [];
  for (const m of prompt) {
    const parts = typeof m.content === "string" ? [{ type: "text", text: m.content }] : m.content;
    for (const p of parts) {
      if (p.type === "tool-result") {
        const out = p.output;
        const inner = Array.isArray(out.value) ? out.value.map((v) => `${v.type} ${partBytes(v)} B`).join(", ") : `${partBytes(out.value)} B`;
        lines.push(`${m.role}: tool-result (${out.type}: ${inner})`);
      } else lines.push(`${m.role}: ${p.type} ${partBytes(p)} B`);
    }
  }
  return lines;
}

function toolResults(prompt) {
  return prompt.filter((m) => m.role === "tool").flatMap((m) => m.content.filter((p) => p.type === "tool-result"));
}

function pngSize(base64) {
  const png = Buffer.from(base64, "base64");
  return png.toString("latin1", 1, 4) === "PNG" ? [png.readUInt32BE(16), png.readUInt32BE(20)] : null;
}

// --- one version ----------------------------------------------------------------

async function waitFor(condition, what, ms = 60_000) {
  for (const start = Date.now(); !(await condition()); ) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function runVersion(version, tarball, browser, pyodideUrl) {
  const label = `ai@${version}`;
  const { dir, installed } = setUp(version, tarball);
  check(installed.startsWith(`${version}.`), `${label}: the app has ai ${installed}`);
  const { startServer } = await import(`${dir}server.mjs`);
  const app = await startServer({ dist: `${dir}dist/`, version });
  const page = await browser.newPage();
  try {
    watchPageErrors(page, app.url, check);
    const t0 = Date.now();
    await page.goto(`${app.url}/?pyodide=${encodeURIComponent(pyodideUrl)}`);
    await page.waitForSelector("body[data-sandbox=ready]", { state: "attached", timeout: 90_000 });
    console.log(`${label}: sandbox ready ${secs(t0)}`);

    // The chart: a tool call, run in the page, its image in the model's next prompt.
    const t1 = Date.now();
    app.script.push({ toolCall: { id: "call_chart", input: JSON.stringify({ code: CHART }) } }, { text: "The fourth bar (9) is the tallest." });
    await page.evaluate(() => window.send("Chart my four numbers."));
    await waitFor(async () => app.prompts.length >= 2 && (await page.locator("article.assistant p.text").count()) > 0, "the answer after the chart");
    console.log(`${label}: chart round trip ${secs(t1)}`);
    for (const [i, prompt] of app.prompts.slice(0, 2).entries()) {
      console.log(`${label}: prompt ${i + 1}, bytes per part (JSON):\n  ${describePrompt(prompt).join("\n  ")}`);
    }
    const [result] = toolResults(app.prompts[1]);
    const value = result?.output?.type === "content" ? result.output.value : [];
    check(result?.toolCallId === "call_chart" && result.output.type === "content", `${label}: the model gets the run as a content tool result, not JSON (${result?.output?.type})`);
    check(value[0]?.type === "text" && value[0].text.includes(STDOUT) && value[0].text.startsWith("Status: ok."), `${label}: its first part is the run's text, with the stdout`);
    // The image part as the model's spec has it: ai@7 gives a V4 model `file`
    // parts with tagged data, ai@6 a V3 model `image-data` parts.
    const image = value[1];
    const wanted = version === 6 ? "image-data" : "file";
    const base64 = typeof image?.data === "string" ? image.data : image?.data?.data;
    check(image?.type === wanted && image.mediaType === "image/png", `${label}: its second part is an image part for a ${app.spec} model (${image?.type}, ${image?.mediaType})`);
    const size = typeof base64 === "string" ? pngSize(base64) : null;
    check(size?.[0] === 320 && size?.[1] === 160, `${label}: the image is the 320x160 PNG Python drew (${size})`);
    check(!JSON.stringify(value[0]).includes("iVBOR"), `${label}: no base64 in the text the model reads`);
    const answer = await page.locator("article.assistant p.text").first().innerText();
    check(answer === "The fourth bar (9) is the tallest.", `${label}: the page shows the model's answer`);
    const shown = await page.locator(".tool[data-id=call_chart] img.figure").evaluate(async (img) => (await img.decode(), [img.naturalWidth, img.naturalHeight]));
    check(shown[0] === 320 && shown[1] === 160, `${label}: the page draws the run's figure from its Execution (${shown})`);
    check((await page.locator(".tool[data-id=call_chart] pre.stdout").innerText()).includes(STDOUT), `${label}: the page shows the run's stdout from its Execution`);

    // Arguments without `code`: the model is told what was wrong, and can answer.
    app.script.push({ toolCall: { id: "call_bad", input: JSON.stringify({ cod: "print(1)" }) } }, { text: "My arguments were wrong." });
    await page.evaluate(() => window.send("Call the tool wrongly."));
    await waitFor(async () => app.prompts.length >= 4 && (await page.locator("article.assistant p.text").count()) > 1, "the answer after the malformed call");
    const bad = toolResults(app.prompts[3]).find((p) => p.toolCallId === "call_bad");
    const said = typeof bad?.output?.value === "string" ? bad.output.value : JSON.stringify(bad?.output);
    console.log(`${label}: prompt 4, the malformed call's result: ${bad?.output?.type} ${partBytes(said)} B: ${JSON.stringify(said).slice(0, 160)}`);
    check(bad?.output?.type === "error-text" && /The "code" argument is missing\. Send a JSON object like/.test(said), `${label}: malformed arguments reach the model as an error saying what was wrong`);
    check((await page.locator(".tool[data-id=call_bad][data-state=output-error]").count()) === 1, `${label}: the page shows the malformed call as an error`);
    check(await page.evaluate(() => document.body.dataset.status === "ready"), `${label}: the chat is ready for the next message`);
  } catch (err) {
    check(false, `${label}: the test ran to the end (${err.stack ?? err})`);
  } finally {
    await page.close();
    app.close();
  }
}

/** tsc on a tsconfig, in the background: resolves to its exit code and output. */
function typeCheck(config) {
  const tsc = spawn(`${ROOT}node_modules/.bin/tsc`, ["--noEmit", "-p", `${ROOT}${config}`], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  tsc.stdout.on("data", (d) => (out += d));
  tsc.stderr.on("data", (d) => (out += d));
  return new Promise((resolve) => tsc.on("close", (code) => resolve({ code, out })));
}

const versions = process.argv.slice(2).length ? process.argv.slice(2).map(Number) : [6, 7];
const typesV6 = versions.includes(6) ? typeCheck("tests/types/tsconfig.aisdk-v6.json") : null;
const tarball = pack();
const pyodide = await serve("--cors");
const browser = await launch();
try {
  for (const v of versions) await runVersion(v, tarball, browser, `${pyodide.url}node_modules/pyodide/`);
} finally {
  await browser.close();
  pyodide.server.kill();
}
if (typesV6) {
  const { code, out } = await typesV6;
  check(code === 0, `ai@6: pycage/agent's types check against ai@6's (tsc, tsconfig.aisdk-v6.json)${code ? `\n${out}` : ""}`);
}
console.log(`\naisdk e2e step: ${secs(started)}`);
finish();
