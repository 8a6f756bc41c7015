// Images: PNG, JPEG and SVG only, shown as <img> from a data: URL built here
// from the bytes (no wasm needed). pycage has validated them already; the
// signature is checked again, and an SVG in an <img> runs no script and
// loads nothing.

export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/svg+xml"];

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (typeof data === "string") return new TextEncoder().encode(data);
  return null;
}

export function base64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

const isPng = (b) => b.length > 24 && PNG_SIGNATURE.every((v, i) => b[i] === v);
const isJpeg = (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
const isSvg = (b) => {
  const head = new TextDecoder().decode(b.subarray(0, 4096));
  return /<svg[\s>]/i.test(head) || (/^\s*(<\?xml|<!--|<!DOCTYPE)/i.test(head) && b.length > 0);
};

/** `data:` URL of a PNG, JPEG or SVG (bytes or SVG text), or null when it is not one. */
export function imageDataUrl(mime, data) {
  if (!IMAGE_TYPES.includes(mime)) return null;
  const bytes = toBytes(data);
  if (!bytes) return null;
  const ok = mime === "image/png" ? isPng(bytes) : mime === "image/jpeg" ? isJpeg(bytes) : isSvg(bytes);
  return ok ? `data:${mime};base64,${base64(bytes)}` : null;
}

/** A PNG's width and height from its header, or null. */
export function pngSize(bytes) {
  if (!(bytes instanceof Uint8Array) || !isPng(bytes)) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = v.getUint32(16);
  const height = v.getUint32(20);
  return width > 0 && height > 0 && width <= 30000 && height <= 30000 ? { width, height } : null;
}

/** The title an image carries, if any: an SVG's <title>, a PNG's tEXt "Title". */
export function imageTitle(mime, data) {
  const bytes = toBytes(data);
  if (!bytes) return null;
  if (mime === "image/svg+xml") {
    const head = new TextDecoder().decode(bytes.subarray(0, 65536));
    const m = /<title(?:\s[^>]*)?>([^<]{1,300})<\/title>/i.exec(head);
    return m ? decodeEntities(m[1]).trim() || null : null;
  }
  if (mime === "image/png" && isPng(bytes)) {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 8;
    for (let n = 0; n < 64 && at + 8 <= bytes.length; n++) {
      const length = v.getUint32(at);
      const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
      if (type === "IDAT" || type === "IEND" || at + 12 + length > bytes.length) break;
      if (type === "tEXt" && length < 2000) {
        const body = bytes.subarray(at + 8, at + 8 + length);
        const zero = body.indexOf(0);
        if (zero > 0 && String.fromCharCode(...body.subarray(0, zero)) === "Title") {
          return new TextDecoder("latin1").decode(body.subarray(zero + 1)).trim().slice(0, 300) || null;
        }
      }
      at += 12 + length;
    }
  }
  return null;
}

function decodeEntities(s) {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d{1,6}|#x[0-9a-f]{1,5});/gi, (all, e) => {
    const named = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" }[e.toLowerCase()];
    if (named) return named;
    const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}

/** The first image of a mime bundle: `{ mime, data }`, or null. */
export function bundleImage(bundle) {
  for (const mime of IMAGE_TYPES) {
    const data = bundle[mime];
    // PNG and JPEG are bytes; SVG is text (or its UTF-8 bytes).
    if (data instanceof Uint8Array || (mime === "image/svg+xml" && typeof data === "string")) return { mime, data };
  }
  return null;
}
