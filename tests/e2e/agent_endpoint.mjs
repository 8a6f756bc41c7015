// What an endpoint, or a link naming one, must not be able to do to the
// demo's agent mode (issue 23, findings 8 and 9). Run from agent.mjs, on
// pages of their own, against scripted servers of their own:
//   keyBinding: a key entered for one endpoint never goes to another, even
//     when a link opens the tab at it (?llm=), and old or broken stored
//     keys are dropped;
//   hostileStream: a reply whose numbers or sizes would have the page
//     allocate or loop without bound is refused with a notice, the page's
//     main thread never stalls, and the next message works.
import { startLlmServer } from "./llm_server.mjs";
import { watchPageErrors } from "./harness.mjs";

const KEY = "sk-e2e-BOUND-KEY-91c4";
const STALL_MS = 500; // a main-thread pause longer than this is a stall
const STORE = "pycage-demo:credential";
const OLD_STORE = "pycage-demo:key"; // the previous version's bare key

// A page of the demo in agent mode, and what to do with it.
async function agentPage({ browser, url, check, model }) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  watchPageErrors(page, new URL(url).origin, check);
  return {
    page,
    /** Loads the demo at the endpoint `base`, in this same tab. */
    async open(base) {
      await page.goto(`${url}www/?llm=${encodeURIComponent(base)}&model=${model}`);
      await page.waitForSelector('#status[data-phase="ready"]', { timeout: 90_000 });
    },
    /** Sends `text` and waits for the turn's end; returns the turn's article. */
    async say(text) {
      const turns = await page.locator("#agent-log article.exchange").count();
      await page.fill("#agent-input", text);
      await page.click("#agent-send");
      const article = page.locator("#agent-log article.exchange").nth(turns);
      await article.and(page.locator("[data-done]")).waitFor({ timeout: 60_000 });
      return article;
    },
    answer: async (article) => (await article.locator(".say.answer").allInnerTexts()).join("\n"),
  };
}

// The Authorization header of a server's last request, as the test reports it.
const lastAuth = (llm) => {
  const header = llm.state.requests.at(-1)?.headers.authorization;
  return header === undefined ? "none" : header.replace(KEY, "<the key>");
};

export async function keyBinding({ browser, url, check, model }) {
  const a = await startLlmServer();
  const b = await startLlmServer(); // another port: another origin
  const { page, open, say, answer } = await agentPage({ browser, url, check, model });
  const endpointA = `${a.base}/chat/completions`;
  const endpointB = `${b.base}/chat/completions`;
  // Sends a message to `llm`; returns the Authorization header it got.
  async function ask(llm, text) {
    llm.script([{ content: `Answered: ${text}` }]);
    const seen = llm.state.requests.length;
    const article = await say(text);
    const got = llm.state.requests.length - seen === 1 && (await answer(article)) === `Answered: ${text}`;
    return got ? lastAuth(llm) : `no answer from ${llm.base}`;
  }
  const keyField = () => page.inputValue("#llm-key");
  const note = () => page.evaluate(() => document.getElementById("llm-key-note")?.textContent ?? "");
  try {
    await open(a.base);
    await page.fill("#llm-key", KEY);
    let auth = await ask(a, "Hello, A.");
    check(auth === "Bearer <the key>", `the key entered for A goes to A (A saw Authorization: ${auth})`);
    const stored = await page.evaluate((name) => sessionStorage.getItem(name), STORE);
    check(stored === JSON.stringify({ endpoint: endpointA, key: KEY }), "the key is kept with the endpoint it was entered for");

    // The attack: a link opens this tab at another endpoint.
    await open(b.base);
    const field = await keyField();
    check(field === "", `opened at B by a link, the key field is empty (it held ${field ? "the key" : "nothing"})`);
    const said = await note();
    check(said.includes(endpointA) && said.includes(endpointB), `the page says why it asks for a key (${JSON.stringify(said)})`);
    auth = await ask(b, "Hello, B.");
    check(auth === "none", `B, opened by a link, gets no key (B saw Authorization: ${auth})`);
    check(!(await page.content()).includes(KEY), "the key is not in the page's markup at B");

    // Same origin, another path: a proxy there can route anywhere.
    await open(`${a.url}/proxy/v1`);
    auth = await ask(a, "Hello, A's proxy.");
    check(auth === "none" && (await keyField()) === "", `another path on A's origin gets no key (it saw Authorization: ${auth})`);

    await open(a.base);
    check((await keyField()) === KEY, "back at A, the key is there again");
    auth = await ask(a, "Hello again, A.");
    check(auth === "Bearer <the key>", `back at A, the key goes to A (A saw Authorization: ${auth})`);

    // Typing another base URL does the same as a link.
    await page.fill("#llm-base", b.base);
    check((await keyField()) === "" && (await note()).includes(endpointB), "typing B's base URL empties the key field and says why");
    auth = await ask(b, "Hello, B, typed.");
    check(auth === "none", `B, typed, gets no key (B saw Authorization: ${auth})`);
    await page.fill("#llm-base", a.base);
    check((await keyField()) === KEY, "typing A's base URL again brings the key back");

    await droppedKeys({ page, open, ask, b, check, keyField });
  } catch (err) {
    check(false, `the key-binding test ran to the end (${err.stack ?? err})`);
  } finally {
    await page.close();
    await a.close();
    await b.close();
  }
}

