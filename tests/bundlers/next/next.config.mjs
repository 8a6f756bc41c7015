// Only headers: COOP/COEP make the pages cross-origin isolated, so a timeout
// interrupts Python (KeyboardInterrupt, state kept) instead of restarting it.
// pycage itself needs no Next config.
export default {
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
          { key: "Cross-Origin-Embedder-Policy", value: "require-corp" },
        ],
      },
    ];
  },
};
