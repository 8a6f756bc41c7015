// Type-checks pycage/agent's converters against the vendors' own SDK types:
// if a converter's output drifts from the shape a vendor documents, this
// stops compiling. Checked with tsconfig.agent.json (needs pkg/ built).
import type Anthropic from "@anthropic-ai/sdk";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import type { FunctionTool, ResponseInputItem } from "openai/resources/responses/responses";
import { jsonSchema, tool, type ToolResultPart } from "ai";
import type { CallToolResult, Tool as McpTool } from "@modelcontextprotocol/sdk/types.js";
import { Sandbox } from "../../pkg/pycage.js";
import type { Execution } from "../../pkg/pycage.js";
import {
  DEFAULT_BUDGET,
  pythonTool,
  runToolCall,
  toAiSdk,
  toAnthropic,
  toMcp,
  toModelContent,
  toOpenAIChat,
  toOpenAIResponses,
} from "../../pkg/agent/index.js";
import type { Budget, ModelPart } from "../../pkg/agent/index.js";

async function converters(sb: Sandbox, ex: Execution): Promise<void> {
  const budget: Partial<Budget> = { maxImages: 2, maxStreamChars: 2000, maxSvgChars: 4000 };
  const full: Budget = { ...DEFAULT_BUDGET };
  const parts: ModelPart[] = await toModelContent(ex, budget);
  for (const p of parts) {
    if (p.type === "image") void (p.mime satisfies "image/png" | "image/jpeg");
    else void (p.text satisfies string);
  }

  const block: Anthropic.ToolResultBlockParam = await toAnthropic("toolu_01", ex, full);
  const userTurn: Anthropic.MessageParam = { role: "user", content: [block] };

  const chat: ChatCompletionMessageParam[] = await toOpenAIChat("call_01", ex);
  const history: ChatCompletionMessageParam[] = [{ role: "user", content: "plot it" }, ...chat];

  const item: ResponseInputItem.FunctionCallOutput = await toOpenAIResponses("call_01", ex);
  const input: ResponseInputItem[] = [item];

  const aiOutput: ToolResultPart["output"] = await toAiSdk(ex);

  const mcp: CallToolResult = await toMcp(ex, budget);

  const { execution, parts: callParts } = await runToolCall(sb, '{"code": "1+1"}', {
    run: { timeoutMs: 1000 },
    budget,
    maxArgumentBytes: 1 << 20,
  });
  const maybe: Execution | null = execution;
  void [userTurn, history, input, aiOutput, mcp, maybe, callParts];
}

function definitions(sb: Sandbox): void {
  const def = pythonTool({ sandbox: sb, timeoutMs: 10_000, packages: ["numpy", "matplotlib"] });
  const name: "run_python" = def.name;

  const anthropicTool: Anthropic.Tool = { name: def.name, description: def.description, input_schema: def.parameters };
  const chatTool: ChatCompletionTool = { type: "function", function: { name, description: def.description, parameters: def.parameters } };
  const responsesTool: FunctionTool = { type: "function", name, description: def.description, parameters: def.parameters, strict: true };
  const mcpTool: McpTool = { name, description: def.description, inputSchema: def.parameters };

  // The AI SDK tool as an app would write it: the run in execute, and the
  // model's view of it in toModelOutput.
  const aiTool = tool({
    description: def.description,
    inputSchema: jsonSchema<{ code: string }>(def.parameters),
    execute: async ({ code }: { code: string }): Promise<Execution> => sb.runPython(code),
    toModelOutput: ({ output }: { output: Execution }) => toAiSdk(output),
  });
  void [anthropicTool, chatTool, responsesTool, mcpTool, aiTool];
}

void converters;
void definitions;
