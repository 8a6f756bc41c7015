// Completes pkg/ after wasm-pack (or the folder given as the first argument):
//  - copies the agent entry (agent/, plain JS with no wasm, so server
//    code can import it) to agent/;
//  - makes pycage.d.ts compile under any `lib` (it names Symbol.dispose);
//  - writes the package entries: `pycage` (index.js: the glue, the error
//    classes, and an init() that says clearly when the wasm cannot be
//    located) and `pycage/inline` (the same with the wasm built in, for
//    toolchains that do not resolve `new URL(..., import.meta.url)`), each
//    with a self-contained .d.ts;
//  - writes the `exports` map so every entry resolves in bundlers and Node.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const root = new URL("../", import.meta.url);
const pkg = process.argv[2] ? pathToFileURL(`${process.argv[2].replace(/\/?$/, "/")}`) : new URL("pkg/", root);
const read = (name) => readFileSync(new URL(name, pkg), "utf8");
const write = (name, text) => writeFileSync(new URL(name, pkg), text);

// --- agent/ ---
const agentSrc = new URL("agent/", root);
const agentOut = new URL("agent/", pkg);
mkdirSync(agentOut, { recursive: true });
for (const name of readdirSync(agentSrc)) {
  if (name.endsWith(".js") || name.endsWith(".d.ts")) copyFileSync(new URL(name, agentSrc), new URL(name, agentOut));
}

// --- render/ and store/ (pycage/render, pycage/store: plain JS, no wasm, like agent/) ---
for (const dir of ["render/", "store/"]) {
  const src = new URL(dir, root);
  const out = new URL(dir, pkg);
  mkdirSync(out, { recursive: true });
  for (const name of readdirSync(src)) {
    if (name.endsWith(".js") || name.endsWith(".d.ts")) copyFileSync(new URL(name, src), new URL(name, out));
  }
}

// --- pycage.d.ts: `[Symbol.dispose]` needs the disposable lib, which a
// consumer on `lib: ["ES2022", "DOM"]` does not have (TS2550 under
// skipLibCheck: false). Referencing it from the file makes the types
// self-contained (TypeScript >= 5.2).
const disposableRef = '/// <reference lib="esnext.disposable" />\n';
const dts = read("pycage.d.ts");
if (!dts.includes(disposableRef)) write("pycage.d.ts", disposableRef + dts);

// --- the glue's error classes live at a hashed snippet path; find it from
// the glue's own import so the entries re-export the very same classes the
// glue throws (instanceof holds).
const glue = read("pycage.js");
const errorsPath = glue.match(/from '(\.\/snippets\/[^']+\/src\/js\/errors\.js)'/)?.[1];
if (!errorsPath) throw new Error("package.mjs: pycage.js no longer imports src/js/errors.js; update the entry generator");

// --- pycage_inline.js: the glue with the wasm as base64 in place of the
// `new URL("pycage_bg.wasm", import.meta.url)` default, so nothing is
// fetched and no bundler has to understand that expression.
const defaultUrl = "module_or_path = new URL('pycage_bg.wasm', import.meta.url);";
if (!glue.includes(defaultUrl)) throw new Error("package.mjs: the glue's default wasm URL changed; update the inline entry");
const wasmBase64 = readFileSync(new URL("pycage_bg.wasm", pkg)).toString("base64");
write(
  "pycage_inline.js",
  `${glue.replace(defaultUrl, "module_or_path = pycageInlineWasm();")}
// Written by scripts/package.mjs: pycage_bg.wasm, built in (base64).
function pycageInlineWasm() {
    const text = atob(PYCAGE_WASM_BASE64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes;
}
const PYCAGE_WASM_BASE64 = "${wasmBase64}";
`,
);

