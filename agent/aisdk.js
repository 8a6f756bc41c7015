// The Vercel AI SDK round trip, v6 and v7, with no glue: the tool for
// streamText/generateText on the server (its inputSchema, and a
// toModelOutput that turns a run into the version's text and image parts),
// and the handler for useChat's onToolCall in the page (runs the code in the
// sandbox, answers with addToolOutput, keeps the Execution for the UI).
// No import of `ai`: the SDK's schema and tool types are matched by shape
// (a Standard Schema with JSON Schema, a plain tool object), so pycage does
// not depend on one SDK version.
import { toModelContent } from "./content.js";
import { pythonTool, runToolCall } from "./tool.js";

/** What the page sends back as the tool's output, and what toModelOutput reads. */
export const OUTPUT_TYPE = "pycage-run";

const VERSIONS = new Set([6, 7]);

function versionOf(opts) {
  const v = opts?.version ?? 7;
  if (VERSIONS.has(v)) return v;
  const err = new TypeError(`pycage/agent: invalid version: expected 6 or 7 (the major version of the "ai" package), got ${JSON.stringify(v)}`);
  err.field = "version";
  throw err;
}

/**
 * An image part in the version's shape: ai@7 has `file` with tagged data
 * (and only warns on v6's `image-data`); ai@6 rejects `file` with
 * AI_InvalidPromptError, so it gets `image-data`.
 */
function imagePart(p, version) {
  return version === 6
    ? { type: "image-data", data: p.data, mediaType: p.mime }
    : { type: "file", mediaType: p.mime, data: { type: "data", data: p.data } };
}

/** Model parts as the value of a `content` tool output for AI SDK `version`. */
export function aiSdkContent(parts, version = 7) {
  return {
    type: "content",
    value: parts.map((p) => (p.type === "image" ? imagePart(p, version) : { type: "text", text: String(p.text ?? "") })),
  };
}

const isRunOutput = (o) => o !== null && typeof o === "object" && o.type === OUTPUT_TYPE && Array.isArray(o.parts);
const isExecution = (o) => o !== null && typeof o === "object" && typeof o.status === "string" && "stdout" in o;

// A part from the page is checked field by field: the output comes back from
// the client, so it is the client's word, and only text and base64 PNG/JPEG
// go on to the model.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
function cleanParts(parts) {
  const out = [];
  for (const p of parts) {
    if (p?.type === "text" && typeof p.text === "string") out.push({ type: "text", text: p.text });
    else if (p?.type === "image" && (p.mime === "image/png" || p.mime === "image/jpeg") && typeof p.data === "string" && BASE64.test(p.data)) {
      out.push({ type: "image", mime: p.mime, data: p.data });
    }
  }
  return out;
}

function warnOnce(state, key, message) {
  if (state.has(key)) return;
  state.add(key);
  console.warn(message);
}

// Runs where the SDK hands the tool the conversation so far (when the model
// calls the tool): a result of this tool that reached the model as JSON
// means toModelOutput never ran, because convertToModelMessages was not
// given the tools; and ai@6 passes `experimental_context` where ai@7
// passes `context`, which tells a version set wrong.
function checkConversation(options, name, version, warned) {
  const messages = Array.isArray(options?.messages) ? options.messages : [];
  for (const m of messages) {
    if (m?.role !== "tool" || !Array.isArray(m.content)) continue;
    for (const part of m.content) {
      if (part?.type !== "tool-result" || part.toolName !== name) continue;
      const out = part.output;
      if (out?.type === "json" && isRunOutput(out.value)) {
        warnOnce(
          warned,
          "tools",
          `pycage/agent: a ${name} result reached the model as JSON (its images as base64 text), not as text and image parts: ` +
            "pass the same tools to convertToModelMessages, as in `convertToModelMessages(messages, { tools })`, so the tool's toModelOutput runs.",
        );
      }
    }
  }
  if (options && typeof options === "object") {
    const looksV6 = "experimental_context" in options && !("context" in options);
    const looksV7 = "context" in options && !("experimental_context" in options);
    if ((version === 7 && looksV6) || (version === 6 && looksV7)) {
      const other = version === 7 ? 6 : 7;
      warnOnce(
        warned,
        "version",
        `pycage/agent: aiSdkTool is set for ai@${version}, but the SDK calling it looks like ai@${other}: ` +
          `pass { version: ${other} }, or its image parts will be refused${other === 6 ? " (AI_InvalidPromptError)" : ""}.`,
      );
    }
  }
}

/**
 * The run_python tool for the AI SDK's streamText/generateText, run in the
 * page (no `execute`): a description of the environment, an inputSchema
 * (a Standard Schema with its JSON Schema; the arguments are checked in the
 * page, by handleToolCall), and a
 * toModelOutput that gives the model the run's text and images in the
 * shape of AI SDK `version` (7 by default).
 */
