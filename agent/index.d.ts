// Types of `pycage/agent`. Self-contained but for the Execution types of the
// package itself (type-only: importing them loads no wasm).
import type { Execution, RunOptions } from "../pycage.js";

/**
 * How much of a run reaches the model. Every field is optional in the
 * functions that take a budget; the defaults are {@link DEFAULT_BUDGET}.
 * Text over a cap keeps its head and tail with a line saying how much was cut.
 */
export type Budget = {
  /** Characters kept of stdout, and of stderr, each. Default 8000 (about 2k tokens). */
  maxStreamChars: number;
  /** Lines kept of a traceback: its first line and its innermost frames. Default 40. */
  maxTracebackLines: number;
  /** Characters kept of the result's `text/plain`, of displayed text, and of an error message. Default 4000. */
  maxResultChars: number;
  /** Most figures sent per run, as image parts or as SVG source; the figures past
   *  it are named in the text. Default 4. */
  maxImages: number;
  /** Most pixels (width x height) per image; larger figures are downscaled in a page.
   *  Default 1 150 000, the size over which the vision APIs downscale anyway. */
  maxImagePixels: number;
  /** Longest side per image, in pixels. Default 1568. */
  maxImageSide: number;
  /** Most bytes per image (before base64); heavier ones are re-encoded as JPEG or
   *  made smaller. Default 500 000. */
  maxImageBytes: number;
  /** Characters of SVG source sent per run, all SVG figures together (UTF-16 units).
   *  An SVG is sent as its source, whole, or not at all. Default 8000. */
  maxSvgChars: number;
  /** Most file names listed (when the execution carries `files`). Default 50. */
  maxFiles: number;
};

/** The defaults: `{ maxStreamChars: 8000, maxTracebackLines: 40, maxResultChars: 4000,
 *  maxImages: 4, maxImagePixels: 1150000, maxImageSide: 1568, maxImageBytes: 500000,
 *  maxSvgChars: 8000, maxFiles: 50 }`. */
export declare const DEFAULT_BUDGET: Readonly<Budget>;
/** The defaults with the given fields on top (non-numbers are ignored). */
export declare function resolveBudget(budget?: Partial<Budget> | null): Budget;

export type TextPart = { type: "text"; text: string };
/** `data` is base64, without a `data:` prefix. */
export type ImagePart = { type: "image"; mime: "image/png" | "image/jpeg"; data: string };
export type ModelPart = TextPart | ImagePart;

/** A text part, for an app's own messages to the model. */
export declare function textPart(text: string): TextPart;

/**
 * What the model reads of a run: one text part, then up to `maxImages` figures
 * in their order: an image part per PNG or JPEG, a text part per SVG.
 * The text: a status line (ok, error, timeout, cancelled, crashed), the trimmed
 * stdout and stderr, the error's type, message and line with a trimmed traceback,
 * the result's `text/plain`, what `display()` showed as text, one line per figure
 * (attached, downscaled, sent as SVG source, or why not sent), and the names and
 * sizes of files.
 * An SVG is never drawn (what drawing one costs is set by its markup, not its
 * size): it is sent as its source, in a text part starting
 * `[figure 2: SVG 640x480 (12 KB), sent as its SVG source]`, when it fits in
 * `maxSvgChars`, and otherwise named in the text with the reason.
 * In a page, a PNG or JPEG over the budget is decoded (`createImageBitmap`),
 * downscaled and re-encoded (OffscreenCanvas); none of over 25 000 000 pixels,
 * declared or decoded, is decoded or drawn. In Node, which has no canvas, they
 * are named in the text. HTML is never sent as an image.
 */
export declare function toModelContent(ex: Execution, budget?: Partial<Budget>): Promise<ModelPart[]>;

/** Anthropic Messages API `ToolResultBlockParam`: put it in the next `user` message.
 *  `is_error` is true for error, timeout and crashed. */
export type AnthropicToolResult = {
  type: "tool_result";
  tool_use_id: string;
  content: Array<
    | { type: "text"; text: string }
    | { type: "image"; source: { type: "base64"; media_type: "image/png" | "image/jpeg"; data: string } }
  >;
  is_error: boolean;
};
export declare function toAnthropic(toolUseId: string, ex: Execution, budget?: Partial<Budget>): Promise<AnthropicToolResult>;

