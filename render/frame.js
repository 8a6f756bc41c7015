import { frameScripts } from "./options.js";

// HTML that is not a plain table (plotly, Vega, Bokeh, folium, anything) runs
// in a nested frame, never in the page:
//
//   page ── <iframe sandbox="allow-scripts" srcdoc=OUTER>    (our markup only)
//             └─ <iframe sandbox="allow-scripts" srcdoc=INNER>  (the sandbox's HTML)
//
// Both are opaque origins (no allow-same-origin), with no forms, popups,
// modals, downloads or top navigation. Both carry the CSP below: no
// network (connect, images, fonts, frames, objects, forms, base all 'none'
// or local), and scripts only inline or from the URLs the app configured.
// The outer frame exists for one reason: a frame may always navigate
// itself, and CSP does not cover that navigation, but the parent's
// `frame-src` does. So the sandbox's HTML (its scripts, a <meta refresh>, a
// link it clicks) cannot take its frame to a URL: the outer document's
// `frame-src 'none'` refuses it, and no request leaves. A <meta> CSP in the
// sandbox's HTML can only add a policy, never loosen these.
//
// The inner document starts with the CSP and a small script that posts
// `{ height }` to the page (parent.parent). The page accepts only messages
// whose source is a frame of its own, a finite number clamped to
// [0, maxFrameHeight], at most maxFrameMessagesPerSecond a second per frame;
// anything else counts against a budget, and a frame over it is removed.
//
// The outer document's first script posts `{ ready: true }` to the page. A
// page whose CSP forbids inline scripts forbids them in both frames too
// (srcdoc frames inherit it), and nothing is drawn; the page hears no
// "ready" then, and replaces the frame with a notice and the output's text
// (FrameHost.blocked).

