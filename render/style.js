// The renderer's CSS: every rule under `.pycage-render`, themed through
// custom properties (`--pycage-fg`, `--pycage-bg`, ...) that an app may set
// on any ancestor or on the root itself. Installed once per document (or
// shadow root) as a constructed stylesheet, which a page's CSP does not
// restrict; a <style> element where constructed sheets are missing.

const LIGHT = `
  --pycage-fg: #1f2328; --pycage-bg: #ffffff; --pycage-muted: #59636e; --pycage-border: #d1d9e0;
  --pycage-code-bg: #f6f8fa; --pycage-error-fg: #82071e; --pycage-error-bg: #ffebe9;
  --pycage-notice-fg: #3d2e00; --pycage-notice-bg: #fff8c5; --pycage-link: #0969da;
  --pycage-stderr-bg: #fff0f0; --pycage-focus: #0969da; --pycage-row-alt: #f6f8fa;
  --pycage-ansi-0: #000000; --pycage-ansi-1: #b31d28; --pycage-ansi-2: #116329; --pycage-ansi-3: #7d4e00;
  --pycage-ansi-4: #0550ae; --pycage-ansi-5: #8250df; --pycage-ansi-6: #1b7c83; --pycage-ansi-7: #6e7781;
  --pycage-ansi-8: #57606a; --pycage-ansi-9: #cf222e; --pycage-ansi-10: #1a7f37; --pycage-ansi-11: #9a6700;
  --pycage-ansi-12: #218bff; --pycage-ansi-13: #a475f9; --pycage-ansi-14: #3192aa; --pycage-ansi-15: #8c959f;`;

const DARK = `
  --pycage-fg: #e6edf3; --pycage-bg: #0d1117; --pycage-muted: #9198a1; --pycage-border: #3d444d;
  --pycage-code-bg: #151b23; --pycage-error-fg: #ffa198; --pycage-error-bg: #2d1214;
  --pycage-notice-fg: #f2cc60; --pycage-notice-bg: #2b2111; --pycage-link: #4493f8;
  --pycage-stderr-bg: #1f1215; --pycage-focus: #4493f8; --pycage-row-alt: #151b23;
  --pycage-ansi-0: #484f58; --pycage-ansi-1: #ff7b72; --pycage-ansi-2: #3fb950; --pycage-ansi-3: #d29922;
  --pycage-ansi-4: #58a6ff; --pycage-ansi-5: #bc8cff; --pycage-ansi-6: #39c5cf; --pycage-ansi-7: #b1bac4;
  --pycage-ansi-8: #6e7681; --pycage-ansi-9: #ffa198; --pycage-ansi-10: #56d364; --pycage-ansi-11: #e3b341;
  --pycage-ansi-12: #79c0ff; --pycage-ansi-13: #d2a8ff; --pycage-ansi-14: #56d4dd; --pycage-ansi-15: #ffffff;`;

const R = ".pycage-render";
const ansi = Array.from(
  { length: 16 },
  (_, i) => `${R} .pycage-fg-${i} { color: var(--pycage-ansi-${i}); } ${R} .pycage-bg-${i} { background: var(--pycage-ansi-${i}); }`,
).join("\n");