/**
 * OpenAI Chat Completions messages to append: a `tool` message with the text
 * parts (an SVG's source among them) joined and, when the run made figures, a `user` message with them as `image_url`
 * data URLs, since a tool message carries text only. When one assistant turn
 * made several tool calls, append all their `tool` messages first and the
 * `user` messages after them: the API wants the tool messages right after
 * the assistant message.
 */
export type OpenAIChatMessage =
  | { role: "tool"; tool_call_id: string; content: string }
  | {
      role: "user";
      content: Array<{ type: "text"; text: string } | { type: "image_url"; image_url: { url: string } }>;
    };
export declare function toOpenAIChat(toolCallId: string, ex: Execution, budget?: Partial<Budget>): Promise<OpenAIChatMessage[]>;

/** OpenAI Responses API `function_call_output` input item. `output` is a string
 *  when there are no images, else `input_text` and `input_image` (data URL) parts. */
export type OpenAIResponsesOutput = {
  type: "function_call_output";
  call_id: string;
  output:
    | string
    | Array<{ type: "input_text"; text: string } | { type: "input_image"; image_url: string; detail: "auto" }>;
};
export declare function toOpenAIResponses(callId: string, ex: Execution, budget?: Partial<Budget>): Promise<OpenAIResponsesOutput>;

/** Vercel AI SDK v7 tool output, for a tool's `toModelOutput`: text and `file` parts. */
export type AiSdkOutput = {
  type: "content";
  value: Array<
    | { type: "text"; text: string }
    | { type: "file"; mediaType: "image/png" | "image/jpeg"; data: { type: "data"; data: string } }
  >;
};
/** Vercel AI SDK v6 tool output: text and `image-data` parts (ai@6 refuses `file`). */
export type AiSdkV6Output = {
  type: "content";
  value: Array<{ type: "text"; text: string } | { type: "image-data"; data: string; mediaType: "image/png" | "image/jpeg" }>;
};
/** The major version of the `ai` package: its tool results' image parts differ. */
export type AiSdkVersion = 6 | 7;
/** A run as a `toModelOutput` value for AI SDK `opts.version` (default 7). */
export declare function toAiSdk(ex: Execution, budget?: Partial<Budget>, opts?: { version?: 7 }): Promise<AiSdkOutput>;
export declare function toAiSdk(ex: Execution, budget: Partial<Budget> | undefined, opts: { version: 6 }): Promise<AiSdkV6Output>;

/** Model Context Protocol `CallToolResult`. `isError` is true for error, timeout and crashed. */
export type McpToolResult = {
  content: Array<{ type: "text"; text: string } | { type: "image"; data: string; mimeType: "image/png" | "image/jpeg" }>;
  isError: boolean;
};
export declare function toMcp(ex: Execution, budget?: Partial<Budget>): Promise<McpToolResult>;

/** JSON Schema of the tool's arguments: `{ code: string }`. */
export type PythonToolParameters = {
  type: "object";
  properties: { code: { type: "string"; description: string } };
  required: ["code"];
  additionalProperties: false;
};

export type PythonTool<N extends string = "run_python"> = {
  name: N;
  /** Tells the model its environment: Python version, packages, figures, no network, time limit, state. */
  description: string;
  parameters: PythonToolParameters;
};

export type PythonToolOptions<N extends string = "run_python"> = {
  /** A started sandbox: its Python and Pyodide versions go in the description. */
  sandbox?: { readonly pythonVersion?: string | null; readonly pyodideVersion?: string | null };
  /** The time limit the runs have, for the description. Default 30000 (the sandbox's default). */
  timeoutMs?: number;
  /** The packages that can be imported (the sandbox's `allowedPackages`, or the
   *  packages its `packageBaseUrl` serves), for the description. Without it the
   *  description names only the standard library, and says that other imports may fail. */
  packages?: string[];
  /** False when the sandbox has `autoLoadPackages: false`. Default true. */
  autoLoadPackages?: boolean;
  /** Default "run_python". */
  name?: N;
  /** Replaces the generated description. */
  description?: string;
};

export declare function pythonTool<N extends string = "run_python">(opts?: PythonToolOptions<N>): PythonTool<N>;

