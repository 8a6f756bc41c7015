// The demo's agent mode: a real model (any OpenAI-compatible Chat Completions
// endpoint) in the loop. The model gets pycage's `run_python` tool; its calls
// run in the sandbox, their results go back through pycage/agent's adapter,
// and the loop goes on until the model answers in text.
//
// The API key is the user's: it stays in this tab's sessionStorage, bound
// to the endpoint it was entered for (key.js), goes only into the
// Authorization header of requests to that endpoint, and is never logged
// or shown. The conversation (the messages and what each turn showed) is
// kept with the page's (kept.js), the key never.
import { pythonTool, runToolCall, toOpenAIChat } from "../pkg/agent/index.js";
import { setupKey } from "./key.js";
import { chat, LlmError } from "./llm.js";
import { keepable } from "./kept.js";
import { el, errorBox, showExecution } from "./output.js";

// Enough for a model to fix its own errors a few times; beyond that it is
// usually looping, and each round costs the user tokens.
const MAX_TOOL_ROUNDS = 8;
const STORE = "pycage-demo:";
const SYSTEM =
  "You are a helpful assistant. You can run Python with the run_python tool: it runs in a sandbox in the " +
  "user's browser, and you see its output and figures. Use it for calculations, data work and charts. " +
  "Its working directory is /mnt/data: the files the user attached are there, and files you write there " +
  "are offered to the user as downloads. Answer the user in plain text.";

const $ = (id) => document.getElementById(id);
const FIELDS = { base: "llm-base", model: "llm-model" };

