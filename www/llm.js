// A client for OpenAI-compatible Chat Completions endpoints (OpenAI, Ollama,
// LM Studio, vLLM, ...), streaming or not. It returns the assistant's reply
// as { content, toolCalls } either way, and turns every way the endpoint can
// fail into an LlmError whose message a person can read.
//
// The endpoint is not trusted: anything a person can type can be put in a
// link (?llm=). So the API key goes only to the endpoint it was entered for,
// and no number or size in a reply decides how much this page allocates or
// loops over beyond the limits below; a reply outside them is refused.

export class LlmError extends Error {
  name = "LlmError";
}

// Each limit is far above what a real model sends: parallel tool calls come
// by the handful, and a million characters is some 250,000 tokens.
const MAX_TOOL_CALLS = 64;
const MAX_REPLY_CHARS = 1_000_000; // the text, ids, names and arguments together
const MAX_JSON_CHARS = 8_000_000; // one stream event, or a whole reply, as JSON
const MAX_ERROR_CHARS = 64 * 1024; // of an error's body, of which 300 are shown

/**
 * Where requests for the base URL `base` go: the canonical href (by the
 * platform's URL parser: case, default port, dot segments, escapes) of its
 * /chat/completions URL, without a fragment, which is never sent. Null when
 * `base` is not an http(s) URL fetch can post to. The key is bound to this
 * whole href, query included, not just the origin: a proxy routes by path
 * or query (https://proxy.example/?url=https://evil.example), so any change
 * in what the request goes to asks for the key again.
 */
export function endpointOf(base) {
  let url;
  try {
    url = new URL(String(base).trim());
  } catch {
    return null;
  }
  // fetch refuses URLs with credentials in them, and other schemes.
  if (!["http:", "https:"].includes(url.protocol) || url.username || url.password) return null;
  url.hash = "";
  // People paste the base URL in several forms; all of them mean the same endpoint.
  url.pathname = `${url.pathname.replace(/\/+$/, "").replace(/\/chat\/completions$/, "")}/chat/completions`;
  return url.href;
}

