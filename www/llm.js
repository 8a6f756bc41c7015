// A client for OpenAI-compatible Chat Completions endpoints (OpenAI, Ollama,
// LM Studio, vLLM, ...), streaming or not. It returns the assistant's reply
// as { content, toolCalls } either way, and turns every way the endpoint can
// fail into an LlmError whose message a person can read.

export class LlmError extends Error {
  name = "LlmError";
}

// People paste the base URL in several forms; all of them mean the same endpoint.
export function completionsUrl(base) {
  const trimmed = base.trim().replace(/\/+$/, "").replace(/\/chat\/completions$/, "");
  return `${trimmed}/chat/completions`;
}

// `onText` receives the reply's text as it streams in (the whole text so far).
export async function chat({ base, key, body, stream, signal, onText = () => {} }) {
  const url = completionsUrl(base);
  const headers = { "Content-Type": "application/json" };
  if (key) headers.Authorization = `Bearer ${key}`;
  let res;
  try {
    res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ ...body, stream }), signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    // The browser hides the reason (refused, DNS, CORS) from scripts, so name them all.
    throw new LlmError(`Could not reach ${url}: the server is down, the address is wrong, or it does not allow this page's origin (CORS).`);
  }
  if (!res.ok) throw new LlmError(`${url} answered HTTP ${res.status} ${res.statusText}${detail(await res.text().catch(() => ""))}`);
  const type = res.headers.get("content-type") ?? "";
  // Some servers ignore `stream` and answer in one piece; read what came.
  return type.includes("text/event-stream") ? readStream(res, url, onText) : readWhole(res, url, onText);
}

// The error message an OpenAI-style server puts in its body, else the body's start.
function detail(text) {
  if (!text) return "";
  try {
    const parsed = JSON.parse(text);
    const message = parsed?.error?.message ?? parsed?.error ?? parsed?.message;
    if (typeof message === "string") return `: ${message}`;
  } catch { /* not JSON: show it as it is */ }
  return `: ${text.slice(0, 300)}`;
}

function badReply(url, why) {
  return new LlmError(`${url} sent a reply this page cannot read (${why}).`);
}

async function readWhole(res, url, onText) {
  const text = await res.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badReply(url, `not JSON: ${JSON.stringify(text.slice(0, 120))}`);
  }
  if (parsed?.error) throw new LlmError(`${url} answered with an error${detail(text)}`);
  const message = parsed?.choices?.[0]?.message;
  if (!message || typeof message !== "object") throw badReply(url, "no choices[0].message");
  const content = typeof message.content === "string" ? message.content : "";
  onText(content);
  return { content, toolCalls: Array.isArray(message.tool_calls) ? message.tool_calls.map(normalise) : [] };
}

async function readStream(res, url, onText) {
  let content = "";
  const calls = []; // tool calls, by the index their fragments carry
  let buffer = "";
  const decoder = new TextDecoder();
  const reader = res.body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    buffer += decoder.decode(value, { stream: !done });
    const lines = buffer.split(/\r?\n/);
    buffer = done ? "" : lines.pop();
    for (const line of lines) {
      if (!line.startsWith("data:")) continue; // comments, event names, blank separators
      const data = line.slice(5).trim();
      if (data === "[DONE]") return finish(content, calls, reader);
      let chunk;
      try {
        chunk = JSON.parse(data);
      } catch {
        throw badReply(url, `a stream event is not JSON: ${JSON.stringify(data.slice(0, 120))}`);
      }
      if (chunk?.error) throw new LlmError(`${url} sent an error mid-stream${detail(data)}`);
      const delta = chunk?.choices?.[0]?.delta;
      if (!delta) continue; // usage-only and keep-alive events
      if (typeof delta.content === "string" && delta.content) {
        content += delta.content;
        onText(content);
      }
      for (const fragment of delta.tool_calls ?? []) merge(calls, fragment);
    }
    if (done) return finish(content, calls, reader);
  }
}

// Fragments carry `index`; the id and name come once, the arguments in pieces.
// A server that leaves out `index` is taken to continue its latest call
// unless the fragment brings a new id.
function merge(calls, fragment) {
  let slot = fragment.index;
  if (typeof slot !== "number") {
    const last = calls.length - 1;
    slot = last < 0 || (fragment.id && calls[last].id && fragment.id !== calls[last].id) ? calls.length : last;
  }
  const call = (calls[slot] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
  if (fragment.id && !call.id) call.id = fragment.id;
  const fn = fragment.function ?? {};
  if (fn.name && !call.function.name) call.function.name = fn.name;
  if (typeof fn.arguments === "string") call.function.arguments += fn.arguments;
  else if (fn.arguments && typeof fn.arguments === "object") call.function.arguments += JSON.stringify(fn.arguments);
}

function finish(content, calls, reader) {
  reader.cancel().catch(() => {});
  return { content, toolCalls: calls.filter(Boolean).map(normalise) };
}

// Every call gets an id (some local servers leave it out, and the tool
// message must name one) and string arguments (some send an object).
let counter = 0;
function normalise(call) {
  const fn = call?.function ?? {};
  const args = typeof fn.arguments === "string" ? fn.arguments : JSON.stringify(fn.arguments ?? "");
  return {
    id: typeof call?.id === "string" && call.id ? call.id : `call_pycage_${++counter}`,
    type: "function",
    function: { name: String(fn.name ?? ""), arguments: args },
  };
}