/** Anything with the sandbox's `runPython`: a `Sandbox`, or a stand-in in a test. */
export type SandboxLike = { runPython(code: string, opts?: RunOptions): Promise<Execution> };

export type ToolCallOptions = {
  /** Passed to `runPython`: time limit, AbortSignal, stream callbacks. */
  run?: RunOptions;
  budget?: Partial<Budget>;
  /**
   * Longest arguments taken, in UTF-16 code units (a string's `length`): the
   * JSON text when `args` is a string, else the `code` string. Longer ones are
   * refused with a text part before being parsed, since parsing 100 MB holds
   * the page's thread for over a second. Default 1048576 (1 MiB). A value
   * that is not a finite number >= 0 throws a `TypeError` (`.field` names it).
   */
  maxArgumentBytes?: number;
};

/**
 * Runs one `run_python` call. `args` is the call's arguments, as an object or
 * as the JSON text most APIs give. A missing or non-string `code`, JSON that
 * does not parse, or arguments over `maxArgumentBytes` do not throw: they give
 * `execution: null` and a text part telling the model what was wrong. Errors
 * of the sandbox itself (a disposed sandbox) and a bad `maxArgumentBytes`
 * still reject.
 */
export declare function runToolCall(
  sandbox: SandboxLike,
  args: unknown,
  opts?: ToolCallOptions,
): Promise<{ execution: Execution | null; parts: ModelPart[] }>;

// --- The Vercel AI SDK (ai@6 and ai@7) ---------------------------------------

/** What the page sends back as run_python's output (through `addToolOutput`), and
 *  what `aiSdkTool`'s `toModelOutput` turns into the model's parts. */
export type PycageToolOutput = {
  type: "pycage-run";
  status: Execution["status"];
  /** The run as the model reads it: a text part, then images (budgeted, downscaled in the page). */
  parts: ModelPart[];
};

/** A Standard Schema (v1) with its JSON Schema, as the AI SDK's `FlexibleSchema` takes it:
 *  `{ code: string }`. Its `validate` passes every value on: the page's `handleToolCall`
 *  checks the arguments and tells the model what was wrong (an error the SDK raised
 *  would reach the model from ai@6's UI stream as "An error occurred."). */
export type PythonToolInputSchema = {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly types?: { readonly input: unknown; readonly output: { code: string } } | undefined;
    readonly validate: (
      value: unknown,
    ) =>
      | { readonly value: { code: string }; readonly issues?: undefined }
      | { readonly issues: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<PropertyKey> | undefined }> };
    readonly jsonSchema: {
      readonly input: (options: { readonly target: string }) => Record<string, unknown>;
      readonly output: (options: { readonly target: string }) => Record<string, unknown>;
    };
  };
};

/** The tool `aiSdkTool` returns: pass it as `tools: { run_python: tool(aiSdkTool()) }`
 *  (or without `tool()`) to streamText/generateText AND to convertToModelMessages. */
export type AiSdkPythonTool<O> = {
  description: string;
  inputSchema: PythonToolInputSchema;
  /** Run in the page: no `execute`. */
  execute?: undefined;
  toModelOutput: (options: { toolCallId: string; input: unknown; output: unknown }) => Promise<O | { type: "text"; value: string } | { type: "json"; value: any }>;
  /** Warns (console.warn, once) when a result of this tool reached the model as JSON,
   *  i.e. `tools` was not passed to `convertToModelMessages`, or the SDK's version is not `version`. */
  onInputAvailable: (options: { messages: unknown[] }) => void;
};

export type AiSdkToolOptions<V extends AiSdkVersion = 7> = Omit<PythonToolOptions<"run_python">, "name" | "sandbox"> & {
  /** The major version of the `ai` package the server uses. Default 7. ai@6 needs 6:
   *  it refuses v7's image parts (AI_InvalidPromptError). */
  version?: V;
  /** Used when the tool's output is an Execution (a tool run on the server). */
  budget?: Partial<Budget>;
};

/**
 * The run_python tool for the AI SDK's `streamText`/`generateText`, run in the page:
 * its description, an `inputSchema` of `{ code: string }`, and a `toModelOutput` that
 * gives the model the run's text and images as content parts of ai@`version`.
 *
 * ```ts
 * import { convertToModelMessages, streamText, tool } from "ai";
 * import { aiSdkTool } from "pycage/agent";
 *
 * const tools = { run_python: tool(aiSdkTool({ packages: ["numpy", "pandas"] })) };
 * const result = streamText({ model, tools, messages: await convertToModelMessages(messages, { tools }) });
 * ```
 */
