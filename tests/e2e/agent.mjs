// End-to-end test of the demo's agent mode: the page (www/, served as the
// demo command serves it) talks to a real scripted Chat Completions server
// (llm_server.mjs) on another origin, streaming and not, and its tool calls
// run in pycage in headless Chromium (playwright-core, /usr/bin/chromium).
// Then agent_endpoint.mjs: the key stays with its endpoint, and a hostile
// stream is refused without stalling the page.
// Usage: node tests/e2e/agent.mjs   (needs pkg/ from scripts/build)
import { mkdirSync } from "node:fs";
import { CHART, ROOT, STDOUT, launch, serve, tally, watchPageErrors } from "./harness.mjs";
import { startLlmServer } from "./llm_server.mjs";
import { hostileStream, keyBinding } from "./agent_endpoint.mjs";

const SHOTS = `${ROOT}build`;
const MODEL = "scripted-model";
const KEY = "sk-e2e-SECRET-KEY-7f3a"; // must reach the server, and nowhere else



const { check, finish } = tally("agent e2e");

// --- what the server checks in the requests it gets ---------------------------

const textOf = (content) =>
  typeof content === "string" ? content : Array.isArray(content) ? content.map((p) => p.text ?? "").join("\n") : "";

// The request must carry the model, the stream flag the page is set to, the
// run_python tool and the user's words as its last message.
function firstRequest(stream, ask) {
  return (body, headers) => {
    const problems = [];
    if (body.model !== MODEL) problems.push(`model is ${body.model}`);
    if (body.stream !== stream) problems.push(`stream is ${body.stream}, wanted ${stream}`);
    const tool = body.tools?.[0];
    if (tool?.type !== "function" || tool.function?.name !== "run_python" || !tool.function.parameters) problems.push(`tool is ${JSON.stringify(tool)?.slice(0, 200)}`);
    const last = body.messages?.at(-1);
    if (last?.role !== "user" || last.content !== ask) problems.push(`last message is ${JSON.stringify(last)?.slice(0, 200)}`);
    if (headers.authorization !== `Bearer ${KEY}`) problems.push("the Authorization header is not the key the user typed");
    return problems;
  };
}

// The tool results for `ids` must follow the assistant's tool_calls message
// directly, in order; `check(id, text, rest)` says what is wrong with one.
function toolResults(ids, checkOne) {
  return (body) => {
    const messages = body.messages ?? [];
    const at = messages.findLastIndex((m) => m.role === "assistant" && m.tool_calls?.length);
    if (at < 0) return ["no assistant message with tool_calls in the history"];
    const problems = [];
    const sent = messages[at].tool_calls.map((c) => c.id);
    if (JSON.stringify(sent) !== JSON.stringify(ids)) problems.push(`the assistant message's tool_calls are ${sent}, wanted ${ids}`);
    ids.forEach((id, i) => {
      const msg = messages[at + 1 + i];
      if (msg?.role !== "tool" || msg.tool_call_id !== id) problems.push(`message ${at + 1 + i} is not the tool result for ${id}: ${JSON.stringify(msg)?.slice(0, 200)}`);
      else problems.push(...checkOne(id, textOf(msg.content), messages.slice(at + 1 + ids.length)));
    });
    return problems;
  };
}

// The chart's stdout in the tool message, and the chart itself as an image
// part of the user message after it, a PNG of the size Python drew.
function chartResult(id) {
  return toolResults([id], (_, text, rest) => {
    const problems = [];
    if (!text.includes(STDOUT)) problems.push(`the tool message lacks the stdout: ${JSON.stringify(text.slice(0, 300))}`);
    const images = rest.filter((m) => m.role === "user" && Array.isArray(m.content))
      .flatMap((m) => m.content.filter((p) => p.type === "image_url"));
    const url = images[0]?.image_url?.url ?? "";
    if (!url.startsWith("data:image/png;base64,")) return [...problems, `no PNG image part after the tool message (${images.length} image parts)`];
    const png = Buffer.from(url.slice(22), "base64");
    const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    if (png.toString("latin1", 1, 4) !== "PNG" || w !== 320 || h !== 160) problems.push(`the image part is not the 320x160 chart (${w}x${h})`);
    return problems;
  });
}