// Stored data that is not a key bound to an endpoint: each is dropped, and
// B, which the page opens at, gets no key.
async function droppedKeys({ page, open, ask, b, check, keyField }) {
  const cases = {
    "the previous version's bare key": { [OLD_STORE]: KEY },
    "a stored key that is not JSON": { [STORE]: `{"endpoint": "${b.base}/chat/completions", "key": "${KEY}"` },
    "a stored key that is a bare JSON string": { [STORE]: JSON.stringify(KEY) },
    "a stored key without its endpoint": { [STORE]: JSON.stringify({ key: KEY }) },
    "a stored key whose endpoint is not a URL": { [STORE]: JSON.stringify({ endpoint: "b.example", key: KEY }) },
  };
  for (const [what, items] of Object.entries(cases)) {
    await page.evaluate((items) => {
      sessionStorage.clear();
      for (const [name, value] of Object.entries(items)) sessionStorage.setItem(name, value);
    }, items);
    await open(b.base);
    const field = await keyField();
    const left = await page.evaluate((names) => names.filter((name) => sessionStorage.getItem(name) !== null), [STORE, OLD_STORE]);
    const auth = await ask(b, `Hello, B (${what}).`);
    check(field === "" && left.length === 0 && auth === "none",
      `${what} is dropped, never sent (key field ${field ? "filled" : "empty"}; left in storage: ${left.join(", ") || "nothing"}; B saw Authorization: ${auth})`);
  }
}

// --- a hostile stream ---------------------------------------------------------

const event = (delta) => `data: ${JSON.stringify({ id: "chatcmpl-hostile", object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: null }] })}\n\n`;
const sse = (...deltas) => ({ raw: deltas.map(event).join("") + "data: [DONE]\n\n", type: "text/event-stream" });
const call = (index, id = "call_hostile") => ({
  tool_calls: [{ index, id, type: "function", function: { name: "run_python", arguments: JSON.stringify({ code: "print('ran')" }) } }],
});

