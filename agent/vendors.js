// The model parts in each vendor's documented shape for a tool's result.
// Each is type-checked against the vendor's own SDK types in
// tests/types/agent_consumer.ts.
import { aiSdkContent } from "./aisdk.js";
import { toModelContent } from "./content.js";

// A run that failed is flagged where the format has a flag for it; a
// cancelled run is the user's doing, not a failure of the tool.
const failed = (ex) => ex?.status === "error" || ex?.status === "timeout" || ex?.status === "crashed";

const dataUrl = (part) => `data:${part.mime};base64,${part.data}`;

/** Anthropic Messages API: a `tool_result` content block for the next user message. */
export async function toAnthropic(toolUseId, ex, budget) {
  const parts = await toModelContent(ex, budget);
  return {
    type: "tool_result",
    tool_use_id: toolUseId,
    content: parts.map((p) =>
      p.type === "text"
        ? { type: "text", text: p.text }
        : { type: "image", source: { type: "base64", media_type: p.mime, data: p.data } },
    ),
    is_error: failed(ex),
  };
}

/**
 * OpenAI Chat Completions: the messages to append. A `tool` message carries
 * text only (the text parts, an SVG's source among them, joined), so the
 * images follow in a `user` message of their own (the way the API takes
 * images), right after it.
 */
export async function toOpenAIChat(toolCallId, ex, budget) {
  const parts = await toModelContent(ex, budget);
  const text = parts.filter((p) => p.type === "text").map((p) => p.text).join("\n\n");
  const images = parts.filter((p) => p.type === "image");
  if (images.length === 0) return [{ role: "tool", tool_call_id: toolCallId, content: text }];
  const n = images.length === 1 ? "1 image follows" : `${images.length} images follow`;
  return [
    { role: "tool", tool_call_id: toolCallId, content: `${text}\n(${n} in the next message.)` },
    {
      role: "user",
      content: [
        { type: "text", text: `Figures from the run_python call ${toolCallId}:` },
        ...images.map((p) => ({ type: "image_url", image_url: { url: dataUrl(p) } })),
      ],
    },
  ];
}

/**
 * OpenAI Responses API: a `function_call_output` input item. Its output is
 * the plain string when there are no images (what every Responses-compatible
 * server takes), else the list of `input_text` and `input_image` parts.
 */
export async function toOpenAIResponses(callId, ex, budget) {
  const parts = await toModelContent(ex, budget);
  const output =
    parts.length === 1
      ? parts[0].text
      : parts.map((p) =>
          p.type === "text"
            ? { type: "input_text", text: p.text }
            : { type: "input_image", image_url: dataUrl(p), detail: "auto" },
        );
  return { type: "function_call_output", call_id: callId, output };
}

/**
 * Vercel AI SDK: the value a tool's `toModelOutput` returns, a `content`
 * output of text and image parts in the shape of `opts.version` (7, the
 * default: `file` parts with base64 `data`; 6: `image-data` parts).
 */
export async function toAiSdk(ex, budget, opts) {
  const version = opts?.version ?? 7;
  return aiSdkContent(await toModelContent(ex, budget), version === 6 ? 6 : 7);
}

/** Model Context Protocol: a `CallToolResult` for a `tools/call` request. */
export async function toMcp(ex, budget) {
  const parts = await toModelContent(ex, budget);
  return {
    content: parts.map((p) =>
      p.type === "text" ? { type: "text", text: p.text } : { type: "image", data: p.data, mimeType: p.mime },
    ),
    isError: failed(ex),
  };
}
