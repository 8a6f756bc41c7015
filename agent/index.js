// pycage/agent: the glue between a model's tool calls and pycage. Plain
// JS with no wasm, so server code can import it as well as the page.
export { DEFAULT_BUDGET, resolveBudget } from "./budget.js";
export { textPart, toModelContent } from "./content.js";
export { toAiSdk, toAnthropic, toMcp, toOpenAIChat, toOpenAIResponses } from "./vendors.js";
export { pythonTool, runToolCall } from "./tool.js";
export { aiSdkTool, createToolCallHandler, handleToolCall } from "./aisdk.js";
