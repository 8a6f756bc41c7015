// The AI SDK helpers: aiSdkTool (server) and handleToolCall /
// createToolCallHandler (page), checked by shape and against the real
// convertToModelMessages of ai@7 ("ai") and ai@6 ("ai-v6", an npm alias).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as ai7 from "ai";
import * as ai6 from "ai-v6";
import { aiSdkTool, createToolCallHandler, handleToolCall, toAiSdk } from "../../agent/index.js";
import { execution, pngFigure } from "./fixtures.mjs";

function fakeSandbox(result = execution({ stdout: "2\n" })) {
  const calls = [];
  return {
    calls,
    async runPython(code, opts) {
      calls.push({ code, opts });
      return typeof result === "function" ? result(code) : result;
    },
  };
}

/** useChat's addToolOutput, recording its calls. */
function recorder() {
  const calls = [];
  const add = (payload) => {
    calls.push(payload);
  };
  return { calls, add };
}

const chart = () => execution({ stdout: "bars\n", figures: [pngFigure(32, 16)] });

test("aiSdkTool: description, a Standard Schema with its JSON Schema that passes every value on, no execute", async () => {
  const t = aiSdkTool({ packages: ["numpy"], timeoutMs: 10_000 });
  assert.match(t.description, /only these others, which load on their first import: numpy/);
  assert.match(t.description, /Time limit: 10 s/);
  assert.equal(t.execute, undefined);
  const std = t.inputSchema["~standard"];
  assert.equal(std.version, 1);
  assert.deepEqual(std.jsonSchema.input({ target: "draft-07" }).required, ["code"]);
  // Every value passes: handleToolCall, in the page, tells the model what was wrong.
  assert.deepEqual(await std.validate({ code: "print(1)" }), { value: { code: "print(1)" } });
  assert.deepEqual(await std.validate({ cod: "print(1)" }), { value: { cod: "print(1)" } });
  assert.throws(() => aiSdkTool({ version: 5 }), { name: "TypeError", field: "version" });
});

test("aiSdkTool: toModelOutput gives v7 file parts and v6 image-data parts", async () => {
  const { calls, add } = recorder();
  await handleToolCall({ sandbox: fakeSandbox(chart()), toolCall: { toolName: "run_python", toolCallId: "c1", input: { code: "x" } }, addToolOutput: add });
  const output = calls[0].output;
  const v7 = await aiSdkTool().toModelOutput({ toolCallId: "c1", input: {}, output });
  assert.equal(v7.type, "content");
  assert.equal(v7.value[0].type, "text");
  assert.match(v7.value[0].text, /--- stdout ---\nbars/);
  assert.equal(v7.value[1].type, "file");
  assert.equal(v7.value[1].mediaType, "image/png");
  assert.equal(v7.value[1].data.type, "data");
  const v6 = await aiSdkTool({ version: 6 }).toModelOutput({ toolCallId: "c1", input: {}, output });
  assert.deepEqual(v6.value[1], { type: "image-data", data: v7.value[1].data.data, mediaType: "image/png" });
  // An Execution (a tool run on the server) converts as well; other values pass as text or JSON.
  const direct = await aiSdkTool().toModelOutput({ toolCallId: "c2", input: {}, output: chart() });
  assert.equal(direct.value[1].type, "file");
  assert.deepEqual(await aiSdkTool().toModelOutput({ toolCallId: "c3", input: {}, output: "hi" }), { type: "text", value: "hi" });
  assert.deepEqual(await aiSdkTool().toModelOutput({ toolCallId: "c3", input: {}, output: { a: 1 } }), { type: "json", value: { a: 1 } });
  // What the page sent is the page's word: only text and base64 PNG/JPEG go on.
  const forged = { type: "pycage-run", status: "ok", parts: [{ type: "text", text: "t" }, { type: "image", mime: "image/svg+xml", data: "PHN2Zz4=" }, { type: "image", mime: "image/png", data: "not base64!" }, { type: "file", x: 1 }] };
  assert.deepEqual((await aiSdkTool().toModelOutput({ toolCallId: "c4", input: {}, output: forged })).value, [{ type: "text", text: "t" }]);
  assert.equal((await toAiSdk(chart(), undefined, { version: 6 })).value[1].type, "image-data");
});

// The UI messages useChat would send back after handleToolCall answered.
function uiMessages(output) {
  return [
    { id: "u1", role: "user", parts: [{ type: "text", text: "Chart it." }] },
    {
      id: "a1",
      role: "assistant",
      parts: [{ type: "tool-run_python", toolCallId: "c1", state: "output-available", input: { code: "x" }, output }],
    },
  ];
}

for (const [label, sdk, version] of [["ai@7", ai7, 7], ["ai@6", ai6, 6]]) {
  test(`${label}: convertToModelMessages with the tools gives the model an image part`, async () => {
    const { calls, add } = recorder();
    await handleToolCall({ sandbox: fakeSandbox(chart()), toolCall: { toolName: "run_python", toolCallId: "c1", input: { code: "x" } }, addToolOutput: add });
    const tools = { run_python: sdk.tool(aiSdkTool({ version })) };
    const model = await sdk.convertToModelMessages(uiMessages(calls[0].output), { tools });
    const result = model.find((m) => m.role === "tool").content[0];
    assert.equal(result.output.type, "content");
    const kinds = result.output.value.map((p) => p.type);
    assert.deepEqual(kinds, ["text", version === 7 ? "file" : "image-data"]);
    // Without the tools, the SDK sends the output as JSON: the tool warns when the model next calls it.
    const bare = await sdk.convertToModelMessages(uiMessages(calls[0].output));
    const warnings = [];
    const warn = console.warn;
    console.warn = (msg) => warnings.push(String(msg));
    try {
      const t = aiSdkTool({ version });
      const ctx = version === 7 ? { context: {} } : { experimental_context: undefined };
      await t.onInputAvailable({ input: { code: "1" }, toolCallId: "c2", messages: bare, ...ctx });
      await t.onInputAvailable({ input: { code: "1" }, toolCallId: "c3", messages: bare, ...ctx });
    } finally {
      console.warn = warn;
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /convertToModelMessages\(messages, \{ tools \}\)/);
  });
}

