// The page's side of a frame's "ready" (render/frame.js FrameHost): the
// outer frame's message marks the frame as running; without it, READY_MS
// after the outer frame's load event, the frame is removed as "blocked".
// Fake windows and timers, so the policy runs under `node --test`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FrameHost, READY_MS, heightOf, isReady } from "../../render/frame.js";
import { resolveOptions } from "../../render/options.js";

/** A page window whose timers run when the test says. */
function fakeWindow() {
  const timers = new Map();
  let next = 1;
  return {
    timers,
    listeners: 0,
    addEventListener(type) {
      if (type === "message") this.listeners++;
    },
    removeEventListener(type) {
      if (type === "message") this.listeners--;
    },
    setTimeout(fn, ms) {
      timers.set(next, { fn, ms });
      return next++;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
    /** Runs every timer due now. */
    elapse() {
      for (const [id, { fn }] of [...timers]) {
        timers.delete(id);
        fn();
      }
    },
  };
}

/** An iframe element with its outer and inner windows (inner = outer[0]). */
function fakeDoc() {
  return {
    createElement() {
      const onLoad = [];
      const outer = {};
      const inner = { parent: outer };
      outer[0] = inner;
      outer.parent = null; // the page, not a frame the host knows
      return {
        style: {},
        attributes: {},
        isConnected: true,
        contentWindow: outer,
        inner,
        setAttribute(a, v) {
          this.attributes[a] = v;
        },
        addEventListener(type, fn) {
          if (type === "load") onLoad.push(fn);
        },
        load() {
          for (const fn of onLoad) fn();
        },
        remove() {
          this.isConnected = false;
        },
      };
    },
  };
}

function setup(options = {}) {
  const win = fakeWindow();
  const removed = [];
  const host = new FrameHost(win, resolveOptions(options), (frame, why) => removed.push(why));
  const state = host.create(fakeDoc(), "<p>x</p>", { title: "t" });
  state.frame.load();
  const post = (source, data) => host.message({ source, data });
  return { win, host, state, removed, post, outer: state.frame.contentWindow, inner: state.frame.inner };
}

test("the shapes: only { ready: true } is ready; only a finite number is a height", () => {
  assert.ok(isReady({ ready: true }));
  for (const d of [{ ready: 1 }, { ready: "true" }, { ready: true, height: 5 }, [true], "ready", null, undefined]) assert.ok(!isReady(d), JSON.stringify(d));
  assert.equal(heightOf({ height: 12 }), 12);
  for (const d of [{ height: Infinity }, { height: "12" }, [12], null, { ready: true }]) assert.equal(heightOf(d), undefined);
});

test("a frame whose outer window says ready stays, and its wait ends", () => {
  const { win, state, removed, post, outer } = setup();
  assert.equal(win.timers.size, 1);
  assert.equal([...win.timers.values()][0].ms, READY_MS);
  post(outer, { ready: true });
  assert.ok(state.ready);
  assert.equal(win.timers.size, 0);
  win.elapse();
  assert.deepEqual(removed, []);
});

test("no ready by READY_MS after the load event: removed as blocked", () => {
  const { win, host, removed } = setup();
  win.elapse();
  assert.deepEqual(removed, ["blocked"]);
  assert.equal(host.live.size, 0);
  assert.equal(win.listeners, 0, "the last frame gone, the listener goes too");
});

test("the wait starts at the load event, not when the frame is made", () => {
  const win = fakeWindow();
  const host = new FrameHost(win, resolveOptions(), () => {});
  const state = host.create(fakeDoc(), "", { title: "t" });
  assert.equal(win.timers.size, 0);
  state.frame.load();
  state.frame.load(); // a second load restarts the wait, it does not add one
  assert.equal(win.timers.size, 1);
});

test("ready from the inner window (the sandbox's HTML) or a frame in it is not ready", () => {
  const { win, state, removed, post, inner } = setup();
  post(inner, { ready: true });
  const deeper = { parent: inner };
  post(deeper, { ready: true });
  assert.ok(!state.ready);
  assert.equal(state.dropped, 2);
  win.elapse();
  assert.deepEqual(removed, ["blocked"]);
});

test("ready of another shape from the outer window is dropped, and counted", () => {
  const { win, state, removed, post, outer } = setup();
  post(outer, { ready: "yes" });
  post(outer, { height: 10 });
  assert.ok(!state.ready);
  assert.equal(state.dropped, 2);
  assert.equal(state.frame.style.height, "150px", "the outer window's height is not read");
  win.elapse();
  assert.deepEqual(removed, ["blocked"]);
});

test("ready counts against the frame's message budget", () => {
  const { state, post, outer, inner } = setup({ maxFrameMessagesPerSecond: 3 });
  for (let i = 0; i < 3; i++) post(inner, { height: 10 + i });
  post(outer, { ready: true });
  assert.ok(!state.ready, "over the budget, not read");
  assert.equal(state.dropped, 1);
  assert.equal(state.frame.style.height, "12px");
});

test("dispose and a flood end the wait", () => {
  const a = setup();
  a.host.dispose();
  assert.equal(a.win.timers.size, 0);
  const b = setup({ maxFrameMessagesDropped: 1 });
  b.post(b.inner, "x");
  b.post(b.inner, "x");
  assert.deepEqual(b.removed, ["flood"]);
  assert.equal(b.win.timers.size, 0);
});
