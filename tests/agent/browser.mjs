// The page-only half of pycage/agent: downscaling and the JPEG fallback,
// which need a canvas, and the page's thread kept free: an SVG figure whose
// drawing would cost seconds (issue 23) arrives as text while a 25 ms timer
// on the page keeps ticking. Serves the crate root as the demo does and runs
// agent/ in headless Chromium (playwright-core, /usr/bin/chromium).
// Usage: node tests/agent/browser.mjs   (needs no build)
import { launch, serve, tally } from "../e2e/harness.mjs";

const { check, finish } = tally("agent browser");

// A timer tick later than this means the page's thread was held.
const MAX_STALL_MS = 500;

// Runs in the page: builds the figures there (the PNGs with
// OffscreenCanvas.convertToBlob), converts them, and decodes what came out.
async function inPage() {
  const agent = await import("/agent/index.js");
  const bytesOf = async (blob) => new Uint8Array(await blob.arrayBuffer());
  const fromBase64 = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  async function decode(part) {
    const bytes = fromBase64(part.data);
    const bitmap = await createImageBitmap(new Blob([bytes], { type: part.mime }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext("2d");
    ctx.drawImage(bitmap, 0, 0);
    const centre = [...ctx.getImageData(bitmap.width >> 1, bitmap.height >> 1, 1, 1).data];
    return { mime: part.mime, width: bitmap.width, height: bitmap.height, bytes: bytes.length, centre };
  }
  async function png(width, height, paint) {
    const canvas = new OffscreenCanvas(width, height);
    paint(canvas.getContext("2d"), width, height);
    return { mime: "image/png", data: await bytesOf(await canvas.convertToBlob({ type: "image/png" })), width, height, source: "matplotlib" };
  }
  const chart = (ctx, w, h) => {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    ctx.fillStyle = "#1f77b4";
    for (let i = 0; i < 12; i++) ctx.fillRect((i * w) / 12 + 10, h - (i + 1) * (h / 14), w / 14, (i + 1) * (h / 14));
    ctx.fillStyle = "#d62728";
    ctx.fillRect(w / 2 - 40, h / 2 - 40, 80, 80);
  };
  // Random pixels: a PNG of them stays heavy however it is encoded.
  const noise = (ctx, w, h) => {
    const img = ctx.createImageData(w, h);
    crypto.getRandomValues(img.data.subarray(0, 65536));
    for (let i = 65536; i < img.data.length; i += 65536) img.data.copyWithin(i, (i * 7919) % 65536 & ~3, 65536);
    for (let i = 3; i < img.data.length; i += 4) img.data[i] = 255;
    ctx.putImageData(img, 0, 0);
  };
  const svgText = (attrs) =>
    `<svg xmlns="http://www.w3.org/2000/svg" ${attrs}><rect width="100%" height="100%" fill="rgb(0,128,128)"/>` +
    `<circle cx="50%" cy="20%" r="10" fill="orange"/></svg>`;
  const svg = (attrs, width, height) => ({ mime: "image/svg+xml", data: new TextEncoder().encode(svgText(attrs)), width, height, source: "display" });
  // Twelve 15x15 convolutions over the whole figure: 6 KB of markup that
  // pycage's SVG checks accept (its size is within the caps), and that take
  // seconds to draw.
  const kernel = Array.from({ length: 225 }, (_, i) => i % 3).join(" ");
  const stage = `<feConvolveMatrix order="15" kernelMatrix="${kernel}" edgeMode="wrap"/>`;
  const costly =
    '<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="1000"><filter id="f" x="0" y="0" width="1" height="1">' +
    `${stage.repeat(12)}</filter><rect width="1000" height="1000" fill="teal" filter="url(#f)"/></svg>`;

  // The longest gap between ticks of a 25 ms timer while `work` runs (and
  // 100 ms after, so a stall at its very end is seen too).
  async function worstStall(work) {
    let last = performance.now();
    let worst = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 25);
    try {
      const result = await work();
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { result, stallMs: Math.round(worst) };
    } finally {
      clearInterval(timer);
    }
  }

  const base = { status: "ok", stdout: "", stderr: "", truncated: false, result: null, error: null, outputs: [], droppedOutputs: [], protocolViolations: [], durationMs: 5, interpreterReset: false };
  const run = async (figures, budget) => {
    const parts = await agent.toModelContent({ ...base, figures }, budget);
    const images = [];
    for (const p of parts.slice(1).filter((part) => part.type === "image")) images.push(await decode(p).catch((e) => ({ error: `${p.mime} ${p.data.length}: ${e.message}` })));
    const texts = parts.slice(1).filter((p) => p.type === "text").map((p) => p.text);
    return { text: parts[0].text, images, texts, raw: parts.slice(1).map((p) => p.data ?? p.text) };
  };

  const big = await png(4000, 3000, chart);
  const small = await png(640, 480, chart);
  const costlyRun = await worstStall(() => run([{ mime: "image/svg+xml", data: new TextEncoder().encode(costly), width: 1000, height: 1000, source: "display" }]));
  const bigRun = await worstStall(() => run([big]));
  const out = {
    budget: agent.DEFAULT_BUDGET,
    costly,
    costlyRun,
    bigBytes: big.data.length,
    big: bigRun.result,
    bigStallMs: bigRun.stallMs,
    small: await run([small]),
    smallB64: btoa(String.fromCharCode(...small.data)),
    noise: await run([await png(1500, 1000, noise)], { maxImageBytes: 300_000 }),
    svg: await run([svg('width="320" height="240"', 320, 240)]),
    svgRelative: await run([svg('viewBox="0 0 400 200" width="100%"', null, null)]),
    // Claims more pixels than are decoded: named, not decoded, though its bytes are small.
    huge: await run([{ ...small, width: 6000, height: 5000 }]),
    // Claims to be large, so it must be decoded to be downscaled.
    broken: await run([{ mime: "image/png", data: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]), width: 4000, height: 3000, source: "display" }]),
    tooSmallBudget: await run([big], { maxImageBytes: 50 }),
  };
  const anthropic = await agent.toAnthropic("toolu_1", { ...base, figures: [big] });
  out.anthropicImage = anthropic.content[1]?.source?.media_type;
  return out;
}