test("aiSdkTool: a version set wrong is named at the first call", () => {
  const warnings = [];
  const warn = console.warn;
  console.warn = (msg) => warnings.push(String(msg));
  try {
    aiSdkTool().onInputAvailable({ input: {}, toolCallId: "c", messages: [], experimental_context: undefined });
    aiSdkTool({ version: 6 }).onInputAvailable({ input: {}, toolCallId: "c", messages: [], context: {} });
    aiSdkTool().onInputAvailable({ input: {}, toolCallId: "c", messages: [], context: {} });
  } finally {
    console.warn = warn;
  }
  assert.equal(warnings.length, 2);
  assert.match(warnings[0], /looks like ai@6: pass \{ version: 6 \}/);
  assert.match(warnings[1], /looks like ai@7: pass \{ version: 7 \}/);
});

test("handleToolCall: runs the code, answers with addToolOutput, returns the Execution", async () => {
  const sb = fakeSandbox(chart());
  const { calls, add } = recorder();
  const r = await handleToolCall({ sandbox: Promise.resolve(sb), toolCall: { toolName: "run_python", toolCallId: "c1", input: { code: "draw()" } }, addToolOutput: add, run: { timeoutMs: 5000 } });
  assert.equal(r.handled, true);
  assert.equal(r.execution.stdout, "bars\n");
  assert.deepEqual(sb.calls, [{ code: "draw()", opts: { timeoutMs: 5000 } }]);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].tool, "run_python");
  assert.equal(calls[0].toolCallId, "c1");
  assert.equal(calls[0].output.type, "pycage-run");
  assert.equal(calls[0].output.status, "ok");
  assert.deepEqual(calls[0].output.parts.map((p) => p.type), ["text", "image"]);
  assert.equal(calls[0].state, undefined);
});

test("handleToolCall: malformed arguments and a failed sandbox answer with output-error", async () => {
  for (const input of [{ cod: "print(1)" }, "print(1) -- not JSON", { code: 7 }]) {
    const sb = fakeSandbox();
    const { calls, add } = recorder();
    const r = await handleToolCall({ sandbox: sb, toolCall: { toolName: "run_python", toolCallId: "bad", input }, addToolResult: add });
    assert.deepEqual([r.handled, r.execution, sb.calls.length], [true, null, 0]);
    assert.equal(calls[0].state, "output-error");
    assert.match(calls[0].errorText, /^Status: not run\. The (arguments|"code" argument)/);
    assert.equal(calls[0].output, undefined);
  }
  const { calls, add } = recorder();
  const broken = { runPython: async () => { throw new Error("the sandbox was disposed"); } };
  const r = await handleToolCall({ sandbox: () => broken, toolCall: { toolName: "run_python", toolCallId: "x", input: { code: "1" } }, addToolOutput: add });
  assert.equal(r.error.message, "the sandbox was disposed");
  assert.match(calls[0].errorText, /The sandbox failed: the sandbox was disposed/);
});

test("handleToolCall: other tools are left alone; a missing addToolOutput throws", async () => {
  const { calls, add } = recorder();
  const r = await handleToolCall({ sandbox: fakeSandbox(), toolCall: { toolName: "weather", toolCallId: "w", input: {} }, addToolOutput: add });
  assert.deepEqual(r, { handled: false, execution: null });
  assert.equal(calls.length, 0);
  await assert.rejects(handleToolCall({ sandbox: fakeSandbox(), toolCall: { toolName: "run_python" } }), { name: "TypeError", field: "addToolOutput" });
  // addToolOutput failing (or throwing) is logged, not lost, and the run still resolves.
  const errors = [];
  const error = console.error;
  console.error = (...args) => errors.push(args.join(" "));
  try {
    await handleToolCall({ sandbox: fakeSandbox(), toolCall: { toolName: "run_python", toolCallId: "a", input: { code: "1" } }, addToolOutput: async () => { throw new Error("no chat"); } });
    await new Promise((resolve) => setTimeout(resolve, 0));
  } finally {
    console.error = error;
  }
  assert.match(errors[0], /addToolOutput failed/);
});

test("createToolCallHandler: keeps every Execution by tool call id, for the UI", async () => {
  const seen = [];
  const handler = createToolCallHandler({ sandbox: fakeSandbox(chart()), onExecution: (id) => seen.push(id) });
  const events = [];
  const stop = handler.subscribe((id, ex) => events.push([id, ex.status]));
  const { calls, add } = recorder();
  await handler.handle({ toolName: "run_python", toolCallId: "c1", input: { code: "a" } }, add);
  await handler.handle({ toolName: "run_python", toolCallId: "c2", input: { cod: "a" } }, add);
  stop();
  await handler.handle({ toolName: "run_python", toolCallId: "c3", input: { code: "b" } }, add);
  assert.deepEqual([...handler.executions.keys()], ["c1", "c3"]);
  assert.equal(handler.executions.get("c1").stdout, "bars\n");
  assert.deepEqual(seen, ["c1", "c3"]);
  assert.deepEqual(events, [["c1", "ok"]]);
  assert.deepEqual(calls.map((c) => c.state ?? "output-available"), ["output-available", "output-error", "output-available"]);
});
