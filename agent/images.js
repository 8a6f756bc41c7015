// A PNG or JPEG figure as an image part within the budget. One within it
// passes through byte for byte. One over it is, in a page, decoded by
// createImageBitmap (browsers decode off the page's thread), drawn smaller
// on an OffscreenCanvas and re-encoded, as JPEG when PNG stays too heavy;
// in Node, which has neither, it is named in the text. Nothing over
// MAX_DECODE_PIXELS is decoded or drawn, whatever its bytes: a few bytes of
// PNG can declare a 30 000 x 30 000 image, and drawing costs by the pixel.
// (Asking createImageBitmap to resize was measured slower: Chromium
// resizes on the page's thread.)
import { formatBytes } from "./budget.js";
import { toBase64 } from "./base64.js";

/** pycage's default `maxImagePixels`: every figure a sandbox with the
 *  defaults returns is within it. */
const MAX_DECODE_PIXELS = 25_000_000;

const SHORT = { "image/png": "PNG", "image/jpeg": "JPEG" };

const canRaster = () => typeof OffscreenCanvas === "function" && typeof createImageBitmap === "function";

function fits(width, height, byteLength, budget) {
  return (
    byteLength <= budget.maxImageBytes &&
    width * height <= budget.maxImagePixels &&
    Math.max(width, height) <= budget.maxImageSide
  );
}

function budgetText(budget) {
  return `${budget.maxImagePixels.toLocaleString("en-US")} pixels, ${budget.maxImageSide} px a side, ${formatBytes(budget.maxImageBytes)}`;
}

/** The size within the pixel and side budget, same aspect ratio. */
function sizeWithin(width, height, budget) {
  const scale = Math.min(1, Math.sqrt(budget.maxImagePixels / (width * height)), budget.maxImageSide / Math.max(width, height));
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}

/**
 * Decodes `bytes` at their full size: browsers decode off the page's thread.
 * The bitmap's own size is checked before anything draws it, in case the
 * image is larger than its figure declared.
 */
async function decode(bytes, mime) {
  const bitmap = await createImageBitmap(new Blob([bytes], { type: mime }));
  if (bitmap.width * bitmap.height > MAX_DECODE_PIXELS) {
    const size = `${bitmap.width}x${bitmap.height}`;
    bitmap.close();
    throw new Error(`it decoded to ${size}, over the ${MAX_DECODE_PIXELS.toLocaleString("en-US")} pixels drawn here`);
  }
  return bitmap;
}

/**
 * Draws `bitmap` at the largest size within the pixel and side budget, then
 * smaller by halves of its area, until the PNG, or failing that a JPEG, is within the byte budget.
 * Returns null when even a small one is not.
 */
async function encodeWithin(bitmap, budget) {
  const size = sizeWithin(bitmap.width, bitmap.height, budget);
  let scale = 1;
  for (let attempt = 0; attempt < 6; attempt++, scale *= 0.7) {
    const w = Math.max(1, Math.floor(size.width * scale));
    const h = Math.max(1, Math.floor(size.height * scale));
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(bitmap, 0, 0, w, h);
    const png = await canvas.convertToBlob({ type: "image/png" });
    if (png.size <= budget.maxImageBytes) return { blob: png, mime: "image/png", width: w, height: h };
    // JPEG has no alpha: paint white behind the figure, as a page shows it.
    ctx.globalCompositeOperation = "destination-over";
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    const jpeg = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.85 });
    if (jpeg.size <= budget.maxImageBytes) return { blob: jpeg, mime: "image/jpeg", width: w, height: h };
  }
  return null;
}

async function partOf(encoded) {
  const bytes = new Uint8Array(await encoded.blob.arrayBuffer());
  const image = { type: "image", mime: encoded.mime, data: toBase64(bytes) };
  return { image, size: `${encoded.width}x${encoded.height} ${SHORT[encoded.mime]} (${formatBytes(bytes.length)})` };
}

async function downscale(fig, bytes, budget) {
  const bitmap = await decode(bytes, fig.mime);
  try {
    const encoded = await encodeWithin(bitmap, budget);
    if (!encoded) return { note: `not sent: no size of it fits the image budget (${formatBytes(budget.maxImageBytes)})` };
    const { image, size } = await partOf(encoded);
    return { image, note: `downscaled to ${size}` };
  } finally {
    bitmap.close();
  }
}

/**
 * `{ image, note }` for a PNG or JPEG figure, or `{ note }` saying why it
 * was not sent. Its size is the one it declares (pycage reads it from the
 * image's header); a figure without one is never decoded.
 */
export async function rasterImage(fig, bytes, budget) {
  const known = fig.width > 0 && fig.height > 0;
  const passThrough = { image: { type: "image", mime: fig.mime, data: toBase64(bytes) }, note: "" };
  if (known && fits(fig.width, fig.height, bytes.length, budget)) return passThrough;
  if (!known && bytes.length <= budget.maxImageBytes) return passThrough;
  if (!known) return { note: `not sent: over the image budget (${budgetText(budget)}), and its size is not known` };
  if (fig.width * fig.height > MAX_DECODE_PIXELS) {
    return { note: `not sent: over the ${MAX_DECODE_PIXELS.toLocaleString("en-US")} pixels decoded here` };
  }
  if (!canRaster()) return { note: `not sent: over the image budget (${budgetText(budget)}) and it cannot be downscaled here` };
  return downscale(fig, bytes, budget);
}
