// Stand-ins for the page's drawing APIs (Image, createImageBitmap,
// OffscreenCanvas), so a Node test can see what the adapter would decode and
// draw in a page, and prove what it never touches.

/**
 * Runs `fn` with the page's drawing APIs stubbed and recording, then puts
 * the globals back. `decodedSize(opts)` is the size a decode returns.
 * Returns the log: `images` (Image objects made), `decodes`
 * (createImageBitmap options), `draws` (drawImage sizes).
 */
export async function withCanvas(fn, decodedSize = () => ({ width: 800, height: 600 })) {
  const log = { images: 0, decodes: [], draws: [] };
  const names = ["Image", "createImageBitmap", "OffscreenCanvas"];
  const saved = names.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)]);
  globalThis.Image = class {
    constructor() {
      log.images++;
    }
    async decode() {}
  };
  globalThis.createImageBitmap = async (_blob, opts) => {
    log.decodes.push(opts ?? {});
    return { ...decodedSize(opts), close() {} };
  };
  globalThis.OffscreenCanvas = class {
    constructor(width, height) {
      Object.assign(this, { width, height });
    }
    getContext() {
      return { drawImage: (_src, _x, _y, w, h) => log.draws.push({ width: w, height: h }), fillRect() {} };
    }
    async convertToBlob(opts) {
      return new Blob([new Uint8Array(100)], { type: opts.type });
    }
  };
  try {
    await fn();
  } finally {
    for (const [name, desc] of saved) {
      if (desc) Object.defineProperty(globalThis, name, desc);
      else delete globalThis[name];
    }
  }
  return log;
}
