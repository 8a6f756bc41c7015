// A small consumer of the published package, type-checked against pkg/*.d.ts
// under `strict`, `skipLibCheck: false` and `lib: ["ES2022", "DOM"]` (no
// esnext: the package's types must bring what they need): if the generated
// types drift from the documented API, this stops compiling.
import init, { Sandbox, runPython, figureToDataUrl, figureToBlob, runnerHtml, setMaxLiveInterpreters, liveInterpreters, setStandbyPoolSize } from "pycage";
import { PycageError, OptionsError, SandboxDisposedError, SandboxInitError, SandboxFileError, SessionError } from "pycage";
import type { Execution, Figure, Output, SandboxOptions, RunOptions, FileInfo, OutputFile, SandboxFileErrorCode, RestoredSession } from "pycage";
import { saveSession, loadSession, deleteSession, listSessions } from "pycage/store";
import initInline, { Sandbox as InlineSandbox } from "pycage/inline";

/** Each error class is a value (instanceof) and narrows to its own fields. */
function describe(err: unknown): string {
  if (err instanceof OptionsError) {
    const field: string = err.field;
    const asType: TypeError = err;
    return `${field}: ${asType.message}`;
  }
  if (err instanceof SandboxInitError) {
    const url: string | null = err.url;
    const base: PycageError = err;
    return `${url ?? "?"}: ${base.message}`;
  }
  if (err instanceof SandboxDisposedError) {
    const base: PycageError = err;
    return base.name;
  }
  if (err instanceof SandboxFileError) {
    const code: SandboxFileErrorCode = err.code;
    const path: string = err.path;
    return `${code} ${path}`;
  }
  if (err instanceof SessionError) {
    const base: PycageError = err;
    return base.message;
  }
  if (err instanceof PycageError) return err.message;
  return String(err);
}

async function main(): Promise<void> {
  await init();
  await init({ module_or_path: "/assets/pycage_bg.wasm" });
  await initInline();
  const inline: InlineSandbox = await InlineSandbox.create({ pyodideUrl: "/pyodide/" });
  using scoped = await Sandbox.create({ pyodideUrl: "/pyodide/" });
  void [inline, scoped, describe];
  const options: SandboxOptions = { pyodideUrl: "/pyodide/", timeoutMs: 5000, isolation: "iframe", packages: ["six"] };
  const sb: Sandbox = await Sandbox.create(options);
  const controller = new AbortController();
  const run: RunOptions = { timeoutMs: 100, signal: controller.signal, onStdout: (c: string) => void c, figureFormat: "svg" };
  const ex: Execution = await sb.runPython("1+1", run);
  const status: "ok" | "error" | "timeout" | "cancelled" | "crashed" = ex.status;
  const plain: string | undefined = ex.result?.["text/plain"];
  const line: number | null | undefined = ex.error?.line;
  const figures: Figure[] = ex.figures;
  for (const f of figures) {
    const url: string = figureToDataUrl(f);
    const blob: Blob = figureToBlob(f);
    const size: [number | null, number | null] = [f.width, f.height];
    void [url, blob, size, f.source satisfies "matplotlib" | "display" | "result"];
  }
  const outputs: Output[] = ex.outputs;
  const reset: boolean = ex.interpreterReset;
  const why: string | null = ex.resetReason;
  const heap: number | null = ex.memoryBytes;
  const waited: number = ex.waitedMs;
  const bounded: SandboxOptions = { maxMemoryBytes: 512 << 20, recycleMemoryBytes: 256 << 20 };
  setMaxLiveInterpreters(6);
  setMaxLiveInterpreters(null);
  setStandbyPoolSize(1);
  const live: number = liveInterpreters();
  void [why, heap, waited, bounded, live];
  await sb.writeFile("in.csv", "a,b\n");
  await sb.writeFile("in.bin", new Uint8Array([1, 2]));
  const back: Uint8Array = await sb.readFile("in.csv");
  const listed: FileInfo[] = await sb.listFiles();
  const sub: FileInfo[] = await sb.listFiles("sub");
  await sb.removeFile("in.bin");
  const made: OutputFile[] = ex.files;
  for (const f of made) void [f.path, f.size, f.mime, f.data satisfies Uint8Array];
  const lost: string[] = ex.lostFiles;
  const asked: RunOptions = { onInput: async (prompt: string) => prompt.toUpperCase() };
  const capped: SandboxOptions = { maxFileBytes: 1 << 20, maxRunFileBytes: 1 << 21, pypi: { allowed: ["tabulate"] } };
  void [back, listed[0]?.modifiedMs, sub, lost, asked, capped];
  const session: Uint8Array = await sb.exportSession();
  await saveSession("chat-1", session);
  const kept: Uint8Array | null = await loadSession("chat-1");
  const keys: string[] = await listSessions();
  await deleteSession("chat-1");
  const resumed = await Sandbox.create({ session: kept ?? session, maxSessionBytes: 64 << 20, keepSessionOnEviction: true });
  const restored: RestoredSession | null = resumed.restoredSession;
  const again: RestoredSession = await resumed.restoreSession(session);
  for (const s of again.skipped) void [s.name, s.reason];
  void [keys, restored?.exact, restored?.variables, again.files];
  await sb.reset();
  sb.dispose();
  const isolation: "iframe" | "worker" = sb.isolation;
  const runner: SandboxOptions = { runnerUrl: "https://sandbox.example-usercontent.com/runner.html" };
  const page: string = runnerHtml();
  void [runner, page];
  const one: Execution = await runPython("print(1)", { timeoutMs: 1000, pyodideUrl: "/pyodide/" });
  void [status, plain, line, outputs, reset, isolation, one];
}

void main;
