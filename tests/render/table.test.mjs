import assert from "node:assert/strict";
import { test } from "node:test";
import { allowedAttributes, isTableOnly, rebuildTable, spanValue } from "../../render/table.js";
import { all, doc, h } from "./fakedom.mjs";

const body = (...kids) => h("body", {}, ...kids);
const pandasLike = () =>
  body(
    h("div", {}, h("style", {}, ".dataframe { background: url(http://evil/) }"),
      h("table", { border: "1", class: "dataframe", id: "out", onclick: "alert(1)", style: "background:url(http://evil/)" },
        h("thead", {}, h("tr", { style: "text-align: right;" }, h("th", {}), h("th", { colspan: "2", onmouseover: "x" }, "a"))),
        h("tbody", {}, h("tr", {}, h("th", { rowspan: "3", valign: "top" }, "r1"), h("td", {}, "1"), h("td", {}, h("b", {}, "2"))))),
      h("p", {}, "1 rows × 2 columns")),
  );

test("pandas' HTML is table markup", () => {
  assert.equal(isTableOnly(pandasLike()), true);
});

test("anything else is not", () => {
  const cases = {
    script: h("script", {}, "alert(1)"),
    img: h("img", { src: "x" }),
    a: h("a", { href: "javascript:x" }, "x"),
    form: h("form", {}),
    iframe: h("iframe", {}),
    meta: h("meta", {}),
    base: h("base", {}),
    template: h("template", {}),
    svg: h("svg", { __ns: "http://www.w3.org/2000/svg" }),
    svgInCell: h("table", {}, h("tr", {}, h("td", {}, h("svg", { __ns: "http://www.w3.org/2000/svg" })))),
    mathml: h("math", { __ns: "http://www.w3.org/1998/Math/MathML" }),
  };
  for (const [name, node] of Object.entries(cases)) {
    assert.equal(isTableOnly(body(h("table", {}), node)), false, name);
  }
  assert.equal(isTableOnly(body(h("p", {}, "no table"))), false, "a table is required");
});

test("deep nesting is refused", () => {
  let node = h("table", {});
  for (let i = 0; i < 10_000; i++) node = h("div", {}, node);
  assert.equal(isTableOnly(body(node)), false);
});

test("the rebuild keeps tags, spans and text; drops every other attribute and <style>", () => {
  const { node, rows, cells } = rebuildTable(pandasLike(), doc);
  const built = all(node);
  assert.deepEqual(built.map((n) => n.localName), ["div", "div", "div", "table", "thead", "tr", "th", "th", "tbody", "tr", "th", "td", "td", "b", "p"]);
  assert.equal(rows, 2);
  assert.equal(cells, 5);
  for (const n of built) {
    for (const a of Object.keys(n.attributes)) assert.ok(["colspan", "rowspan", "scope", "span", "tabindex", "role", "aria-label"].includes(a), `${n.localName}[${a}]`);
  }
  assert.equal(built.find((n) => n.localName === "th" && n.attributes.colspan).attributes.colspan, "2");
  assert.equal(built.find((n) => n.attributes.rowspan).attributes.rowspan, "3");
  assert.ok(!node.textContent.includes("url("), "style text dropped");
  assert.match(node.textContent, /1 rows × 2 columns/);
});

test("span values are bounded integers", () => {
  assert.equal(spanValue("colspan", "2"), 2);
  assert.equal(spanValue("colspan", "99999999"), null);
  assert.equal(spanValue("colspan", "999999"), 1000);
  assert.equal(spanValue("rowspan", "70000"), 65534);
  assert.equal(spanValue("colspan", "0"), 1);
  for (const bad of ["-1", "1e3", "0x10", "2;x", "javascript:1", "", null]) assert.equal(spanValue("colspan", bad), null, String(bad));
  assert.deepEqual(allowedAttributes("th", (a) => ({ scope: "ROW", colspan: "3", id: "x" })[a] ?? null), [["colspan", "3"], ["scope", "row"]]);
  assert.deepEqual(allowedAttributes("td", (a) => ({ scope: "row" })[a] ?? null), []);
});

test("rows, cells and cell text are capped and counted", () => {
  const tr = (i) => h("tr", {}, h("td", {}, `r${i}`), h("td", {}, "x".repeat(50)));
  const table = body(h("table", {}, h("tbody", {}, ...Array.from({ length: 100 }, (_, i) => tr(i)))));
  const r = rebuildTable(table, doc, { maxRows: 10, maxCells: 15, maxCellChars: 20 });
  assert.equal(r.rows, 10);
  assert.equal(r.skippedRows, 90);
  assert.equal(r.cells, 15);
  assert.equal(r.skippedCells, 5);
  assert.equal(r.clippedCells, 7);
});

test("the HTML is cut after the last row kept, and the rows left out are counted", async () => {
  const { cutTableHtml } = await import("../../render/table.js");
  const html = `<table>${"<tr><td>1</td></tr>".repeat(100)}</table>`;
  const a = cutTableHtml(html, 10, 1e6);
  assert.equal(a.source.match(/<\/tr>/g).length, 10);
  assert.equal(a.moreRows, 90);
  assert.equal(a.moreRowsExact, true);
  const b = cutTableHtml(html, 1000, 100);
  assert.ok(b.source.length <= 100 && b.source.endsWith("</tr>"));
  const c = cutTableHtml(html, 1000, 1e6);
  assert.equal(c.source, html);
  const d = cutTableHtml(html, 10, 1e6, 50);
  assert.equal(d.moreRowsExact, false);
  assert.ok(d.moreRows < 90);
  const noRows = cutTableHtml("<table>" + "x".repeat(1000), 10, 100);
  assert.equal(noRows.source.length, 100);
});

test("nesting depth is estimated from the text before parsing", async () => {
  const { tagDepth } = await import("../../render/table.js");
  assert.equal(tagDepth("<div><table><tr><td>x<br></td></tr></table></div>"), 4);
  assert.equal(tagDepth("<p><img src=x><col/><p>"), 2);
  assert.ok(tagDepth("<div>".repeat(10_000), 32) > 32);
});
