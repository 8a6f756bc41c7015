// esbuild does not resolve `new URL(..., import.meta.url)`, so this app uses
// the entry with the wasm built in: the same API, nothing to locate.
import init, { Sandbox, SandboxInitError } from "pycage/inline";

window.pycage = { init, Sandbox, SandboxInitError };
document.body.dataset.ready = "true";
