// A webpack 5 app with no webpack config at all (src/index.js -> dist/main.js):
// webpack turns pycage's `new URL("pycage_bg.wasm", import.meta.url)` into an
// emitted asset by itself. Hands the API to tests/bundlers/run.mjs.
import init, { Sandbox, SandboxInitError } from "pycage";

window.pycage = { init, Sandbox, SandboxInitError };
document.body.dataset.ready = "true";
