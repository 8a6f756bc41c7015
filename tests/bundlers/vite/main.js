// A Vite app that uses pycage as a user would: no plugin, no wasm config.
// It hands the package's API to the test driver (tests/bundlers/run.mjs).
import init, { Sandbox, SandboxInitError } from "pycage";

window.pycage = { init, Sandbox, SandboxInitError };
document.body.dataset.ready = "true";