const { server, url } = await serve();
const browser = await launch();
try {
  const page = await browser.newPage();
  page.on("pageerror", (err) => check(false, `no uncaught page error (${err.message})`));
  page.on("console", (msg) => {
    // The browser asks for /favicon.ico; the server has none.
    if (msg.type() === "error" && !(msg.location().url ?? "").endsWith("/favicon.ico")) check(false, `no console error (${msg.text()} at ${msg.location().url})`);
  });
  await page.goto(`${url}tests/agent/`);
  const r = await page.evaluate(inPage);
  const b = r.budget;
  const within = (img, max = b.maxImageBytes) =>
    img.width * img.height <= b.maxImagePixels && Math.max(img.width, img.height) <= b.maxImageSide && img.bytes <= max;

  const [big] = r.big.images;
  check(r.big.images.length === 1 && within(big), `a 4000x3000 PNG (${r.bigBytes} bytes) is downscaled within the budget (${big?.width}x${big?.height} ${big?.mime}, ${big?.bytes} bytes)`);
  check(big && Math.abs(big.width / big.height - 4 / 3) < 0.01, "it keeps its aspect ratio");
  check(big && big.width * big.height > b.maxImagePixels * 0.95, "it uses the pixel budget, not much less");
  check(big?.centre.join() === "214,39,40,255", `its content survives (centre pixel ${big?.centre})`);
  check(/Figure 1: PNG 4000x3000 \(\d+ KB\), attached as image 1, downscaled to \d+x\d+ PNG/.test(r.big.text), "the text says it was downscaled");
  check(r.anthropicImage === "image/png", "the converters carry the downscaled image");

  check(r.small.raw[0] === r.smallB64, "a 640x480 PNG within the budget passes through byte for byte");

  const [noise] = r.noise.images;
  check(noise?.mime === "image/jpeg" && within(noise, 300_000), `a PNG over the byte budget becomes a JPEG within it (${noise?.width}x${noise?.height}, ${noise?.bytes} bytes)`);

  const costly = r.costlyRun.result;
  check(
    r.costlyRun.stallMs < MAX_STALL_MS,
    `an SVG of twelve 15x15 convolutions (${r.costly.length} bytes) holds the page's thread under ${MAX_STALL_MS} ms (worst timer gap ${r.costlyRun.stallMs} ms)`,
  );
  check(costly.images.length === 0 && costly.texts.length === 1 && costly.texts[0].endsWith(`\n${r.costly}`), "it arrives as its SVG source, whole, and as no image");
  check(/^\[figure 1: SVG 1000x1000 \(6 KB\), sent as its SVG source\]\n<svg /.test(costly.texts[0] ?? ""), "its text part starts with a note naming it");
  check(/Figure 1: SVG 1000x1000 \(6 KB\), sent as its SVG source in a text part of its own, not as an image\./.test(costly.text), "the summary says so");
  check(r.bigStallMs < MAX_STALL_MS, `downscaling a 4000x3000 PNG holds the page's thread under ${MAX_STALL_MS} ms (worst timer gap ${r.bigStallMs} ms)`);

  check(r.svg.images.length === 0 && r.svg.texts.length === 1 && /sent as its SVG source\]\n<svg [^]*<\/svg>$/.test(r.svg.texts[0]), "a plain SVG is sent as its source");
  check(r.svgRelative.texts.length === 1 && /^\[figure 1: SVG \(\d+ bytes\), sent as its SVG source\]/.test(r.svgRelative.texts[0]), "an SVG sized in relative units too");

  check(r.huge.images.length === 0 && /Figure 1: PNG 6000x5000 \(\d+ (bytes|KB)\), not sent: over the 25,000,000 pixels decoded here\./.test(r.huge.text), "a PNG declaring 30 megapixels is not decoded");

  check(r.broken.images.length === 0 && /not sent: it could not be decoded/.test(r.broken.text), "a broken PNG is named, not thrown");
  check(r.tooSmallBudget.images.length === 0 && /no size of it fits the image budget/.test(r.tooSmallBudget.text), "an impossible byte budget names the figure");
} catch (err) {
  check(false, `the page ran (${err.message})`);
} finally {
  await browser.close();
  server.kill();
}
finish();
