// Type-checked against the installed package (node_modules/pycage, from the
// packed tarball), so its `exports` map's "types" conditions are what resolve.
import init, { Sandbox, SandboxInitError, OptionsError } from "pycage";
import initInline from "pycage/inline";
import type { Execution } from "pycage";

export async function check(): Promise<string> {
  await (Math.random() < 0.5 ? init() : initInline());
  try {
    const ex: Execution = await (await Sandbox.create({ pyodideUrl: "/pyodide/" })).runPython("1");
    return ex.status;
  } catch (err) {
    if (err instanceof SandboxInitError) return err.url ?? "";
    if (err instanceof OptionsError) return err.field;
    throw err;
  }
}