// `credential` is { endpoint, key }: the key and the endpointOf() it was
// entered for. `onText` receives the reply's text as it streams in (the
// whole text so far).
export async function chat({ base, credential, body, stream, signal, onText = () => {} }) {
  const url = endpointOf(base);
  if (!url) throw new LlmError(`The base URL ${JSON.stringify(base)} is not an http:// or https:// address (without user:password@).`);
  const headers = { "Content-Type": "application/json" };
  // The one place the key leaves the page: never for another endpoint.
  if (credential?.key && credential.endpoint === url) headers.Authorization = `Bearer ${credential.key}`;
  let res;
  try {
    res = await fetch(url, { method: "POST", headers, body: JSON.stringify({ ...body, stream }), signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    // The browser hides the reason (refused, DNS, CORS) from scripts, so name them all.
    throw new LlmError(`Could not reach ${url}: the server is down, the address is wrong, or it does not allow this page's origin (CORS).`);
  }
  if (!res.ok) {
    const text = await readText(res, MAX_ERROR_CHARS).catch(() => "");
    throw new LlmError(`${url} answered HTTP ${res.status} ${res.statusText}${detail(text)}`);
  }
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
    if (typeof message === "string") return `: ${message.slice(0, 300)}`;
  } catch { /* not JSON: show it as it is */ }
  return `: ${text.slice(0, 300)}`;
}

function badReply(url, why) {
  return new LlmError(`${url} sent a reply this page cannot read (${why}).`);
}

// The body as text, but no more than `limit` characters and then some:
// res.text() would hold whatever the endpoint sends. The caller checks
// the length.
async function readText(res, limit) {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      text += decoder.decode(value, { stream: !done });
      if (done || text.length > limit) return text;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

async function readWhole(res, url, onText) {
  const text = await readText(res, MAX_JSON_CHARS);
  if (text.length > MAX_JSON_CHARS) throw badReply(url, `longer than ${MAX_JSON_CHARS} characters`);
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
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  // Each call is run in turn, so their number is the length of a loop.
  if (calls.length > MAX_TOOL_CALLS) throw badReply(url, `${calls.length} tool calls; this page takes at most ${MAX_TOOL_CALLS}`);
  onText(content);
  return { content, toolCalls: calls.map(normalise) };
}

async function readStream(res, url, onText) {
  const reply = { url, content: "", calls: [], chars: 0 }; // calls: by the index their fragments carry
  const reader = res.body.getReader();
  try {
    for await (const lines of batches(reader, url)) {
      const shown = reply.content.length;
      const ended = readLines(reply, lines);
      // Once a read, not once an event: each call hands over the whole text.
      if (reply.content.length !== shown) onText(reply.content);
      if (ended) break;
    }
  } finally {
    reader.cancel().catch(() => {}); // also when the reply is refused midway
  }
  return { content: reply.content, toolCalls: reply.calls.filter(Boolean).map(normalise) };
}

// The stream's lines, one array a read. Only the new text is split, so a
// long line costs its length once, not once a read.
async function* batches(reader, url) {
  const decoder = new TextDecoder();
  let partial = ""; // a line whose end has not come yet
  for (;;) {
    const { value, done } = await reader.read();
    const lines = decoder.decode(value, { stream: !done }).split("\n");
    lines[0] = partial + lines[0];
    partial = done ? "" : lines.pop();
    if (partial.length > MAX_JSON_CHARS || lines.some((line) => line.length > MAX_JSON_CHARS)) {
      throw badReply(url, `a line of the stream is longer than ${MAX_JSON_CHARS} characters`);
    }
    yield lines.map((line) => line.replace(/\r$/, ""));
    if (done) return;
  }
}

// Reads a read's lines into `reply`; true at the stream's end ([DONE]).
function readLines(reply, lines) {
  for (const line of lines) {
    if (!line.startsWith("data:")) continue; // comments, event names, blank separators
    const data = line.slice(5).trim();
    if (data === "[DONE]") return true;
    readEvent(reply, data);
  }
  return false;
}

function readEvent(reply, data) {
  let chunk;
  try {
    chunk = JSON.parse(data);
  } catch {
    throw badReply(reply.url, `a stream event is not JSON: ${JSON.stringify(data.slice(0, 120))}`);
  }
  if (chunk?.error) throw new LlmError(`${reply.url} sent an error mid-stream${detail(data)}`);
  const delta = chunk?.choices?.[0]?.delta;
  if (!delta || typeof delta !== "object") return; // usage-only and keep-alive events
  if (typeof delta.content === "string") reply.content += take(reply, delta.content);
  const fragments = delta.tool_calls ?? [];
  if (!Array.isArray(fragments)) throw badReply(reply.url, "a delta's tool_calls is not a list");
  for (const fragment of fragments) merge(reply, fragment);
}

// Fragments carry `index`; the id and name come once, the arguments in pieces.
function merge(reply, fragment) {
  if (!fragment || typeof fragment !== "object") throw badReply(reply.url, "a tool call fragment is not an object");
  const call = (reply.calls[slotOf(reply, fragment)] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
  if (typeof fragment.id === "string" && !call.id) call.id = take(reply, fragment.id);
  const fn = fragment.function ?? {};
  if (typeof fn.name === "string" && !call.function.name) call.function.name = take(reply, fn.name);
  if (typeof fn.arguments === "string") call.function.arguments += take(reply, fn.arguments);
  else if (fn.arguments && typeof fn.arguments === "object") call.function.arguments += take(reply, JSON.stringify(fn.arguments));
}

// The slot in `reply.calls` a fragment goes to. The endpoint's `index`
// picks an array slot, so it must be a small whole number: 1e9 would make
// an array of a billion holes that filter() walks for seconds, and -1, 1.5
// or "0" would land off the array and the call would vanish. A fixed bound
// (not "at most one past the last") also takes servers that count from 1.
// A server that leaves out `index` is taken to continue its latest call
// unless the fragment brings a new id.
function slotOf({ url, calls }, fragment) {
  const { index, id } = fragment;
  if (index === undefined || index === null) {
    const last = calls.length - 1;
    const slot = last < 0 || (id && calls[last].id && id !== calls[last].id) ? calls.length : last;
    if (slot >= MAX_TOOL_CALLS) throw badReply(url, `more than ${MAX_TOOL_CALLS} tool calls`);
    return slot;
  }
  if (Number.isInteger(index) && index >= 0 && index < MAX_TOOL_CALLS) return index;
  const shown = (JSON.stringify(index) ?? String(index)).slice(0, 40);
  throw badReply(url, `a tool call's index is ${shown}; this page takes whole numbers from 0 to ${MAX_TOOL_CALLS - 1}`);
}

// Counts `text` against the reply's limit, and returns it.
function take(reply, text) {
  reply.chars += text.length;
  if (reply.chars > MAX_REPLY_CHARS) throw badReply(reply.url, `more than ${MAX_REPLY_CHARS} characters of text and arguments`);
  return text;
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
