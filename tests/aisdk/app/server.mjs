// The app's server, as an AI SDK user writes it: streamText with pycage's
// tool, the same tools passed to convertToModelMessages, and a scripted
// mock model (ai/test) in place of a provider. It records every prompt the
// model is given. Also serves the built page (dist/).
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { convertToModelMessages, streamText, tool } from "ai";
import * as mocks from "ai/test";
import { aiSdkTool } from "pycage/agent";

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };
const usage = { inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 }, outputTokens: { total: 5, text: 5, reasoning: 0 } };

/** The model's answers, one per call: `{ toolCall: { id, input } }` or `{ text }`. */
function chunks(step) {
  const start = { type: "stream-start", warnings: [] };
  if (step.toolCall) {
    return [
      start,
      { type: "tool-call", toolCallId: step.toolCall.id, toolName: "run_python", input: step.toolCall.input },
      { type: "finish", finishReason: { unified: "tool-calls", raw: "tool_calls" }, usage },
    ];
  }
  return [
    start,
    { type: "text-start", id: "t" },
    { type: "text-delta", id: "t", delta: step.text },
    { type: "text-end", id: "t" },
    { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage },
  ];
}

/** Starts the server; `script` is the model's answers in order, `prompts` what it was given. */
export function startServer({ dist, version }) {
  const script = [];
  const prompts = [];
  // The mock of the version's own model spec (V4 in ai@7, V3 in ai@6), so
  // the prompt recorded is what a provider of that version is given.
  const Mock = mocks.MockLanguageModelV4 ?? mocks.MockLanguageModelV3;
  const model = new Mock({
    doStream: async ({ prompt }) => {
      prompts.push(prompt);
      const step = script.shift() ?? { text: "(the script is over)" };
      return { stream: new ReadableStream({ start(c) { for (const ch of chunks(step)) c.enqueue(ch); c.close(); } }) };
    },
  });
  const tools = { run_python: tool(aiSdkTool({ version })) };

  const server = createServer(async (req, res) => {
    try {
      if (req.method === "POST" && req.url === "/api/chat") {
        let body = "";
        for await (const chunk of req) body += chunk;
        const { messages } = JSON.parse(body);
        const result = streamText({ model, tools, messages: await convertToModelMessages(messages, { tools }) });
        result.pipeUIMessageStreamToResponse(res);
        return;
      }
      const path = normalize(new URL(req.url, "http://x").pathname).replace(/^\/+/, "") || "index.html";
      const file = join(dist, path.includes("..") ? "index.html" : path);
      const data = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(data);
    } catch (err) {
      res.writeHead(err.code === "ENOENT" ? 404 : 500, { "content-type": "text/plain" });
      res.end(String(err.message ?? err));
    }
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${server.address().port}`, spec: model.specificationVersion, script, prompts, close: () => server.close() }),
    ),
  );
}
