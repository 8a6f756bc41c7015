// A chat page as an AI SDK user writes one: useChat from @ai-sdk/react, and
// pycage's handler as its onToolCall, so the model's run_python calls run
// in the sandbox in this page. No glue: the handler answers with
// addToolOutput and keeps each Execution, which the page draws.
// (createElement rather than JSX, so Vite needs no React plugin.)
/* global document, location, window, URLSearchParams */
import { useChat } from "@ai-sdk/react";
import { DefaultChatTransport, lastAssistantMessageIsCompleteWithToolCalls } from "ai";
import init, { Sandbox, figureToDataUrl } from "pycage";
import { createToolCallHandler } from "pycage/agent";
import { createElement as h, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";

const params = new URLSearchParams(location.search);
const sandbox = init().then(() => Sandbox.create({ pyodideUrl: params.get("pyodide") ?? undefined, timeoutMs: 20_000 }));
sandbox.then(() => (document.body.dataset.sandbox = "ready"));
const python = createToolCallHandler({ sandbox });

function Run({ part }) {
  const ex = python.executions.get(part.toolCallId);
  return h(
    "div",
    { className: "tool", "data-id": part.toolCallId, "data-state": part.state },
    h("pre", { className: "code" }, part.input?.code ?? ""),
    ex && h("pre", { className: "stdout" }, ex.stdout),
    ex?.figures.map((f, i) => h("img", { key: i, className: "figure", src: figureToDataUrl(f) })),
    part.state === "output-error" && h("p", { className: "error" }, part.errorText),
  );
}

function App() {
  const [, redraw] = useState(0);
  useEffect(() => python.subscribe(() => redraw((n) => n + 1)), []);
  const { messages, sendMessage, addToolOutput, status } = useChat({
    transport: new DefaultChatTransport({ api: "/api/chat" }),
    sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithToolCalls,
    onToolCall: ({ toolCall }) => {
      void python.handle(toolCall, addToolOutput);
    },
  });
  useEffect(() => {
    window.send = (text) => sendMessage({ text });
    document.body.dataset.status = status;
  });
  return messages.map((m) =>
    h(
      "article",
      { key: m.id, className: m.role },
      m.parts.map((part, i) =>
        part.type === "text"
          ? h("p", { key: i, className: "text" }, part.text)
          : part.type === "tool-run_python"
            ? h(Run, { key: i, part })
            : null,
      ),
    ),
  );
}

createRoot(document.getElementById("root")).render(h(App));
