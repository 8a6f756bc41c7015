// The demo's agent mode: a real model (any OpenAI-compatible Chat Completions
// endpoint) in the loop. The model gets pycage's `run_python` tool; its calls
// run in the sandbox, their results go back through pycage/agent's adapter,
// and the loop goes on until the model answers in text.
//
// The API key is the user's: it stays in this tab's sessionStorage, bound
// to the endpoint it was entered for (key.js), goes only into the
// Authorization header of requests to that endpoint, and is never logged
// or shown.
import { pythonTool, runToolCall, toOpenAIChat } from "../pkg/agent/index.js";
import { setupKey } from "./key.js";
import { chat, LlmError } from "./llm.js";
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
// isolation setting does); `timeoutSeconds()` the time limit chosen above.
export function setupAgent({ sandbox, timeoutSeconds, packageUrl }) {
  let messages = []; // the conversation so far, in Chat Completions form
  let turn = null; // { controller } of the turn in progress

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
    turn?.controller.abort();
    messages = [];
    $("agent-log").replaceChildren();
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
    const before = history.length;
    history.push({ role: "user", content: text });
    try {
      await converse(endpoint, history, reply, controller.signal);
    } catch (err) {
      if (controller.signal.aborted) reply.append(notice("Stopped."));
      else if (err instanceof LlmError) reply.append(notice(err.message, "error"));
      else reply.append(notice(`Something went wrong: ${err?.message ?? err}`, "error"));
      // A message the model never answered is taken back, so sending it
      // again (after fixing the key, say) does not send it twice.
      if (history.length === before + 1) history.length = before;
    } finally {
      if (turn === mine) turn = null;
      setBusy(false);
      article.dataset.done = "true";
      article.scrollIntoView({ block: "end" });
    }
  }

  async function converse({ base, model, credential }, history, reply, signal) {
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
        history.push({ role: "assistant", content: answer.content });
        return;
      }
      const over = round >= MAX_TOOL_ROUNDS;
      const results = await runCalls(answer.toolCalls, reply, sb, signal, over);
      // Every tool call must be answered before anything else is said, or
      // the next request is refused; the images' user messages come after.
      history.push(
        { role: "assistant", content: answer.content || null, tool_calls: answer.toolCalls },
        ...results.filter((m) => m.role === "tool"),
        ...results.filter((m) => m.role !== "tool"),
      );
      if (signal.aborted) throw new DOMException("Stopped", "AbortError");
      if (over) {
        reply.append(notice(`Stopped after ${MAX_TOOL_ROUNDS} rounds of tool calls: the model kept asking for more. Send a message to go on.`));
        return;
      }
    }
  }

  async function runCalls(calls, reply, sb, signal, over) {
    const results = [];
    for (const call of calls) {
      const box = el("div", { className: "tool-call" });
      reply.append(box);
      if (over) results.push(toolText(call.id, `Not run: the limit of ${MAX_TOOL_ROUNDS} tool rounds per message was reached.`));
      else if (signal.aborted) results.push(toolText(call.id, "Not run: the user pressed Stop."));
      else results.push(...(await runCall(call, box, sb, signal)));
      if (!box.childElementCount) box.remove();
    }
    return results;
  }

  async function runCall(call, box, sb, signal) {
    const { name, arguments: args } = call.function;
    box.append(el("div", { className: "role", textContent: `tool call · ${name || "(no name)"}` }));
    if (name !== "run_python") {
      box.append(notice(`The model asked for a tool this page does not have ("${name}"); it was told so.`));
      return [toolText(call.id, `There is no tool named "${name}". The only tool is run_python.`)];
    }
    const code = codeOf(args);
    box.append(el("pre", { className: code === null ? "code unusable" : "code" }, el("code", { textContent: code ?? args })));
    const out = el("div", { className: "output" }, el("p", { className: "meta", textContent: "Running…" }));
    box.append(out);
    const limit = timeoutSeconds();
    try {
      const { execution, parts } = await runToolCall(sb, args, { run: { timeoutMs: limit * 1000, signal } });
      if (!execution) {
        const told = parts.filter((p) => p.type === "text").map((p) => p.text).join("\n");
        out.replaceChildren(notice("These arguments could not be run. The model was told:", "error"), el("pre", { className: "stream", textContent: told }));
        return [toolText(call.id, told)];
      }
      showExecution(execution, out, { limit, packageUrl });
      const appended = await toOpenAIChat(call.id, execution);
      return Array.isArray(appended) ? appended : [appended];
    } catch (err) {
      out.replaceChildren(errorBox(err?.name ?? "Error", err?.message ?? String(err), ""));
      return [toolText(call.id, `The sandbox could not run the code: ${err?.message ?? err}`)];
    }
  }

  function setBusy(busy) {
    $("agent-send").disabled = busy;
    $("agent-stop").disabled = !busy;
    $("agent").dataset.busy = String(busy);
  }
  setBusy(false);
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
