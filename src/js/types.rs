//! The TypeScript declarations of the JS API, emitted into `pycage.d.ts`.
//! The option interfaces are made from their declarations (options/
//! sandbox.rs, pypi.rs and run.rs): wasm-bindgen takes any constant string
//! here, not only a literal. `tests/types` compiles a consumer against them.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const SANDBOX_OPTIONS: &'static str = crate::options::sandbox::TYPESCRIPT;

#[wasm_bindgen(typescript_custom_section)]
const PYPI_OPTIONS: &'static str = crate::options::pypi::TYPESCRIPT;

#[wasm_bindgen(typescript_custom_section)]
const RUN_OPTIONS: &'static str = crate::options::run::TYPESCRIPT;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** What `Sandbox.create({ session })` brought back (`sandbox.restoredSession`). */
export interface RestoredSession {
  /** Nothing was left out, at export or at restore. */
  exact: boolean;
  /** The names restored into the namespace, sorted. */
  variables: string[];
  /** What was left out, and why: at export (a generator, an open file, a live
   *  JS object), then at restore (a package that cannot load). */
  skipped: { name: string; reason: string }[];
  /** Files written back into the working directory. */
  files: number;
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
