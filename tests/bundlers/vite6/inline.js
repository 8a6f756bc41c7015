// The fix for older dev servers: the entry with the wasm built in.
import init, { Sandbox, SandboxInitError } from "pycage/inline";

window.pycage = { init, Sandbox, SandboxInitError };
document.body.dataset.ready = "true";