// `sandbox()` gives the page's current Promise<Sandbox> (it changes when the
// isolation setting does); `timeoutSeconds()` the time limit chosen above;
// `onChange()` is called when a tool call ran or a turn ended, to keep them.
// Returns `saved()` (the finished turns, to keep), `load(saved)` and `clear()`.
export function setupAgent({ sandbox, timeoutSeconds, packageUrl, onChange = () => {} }) {
  let messages = []; // the conversation so far, in Chat Completions form
  let turn = null; // { controller } of the turn in progress
  // What a turn showed, as kept: { text, items } (see drawItem), one per
  // finished turn, and the messages as they were when the last one ended.
  let turns = [];
  let settled = { messages: [], turns: [] };

  restoreSettings();
  const params = new URLSearchParams(location.search);
  if (params.has("llm")) $("llm-base").value = params.get("llm");
  if (params.has("model")) $("llm-model").value = params.get("model");
  setMode(params.has("llm") ? "agent" : "showcase");
  // After ?llm=, so a kept key is checked against the endpoint the page opens at.
  const credential = setupKey({ base: $("llm-base"), key: $("llm-key"), note: $("llm-key-note") });

  $("mode-showcase").onclick = () => setMode("showcase");
  $("mode-agent").onclick = () => setMode("agent");
  $("agent-send").onclick = () => send();
  $("agent-stop").onclick = () => turn?.controller.abort();
  $("agent-clear").onclick = () => {
    clear();
    onChange();
  };
  $("agent-input").onkeydown = (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  };

  async function send() {
    const text = $("agent-input").value.trim();
    if (!text || turn) return;
    const endpoint = { base: $("llm-base").value.trim(), model: $("llm-model").value.trim(), credential: credential() };
    if (!endpoint.base || !endpoint.model) {
      $("agent-log").append(notice("Set the endpoint's base URL and model first.", "error"));
      return;
    }
    $("agent-input").value = "";
    const controller = new AbortController();
    const mine = { controller };
    turn = mine;
    setBusy(true);
    const reply = el("div", { className: "msg agent" }, el("div", { className: "role", textContent: "agent" }));
    const article = el("article", { className: "exchange" },
      el("div", { className: "msg user" }, el("div", { className: "role", textContent: "user" }), text), reply);
    $("agent-log").append(article);
    // The turn keeps the history it began with: a Clear meanwhile starts a
    // new one, which the abandoned turn must not write into.
    const history = messages;
    const log = turns;
    const before = history.length;
    const shown = { text, items: [] };
    history.push({ role: "user", content: text });
    try {
      await converse(endpoint, history, reply, controller.signal, shown.items);
    } catch (err) {
      const said = controller.signal.aborted ? { kind: "notice", text: "Stopped." }
        : err instanceof LlmError ? { kind: "notice", text: err.message, tone: "error" }
          : { kind: "notice", text: `Something went wrong: ${err?.message ?? err}`, tone: "error" };
      shown.items.push(said);
      drawItem(reply, said);
      // A message the model never answered is taken back, so sending it
      // again (after fixing the key, say) does not send it twice.
      if (history.length === before + 1) history.length = before;
    } finally {
      if (turn === mine) turn = null;
      setBusy(false);
      article.dataset.done = "true";
      article.scrollIntoView({ block: "end" });
    }
    if (log !== turns) return; // cleared meanwhile
    log.push(shown);
    settled = { messages: [...history], turns: [...log] };
    onChange();
  }

  // The turns a kept conversation had, drawn as they were; the model gets
  // their messages with the next one.
  function load(saved) {
    if (!Array.isArray(saved?.messages) || !Array.isArray(saved.turns)) return;
    messages = [...saved.messages];
    turns = [...saved.turns];
    settled = { messages: [...messages], turns: [...turns] };
    for (const shown of turns) {
      const reply = el("div", { className: "msg agent" }, el("div", { className: "role", textContent: "agent" }));
      const article = el("article", { className: "exchange" },
        el("div", { className: "msg user" }, el("div", { className: "role", textContent: "user" }), String(shown.text)), reply);
      article.dataset.done = "true";
      article.dataset.kept = "true";
      for (const item of shown.items ?? []) {
        try {
          drawItem(reply, item);
        } catch (err) {
          // A record this page cannot draw: that item is left out, the page works.
          console.warn("[demo] a kept item could not be shown:", err);
        }
      }
      $("agent-log").append(article);
    }
  }

  function clear() {
    turn?.controller.abort();
    messages = [];
    turns = [];
    settled = { messages: [], turns: [] };
    $("agent-log").replaceChildren();
  }

  // `items` gets what the reply shows, to keep.
  async function converse({ base, model, credential }, history, reply, signal, items) {
    const sb = await sandbox();
    const tools = [{ type: "function", function: pythonTool({ sandbox: sb, timeoutMs: timeoutSeconds() * 1000 }) }];
    const stream = $("llm-stream").checked;
    for (let round = 0; ; round++) {
      const waiting = el("p", { className: "meta", textContent: "Asking the model…" });
      const said = el("p", { className: "say" });
      reply.append(waiting);
      const answer = await chat({
        base, credential, stream, signal,
        body: { model, messages: [{ role: "system", content: SYSTEM }, ...history], tools },
        onText: (text) => {
          if (text && !said.isConnected) waiting.replaceWith(said);
          said.textContent = text;
        },
      }).finally(() => waiting.remove());
      if (!answer.toolCalls.length) {
        said.className = "say answer";
        said.textContent = answer.content || "(The model ended its turn without any text.)";
        if (!said.isConnected) reply.append(said);
        items.push({ kind: "say", text: said.textContent, answer: true });
        history.push({ role: "assistant", content: answer.content });
        return;
      }
      if (said.isConnected) items.push({ kind: "say", text: said.textContent });
      const over = round >= MAX_TOOL_ROUNDS;
      const results = await runCalls(answer.toolCalls, reply, sb, signal, over, items);
      // Every tool call must be answered before anything else is said, or
      // the next request is refused; the images' user messages come after.
      history.push(
        { role: "assistant", content: answer.content || null, tool_calls: answer.toolCalls },
        ...results.filter((m) => m.role === "tool"),
        ...results.filter((m) => m.role !== "tool"),
      );
      if (signal.aborted) throw new DOMException("Stopped", "AbortError");
      if (over) {
        const stopped = { kind: "notice", text: `Stopped after ${MAX_TOOL_ROUNDS} rounds of tool calls: the model kept asking for more. Send a message to go on.` };
        items.push(stopped);
        drawItem(reply, stopped);
        return;
      }
    }
  }

  async function runCalls(calls, reply, sb, signal, over, items) {
    const results = [];
    for (const call of calls) {
      if (over) results.push(toolText(call.id, `Not run: the limit of ${MAX_TOOL_ROUNDS} tool rounds per message was reached.`));
      else if (signal.aborted) results.push(toolText(call.id, "Not run: the user pressed Stop."));
      else results.push(...(await runCall(call, reply, sb, signal, items)));
    }
    return results;
  }

  async function runCall(call, reply, sb, signal, items) {
    const { name, arguments: args } = call.function;
    const code = codeOf(args);
    const shown = { kind: "call", name, code: code ?? args, usable: code !== null, limit: timeoutSeconds() };
    items.push(shown);
    if (name !== "run_python") {
      drawItem(reply, shown);
      return [toolText(call.id, `There is no tool named "${name}". The only tool is run_python.`)];
    }
    const out = drawItem(reply, shown);
    out.append(el("p", { className: "meta", textContent: "Running…" }));
    try {
      const { execution, parts } = await runToolCall(sb, args, { run: { timeoutMs: shown.limit * 1000, signal } });
      if (!execution) {
        shown.told = parts.filter((p) => p.type === "text").map((p) => p.text).join("\n");
        showOutcome(out, shown);
        return [toolText(call.id, shown.told)];
      }
      shown.execution = keepable(execution);
      showOutcome(out, shown);
      onChange(); // the run changed the session
      const appended = await toOpenAIChat(call.id, execution);
      return Array.isArray(appended) ? appended : [appended];
    } catch (err) {
      shown.failed = { type: err?.name ?? "Error", message: err?.message ?? String(err) };
      showOutcome(out, shown);
      return [toolText(call.id, `The sandbox could not run the code: ${err?.message ?? err}`)];
    }
  }

  // Draws one thing a reply showed (a turn's `items`): { kind: "say", text,
  // answer }, { kind: "notice", text, tone }, or { kind: "call", name, code,
  // usable, limit } with its outcome once known: `execution`, `told` (what
  // the model was told of arguments that could not run) or `failed`.
  // Returns a call's output box.
  function drawItem(reply, item) {
    if (item.kind === "say") reply.append(el("p", { className: item.answer ? "say answer" : "say", textContent: String(item.text) }));
    else if (item.kind === "notice") reply.append(notice(String(item.text), item.tone));
    if (item.kind !== "call") return null;
    const box = el("div", { className: "tool-call" }, el("div", { className: "role", textContent: `tool call · ${item.name || "(no name)"}` }));
    reply.append(box);
    if (item.name !== "run_python") {
      box.append(notice(`The model asked for a tool this page does not have ("${item.name}"); it was told so.`));
      return null;
    }
    const out = el("div", { className: "output" });
    box.append(el("pre", { className: item.usable ? "code" : "code unusable" }, el("code", { textContent: String(item.code) })), out);
    showOutcome(out, item);
    return out;
  }

  function showOutcome(out, item) {
    if (item.execution) showExecution(item.execution, out, { limit: item.limit, packageUrl });
    else if (typeof item.told === "string") {
      out.replaceChildren(notice("These arguments could not be run. The model was told:", "error"), el("pre", { className: "stream", textContent: item.told }));
    } else if (item.failed) out.replaceChildren(errorBox(item.failed.type, item.failed.message, ""));
  }

  function setBusy(busy) {
    $("agent-send").disabled = busy;
    $("agent-stop").disabled = !busy;
    $("agent").dataset.busy = String(busy);
  }
  setBusy(false);
  return { saved: () => settled, load, clear };
}