// --- the entries (index.js, inline.js): the glue, the error classes, and an
// init() whose failure to load the wasm says what to do.
const entry = (glueFile, what, hint) => `// ${what} (written by scripts/package.mjs).
// Re-exports the wasm-bindgen glue and pycage's error classes; init() wraps
// the glue's so that a wasm that cannot be located (a 404, an HTML page
// served in its place, a bundler that left import.meta.url empty) rejects
// with a SandboxInitError that says how to fix it, not a bare CompileError.
import initGlue from "${glueFile}";
import { SandboxInitError } from "${errorsPath}";

export * from "${glueFile}";
export { PycageError, OptionsError, SandboxDisposedError, SandboxInitError, SandboxFileError, SessionError } from "${errorsPath}";

export default async function init(input) {
  try {
    return await initGlue(input);
  } catch (cause) {
    throw cannotLocate(cause, input);
  }
}

// Only failures to fetch or compile the wasm mean "not found"; a link or
// start-up error of a wasm that was found is passed on as it is.
function cannotLocate(cause, input) {
  if (cause instanceof WebAssembly.LinkError || cause instanceof WebAssembly.RuntimeError) return cause;
  const source = input !== null && typeof input === "object" && Object.getPrototypeOf(input) === Object.prototype ? input.module_or_path : input;
  const given = typeof source === "string" || source instanceof URL ? String(source) : null;
  if (source !== undefined && given === null && !(typeof Response === "function" && source instanceof Response) && !(source instanceof Promise)) return cause;
  const text = String(cause?.message ?? cause);
  const url = text.match(/fetching '([^']+)'/)?.[1] ?? given;
  const html = /found 3c (21|68|48)/i.test(text) ? "; the server sent an HTML page in its place" : "";
  const error = new SandboxInitError(
    \`pycage: cannot locate pycage_bg.wasm (\${text}\${html}); ${hint}\`,
    url,
  );
  error.cause = cause;
  return error;
}
`;
write(
  "index.js",
  entry(
    "./pycage.js",
    "The `pycage` entry",
    'pass its URL: init({ module_or_path: "/assets/pycage_bg.wasm" }) (the file ships as pycage/pycage_bg.wasm), or import from "pycage/inline", which has the wasm built in',
  ),
);
write(
  "inline.js",
  entry("./pycage_inline.js", "The `pycage/inline` entry: the wasm is built in, nothing is fetched", "call init() with no argument: this entry has the wasm built in"),
);

// --- the types: the generated ones, plus the error classes, declared here
// so the .d.ts needs nothing outside the package (nor any particular lib).
const entryDts = `// Types of the \`pycage\` and \`pycage/inline\` entries (written by scripts/package.mjs).
export * from "./pycage.js";
export { default } from "./pycage.js";

/** Base class of every error pycage throws. */
export declare class PycageError extends Error {
  constructor(message?: string, options?: { cause?: unknown });
}

/** A bad argument or option (a \`TypeError\`); \`field\` names it (e.g. "timeoutMs", "code"). */
export declare class OptionsError extends TypeError {
  constructor(field: string, message: string);
  /** The option or argument at fault. */
  readonly field: string;
}

/** The sandbox was disposed; it runs nothing more. */
export declare class SandboxDisposedError extends PycageError {
  constructor(message?: string);
}

/** Python (or pycage's own wasm) could not be started; \`url\` names what could not be loaded, when known. */
export declare class SandboxInitError extends PycageError {
  constructor(message?: string, url?: string | null);
  /** What could not be loaded, or null. */
  readonly url: string | null;
}

/** A file call was refused or failed; nothing was written or removed. */
export declare class SandboxFileError extends PycageError {
  constructor(message: string, code: SandboxFileErrorCode, path: string);
  /** Why, as Node's \`fs\` says it: "EINVAL" (empty, NUL), "EACCES" (outside the working
   *  directory), "ENOENT", "EISDIR", "ENOTDIR", "EFBIG" (over maxFileBytes), "EIO" (the
   *  interpreter failed or did not answer; it was replaced). */
  readonly code: SandboxFileErrorCode;
  /** The path as it was given. */
  readonly path: string;
}

/** A session could not be exported or restored: the bytes are not a session this pycage
 *  reads (truncated, corrupt, from another version, over maxSessionBytes), or the sandbox
 *  failed to make or load it. A refused session leaves nothing behind. */
export declare class SessionError extends PycageError {
  constructor(message?: string);
}

export type SandboxFileErrorCode = "EINVAL" | "EACCES" | "ENOENT" | "EISDIR" | "ENOTDIR" | "EFBIG" | "EIO";
`;
write("index.d.ts", entryDts);
write("inline.d.ts", `// Types of the \`pycage/inline\` entry: the same API as \`pycage\`.\nexport * from "./index.js";\nexport { default } from "./index.js";\n`);

// --- package.json ---
const manifest = JSON.parse(read("package.json"));
const entries = ["index.js", "index.d.ts", "inline.js", "inline.d.ts", "pycage_inline.js"];
manifest.files = [...new Set([...(manifest.files ?? []), "agent", "render", "store", ...entries])];
manifest.main = "index.js";
manifest.types = "index.d.ts";
manifest.exports = {
  ".": { types: "./index.d.ts", default: "./index.js" },
  "./inline": { types: "./inline.d.ts", default: "./inline.js" },
  "./agent": { types: "./agent/index.d.ts", default: "./agent/index.js" },
  "./render": { types: "./render/index.d.ts", default: "./render/index.js" },
  "./store": { types: "./store/index.d.ts", default: "./store/index.js" },
  "./pycage_bg.wasm": "./pycage_bg.wasm",
  "./package.json": "./package.json",
};
write("package.json", `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`${pkg.pathname}: entries (pycage, pycage/inline, pycage/agent, pycage/render, pycage/store), types and exports map written`);
