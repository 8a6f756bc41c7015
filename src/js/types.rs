//! The TypeScript declarations of the JS API, emitted into `pycage.d.ts`.
//! `options_agreement_tests.rs` checks them against the option lists and
//! the README; `tests/types` compiles a consumer against them.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Options for {@link Sandbox.create}. Every field is optional. */
export interface SandboxOptions {
  /** Folder holding `pyodide.mjs` (default: jsDelivr's copy of Pyodide 314.0.7). */
  pyodideUrl?: string;
  /** The sha256 (hex) each Pyodide core file must have, by file name: `pyodide.mjs`,
   *  `pyodide.asm.mjs`, `pyodide.asm.wasm`, `python_stdlib.zip`, `pyodide-lock.json`.
   *  Default: the pinned Pyodide 314.0.7 files' hashes, built in; a file that differs,
   *  or another Pyodide version, is a `SandboxInitError` naming it. Pass your build's
   *  hashes to self-host another build, or `false` to load the files unchecked (logged
   *  through `onLog`). */
  pyodideHashes?: Record<string, string> | false;
  /** Where distribution packages (wheels) are fetched from. Default: `pyodideUrl`. */
  packageBaseUrl?: string;
  /** Default per-run time limit in ms. Default 30000. */
  timeoutMs?: number;
  /** Cap on `stdout` and on `stderr`, each, in UTF-8 bytes. Default 1 MiB. */
  maxOutputBytes?: number;
  /** "iframe" (default): opaque-origin sandboxed iframe with a no-network CSP.
   *  "worker": a worker at the page's origin; see docs/security-model.md for what it does not protect. */
  isolation?: "iframe" | "worker";
  /** URL of a page on another site that serves {@link runnerHtml}'s document
   *  (headers: see docs/serving.md). The sandbox frame then loads it instead of an
   *  inline document, so the browser gives it its own process. "iframe" only. */
  runnerUrl?: string;
  /** Packages loaded at boot: Pyodide distribution names or wheel URLs. */
  packages?: string[];
  /** Load the distribution packages a run imports before running it. Default true. */
  autoLoadPackages?: boolean;
  /** If set, only these distribution packages may be loaded by import. */
  allowedPackages?: string[];
  /** Package-loading and supervisor messages (never the user's stdout). */
  onLog?: (message: string) => void;
  /** Boot progress: "downloading", "starting", "packages", "ready". */
  onProgress?: (event: { phase: "downloading" | "starting" | "packages" | "ready" }) => void;
  /** Keep a second interpreter booted so a timeout or reset costs no boot. Default true. */
  standby?: boolean;
  /** Boot interpreters from a memory snapshot of a freshly booted one, kept in
   *  this page's Cache API (never in the sandbox): boots take a fraction of
   *  the time after the first. Default true, and false when `packages` is set. */
  snapshot?: boolean;
  /** Time allowed for Python to start, in ms. Default 60000. */
  bootTimeoutMs?: number;
  /** Most figures one run may return. Default 50. */
  maxFigures?: number;
  /** Largest single figure, in bytes. Default 5 MiB. */
  maxFigureBytes?: number;
  /** Largest total of figure bytes per run. Default 20 MiB. */
  maxRunFigureBytes?: number;
  /** Largest PNG area (width x height) accepted. Default 25 000 000. */
  maxImagePixels?: number;
  /** Largest file, in bytes, that `writeFile` takes, `readFile` returns or a run
   *  returns in `files`. Default 64 MiB. */
  maxFileBytes?: number;
  /** Largest total of file bytes one run returns in `files`. Default 128 MiB. */
  maxRunFileBytes?: number;
  /** PyPI packages through the page, off by default: `micropip.install(name)` and the import
   *  of an allowed name fetch pure-Python wheels for the names in `allowed` only. The page
   *  fetches the index (PEP 691 JSON) and the wheels, never the sandbox, and checks each
   *  wheel against the index's sha256. micropip itself comes from the index the same way. */
  pypi?: { indexUrl?: string; allowed: string[] };
  /** A run may not grow the interpreter's heap past this (128 MiB to 4 GiB): one that tries
   *  ends as "crashed" with a `MemoryLimitError`, and the interpreter is replaced. A guard
   *  against accidents, not hostile code. Default: no limit. */
  maxMemoryBytes?: number;
  /** An interpreter that ends a run above this heap size is replaced before the next run
   *  (a wasm heap never shrinks). Default 512 MiB. */
  recycleMemoryBytes?: number;
}

