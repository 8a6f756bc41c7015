import assert from "node:assert/strict";
import { test } from "node:test";
import { buildMarkdown, parseInline, parseMarkdown, safeHref } from "../../render/markdown.js";
import { all, doc } from "./fakedom.mjs";

const build = (md) => {
  const root = doc.createElement("div");
  buildMarkdown(doc, parseMarkdown(md), root);
  return root;
};
const tags = (root) => all(root).slice(1).map((n) => n.localName);

test("blocks: headings, paragraphs, lists, code, quotes, rules, tables", () => {
  const root = build("# Title\n\nSome *em* and **strong** and `code`.\n\n- a\n- b\n\n1. one\n2. two\n\n```py\nx = '<b>'\n```\n\n> quoted\n\n---\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
  assert.deepEqual(tags(root), ["h1", "p", "em", "strong", "code", "ul", "li", "li", "ol", "li", "li", "pre", "code", "blockquote", "p", "hr", "div", "table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td"]);
  assert.equal(all(root).find((n) => n.localName === "pre").textContent, "x = '<b>'");
});

test("inline HTML stays text", () => {
  const root = build('<script>alert(1)</script> <img src=x onerror="alert(1)">');
  assert.deepEqual(tags(root), ["p"]);
  assert.equal(root.textContent, '<script>alert(1)</script> <img src=x onerror="alert(1)">');
});

test("links keep only http, https and mailto URLs", () => {
  assert.equal(safeHref("https://example.com/a b"), "https://example.com/a%20b");
  assert.equal(safeHref("mailto:a@b.c"), "mailto:a@b.c");
  for (const bad of ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,<script>", "vbscript:x", "/relative", "file:///etc/passwd", "blob:https://x/y"]) {
    assert.equal(safeHref(bad), null, bad);
  }
  const root = build("[ok](https://example.com) [bad](javascript:alert(1)) [data](data:text/html,x)");
  const links = all(root).filter((n) => n.localName === "a");
  assert.equal(links.length, 1);
  assert.equal(links[0].href, "https://example.com/");
  assert.equal(links[0].rel, "noopener noreferrer nofollow ugc");
  assert.match(root.textContent, /bad/);
});

test("images are never loaded: their alt text is shown", () => {
  const root = build("![a chart](http://127.0.0.1:1/x.png) ![](https://x/y.png)");
  assert.deepEqual(tags(root), ["p"]);
  assert.equal(root.textContent, "[image: a chart] [image]");
});

test("nesting is bounded: 10,000 quote levels", () => {
  const blocks = parseMarkdown(">".repeat(10_000) + " deep");
  let depth = 0;
  let b = blocks[0];
  while (b?.type === "quote") {
    depth++;
    b = b.children[0];
  }
  assert.ok(depth <= 8, `depth ${depth}`);
});

test("unmatched marks are linear, not quadratic", () => {
  const t = performance.now();
  parseInline("*_`[](".repeat(20_000));
  parseInline("**".repeat(50_000));
  parseMarkdown("[a](".repeat(20_000));
  assert.ok(performance.now() - t < 1500, `${performance.now() - t} ms`);
});

test("escapes", () => {
  assert.deepEqual(parseInline("\\*not em\\*"), [{ type: "text", text: "*not em*" }]);
});
