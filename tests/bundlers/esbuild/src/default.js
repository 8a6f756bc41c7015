// The default entry under esbuild: the wasm cannot be located (iife: no
// import.meta.url; esm: the file was not copied), and init() must say so
// clearly, naming the fix.
import init, { Sandbox, SandboxInitError } from "pycage";

window.pycage = { init, Sandbox, SandboxInitError };
document.body.dataset.ready = "true";
