// Figures to image parts within the budget. In a page, images that are too
// large are downscaled (and re-encoded as JPEG when PNG stays too heavy) and
// SVGs are rasterised; in Node, which has no canvas, what already fits is
// passed through and the rest is named in the text, so the model knows a
// figure exists that it cannot see.
import { formatBytes } from "./budget.js";
import { toBase64, toBytes } from "./base64.js";

const RASTER = new Set(["image/png", "image/jpeg"]);
const SHORT = { "image/png": "PNG", "image/jpeg": "JPEG", "image/svg+xml": "SVG" };

const canRaster = () => typeof OffscreenCanvas === "function" && typeof createImageBitmap === "function";
// Rasterising an SVG needs an <img> (createImageBitmap does not take SVG
// blobs everywhere), so a document: not a worker, not Node.
const canSvg = () => canRaster() && typeof Image === "function";

function describe(fig, bytes) {
  const kind = SHORT[fig.mime] ?? String(fig.mime);
  const size = fig.width > 0 && fig.height > 0 ? ` ${fig.width}x${fig.height}` : "";
  return `${kind}${size} (${formatBytes(bytes.length)})`;
}

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

/**
 * Draws `source` at the largest size within the pixel and side budget, then
 * halves the area until the PNG, or failing that a JPEG, is within the byte
 * budget. Returns null when even a small one is not.
 */
async function encodeWithin(source, width, height, budget) {
  let scale = Math.min(1, Math.sqrt(budget.maxImagePixels / (width * height)), budget.maxImageSide / Math.max(width, height));
  for (let attempt = 0; attempt < 6; attempt++, scale *= 0.7) {
    const w = Math.max(1, Math.floor(width * scale));
    const h = Math.max(1, Math.floor(height * scale));
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(source, 0, 0, w, h);
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

async function raster(fig, bytes, budget) {
  const known = fig.width > 0 && fig.height > 0;
  const passThrough = { type: "image", mime: fig.mime, data: toBase64(bytes) };
  if (known && fits(fig.width, fig.height, bytes.length, budget)) return { image: passThrough, note: "" };
  if (!canRaster()) {
    if (!known && bytes.length <= budget.maxImageBytes) return { image: passThrough, note: "" };
    return { note: `not sent: over the image budget (${budgetText(budget)}) and it cannot be downscaled here` };
  }
  const bitmap = await createImageBitmap(new Blob([bytes], { type: fig.mime }));
  try {
    if (fits(bitmap.width, bitmap.height, bytes.length, budget)) return { image: passThrough, note: "" };
    const encoded = await encodeWithin(bitmap, bitmap.width, bitmap.height, budget);
    if (!encoded) return { note: `not sent: no size of it fits the image budget (${formatBytes(budget.maxImageBytes)})` };
    const { image, size } = await partOf(encoded);
    return { image, note: `downscaled to ${size}` };
  } finally {
    bitmap.close();
  }
}

async function svg(fig, bytes, budget) {
  if (!canSvg()) return { note: "not sent: an SVG cannot be rasterised here" };
  const img = new Image();
  // A data: URL, not a blob: one: pages that show figures already allow
  // data: images in their CSP. Inside an <img> an SVG runs no script and
  // loads nothing.
  img.src = `data:image/svg+xml;base64,${toBase64(bytes)}`;
  await img.decode();
  // An SVG sized in relative units has no natural size in some browsers.
  const width = img.naturalWidth || fig.width || 800;
  const height = img.naturalHeight || fig.height || 600;
  const encoded = await encodeWithin(img, width, height, budget);
  if (!encoded) return { note: `not sent: no size of it fits the image budget (${formatBytes(budget.maxImageBytes)})` };
  const { image, size } = await partOf(encoded);
  return { image, note: `rasterised to ${size}` };
}

async function convert(fig, bytes, budget) {
  if (RASTER.has(fig.mime)) return raster(fig, bytes, budget);
  if (fig.mime === "image/svg+xml") return svg(fig, bytes, budget);
  return { note: "not sent: not an image type a model takes" };
}

/**
 * The figures as image parts, at most `budget.maxImages` of them, and one
 * line per figure for the text part. A figure that cannot be sent does not
 * use up a place: the next one gets it.
 */
export async function figureImages(figures, budget) {
  const list = Array.isArray(figures) ? figures : [];
  const images = [];
  const notes = [];
  let i = 0;
  for (; i < list.length && images.length < budget.maxImages; i++) {
    const fig = list[i] ?? {};
    const bytes = toBytes(fig.data);
    const label = `Figure ${i + 1}: ${describe(fig, bytes)}`;
    let out;
    try {
      out = await convert(fig, bytes, budget);
    } catch (err) {
      out = { note: `not sent: it could not be decoded (${err?.message ?? err})` };
    }
    if (out.image) {
      images.push(out.image);
      notes.push(`${label}, attached as image ${images.length}${out.note ? `, ${out.note}` : ""}.`);
    } else {
      notes.push(`${label}, ${out.note}.`);
    }
  }
  const left = list.length - i;
  if (left > 0) {
    const which = left === 1 ? `Figure ${i + 1} was` : `Figures ${i + 1}-${list.length} (${left}) were`;
    notes.push(
      `${which} not sent: the budget is ${budget.maxImages} image${budget.maxImages === 1 ? "" : "s"} per call. ` +
        "Draw related plots as subplots of one figure, or show fewer.",
    );
  }
  return { images, notes };
}
