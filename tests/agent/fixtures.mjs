// Test data for the agent tests: Executions as the sandbox returns them, and
// real (tiny, solid-colour) PNGs so the figures carry true bytes.
import { deflateSync } from "node:zlib";

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "ascii");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A valid RGB PNG of one colour. */
export function makePng(width, height, rgb = [40, 90, 200]) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
  return new Uint8Array(png);
}

export function pngFigure(width, height, source = "matplotlib") {
  return { mime: "image/png", data: makePng(width, height), width, height, source };
}

export function svgFigure(width = 320, height = 240) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="teal"/></svg>`;
  return { mime: "image/svg+xml", data: new TextEncoder().encode(svg), width, height, source: "display" };
}

/** An Execution with the sandbox's defaults; `fields` override them. */
export function execution(fields = {}) {
  return {
    status: "ok",
    stdout: "",
    stderr: "",
    truncated: false,
    result: null,
    error: null,
    figures: [],
    outputs: [],
    droppedOutputs: [],
    protocolViolations: [],
    durationMs: 42,
    interpreterReset: false,
    ...fields,
  };
}

export const timeout = () =>
  execution({
    status: "timeout",
    stdout: "step 1\nstep 2\n",
    error: { type: "TimeoutError", message: "stopped after 2000 ms (the interpreter was restarted)", traceback: "", line: null },
    durationMs: 2003,
    interpreterReset: true,
  });

export const syntaxError = () =>
  execution({
    status: "error",
    error: {
      type: "SyntaxError",
      message: "'(' was never closed (<cell-3>, line 2)",
      traceback: '  File "<cell-3>", line 2\n    print(max(values)\n         ^\nSyntaxError: \'(\' was never closed\n',
      line: 2,
    },
  });