// Each reply, and the words the page's notice must have.
const HOSTILE = {
  "index 1e9": [sse({ content: "Running it." }, call(1e9)), /index is 1000000000/],
  "index -1": [sse(call(-1)), /index is -1\b/],
  "index 1.5": [sse(call(1.5)), /index is 1\.5/],
  'index "0"': [sse(call("0")), /index is "0"/],
  "index 1e9 after a valid 0": [sse(call(0, "call_valid"), call(1e9)), /index is 1000000000/],
  "a tool_calls that is a string": [sse({ tool_calls: "x".repeat(10_000) }), /not a list/],
  "100 calls without an index": [sse(...Array.from({ length: 100 }, (_, i) => ({ tool_calls: [{ id: `call_${i}`, function: { name: "run_python", arguments: "{}" } }] }))), /more than 64 tool calls/],
  "100 tool calls in one piece": [{ raw: JSON.stringify({ choices: [{ message: { role: "assistant", content: null, tool_calls: Array.from({ length: 100 }, (_, i) => ({ id: `call_${i}`, type: "function", function: { name: "run_python", arguments: "{}" } })) } }] }) }, /100 tool calls; this page takes at most 64/],
  "a line of 9 MB": [{ raw: `data: {"choices": [{"delta": {"content": "${"x".repeat(9_000_000)}`, type: "text/event-stream" }, /longer than 8000000 characters/],
  // In one event, so the check is of the limit, not of drawing a long text.
  "1.1 million characters of text": [sse({ content: "y".repeat(1_100_000) }), /more than 1000000 characters/],
};

export async function hostileStream({ browser, url, check, model }) {
  const llm = await startLlmServer();
  const { page, open, say, answer } = await agentPage({ browser, url, check, model });
  try {
    await open(llm.base);
    await page.setChecked("#llm-stream", true);
    // The page's main thread, watched from inside: a 25 ms timer that
    // notes its longest wait between ticks.
    await page.evaluate(() => {
      let last = performance.now();
      window.longestGap = 0;
      setInterval(() => {
        const now = performance.now();
        window.longestGap = Math.max(window.longestGap, now - last);
        last = now;
      }, 25);
    });
    const refused = [];
    for (const [what, [reply, words]] of Object.entries(HOSTILE)) {
      llm.script([reply]);
      const seen = llm.state.requests.length;
      await page.evaluate(() => (window.longestGap = 0));
      const article = await say(`Do it (${what}).`);
      const gap = Math.round(await page.evaluate(() => window.longestGap));
      const notice = await article.locator(".notice.error").allInnerTexts();
      const ran = await article.locator(".tool-call").count();
      const requests = llm.state.requests.length - seen;
      check(gap < STALL_MS && notice.some((text) => words.test(text)) && ran === 0 && requests === 1,
        `${what}: refused with a notice, nothing run, no stall (longest main-thread pause ${gap} ms; ` +
        `notice: ${JSON.stringify(notice.join(" ").slice(0, 160))}; tool calls shown: ${ran}; requests: ${requests})`);
      refused.push(`Do it (${what}).`);
    }
    // Within the limits, a long text in many small events is shown whole,
    // without the page redrawing it once an event.
    llm.script([sse(...Array.from({ length: 8000 }, () => ({ content: "words ".repeat(3) + "and.\n" })))]);
    await page.evaluate(() => (window.longestGap = 0));
    let article = await say("Say a lot.");
    const gap = Math.round(await page.evaluate(() => window.longestGap));
    const length = (await answer(article)).length;
    check(length === 184_000 && gap < STALL_MS, `184,000 characters in 8,000 events are shown without a stall (${length} shown; longest main-thread pause ${gap} ms)`);

    // The page still works, and the refused messages were not kept.
    llm.script([{
      expect: (body) => (body.messages.some((m) => refused.includes(m.content)) ? ["a refused message was kept in the history"] : []),
      toolCalls: [{ id: "call_after", arguments: { code: "print(6 * 7)" } }],
    }, { content: "Still working: 42." }]);
    article = await say("What is 6 times 7?");
    check((await answer(article)) === "Still working: 42." && (await article.locator(".tool-call pre.pycage-stream").first().innerText()).includes("42"),
      "after the hostile replies, the next message runs its tool call and gets its answer");
    check(llm.state.problems.length === 0, `the hostile server found no problem${llm.state.problems.map((p) => `\n       ${p}`).join("")}`);
  } catch (err) {
    check(false, `the hostile-stream test ran to the end (${err.stack ?? err})`);
  } finally {
    await page.close();
    await llm.close();
  }
}
