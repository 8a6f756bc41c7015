// Each converter's output, field by field, as the vendor documents it; the
// MCP and AI SDK shapes are also parsed with the vendors' own runtime schemas.
// (tests/types/agent_consumer.ts checks the declared types against the SDKs.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { toolModelMessageSchema } from "ai";
import { toAiSdk, toAnthropic, toMcp, toModelContent, toOpenAIChat, toOpenAIResponses } from "../../agent/index.js";
import { execution, pngFigure, syntaxError, timeout } from "./fixtures.mjs";

const withFigures = () => execution({ stdout: "drawn\n", figures: [pngFigure(64, 48), pngFigure(32, 32)] });

test("Anthropic: a tool_result block with text and base64 image blocks", async () => {
  const ex = withFigures();
  const [text, img] = await toModelContent(ex);
  const block = await toAnthropic("toolu_01A", ex);
  assert.deepEqual(Object.keys(block).sort(), ["content", "is_error", "tool_use_id", "type"]);
  assert.equal(block.type, "tool_result");
  assert.equal(block.tool_use_id, "toolu_01A");
  assert.equal(block.is_error, false);
  assert.equal(block.content.length, 3);
  assert.deepEqual(block.content[0], { type: "text", text: text.text });
  assert.deepEqual(block.content[1], { type: "image", source: { type: "base64", media_type: "image/png", data: img.data } });
  assert.equal((await toAnthropic("t", timeout())).is_error, true);
  assert.equal((await toAnthropic("t", syntaxError())).is_error, true);
  assert.equal((await toAnthropic("t", execution({ status: "crashed" }))).is_error, true);
  assert.equal((await toAnthropic("t", execution({ status: "cancelled" }))).is_error, false);
});

test("OpenAI Chat: a text-only tool message, then a user message with the images", async () => {
  const ex = withFigures();
  const [text, img] = await toModelContent(ex);
  const msgs = await toOpenAIChat("call_abc", ex);
  assert.equal(msgs.length, 2);
  assert.deepEqual(msgs[0], { role: "tool", tool_call_id: "call_abc", content: `${text.text}\n(2 images follow in the next message.)` });
  assert.equal(msgs[1].role, "user");
  assert.deepEqual(msgs[1].content[0], { type: "text", text: "Figures from the run_python call call_abc:" });
  assert.deepEqual(msgs[1].content[1], { type: "image_url", image_url: { url: `data:image/png;base64,${img.data}` } });
  assert.equal(msgs[1].content.length, 3);

  const plain = await toOpenAIChat("call_x", execution({ stdout: "hi\n" }));
  assert.equal(plain.length, 1, "no user message without images");
  assert.equal(typeof plain[0].content, "string");
});

test("OpenAI Responses: a function_call_output item, string or input_text/input_image list", async () => {
  const ex = withFigures();
  const [text, img] = await toModelContent(ex);
  const item = await toOpenAIResponses("call_r1", ex);
  assert.equal(item.type, "function_call_output");
  assert.equal(item.call_id, "call_r1");
  assert.deepEqual(item.output[0], { type: "input_text", text: text.text });
  assert.deepEqual(item.output[1], { type: "input_image", image_url: `data:image/png;base64,${img.data}`, detail: "auto" });
  assert.equal(item.output.length, 3);
  const plain = await toOpenAIResponses("call_r2", syntaxError());
  assert.equal(typeof plain.output, "string");
  assert.match(plain.output, /^Status: error/);
});

test("AI SDK: a content output of text and file parts, accepted by the SDK's schema", async () => {
  const ex = withFigures();
  const [text, img] = await toModelContent(ex);
  const out = await toAiSdk(ex);
  assert.equal(out.type, "content");
  assert.deepEqual(out.value[0], { type: "text", text: text.text });
  assert.deepEqual(out.value[1], { type: "file", mediaType: "image/png", data: { type: "data", data: img.data } });
  const message = { role: "tool", content: [{ type: "tool-result", toolCallId: "c1", toolName: "run_python", output: out }] };
  const parsed = toolModelMessageSchema.safeParse(message);
  assert.ok(parsed.success, JSON.stringify(parsed.error?.issues ?? null));
  const bad = { ...message, content: [{ ...message.content[0], output: { type: "content", value: [{ type: "image", data: "x" }] } }] };
  assert.equal(toolModelMessageSchema.safeParse(bad).success, false, "the schema does reject a wrong shape");
});

test("MCP: a CallToolResult with text and image content and isError, accepted by the SDK's schema", async () => {
  const ex = withFigures();
  const [text, img] = await toModelContent(ex);
  const result = await toMcp(ex);
  assert.deepEqual(result.content[0], { type: "text", text: text.text });
  assert.deepEqual(result.content[1], { type: "image", data: img.data, mimeType: "image/png" });
  assert.equal(result.isError, false);
  assert.deepEqual(CallToolResultSchema.parse(result), result);
  const failed = await toMcp(timeout());
  assert.equal(failed.isError, true);
  assert.deepEqual(CallToolResultSchema.parse(failed), failed);
});

test("every converter takes a budget", async () => {
  const ex = withFigures();
  const budget = { maxImages: 1 };
  assert.equal((await toAnthropic("t", ex, budget)).content.length, 2);
  assert.equal((await toOpenAIChat("t", ex, budget))[1].content.length, 2);
  assert.equal((await toOpenAIResponses("t", ex, budget)).output.length, 2);
  assert.equal((await toAiSdk(ex, budget)).value.length, 2);
  assert.equal((await toMcp(ex, budget)).content.length, 2);
});