export declare function aiSdkTool(opts?: AiSdkToolOptions<7>): AiSdkPythonTool<AiSdkOutput>;
export declare function aiSdkTool(opts: AiSdkToolOptions<6> & { version: 6 }): AiSdkPythonTool<AiSdkV6Output>;

/** A useChat tool call (`onToolCall`'s `toolCall`), as ai@5, ai@6 and ai@7 give it. */
export type AiSdkToolCall = { toolName: string; toolCallId: string; input: unknown; dynamic?: boolean };

/** useChat's `addToolOutput` (ai@6, ai@7) or `addToolResult` (ai@5, deprecated in 6). */
export type AddToolOutput = (
  payload:
    | { tool: any; toolCallId: string; output: any; state?: "output-available"; errorText?: never }
    | { tool: any; toolCallId: string; state: "output-error"; errorText: string; output?: never },
) => void | PromiseLike<void>;

/** A sandbox, a promise of one, or a function that returns either (a sandbox made in an effect). */
export type SandboxSource = SandboxLike | PromiseLike<SandboxLike> | (() => SandboxLike | PromiseLike<SandboxLike>);

export type ToolCallHandlerOptions = ToolCallOptions & {
  sandbox: SandboxSource;
  /** The tool's name in `tools`. Default "run_python"; calls of other tools are left alone. */
  toolName?: string;
  /** Called with each run's Execution, before its output is added. */
  onExecution?: (toolCallId: string, execution: Execution) => void;
};

export type HandleToolCallResult = {
  /** False for another tool's call, which is left alone. */
  handled: boolean;
  /** The run, or null when the arguments were malformed or the sandbox failed. */
  execution: Execution | null;
  /** What the sandbox threw, when it failed (the call was answered with an output-error). */
  error?: unknown;
};

/**
 * Runs one useChat tool call in the sandbox and answers it: `addToolOutput` with a
 * {@link PycageToolOutput}, or with `state: "output-error"` and a readable `errorText`
 * for arguments that are not a `code` string (the model reads it and retries) and for
 * a sandbox that failed. The add function is called, not awaited, as useChat asks.
 *
 * ```ts
 * const { messages, addToolOutput } = useChat({
 *   sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithToolCalls,
 *   onToolCall: ({ toolCall }) => { void handleToolCall({ sandbox, toolCall, addToolOutput }); },
 * });
 * ```
 */
export declare function handleToolCall(
  opts: ToolCallHandlerOptions & { toolCall: AiSdkToolCall } & (
      | { addToolOutput: AddToolOutput; addToolResult?: AddToolOutput }
      | { addToolResult: AddToolOutput; addToolOutput?: undefined }
    ),
): Promise<HandleToolCallResult>;

export type ToolCallHandler = {
  /** Every run so far, by tool call id: what the UI draws for a tool part. */
  readonly executions: Map<string, Execution>;
  /** Call from useChat's onToolCall (without awaiting it). `addToolOutput` defaults to the one in the options. */
  handle(toolCall: AiSdkToolCall, addToolOutput?: AddToolOutput): Promise<HandleToolCallResult>;
  /** Called with each new Execution (for a re-render); returns the unsubscribe function. */
  subscribe(listener: (toolCallId: string, execution: Execution) => void): () => void;
};

/**
 * {@link handleToolCall} with its options kept, and the Executions kept by tool call id.
 *
 * ```tsx
 * const python = useMemo(() => createToolCallHandler({ sandbox: sandboxPromise }), []);
 * const { messages, addToolOutput } = useChat({
 *   sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithToolCalls,
 *   onToolCall: ({ toolCall }) => { void python.handle(toolCall, addToolOutput); },
 * });
 * // where a "tool-run_python" part is drawn: python.executions.get(part.toolCallId)
 * ```
 */
export declare function createToolCallHandler(
  opts: ToolCallHandlerOptions & { addToolOutput?: AddToolOutput; addToolResult?: AddToolOutput },
): ToolCallHandler;
