// Only headers: COOP/COEP make the page cross-origin isolated, so a timeout
// interrupts Python (KeyboardInterrupt, state kept) instead of restarting it.
// pycage itself needs no Vite config.
const isolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default {
  server: { headers: isolation },
  preview: { headers: isolation },
};