// The code to show above a call's output; null when the arguments are not
// the object with a `code` string the tool asks for (runToolCall says why).
// Shown before the run; runToolCall refuses arguments over its
// maxArgumentBytes (1 MiB) unparsed, so this does not parse them either.
function codeOf(args) {
  if (args.length > 1_048_576) return null;
  try {
    const parsed = JSON.parse(args);
    return typeof parsed?.code === "string" ? parsed.code : null;
  } catch {
    return null;
  }
}

function toolText(id, content) {
  return { role: "tool", tool_call_id: id, content };
}

function notice(text, kind = "") {
  return el("div", { className: `notice ${kind}`.trim(), textContent: text });
}

function setMode(mode) {
  const agent = mode === "agent";
  $("agent").hidden = !agent;
  for (const id of ["gallery", "transcript", "editor"]) $(id).hidden = agent;
  $("mode-agent").setAttribute("aria-pressed", String(agent));
  $("mode-showcase").setAttribute("aria-pressed", String(!agent));
  document.body.dataset.mode = mode;
}

// Settings live in sessionStorage: they survive a reload, not the tab.
function restoreSettings() {
  for (const [name, id] of Object.entries(FIELDS)) {
    const input = $(id);
    input.value = sessionStorage.getItem(STORE + name) ?? input.value;
    input.addEventListener("input", () => sessionStorage.setItem(STORE + name, input.value));
  }
  const stream = $("llm-stream");
  stream.checked = (sessionStorage.getItem(STORE + "stream") ?? String(stream.checked)) === "true";
  stream.addEventListener("change", () => sessionStorage.setItem(STORE + "stream", String(stream.checked)));
}
