// Vite 6's dev server pre-bundles pycage into node_modules/.vite/deps/ without
// the wasm beside it, so the default entry cannot locate pycage_bg.wasm (the
// dev server answers with index.html): init() must say so and name the fix.
import init, { Sandbox, SandboxInitError } from "pycage";

window.pycage = { init, Sandbox, SandboxInitError };
document.body.dataset.ready = "true";
