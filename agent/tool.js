// The tool definition a model is given, and the handler for its calls.
// The description is the model's only view of the environment: what it
// leaves out (no network, no pip) the model will try, and waste a turn on.
import { headTail } from "./budget.js";
import { textPart, toModelContent } from "./content.js";

const DEFAULT_TIMEOUT_MS = 30_000;

function duration(ms) {
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function describeEnvironment(opts) {
  const sb = opts.sandbox;
  const python = sb?.pythonVersion ? `Python ${sb.pythonVersion}` : "Python 3";
  const pyodide = sb?.pyodideVersion ? ` (Pyodide ${sb.pyodideVersion})` : " (Pyodide)";
  const timeout = duration(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const allowed = Array.isArray(opts.packages) && opts.packages.length ? opts.packages : null;
  let packages;
  if (opts.autoLoadPackages === false) {
    packages = allowed
      ? `Packages: the standard library and these, already loaded: ${allowed.join(", ")}. Nothing else can be installed.`
      : "Packages: the standard library only. Nothing can be installed.";
  } else if (allowed) {
    packages = `Packages: the standard library, and only these others, which load on their first import: ${allowed.join(", ")}.`;
  } else {
    // Unless the app says which packages its sandbox can load, name none:
    // the npm Pyodide core has no numpy, and a host that serves no wheels
    // (or allows none) makes every such import fail.
    packages =
      "Packages: the Python standard library. Other packages may not be available here: an import of one may fail, " +
      "and pip install is not available.";
  }
  return [
    `Runs Python code in a sandbox in the user's browser and returns what it printed, the value of its last expression, any error, and its figures as images.`,
    `Environment: ${python}${pyodide}, running in WebAssembly.`,
    packages,
    allowed?.includes("matplotlib")
      ? "Figures: draw with matplotlib and call plt.show(), or display(fig); each figure comes back to you as an image. display(obj) also shows other objects, as text."
      : "Figures: display(obj) of an object with _repr_png_ (PNG bytes) or _repr_svg_ comes back to you as an image. display(obj) also shows other objects, as text.",
    "No network: HTTP requests, downloads and package installs fail. Work with data the code creates or that is in the conversation.",
    `Time limit: ${timeout} per call. Code that runs longer is stopped, and the interpreter may be restarted.`,
    "State: variables, imports and functions persist between calls, as in a notebook, until a timeout or crash restarts the interpreter.",
    "Long output is cut to its head and tail: print summaries, not whole data sets.",
  ].join("\n");
}

/** The `run_python` tool definition: name, description, JSON Schema parameters. */
export function pythonTool(opts) {
  const o = opts ?? {};
  return {
    name: o.name ?? "run_python",
    description: o.description ?? describeEnvironment(o),
    parameters: {
      type: "object",
      properties: {
        code: {
          type: "string",
          description: "Python source code to run, as one notebook cell. End with an expression to see its value.",
        },
      },
      required: ["code"],
      additionalProperties: false,
    },
  };
}

// Strings are clipped as they are serialised, so an object with a huge
// field costs no more to show than a small one.
const clipString = (_key, v) => (typeof v === "string" && v.length > 200 ? `${v.slice(0, 200)}...` : v);

function preview(value) {
  let text;
  try {
    text = typeof value === "string" ? value : JSON.stringify(value, clipString);
  } catch {
    text = String(value);
  }
  return headTail(text ?? String(value), 200, "the arguments");
}

const EXAMPLE = '{"code": "print(1 + 1)"}';

const count = (n) => n.toLocaleString("en-US");

function tooLarge(what, length, cap) {
  return {
    problem:
      `${what} ${count(length)} characters long, over the limit of ${count(cap)} (maxArgumentBytes). ` +
      "Send shorter code: have it build or read large data rather than spelling it out.",
  };
}

// A message for the model, not an exception: a model that sent bad
// arguments can read what was wrong and try again in its next turn.
// Sizes are checked first: parsing or reading a 100 MB argument would hold
// the page's thread for a second or more.
function readCode(args, cap) {
  let value = args;
  if (typeof args === "string") {
    if (args.length > cap) return tooLarge("The arguments are", args.length, cap);
    try {
      value = JSON.parse(args);
    } catch (err) {
      return { problem: `The arguments are not valid JSON (${err.message}). Send a JSON object like ${EXAMPLE}. Received: ${preview(args)}` };
    }
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { problem: `The arguments must be a JSON object like ${EXAMPLE}. Received: ${preview(value)}` };
  }
  if (!("code" in value)) {
    return { problem: `The "code" argument is missing. Send a JSON object like ${EXAMPLE}. Received: ${preview(value)}` };
  }
  if (typeof value.code !== "string") {
    return { problem: `The "code" argument must be a string of Python source, not ${value.code === null ? "null" : typeof value.code}. Received: ${preview(value)}` };
  }
  if (value.code.length > cap) return tooLarge('The "code" argument is', value.code.length, cap);
  if (value.code.trim() === "") return { problem: 'The "code" argument is empty.' };
  return { code: value.code };
}

/** 1 MiB: far more code than a model writes in one call. */
const DEFAULT_MAX_ARGUMENT_BYTES = 1_048_576;

/**
 * `opts.maxArgumentBytes`, in UTF-16 code units (a string's length, known
 * without reading the string). A bad value is the app's mistake, so it
 * throws, as pycage's OptionsError does: a TypeError naming the field.
 */
function argumentCap(opts) {
  const value = opts?.maxArgumentBytes;
  if (value == null) return DEFAULT_MAX_ARGUMENT_BYTES;
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  const shown = typeof value === "number" ? String(value) : typeof value;
  const err = new TypeError(`pycage/agent: invalid maxArgumentBytes: expected a finite number >= 0, got ${shown}`);
  err.field = "maxArgumentBytes";
  throw err;
}

/**
 * Runs one tool call: validates `args` (an object or its JSON text), runs
 * the code and returns the execution with its model parts. Bad arguments
 * give `execution: null` and a text part that says what was wrong.
 */
export async function runToolCall(sandbox, args, opts) {
  const { code, problem } = readCode(args, argumentCap(opts));
  if (problem) return { execution: null, parts: [textPart(`Status: not run. ${problem}`)] };
  const execution = await sandbox.runPython(code, opts?.run);
  return { execution, parts: await toModelContent(execution, opts?.budget) };
}