/** Options for one run. */
export interface RunOptions {
  /** Time limit for this run in ms (default: the sandbox's `timeoutMs`). */
  timeoutMs?: number;
  /** Aborting it stops the run: `status: "cancelled"`. */
  signal?: AbortSignal;
  /** Called with each chunk of stdout while the code runs. */
  onStdout?: (chunk: string) => void;
  /** Called with each chunk of stderr while the code runs. */
  onStderr?: (chunk: string) => void;
  /** Format of matplotlib figures. Default "png". */
  figureFormat?: "png" | "svg";
  /** Resolution of matplotlib figures (default: the figure's own dpi). */
  figureDpi?: number;
  /** Answers Python's `input(prompt)`: the line (without its newline), or null for
   *  end of input (`EOFError`). Needs a `SharedArrayBuffer` where the sandbox runs (a
   *  cross-origin-isolated page). Without it, or without a SharedArrayBuffer, `input()`
   *  raises `EOFError` at once, saying why. The run's deadline and signal still apply. */
  onInput?: (prompt: string) => string | null | Promise<string | null>;
}

/** A file in the working directory (`/mnt/data`), as `listFiles` reports it. */
export interface FileInfo {
  /** Absolute path, e.g. "/mnt/data/sales.csv". */
  path: string;
  size: number;
  /** Last modification, ms since the epoch (the sandbox's clock). */
  modifiedMs: number;
}

/** A file the run created or changed in the working directory. */
export interface OutputFile {
  /** Absolute path, e.g. "/mnt/data/summary.csv". */
  path: string;
  size: number;
  /** From the extension, chosen by the page (never by the sandbox); "application/octet-stream" when unknown. */
  mime: string;
  data: Uint8Array;
}

/** A mime bundle: `text/plain` always, richer types when the object has them.
 *  Images are `Uint8Array` (PNG, JPEG) or SVG text; JSON types are parsed objects. */
export type MimeBundle = { "text/plain"?: string } & Record<string, string | Uint8Array | unknown>;

/** An image the run produced, validated (type, signature, size) by the page. */
export interface Figure {
  mime: "image/png" | "image/jpeg" | "image/svg+xml";
  data: Uint8Array;
  /** Pixels, from the image's header; null for an SVG sized in relative units. */
  width: number | null;
  height: number | null;
  source: "matplotlib" | "display" | "result";
}

/** One item of a run's output, in the order it happened. */
export type Output =
  | { type: "stdout" | "stderr"; text: string }
  | { type: "display"; source: "display" | "matplotlib"; data: MimeBundle };

/** A Python exception (or, for timeout/cancelled/crashed, why the run stopped). */
export interface PythonError {
  type: string;
  message: string;
  traceback: string;
  line: number | null;
}

/** What a run produced. Errors in the user's code are data here, not exceptions. */
export interface Execution {
  status: "ok" | "error" | "timeout" | "cancelled" | "crashed";
  stdout: string;
  stderr: string;
  /** True when output went over `maxOutputBytes` and was cut. */
  truncated: boolean;
  /** The value of the last expression, as in a REPL; null for None or no expression. */
  result: MimeBundle | null;
  error: PythonError | null;
  figures: Figure[];
  outputs: Output[];
  /** Display data the page refused (bad type, bad image, over a cap), with reasons. */
  droppedOutputs: string[];
  /** Messages from the sandbox that broke the protocol during this run. */
  protocolViolations: string[];
  durationMs: number;
  /** How long the run waited before it started, in ms: behind earlier runs and file
   *  calls, or for an interpreter to finish booting (the first run, or a run after a
   *  timeout that replaced the interpreter before the standby was ready; bounded by
   *  `bootTimeoutMs`). */
  waitedMs: number;
  /** True when the run cost the interpreter its state (timeout by kill, crash). */
  interpreterReset: boolean;
  /** Why the interpreter was replaced (when `interpreterReset`), in words an app can show. */
  resetReason: string | null;
  /** The interpreter's heap after the run, in bytes; null when the run did not end normally. */
  memoryBytes: number | null;
  /** Files in the working directory the run created or changed, with their bytes,
   *  within `maxFileBytes` each, `maxRunFileBytes` in all and 1000 files (the rest are in `droppedOutputs`). */
  files: OutputFile[];
  /** Files earlier runs made that were lost since the last run, when a timeout or crash
   *  replaced the interpreter. Files written with `writeFile` are restored instead.
   *  At most 100 paths, then a last entry `"... and N more files"`. */
  lostFiles: string[];
}
"#;