export const CSS = `
${R} {${LIGHT}
  color: var(--pycage-fg); background: var(--pycage-bg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
  display: flex; flex-direction: column; gap: 8px; min-width: 0; }
@media (prefers-color-scheme: dark) { ${R}:not(.pycage-light) {${DARK} } }
${R}.pycage-dark {${DARK} }
${R} *, ${R} *::before, ${R} *::after { box-sizing: border-box; }
${R} pre, ${R} code { font-family: var(--pycage-font-mono, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace); font-size: 13px; }
${R} pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
${R} .pycage-stream { padding: 6px 8px; background: var(--pycage-code-bg); border-radius: 6px; }
${R} .pycage-stderr { background: var(--pycage-stderr-bg); }
${R} .pycage-more { display: flex; gap: 8px; align-items: center; margin-top: 4px; color: var(--pycage-muted); font-size: 12px; }
${R} .pycage-button { font: inherit; font-size: 12px; color: var(--pycage-link); background: transparent;
  border: 1px solid var(--pycage-border); border-radius: 4px; padding: 1px 8px; cursor: pointer; }
${R} .pycage-button:focus-visible, ${R} a:focus-visible, ${R} .pycage-frame:focus-visible { outline: 2px solid var(--pycage-focus); outline-offset: 1px; }
${R} .pycage-error { color: var(--pycage-error-fg); background: var(--pycage-error-bg); border-radius: 6px; padding: 6px 8px; }
${R} .pycage-error-title { font-weight: 600; margin: 0 0 4px; overflow-wrap: anywhere; }
${R} .pycage-notice { color: var(--pycage-notice-fg); background: var(--pycage-notice-bg); border-radius: 6px; padding: 4px 8px; font-size: 13px; overflow-wrap: anywhere; }
${R} .pycage-notice ul { margin: 2px 0 0; padding-left: 20px; }
${R} .pycage-figure { max-width: 100%; height: auto; align-self: flex-start; background: #fff; }
${R} .pycage-table-wrap { overflow: auto; max-height: 600px; max-width: 100%; align-self: flex-start; }
${R} .pycage-table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
${R} .pycage-table th, ${R} .pycage-table td { border: 1px solid var(--pycage-border); padding: 2px 8px; text-align: right; vertical-align: top; white-space: pre-wrap; }
${R} .pycage-table thead th { background: var(--pycage-code-bg); position: sticky; top: 0; }
${R} .pycage-table tbody tr:nth-child(even) { background: var(--pycage-row-alt); }
${R} .pycage-table caption { color: var(--pycage-muted); text-align: left; }
${R} .pycage-frame { display: block; width: 100%; border: 1px solid var(--pycage-border); border-radius: 6px; background: #fff; }
${R} .pycage-markdown > :first-child { margin-top: 0; } ${R} .pycage-markdown > :last-child { margin-bottom: 0; }
${R} .pycage-markdown pre, ${R} .pycage-markdown code { background: var(--pycage-code-bg); border-radius: 4px; }
${R} .pycage-markdown pre { padding: 6px 8px; }
${R} .pycage-markdown blockquote { margin: 0; padding-left: 10px; border-left: 3px solid var(--pycage-border); color: var(--pycage-muted); }
${R} a { color: var(--pycage-link); }
${R} .pycage-latex { color: var(--pycage-muted); }
${R} .pycage-files { margin: 0; padding-left: 20px; }
${R} .pycage-meta { color: var(--pycage-muted); font-size: 12px; }
${R} .pycage-bold { font-weight: 700; } ${R} .pycage-dim { opacity: 0.7; } ${R} .pycage-italic { font-style: italic; } ${R} .pycage-underline { text-decoration: underline; }
${ansi}
`;

const installed = new WeakSet();

/** Installs the CSS once in the document or shadow root `container` is in. */
export function installStyle(container) {
  const root = container.getRootNode?.() ?? container.ownerDocument;
  const scope = root && (root.nodeType === 9 || root.nodeType === 11) ? root : container.ownerDocument;
  if (installed.has(scope)) return;
  installed.add(scope);
  const win = (scope.ownerDocument ?? scope).defaultView;
  if (win && "adoptedStyleSheets" in scope && typeof win.CSSStyleSheet === "function") {
    try {
      const sheet = new win.CSSStyleSheet();
      sheet.replaceSync(CSS);
      scope.adoptedStyleSheets = [...scope.adoptedStyleSheets, sheet];
      return;
    } catch {
      // fall through to a <style> element
    }
  }
  const doc = scope.ownerDocument ?? scope;
  const style = doc.createElement("style");
  style.textContent = CSS;
  (scope.nodeType === 9 ? scope.head ?? scope.documentElement : scope).append(style);
}
