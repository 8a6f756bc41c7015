// Bytes to base64 in the page and in Node alike, without a data: prefix:
// each vendor wants the bare base64 (or builds its own data: URL from it).

/** A figure's data as a Uint8Array, whatever view or array it came in. */
export function toBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data)) return Uint8Array.from(data);
  if (typeof data === "string") return new TextEncoder().encode(data);
  return new Uint8Array(0);
}

export function toBase64(bytes) {
  if (typeof bytes.toBase64 === "function") return bytes.toBase64();
  if (typeof Buffer === "function") return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  // btoa takes a "binary string"; built in chunks because spreading a large
  // array into one call overflows the argument limit.
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