// --- the test -----------------------------------------------------------------

const { server, url } = await serve();
const llm = await startLlmServer();
const browser = await launch();
const logged = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const origin = new URL(url).origin;
  // Failed requests to the scripted server (the error cases) are logged
  // by the browser under that server's address, not the page's.
  watchPageErrors(page, origin, check, (msg) => logged.push(msg.text()));

  await page.goto(`${url}www/?llm=${encodeURIComponent(llm.base)}&model=${MODEL}`);
  await page.waitForSelector('#status[data-phase="ready"]', { timeout: 90_000 });
  check(await page.isVisible("#agent") && !(await page.isVisible("#transcript")), "?llm= opens the agent mode");
  check((await page.inputValue("#llm-base")) === llm.base && (await page.inputValue("#llm-model")) === MODEL, "?llm= and &model= preselect the endpoint");
  await page.fill("#llm-key", KEY);
  await page.selectOption("#timeout", "10");

  let turns = 0;
  // Sends a message and waits for its turn to end; returns the turn's article.
  async function say(text) {
    await page.fill("#agent-input", text);
    await page.click("#agent-send");
    const article = page.locator("#agent-log article.exchange").nth(turns++);
    await article.and(page.locator("[data-done]")).waitFor({ timeout: 60_000 });
    return article;
  }
  const answerOf = async (article) => (await article.locator(".say.answer").allInnerTexts()).join("\n");

  for (const stream of [true, false]) {
    const mode = stream ? "streaming" : "non-streaming";
    await page.setChecked("#llm-stream", stream);

    // 1-3: a tool call that draws a chart; its stdout and image go back; a text answer.
    const ask = `Chart my four numbers (${mode}).`;
    const id = `call_chart_${stream ? "s" : "n"}`;
    const answer = `The chart has four bars; the fourth (9) is the tallest. [${mode}]`;
    llm.script([
      { expect: firstRequest(stream, ask), toolCalls: [{ id, arguments: { code: CHART } }] },
      { expect: chartResult(id), content: answer },
    ]);
    const seen = llm.state.requests.length;
    let article = await say(ask);
    check(llm.state.requests.length - seen === 2, `${mode}: the page sent the message, then the tool result (${llm.state.requests.length - seen} requests)`);
    const size = await article.locator(".tool-call img.pycage-figure").evaluate(async (img) => (await img.decode(), [img.naturalWidth, img.naturalHeight, img.src.slice(0, 22)]));
    check(size[0] === 320 && size[1] === 160 && size[2] === "data:image/png;base64,", `${mode}: the transcript shows the chart as an <img> (${size})`);
    check((await article.locator(".tool-call pre.code").innerText()).includes("def bar_png"), `${mode}: the transcript shows the tool call's code`);
    check((await article.locator(".tool-call pre.pycage-stream").first().innerText()).includes(STDOUT), `${mode}: the transcript shows the run's stdout`);
    check((await answerOf(article)) === answer, `${mode}: the transcript shows the model's answer`);
    if (stream) {
      mkdirSync(SHOTS, { recursive: true });
      await page.evaluate(() => scrollTo(0, 0)); // else the sticky header lands mid-picture
      await page.screenshot({ path: `${SHOTS}/demo-agent.png`, fullPage: true });
    }

    // Malformed arguments: a wrong key and text that is not JSON, in one message.
    const bad = `Call the tool wrongly (${mode}).`;
    const ids = [`call_bad_key_${mode}`, `call_bad_json_${mode}`];
    llm.script([
      { expect: firstRequest(stream, bad), toolCalls: [{ id: ids[0], arguments: '{"cod": "print(1)"}' }, { id: ids[1], arguments: "print(1) -- this is not JSON" }] },
      {
        expect: toolResults(ids, (callId, text) => {
          if (text.trim().length < 10) return [`the tool message for ${callId} says nothing readable: ${JSON.stringify(text)}`];
          const wanted = callId === ids[0] ? /code/ : /json/i;
          return wanted.test(text) ? [] : [`the tool message for ${callId} does not say what was wrong (${wanted}): ${JSON.stringify(text)}`];
        }),
        content: `My arguments were wrong. [${mode}]`,
      },
    ]);
    article = await say(bad);
    check((await article.locator(".tool-call .notice.error").count()) === 2, `${mode}: both malformed calls show what the model was told`);
    check((await answerOf(article)) === `My arguments were wrong. [${mode}]`, `${mode}: the model got readable errors and answered`);

    // A normal turn after the malformed one works.
    const ask2 = `What is 6 times 7? (${mode})`;
    llm.script([
      { expect: firstRequest(stream, ask2), toolCalls: [{ id: `call_ok_${mode}`, arguments: { code: "print(6 * 7)" } }] },
      { expect: toolResults([`call_ok_${mode}`], (_, text) => (text.includes("42") ? [] : [`no 42 in ${JSON.stringify(text)}`])), content: `It is 42. [${mode}]` },
    ]);
    article = await say(ask2);
    check((await answerOf(article)) === `It is 42. [${mode}]`, `${mode}: the page survives, and the next turn works`);
  }

  // Errors from the endpoint show as notices, and the message is not kept.
  llm.script([{ status: 401, body: { error: { message: "Incorrect API key provided", type: "invalid_request_error" } } }]);
  let article = await say("This one is refused.");
  check(/HTTP 401.*Incorrect API key provided/.test(await article.locator(".notice.error").innerText()), "an HTTP error shows its status and the server's message");
  await page.setChecked("#llm-stream", false);
  llm.script([{ raw: "<html>not json</html>" }]);
  article = await say("This one gets HTML.");
  check((await article.locator(".notice.error").innerText()).includes("cannot read"), "a reply that is not JSON shows as a notice");
  await page.setChecked("#llm-stream", true);
  llm.script([{ raw: "data: {broken\n\n", type: "text/event-stream" }]);
  article = await say("This one gets a broken stream.");
  check((await article.locator(".notice.error").innerText()).includes("not JSON"), "a stream event that is not JSON shows as a notice");
  await page.fill("#llm-base", `http://127.0.0.1:9/v1`);
  article = await say("This one goes nowhere.");
  check((await article.locator(".notice.error").innerText()).startsWith("Could not reach http://127.0.0.1:9/v1/chat/completions"), "an unreachable endpoint shows as a notice");
  await page.fill("#llm-base", llm.base);

  // Stop while the model is thinking: the request is aborted.
  llm.script([{ hang: true }]);
  let seen = llm.state.requests.length;
  await page.fill("#agent-input", "Think forever.");
  await page.click("#agent-send");
  await waitFor(() => llm.state.requests.length > seen);
  await page.click("#agent-stop");
  article = page.locator("#agent-log article.exchange").nth(turns++);
  await article.and(page.locator("[data-done]")).waitFor();
  await waitFor(() => llm.state.aborted > 0);
  check((await article.locator(".notice").innerText()) === "Stopped." && llm.state.aborted === 1, "Stop aborts the model request (the server saw the client go)");

  // Stop while the tool runs: the run is cancelled and nothing more is sent.
  llm.script([{ toolCalls: [{ id: "call_forever", arguments: { code: 'print("spinning", flush=True)\nwhile True:\n    pass' } }] }]);
  seen = llm.state.requests.length;
  await page.fill("#agent-input", "Loop forever.");
  await page.click("#agent-send");
  article = page.locator("#agent-log article.exchange").nth(turns++);
  await article.locator(".tool-call .output p.meta", { hasText: "Running…" }).waitFor();
  await page.waitForTimeout(500);
  await page.click("#agent-stop");
  await article.and(page.locator("[data-done]")).waitFor({ timeout: 10_000 });
  check((await article.locator(".tool-call .output").innerText()).includes("The run was cancelled"), "Stop cancels the run in the sandbox");
  await page.waitForTimeout(500);
  check(llm.state.requests.length - seen === 1, "after Stop, the page sends the model nothing more");

  // The conversation goes on: the history still pairs every tool call with
  // a result, and the refused messages were not kept.
  llm.script([{
    expect: (body) => {
      const problems = [];
      const calls = body.messages.flatMap((m) => m.tool_calls?.map((c) => c.id) ?? []);
      const answered = new Set(body.messages.filter((m) => m.role === "tool").map((m) => m.tool_call_id));
      for (const id of calls) if (!answered.has(id)) problems.push(`tool call ${id} has no result`);
      if (body.messages.some((m) => m.content === "This one is refused.")) problems.push("a refused message was kept in the history");
      return problems;
    },
    content: "Still here.",
  }]);
  article = await say("Are you still there?");
  check((await answerOf(article)) === "Still here.", "after errors and stops, the conversation goes on");

  // Clear in the middle of a run starts a new conversation that the
  // abandoned turn does not write into.
  llm.script([{ toolCalls: [{ id: "call_cleared", arguments: { code: "while True:\n    pass" } }] }]);
  await page.fill("#agent-input", "Loop until cleared.");
  await page.click("#agent-send");
  await page.locator("#agent-log .tool-call .output p.meta", { hasText: "Running…" }).waitFor();
  await page.click("#agent-clear");
  turns = 0;
  llm.script([{
    expect: (body) => (body.messages.length === 2 && body.messages[1].content === "A fresh start?" ? [] : [`the history after Clear is ${JSON.stringify(body.messages).slice(0, 300)}`]),
    content: "A fresh start.",
  }]);
  article = await say("A fresh start?");
  check((await answerOf(article)) === "A fresh start." && (await page.locator("#agent-log article").count()) === 1, "Clear mid-run starts an empty conversation");

  check(llm.state.preflights > 0, `the page's requests pass a CORS preflight (${llm.state.preflights} preflights)`);
  check(llm.state.problems.length === 0, `the scripted server found no problem in ${llm.state.requests.length} requests${llm.state.problems.map((p) => `\n       ${p}`).join("")}`);

  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(async () => (await new Promise(requestAnimationFrame), document.documentElement.scrollWidth - innerWidth));
  check(overflow <= 0, `no horizontal scrolling in the agent mode at phone width (${overflow} px over)`);
  await page.setViewportSize({ width: 1280, height: 900 });

  // The key: in sessionStorage only, with its endpoint; never logged, never in the page's markup.
  const stored = await page.evaluate(() => [sessionStorage.getItem("pycage-demo:credential"), JSON.stringify({ ...localStorage })]);
  check(stored[0] === JSON.stringify({ endpoint: `${llm.base}/chat/completions`, key: KEY }) && !stored[1].includes(KEY),
    "the API key is kept in sessionStorage with its endpoint, not in localStorage");
  check(!logged.some((line) => line.includes(KEY)) && !(await page.content()).includes(KEY), "the API key is never logged nor in the page's markup");
  await page.goto(`${url}www/`);
  await page.waitForSelector('#status[data-phase="ready"]', { timeout: 90_000 });
  check(await page.isVisible("#transcript") && (await page.inputValue("#llm-key")) === KEY, "without ?llm= the showcase opens; the settings last as long as the tab");
  console.log(`screenshot: ${SHOTS}/demo-agent.png`);

  await keyBinding({ browser, url, check, model: MODEL });
  await hostileStream({ browser, url, check, model: MODEL });
} catch (err) {
  check(false, `the test ran to the end (${err.stack ?? err})`);
} finally {
  await browser.close();
  await llm.close();
  server.kill();
}

async function waitFor(condition, ms = 10_000) {
  for (const start = Date.now(); !condition(); ) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${condition}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

finish();
