// Small DOM helpers. Every string from the sandbox enters the page as a
// text node (textContent), never as markup.

/** `<tag class=...>` in `doc`, with text (as a text node) or children. */
export function el(doc, tag, className, ...children) {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? doc.createTextNode(child) : child);
  }
  return node;
}

/** A notice: a short line about what was not shown, or how the run ended. */
export function notice(doc, text, kind = "info") {
  const node = el(doc, "div", `pycage-notice pycage-notice-${kind}`, text);
  node.setAttribute("role", "note");
  return node;
}

/** At most `max` UTF-16 units, with an ellipsis when cut. */
export function clip(text, max) {
  const s = String(text);
  return s.length > max ? `${s.slice(0, Math.max(0, max - 1))}…` : s;
}

export function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return "? B";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export const formatCount = (n) => n.toLocaleString("en-US");

/** A `<button>` (keyboard-reachable as every button is). */
export function button(doc, text, onClick) {
  const node = el(doc, "button", "pycage-button", text);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}