/** The frames' CSP; `scriptUrls` are already checked (options.js). */
export function frameCsp(scriptUrls = []) {
  const scripts = [...new Set(scriptUrls)].join(" ");
  return [
    "default-src 'none'",
    `script-src ${scripts ? `${scripts} ` : ""}'unsafe-inline' 'unsafe-eval'`,
    "style-src 'unsafe-inline'",
    "img-src data: blob:",
    "font-src data:",
    "media-src data: blob:",
    "connect-src 'none'",
    "frame-src 'none'",
    "child-src 'none'",
    "worker-src 'none'",
    "object-src 'none'",
    "manifest-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

// Runs first in the inner document: reports its height, at most every 50 ms,
// once there is a body (a blocking script in <head>, plotly.js, would
// otherwise report the empty document's 0 px for the seconds it loads).
const HEIGHT_SCRIPT =
  "(()=>{let last=-1,queued=false;const root=document.documentElement;" +
  "const send=()=>{queued=false;if(!document.body)return;const h=Math.ceil(root.getBoundingClientRect().height);" +
  'if(h!==last){last=h;try{parent.parent.postMessage({height:h},"*")}catch(e){}}};' +
  "const later=()=>{if(!queued){queued=true;setTimeout(send,50)}};" +
  'new ResizeObserver(later).observe(root);addEventListener("load",later);later()})()';

const BASE_STYLE = "html,body{margin:0;padding:0;height:auto}body{padding:8px;font:14px/1.4 system-ui,sans-serif;color:#1f2328;background:#fff}";

const attr = (s) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;");

/** The inner document: CSP first, the height script, then the sandbox's HTML. */
export function innerDocument(body, { csp, preloadScripts = [] }) {
  const preload = preloadScripts.map((url) => `<script src="${attr(url)}"></script>`).join("");
  return (
    `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="${attr(csp)}">` +
    `<meta name="referrer" content="no-referrer"><script>${HEIGHT_SCRIPT}</script>` +
    `<style>${BASE_STYLE}</style>${preload}</head><body>${body}</body></html>`
  );
}

// The outer document's one script, first in it: the page's sign that
// scripts run in its frames. It runs before the inner frame exists (the
// <iframe> comes after it), so its message is the first the frame sends.
export const READY_SCRIPT = 'parent.postMessage({ready:true},"*")';

// How long after the outer frame's `load` event the page waits for "ready".
// The message is posted long before that event (which waits for the inner
// document and its scripts, plotly.js included), so the wait only covers a
// page busy at that moment: in Firefox and WebKit the frames run on the
// page's thread, and a frame's own scripts may hold it. Fixed, not an
// option: no honest page needs more, and a page whose CSP blocks the frames
// shows the notice after it.
export const READY_MS = 1000;

/** The outer document: the same CSP, the ready script, and the inner frame filling it. */
export function outerDocument(inner, csp) {
  return (
    `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="${attr(csp)}">` +
    `<meta name="referrer" content="no-referrer"><script>${READY_SCRIPT}</script>` +
    "<style>html,body{margin:0;padding:0;height:100%;overflow:hidden}iframe{display:block;border:0;width:100%;height:100%}</style></head>" +
    `<body><iframe sandbox="allow-scripts" referrerpolicy="no-referrer" srcdoc="${attr(inner)}"></iframe></body></html>`
  );
}

/** JSON that is safe inside a <script> element (no `</script>`, no `<!--`). */
export function scriptJson(value) {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** The body of a frame that draws a plotly figure (`application/vnd.plotly.v1+json`). */
export function plotlyBody(figure) {
  return (
    `<div id="pycage-plot"></div><script type="application/json" id="pycage-figure">${scriptJson(figure)}</script>` +
    '<script>(()=>{const f=JSON.parse(document.getElementById("pycage-figure").textContent)||{};' +
    'Plotly.newPlot("pycage-plot",Array.isArray(f.data)?f.data:[],f.layout||{},Object.assign({displaylogo:false,responsive:true},f.config||{}))})()</script>'
  );
}

/**
 * The body of a frame that draws a Vega-Lite or Vega spec with vega-embed
 * (`mode` "vega-lite" or "vega", from the mime type, not the spec's own
 * `$schema`), as SVG: vega gives it ARIA roles and labels, and its text
 * stays text. A spec may name data by URL: the frame's CSP refuses the
 * request (connect-src 'none', img-src data: blob:), and what vega-embed
 * reports is shown as text in the frame.
 */
export function vegaBody(spec, mode) {
  return (
    `<div id="pycage-vega"></div><script type="application/json" id="pycage-spec">${scriptJson(spec)}</script>` +
    "<script>(()=>{const say=(m)=>{const p=document.createElement(\"p\");p.textContent=\"The chart could not be drawn: \"+m;document.body.append(p)};" +
    "try{const s=JSON.parse(document.getElementById(\"pycage-spec\").textContent);" +
    `vegaEmbed("#pycage-vega",s,{mode:${JSON.stringify(mode)},renderer:"svg",actions:false}).catch((e)=>say(e&&e.message))` +
    "}catch(e){say(e&&e.message)}})()</script>"
  );
}

/** Does this HTML call plotly.js (as plotly's `to_html` and `_repr_html_` do)? */
export const usesPlotly = (html) => /\bPlotly\.(newPlot|react|plot)\s*\(/.test(html);

/** Does this HTML call vega-embed (as Altair's `to_html` and its html renderer do)? */
export const usesVegaEmbed = (html) => /\bvegaEmbed\s*\(/.test(html);

const isPlainObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

/** The outer frame's "ready": exactly `{ ready: true }`. */
export const isReady = (data) => isPlainObject(data) && data.ready === true && Object.keys(data).length === 1;

/** The inner frame's height, or undefined for any other message. */
export function heightOf(data) {
  const height = isPlainObject(data) ? data.height : undefined;
  return typeof height === "number" && Number.isFinite(height) ? height : undefined;
}

/**
 * The page's side of the frames of one render: one `message` listener on
 * the window for all of them, removed by `dispose()`. `onRemoved(frame,
 * why, state)` is called for a frame still in the page that is removed:
 * why is "flood", or "blocked" when its scripts did not run.
 */
export class FrameHost {
  constructor(win, options, onRemoved) {
    this.win = win;
    this.options = options;
    this.onRemoved = onRemoved;
    this.frames = new Map(); // outer WindowProxy -> state
    this.live = new Set(); // every state not removed, registered or not
    this.listening = false;
    this.onMessage = (event) => this.message(event);
  }

  /** A new frame element (not yet in the page) holding `body`. */
  create(doc, body, { title, preloadScripts = [] }) {
    const csp = frameCsp(frameScripts(this.options));
    const frame = doc.createElement("iframe");
    frame.className = "pycage-frame";
    frame.setAttribute("sandbox", "allow-scripts");
    frame.setAttribute("referrerpolicy", "no-referrer");
    frame.setAttribute("title", title);
    frame.style.height = `${this.options.frameHeight}px`;
    frame.srcdoc = outerDocument(innerDocument(body, { csp, preloadScripts }), csp);
    const state = { frame, windowStart: 0, count: 0, dropped: 0, readMs: 0, outer: null, ready: false, timer: 0 };
    this.live.add(state);
    // The frame's WindowProxy exists once it is in a document: registered then.
    frame.addEventListener("load", () => {
      state.register();
      this.awaitReady(state);
    });
    state.register = () => {
      if (!frame.contentWindow || state.outer) return;
      state.outer = frame.contentWindow;
      this.frames.set(state.outer, state);
    };
    if (!this.listening) {
      this.win.addEventListener("message", this.onMessage);
      this.listening = true;
    }
    return state;
  }

  // From each load event of the outer frame (a load that is not the last,
  // if an engine fires one, only restarts the wait), READY_MS for its
  // "ready"; without it, its scripts did not run, and the frame is
  // replaced (onRemoved "blocked"), not left as an empty box.
  awaitReady(state) {
    if (state.ready) return;
    this.win.clearTimeout(state.timer);
    state.timer = this.win.setTimeout(() => {
      state.timer = 0;
      if (!state.ready && this.live.has(state)) this.remove(state, "blocked");
    }, READY_MS);
  }

  // The frame a message came from: its source, or a parent of it up to the
  // outer frame (a frame the sandbox's HTML made counts against its budget).
  owner(source) {
    let w = source;
    for (let i = 0; i < 6 && w; i++) {
      const state = this.frames.get(w);
      if (state) return state;
      let up;
      try {
        up = w.parent;
      } catch {
        return null;
      }
      if (!up || up === w) return null;
      w = up;
    }
    return null;
  }

  // Every message from a frame counts against its budget, "ready" too. Only
  // two are read: "ready" from the outer window, heights from the inner one.
  //
  // "ready" cannot be forged: the outer window runs our markup only, in an
  // opaque origin of its own; the sandbox's HTML runs in the inner window
  // (or frames it makes), whose messages are never read as "ready" (it can
  // reach the page as parent.parent, but its source is then not the outer
  // window). Forging it would take a script that runs, which is what
  // "ready" says anyway. Nor can it be suppressed: it is posted before the
  // inner document exists, so it is the frame's first message, inside its
  // first second's budget, before any flood the inner HTML could send.
  message(event) {
    const source = event.source;
    if (!source || this.frames.size === 0) return;
    const state = this.owner(source);
    if (!state) return;
    const now = performance.now();
    if (now - state.windowStart >= 1000) {
      state.windowStart = now;
      state.count = 0;
      state.readMs = 0;
    }
    state.count++;
    if (state.count > this.options.maxFrameMessagesPerSecond) return this.drop(state);
    if (source === state.outer) return this.outerMessage(state, event);
    let inner;
    try {
      inner = state.outer[0];
    } catch {
      inner = null;
    }
    if (!inner || source !== inner) return this.drop(state);
    const data = this.read(state, event);
    if (!data) return;
    const height = heightOf(data.value);
    if (height === undefined) return this.drop(state);
    const clamped = Math.min(Math.max(Math.ceil(height), 0), this.options.maxFrameHeight);
    state.frame.style.height = `${clamped}px`;
  }

  outerMessage(state, event) {
    const data = this.read(state, event);
    if (!data) return;
    if (!isReady(data.value)) return this.drop(state);
    state.ready = true;
    this.win.clearTimeout(state.timer);
    state.timer = 0;
  }

  // A message's data, `{ value }`, or null when reading it failed or cost
  // too much. Only now is it read: Chromium deserializes it then, on the
  // page's thread. A height costs microseconds; a frame whose messages cost
  // more (megabytes posted to stall the page) is removed at once.
  read(state, event) {
    let value;
    const before = performance.now();
    try {
      value = event.data;
    } catch {
      this.drop(state);
      return null;
    }
    const cost = performance.now() - before;
    state.readMs += cost;
    if (cost > 25 || state.readMs > 50) {
      this.remove(state, "flood");
      return null;
    }
    return { value };
  }

  drop(state) {
    state.dropped++;
    if (state.dropped > this.options.maxFrameMessagesDropped) this.remove(state, "flood");
  }

  remove(state, why) {
    this.frames.delete(state.outer);
    this.live.delete(state);
    this.win.clearTimeout(state.timer);
    if (state.frame.isConnected) this.onRemoved(state.frame, why, state);
    state.frame.remove();
    // With no frame left, the listener goes too: a frame removed for a flood
    // may have thousands of messages still queued for the page (Firefox and
    // WebKit, where its process is the page's).
    if (this.live.size === 0) this.unlisten();
  }

  unlisten() {
    if (this.listening) this.win.removeEventListener("message", this.onMessage);
    this.listening = false;
  }

  /** Forgets frames no longer in the page. */
  prune() {
    for (const state of [...this.live]) if (state.outer && !state.frame.isConnected) this.remove(state, "gone");
  }

  dispose() {
    for (const state of this.live) {
      this.win.clearTimeout(state.timer);
      state.frame.remove();
    }
    this.frames.clear();
    this.live.clear();
    this.unlisten();
  }
}