export function aiSdkTool(opts) {
  const o = opts ?? {};
  const version = versionOf(o);
  const def = pythonTool(o);
  const name = def.name;
  const schema = def.parameters;
  const warned = new Set();
  const budget = o.budget;
  const tool = {
    description: def.description,
    inputSchema: {
      "~standard": {
        version: 1,
        vendor: "pycage",
        // Passes every value on: a call the SDK refuses reaches the model as
        // an SDK error, which ai@6's UI stream masks as "An error occurred.";
        // the page's handleToolCall answers it instead, saying what was wrong.
        validate: (value) => ({ value }),
        jsonSchema: { input: () => structuredClone(schema), output: () => structuredClone(schema) },
      },
    },
    async toModelOutput({ output }) {
      if (isRunOutput(output)) return aiSdkContent(cleanParts(output.parts), version);
      if (isExecution(output)) return aiSdkContent(await toModelContent(output, budget), version);
      if (typeof output === "string") return { type: "text", value: output };
      return { type: "json", value: output ?? null };
    },
    onInputAvailable(options) {
      checkConversation(options, name, version, warned);
    },
  };
  return tool;
}

// --- the page: useChat's onToolCall ------------------------------------------

async function resolveSandbox(sandbox) {
  const sb = typeof sandbox === "function" ? await sandbox() : await sandbox;
  if (!sb || typeof sb.runPython !== "function") throw new TypeError("pycage/agent: `sandbox` is not a Sandbox (no runPython)");
  return sb;
}

function adder(opts) {
  const add = opts.addToolOutput ?? opts.addToolResult;
  if (typeof add !== "function") {
    const err = new TypeError("pycage/agent: pass useChat's addToolOutput (ai@6, ai@7) or addToolResult (ai@5) as `addToolOutput`");
    err.field = "addToolOutput";
    throw err;
  }
  return add;
}

// useChat's docs: call addToolOutput without awaiting it in onToolCall (it
// waits for the stream the callback is part of). Its promise is still
// watched, so a failure is logged rather than lost.
function send(add, payload) {
  try {
    Promise.resolve(add(payload)).catch((err) => console.error("pycage/agent: addToolOutput failed", err));
  } catch (err) {
    console.error("pycage/agent: addToolOutput failed", err);
  }
}

/**
 * Runs one useChat tool call of run_python in the sandbox and answers it
 * with `addToolOutput`: the run's parts as the output (the server's
 * aiSdkTool turns them into the model's parts), or, for arguments that are
 * not a `code` string, an `output-error` saying what was wrong. Other tools'
 * calls are left alone (`handled: false`).
 */
export async function handleToolCall(opts) {
  const add = adder(opts);
  const call = opts.toolCall ?? {};
  const tool = opts.toolName ?? "run_python";
  if (call.toolName !== tool) return { handled: false, execution: null };
  const id = call.toolCallId;
  let result;
  try {
    result = await runToolCall(await resolveSandbox(opts.sandbox), call.input, {
      run: opts.run,
      budget: opts.budget,
      maxArgumentBytes: opts.maxArgumentBytes,
    });
  } catch (err) {
    // The sandbox itself failed (disposed, never started): the call still
    // gets an answer, or the chat would wait for it for ever.
    const message = `Status: not run. The sandbox failed: ${err?.message ?? err}`;
    send(add, { tool, toolCallId: id, state: "output-error", errorText: message });
    return { handled: true, execution: null, error: err };
  }
  const { execution, parts } = result;
  if (execution === null) {
    send(add, { tool, toolCallId: id, state: "output-error", errorText: parts.map((p) => p.text).join("\n") });
    return { handled: true, execution: null };
  }
  opts.onExecution?.(id, execution);
  send(add, { tool, toolCallId: id, output: { type: OUTPUT_TYPE, status: execution.status, parts } });
  return { handled: true, execution };
}

/**
 * A handler that keeps its options and every Execution by tool call id, for
 * the UI: `handle(toolCall, addToolOutput)` in useChat's onToolCall, and
 * `executions.get(part.toolCallId)` where the tool part is drawn.
 */
export function createToolCallHandler(opts) {
  const o = opts ?? {};
  const executions = new Map();
  const listeners = new Set();
  const onExecution = (id, ex) => {
    executions.set(id, ex);
    o.onExecution?.(id, ex);
    for (const fn of listeners) fn(id, ex);
  };
  return {
    executions,
    handle(toolCall, addToolOutput) {
      return handleToolCall({ ...o, toolCall, addToolOutput: addToolOutput ?? o.addToolOutput ?? o.addToolResult, onExecution });
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
