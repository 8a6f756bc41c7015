import assert from "node:assert/strict";
import { test } from "node:test";
import { READY_SCRIPT, frameCsp, innerDocument, outerDocument, plotlyBody, scriptJson, usesPlotly } from "../../render/frame.js";
import { resolveOptions } from "../../render/options.js";

test("the CSP: no network, scripts inline or from the configured URLs only", () => {
  const csp = frameCsp(["https://cdn.example.com/plotly-3.1.1.min.js"]);
  const d = Object.fromEntries(csp.split("; ").map((p) => [p.split(" ")[0], p.split(" ").slice(1)]));
  assert.deepEqual(d["default-src"], ["'none'"]);
  assert.deepEqual(d["script-src"], ["https://cdn.example.com/plotly-3.1.1.min.js", "'unsafe-inline'", "'unsafe-eval'"]);
  for (const k of ["connect-src", "frame-src", "child-src", "worker-src", "object-src", "base-uri", "form-action"]) assert.deepEqual(d[k], ["'none'"], k);
  assert.deepEqual(d["img-src"], ["data:", "blob:"]);
});

test("the CSP comes first in both documents, and the inner one is escaped into the outer", () => {
  const csp = frameCsp([]);
  const inner = innerDocument('<p title="a&b">x</p>"></iframe><script>alert(1)</script>', { csp });
  assert.ok(inner.startsWith('<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy"'));
  const outer = outerDocument(inner, csp);
  assert.ok(outer.startsWith('<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy"'));
  const srcdoc = outer.match(/srcdoc="([^"]*)"/)[1];
  assert.equal(srcdoc.replace(/&quot;/g, '"').replace(/&amp;/g, "&"), inner);
  const scripts = outer.replace(/srcdoc="[^"]*"/, "").match(/<script>[^<]*<\/script>/g);
  assert.deepEqual(scripts, [`<script>${READY_SCRIPT}</script>`], "the outer document's one script is the ready script");
  assert.ok(outer.indexOf("<script>") < outer.indexOf("<iframe"), "it runs before the inner frame exists");
  assert.match(outer, /<iframe sandbox="allow-scripts" referrerpolicy="no-referrer"/);
});

test("JSON in a script cannot close it", () => {
  const json = scriptJson({ t: "</script><script>alert(1)</script><!--", u: "\u2028" });
  assert.ok(!json.includes("<"));
  assert.deepEqual(JSON.parse(json), { t: "</script><script>alert(1)</script><!--", u: "\u2028" });
  assert.equal(plotlyBody({ layout: { title: "</script><script>" } }).match(/<\/script/g).length, 2);
});

test("plotly's HTML is recognised", () => {
  assert.ok(usesPlotly('if (document.getElementById("x")) { Plotly.newPlot( "x", [], {}) }'));
  assert.ok(!usesPlotly("<p>Plotly is a library</p>"));
});

test("options: defaults, and a TypeError naming the field", () => {
  assert.equal(resolveOptions().maxFrameHeight, 2000);
  const bad = {
    theme: { theme: "blue" },
    maxFrames: { maxFrames: -1 },
    maxStreamChars: { maxStreamChars: 1.5 },
    bogus: { bogus: 1 },
    "scriptUrls[0]": { scriptUrls: ["https://x.example/a.js; script-src *"] },
    "scriptUrls[1]": { scriptUrls: ["https://x.example/a.js", "javascript:alert(1)"] },
    plotlyUrl: { plotlyUrl: "https://x.example/p.js?v=1" },
    renderLatex: { renderLatex: "katex" },
    frames: { frames: "yes" },
    options: 5,
  };
  for (const [field, options] of Object.entries(bad)) {
    assert.throws(() => resolveOptions(options), (e) => e instanceof TypeError && e.field === field, field);
  }
  assert.throws(() => resolveOptions({ scriptUrls: ["https://x.example/a'b.js"] }), TypeError);
  assert.deepEqual(resolveOptions({ scriptUrls: ["https://x.example/a.js"] }).scriptUrls, ["https://x.example/a.js"]);
});
