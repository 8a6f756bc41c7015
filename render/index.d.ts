// Types of `pycage/render`. Self-contained but for the Execution types of the
// package itself (type-only: importing them loads no wasm).
import type { Execution, Output } from "../pycage.js";

/**
 * How an Execution is shown. Every field is optional; a wrong one throws a
 * `TypeError` whose `field` names it (unknown fields too). Counts are
 * integers from 0 to 1e9.
 */
export interface RenderOptions {
  /** "auto" (default) follows `prefers-color-scheme`; "light" or "dark" force one. */
  theme?: "auto" | "light" | "dark";
  /** Absolute http(s) URLs (no query, fragment or credentials) the nested
   *  HTML frames may load scripts from, e.g. a self-hosted vega-embed.
   *  Written into the frames' CSP `script-src` as they are. Default none. */
  scriptUrls?: readonly string[];
  /** plotly.js, self-hosted (an http(s) URL as for `scriptUrls`). When set,
   *  `application/vnd.plotly.v1+json` and plotly's own `text/html` are drawn
   *  in a frame that loads it; when not, they are a notice. Default null. */
  plotlyUrl?: string | null;
  /** vega, vega-lite and vega-embed, self-hosted (http(s) URLs as for
   *  `scriptUrls`: their `build/*.min.js`). When set, a Vega-Lite or Vega
   *  spec (`application/vnd.vegalite.v4/v5/v6+json`,
   *  `application/vnd.vega.v5+json`: Altair's default output) and Altair's
   *  own `text/html` are drawn in a frame that loads them; when not, they
   *  are a notice. Default null. */
  vegaUrls?: VegaUrls | null;
  /** Renders `text/latex` (e.g. with KaTeX) into `target`; when absent, or
   *  when it throws, the LaTeX source is shown as text. The source is the
   *  sandbox's: the renderer must treat it as untrusted. */
  renderLatex?: ((source: string, target: HTMLElement) => void) | null;
  /** false: never create a frame; HTML that is not a plain table falls back
   *  to the bundle's other types (markdown, text). Default true. */
  frames?: boolean;
  /** Characters of a text block (stdout/stderr run, traceback, text/plain)
   *  shown before "Show all". Default 10000. */
  maxStreamChars?: number;
  /** Lines of a text block shown before "Show all". Default 200. */
  maxStreamLines?: number;
  /** Hard cap on the characters of an expanded text block. Default 200000. */
  maxExpandedChars?: number;
  /** Styled (ANSI) spans per text block; the rest is plain text. Default 5000. */
  maxAnsiSegments?: number;
  /** Characters of a table's HTML parsed (cut after a row). Default 500000. */
  maxTableHtmlChars?: number;
  /** Rows rebuilt per table; the rest are counted in a notice. Default 100. */
  maxTableRows?: number;
  /** Cells rebuilt per table. Default 3000. */
  maxTableCells?: number;
  /** Characters per table cell. Default 1000. */
  maxCellChars?: number;
  /** Tables rebuilt per render; later table HTML goes to a frame. Default 20. */
  maxTables?: number;
  /** Largest HTML put in a frame, in characters. Default 5000000. */
  maxHtmlChars?: number;
  /** Frames per render; later HTML outputs are a notice. Default 20. */
  maxFrames?: number;
  /** A frame's height before it reports one, in px. Default 150. */
  frameHeight?: number;
  /** Tallest a frame may make itself, in px (it scrolls inside). Default 2000. */
  maxFrameHeight?: number;
  /** Messages accepted per frame per second (its heights, and the one
   *  "ready" that says its scripts run: without it, 1 s after the frame's
   *  load, the frame is replaced by a notice and the output's text, as on a
   *  page whose CSP blocks inline scripts). Default 20. */
  maxFrameMessagesPerSecond?: number;
  /** Messages refused (over the rate, malformed, from a frame inside it)
   *  before the frame is removed with a notice. Default 200. A message that
   *  costs the page more than 25 ms to read (50 ms a second) removes it at once. */
  maxFrameMessagesDropped?: number;
  /** Characters of `text/markdown` (and `text/latex`) shown. Default 100000. */
  maxMarkdownChars?: number;
  /** Characters of `application/json` shown. Default 100000. */
  maxJsonChars?: number;
  /** Output items rendered; the rest are counted in a notice. Default 2000. */
  maxOutputs?: number;
  /** Items listed per notice (dropped outputs, lost files...). Default 20. */
  maxListed?: number;
}

/** Where the app serves vega-embed and the two libraries it needs. */
export interface VegaUrls {
  /** vega (`vega/build/vega.min.js`). */
  vega: string;
  /** vega-lite (`vega-lite/build/vega-lite.min.js`). */
  vegaLite: string;
  /** vega-embed (`vega-embed/build/vega-embed.min.js`). */
  vegaEmbed: string;
}

/** The defaults of every option. */
export declare const DEFAULT_OPTIONS: Readonly<Required<Omit<RenderOptions, "plotlyUrl" | "vegaUrls" | "renderLatex">> & { plotlyUrl: null; vegaUrls: null; renderLatex: null }>;

/** What `renderExecution` returns. */
export interface ExecutionView {
  /** The root element (`div.pycage-render`), appended to the container. */
  readonly element: HTMLDivElement;
  /** Shows a newer state of the same run (streaming): items already shown
   *  stay (frames are not reloaded), new ones are appended, a grown text
   *  block is redrawn, and the result, error, files and notices are redone.
   *  Throws a TypeError for a non-Execution; does nothing after dispose(). */
  update(execution: Execution): void;
  /** Removes the output, its frames and message listener, and revokes its blob: URLs. */
  dispose(): void;
}

/** What `renderOutputs` returns. */
export interface OutputsView {
  readonly element: HTMLDivElement;
  update(outputs: readonly Output[]): void;
  dispose(): void;
}

/**
 * Appends an Execution to `container`: its outputs in their true order
 * (stdout and stderr with ANSI colours, display data: images, tables,
 * framed HTML, plotly, Vega-Lite, markdown, LaTeX, JSON, text), then the result, the
 * error with its traceback, download links for files, and notices (timeout,
 * reset, truncation, dropped outputs, protocol violations, lost files, what
 * the renderer itself cut). Nothing from the sandbox reaches innerHTML: see
 * the module's comments for how each kind is shown.
 * Throws a TypeError (with `field`) for a non-Execution, a container that is
 * not an Element, or bad options; never for what the Execution holds.
 */
export declare function renderExecution(execution: Execution, container: Element, options?: RenderOptions): ExecutionView;

/** The same for Output items alone (no result, error, files or notices). */
export declare function renderOutputs(outputs: readonly Output[], container: Element, options?: RenderOptions): OutputsView;

/** A segment of text and its ANSI classes ("" or `pycage-fg-N pycage-bold`...). */
export type AnsiSegment = { text: string; classes: string };
/** ANSI SGR to segments; other escape sequences and control characters are dropped. */
export declare function parseAnsi(text: string, options?: { maxSegments?: number }): AnsiSegment[];
/** The text without escape sequences or control characters (but tab and newline). */
export declare function stripAnsi(text: string): string;
/** Keeps, of each line, what follows its last carriage return. */
export declare function applyCarriageReturns(text: string): string;
/** The CSS, every rule under `.pycage-render` (installed automatically, once per document or shadow root). */
export declare const CSS: string;
