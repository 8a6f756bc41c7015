// Type-checks pycage/agent's AI SDK helpers against the SDK's own types, once
// per major version: tsconfig.agent.json resolves "ai" to ai@7,
// tsconfig.aisdk-v6.json to ai@6 (the "ai-v6" npm alias; tests/aisdk/run.mjs
// runs it, with skipLibCheck: the .d.ts files themselves are checked by
// tsconfig.agent.json). `VERSION` below is the version this file is checked for
// ("aisdk-version", mapped by each tsconfig to aisdk_v7.ts or aisdk_v6.ts);
// the rest is what an app writes.
import {
  convertToModelMessages,
  streamText,
  tool,
  type ChatInit,
  type ChatAddToolOutputFunction,
  type LanguageModel,
  type ToolResultPart,
  type UIMessage,
} from "ai";
import type { Execution } from "../../pkg/pycage.js";
import { aiSdkTool, createToolCallHandler, handleToolCall, toAiSdk } from "../../pkg/agent/index.js";
import type { PycageToolOutput, SandboxLike } from "../../pkg/agent/index.js";
import { VERSION } from "aisdk-version";

// The server: the tool, passed to streamText and to convertToModelMessages.
async function server(model: LanguageModel, messages: UIMessage[]): Promise<void> {
  const tools = { run_python: tool(aiSdkTool({ version: VERSION, packages: ["numpy", "pandas", "matplotlib"] })) };
  const result = streamText({ model, tools, messages: await convertToModelMessages(messages, { tools }) });
  void result;
  // Without tool(): the tool object is a Tool as it is.
  const plain = { run_python: aiSdkTool({ version: VERSION }) };
  streamText({ model, tools: plain, messages: await convertToModelMessages(messages, { tools: plain }) });
}

async function outputs(ex: Execution): Promise<void> {
  const out: ToolResultPart["output"] = await toAiSdk(ex, undefined, { version: VERSION });
  void out;
}

// The page: useChat's onToolCall and addToolOutput, as ChatInit types them.
type PyMessage = UIMessage<unknown, never, { run_python: { input: { code: string }; output: PycageToolOutput } }>;
function page(sandbox: SandboxLike, add: ChatAddToolOutputFunction<PyMessage>, addAny: ChatAddToolOutputFunction<UIMessage>): void {
  const python = createToolCallHandler({ sandbox: Promise.resolve(sandbox), run: { timeoutMs: 10_000 } });
  const init: ChatInit<PyMessage> = {
    onToolCall: ({ toolCall }) => {
      void python.handle(toolCall, add);
    },
  };
  const untyped: ChatInit<UIMessage> = {
    onToolCall: async ({ toolCall }) => {
      const { execution } = await handleToolCall({ sandbox, toolCall, addToolOutput: addAny });
      const shown: Execution | null = execution;
      void shown;
    },
  };
  const ex: Execution | undefined = python.executions.get("call_1");
  void [init, untyped, ex];
}

void server;
void outputs;
void page;
