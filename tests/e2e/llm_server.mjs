// A scripted OpenAI-compatible Chat Completions server for the agent demo's
// end-to-end test: a real HTTP server, so the page's fetch, CORS preflight,
// SSE parsing and abort all run as they would against Ollama or OpenAI.
//
// The test loads a script: one step per request, in order. A step may check
// the request (`expect(body)` returns a list of problems; any problem is
// recorded and answered with HTTP 400, as a strict server would) and then
// answers with text, tool calls, an HTTP error, raw bytes, or nothing until
// the client gives up (`hang`). Every request body is recorded.
//
// Run alone (`node tests/e2e/llm_server.mjs [port]`) it serves a looping
// chart-then-answer script, to try the demo's agent mode by hand.
import { createServer } from "node:http";

const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "POST, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type, Authorization",
  // Chromium asks this before a public page may call a loopback server.
  "Access-Control-Allow-Private-Network": "true",
  "Access-Control-Max-Age": "600",
};

export async function startLlmServer({ port = 0, loop = false } = {}) {
  const state = {
    steps: [],
    requests: [], // { path, headers, body }, one per POST
    problems: [], // what the steps' expect() found wrong
    preflights: 0,
    aborted: 0, // requests the client abandoned before the answer was done
  };
  const server = createServer((req, res) => {
    handle(state, req, res, loop).catch((err) => {
      state.problems.push(`server error: ${err.stack ?? err}`);
      if (!res.headersSent) send(res, 500, { error: { message: String(err) } });
      else res.end();
    });
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    base: `${url}/v1`,
    state,
    /** Replaces the script; the next request gets steps[0]. */
    script(steps) {
      state.steps = [...steps];
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

async function handle(state, req, res, loop) {
  if (req.method === "OPTIONS") {
    state.preflights++;
    res.writeHead(204, CORS).end();
    return;
  }
  if (req.method !== "POST" || !req.url.endsWith("/chat/completions")) {
    send(res, 404, { error: { message: `no route ${req.method} ${req.url}` } });
    return;
  }
  let text = "";
  for await (const chunk of req) text += chunk;
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    state.problems.push(`request body is not JSON: ${text.slice(0, 100)}`);
    send(res, 400, { error: { message: "request body is not JSON" } });
    return;
  }
  state.requests.push({ path: req.url, headers: req.headers, body });
  const step = state.steps.shift();
  if (loop && step) state.steps.push(step);
  if (!step) {
    state.problems.push(`request ${state.requests.length} came after the script ended`);
    send(res, 500, { error: { message: "the scripted server has no more turns" } });
    return;
  }
  const problems = step.expect?.(body, req.headers) ?? [];
  if (problems.length) {
    state.problems.push(...problems.map((p) => `request ${state.requests.length}: ${p}`));
    send(res, 400, { error: { message: problems.join("; ") } });
    return;
  }
  if (step.hang) {
    // Answer nothing; the client's abort closes the connection.
    await new Promise((resolve) => res.on("close", resolve));
    state.aborted++;
    return;
  }
  if (step.status) {
    send(res, step.status, step.body ?? {});
    return;
  }
  if (step.raw !== undefined) {
    res.writeHead(200, { ...CORS, "Content-Type": step.type ?? "application/json" }).end(step.raw);
    return;
  }
  const toolCalls = (step.toolCalls ?? []).map((c, i) => ({
    id: c.id ?? `call_${i}`,
    type: "function",
    function: { name: c.name ?? "run_python", arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments) },
  }));
  const content = step.content ?? null;
  if (body.stream) await streamReply(state, res, body.model, content, toolCalls);
  else send(res, 200, whole(body.model, content, toolCalls));
}

function send(res, status, json) {
  res.writeHead(status, { ...CORS, "Content-Type": "application/json" }).end(JSON.stringify(json));
}

function whole(model, content, toolCalls) {
  const message = { role: "assistant", content };
  if (toolCalls.length) message.tool_calls = toolCalls;
  return {
    id: "chatcmpl-scripted",
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: toolCalls.length ? "tool_calls" : "stop" }],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
}

// Cuts text into small pieces, so the client must join fragments that
// arrive in separate network reads (each write is followed by a pause).
function pieces(text, size) {
  const out = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

async function streamReply(state, res, model, content, toolCalls) {
  res.writeHead(200, { ...CORS, "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
  let closed = false;
  res.on("close", () => (closed = true));
  const base = { id: "chatcmpl-scripted", object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model };
  const event = async (delta, finish = null) => {
    if (closed) return;
    res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
    await new Promise((resolve) => setTimeout(resolve, 3));
  };
  res.write(": scripted stream\n\n"); // a comment line, which clients must skip
  await event({ role: "assistant", content: "" });
  for (const piece of pieces(content ?? "", 7)) await event({ content: piece });
  for (const [index, call] of toolCalls.entries()) {
    await event({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] });
    for (const piece of pieces(call.function.arguments, 23)) await event({ tool_calls: [{ index, function: { arguments: piece } }] });
  }
  await event({}, toolCalls.length ? "tool_calls" : "stop");
  if (closed) {
    state.aborted++;
    return;
  }
  res.end("data: [DONE]\n\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const code = 'print("hello from the scripted model")\n6 * 7';
  const server = await startLlmServer({ port: Number(process.argv[2] ?? 0), loop: true });
  server.script([
    { toolCalls: [{ id: "call_demo", arguments: { code } }] },
    { content: "The code printed a greeting and worked out 6 * 7 = 42." },
  ]);
  console.log(`scripted Chat Completions server: ${server.base} (model: any)`);
}
