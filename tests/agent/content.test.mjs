// What the text part says and which figures become image parts. Node has no
// canvas: figures within the budget pass through, the others are named.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_BUDGET, toModelContent } from "../../agent/index.js";
import { execution, pngFigure, syntaxError, timeout } from "./fixtures.mjs";

const textOf = async (ex, budget) => (await toModelContent(ex, budget))[0].text;

test("an ok run: status, stdout, result, in that order", async () => {
  const text = await textOf(execution({ stdout: "mean 4.2\n", result: { "text/plain": "102.02" } }));
  assert.match(text, /^Status: ok\. The code ran to its end in 42 ms\./);
  assert.ok(text.indexOf("--- stdout ---\nmean 4.2") < text.indexOf("--- result ---\n102.02"));
  assert.doesNotMatch(text, /No output/);
});

test("a silent run tells the model how to see values", async () => {
  assert.match(await textOf(execution()), /No output\. Print values, or end the code with an expression/);
});

test("a timeout reads well", async () => {
  const text = await textOf(timeout());
  assert.match(text, /^Status: timeout\. The code ran past its time limit and was stopped\. Sandbox: stopped after 2000 ms/);
  assert.match(text, /The interpreter was restarted: variables, imports and definitions from earlier calls are gone\./);
  assert.match(text, /--- stdout ---\nstep 1\nstep 2$/m, "what it printed before the stop is kept");
  assert.doesNotMatch(text, /--- error ---/, "a timeout is not shown as a Python exception");
  console.log(`timeout, as the model reads it:\n${text}\n`);
});

test("a SyntaxError reads well", async () => {
  const text = await textOf(syntaxError());
  assert.match(text, /^Status: error\. The code did not run: it has a SyntaxError on line 2\./);
  assert.match(text, /--- error ---\nSyntaxError: '\(' was never closed \(<cell-3>, line 2\)\n {2}File "<cell-3>", line 2\n {4}print\(max\(values\)\n {9}\^/);
  console.log(`SyntaxError, as the model reads it:\n${text}\n`);
});

test("a runtime error gives type, message, line and traceback", async () => {
  const ex = execution({
    status: "error",
    stdout: "loading\n",
    error: {
      type: "KeyError",
      message: "'price'",
      traceback: 'Traceback (most recent call last):\n  File "<cell-2>", line 4, in <module>\n    total = row["price"]\nKeyError: \'price\'\n',
      line: 4,
    },
  });
  const text = await textOf(ex);
  assert.match(text, /^Status: error\. The code raised KeyError on line 4\./);
  assert.match(text, /--- error ---\nKeyError: 'price' \(line 4\)\nTraceback \(most recent call last\):/);
});

test("cancelled and crashed runs say so, and a crash says state is gone", async () => {
  const cancelled = await textOf(execution({ status: "cancelled", error: { type: "CancelledError", message: "the run was cancelled (interrupted; state kept)", traceback: "", line: null } }));
  assert.match(cancelled, /^Status: cancelled\. The user stopped the run\./);
  assert.doesNotMatch(cancelled, /restarted:/);
  const crashed = await textOf(execution({ status: "crashed", error: { type: "Crashed", message: "out of memory", traceback: "", line: null }, interpreterReset: true }));
  assert.match(crashed, /^Status: crashed\. The Python interpreter died\. Sandbox: out of memory\. The interpreter was restarted/);
});

test("20 figures come out as the budgeted number of images", async () => {
  const figures = Array.from({ length: 20 }, () => pngFigure(64, 48));
  const parts = await toModelContent(execution({ figures }));
  const images = parts.filter((p) => p.type === "image");
  assert.equal(images.length, DEFAULT_BUDGET.maxImages);
  assert.equal(parts[0].type, "text", "the text part comes first");
  assert.match(parts[0].text, /Figures 5-20 \(16\) were not sent: the budget is 4 figures per call/);
  assert.match(parts[0].text, /Figure 1: PNG 64x48 \(\d+ bytes\), attached as image 1\./);
  for (const img of images) {
    assert.equal(img.mime, "image/png");
    assert.ok(!img.data.startsWith("data:"), "bare base64");
    assert.deepEqual(new Uint8Array(Buffer.from(img.data, "base64")), figures[0].data, "passed through byte for byte");
  }
  const two = (await toModelContent(execution({ figures }), { maxImages: 2 })).filter((p) => p.type === "image");
  assert.equal(two.length, 2);
});

test("in Node, a figure over the budget is named, not sent, and does not take a place", async () => {
  const figures = [pngFigure(4000, 3000), pngFigure(640, 480)];
  const parts = await toModelContent(execution({ figures }), { maxImages: 1 });
  assert.equal(parts.length, 2);
  const text = parts[0].text;
  assert.match(text, /Figure 1: PNG 4000x3000 \(\d+ KB\), not sent: over the image budget \(1,150,000 pixels, 1568 px a side, 500 KB\) and it cannot be downscaled here\./);
  assert.match(text, /Figure 2: PNG 640x480 \(\d+ (bytes|KB)\), attached as image 1\./);
});

test("a figure within the pixels but over the bytes is not sent from Node", async () => {
  const parts = await toModelContent(execution({ figures: [pngFigure(100, 100)] }), { maxImageBytes: 10 });
  assert.equal(parts.length, 1);
  assert.match(parts[0].text, /not sent: over the image budget/);
});

test("display() text, refused outputs and files are listed; HTML is not sent", async () => {
  const ex = execution({
    outputs: [
      { type: "display", source: "display", data: { "text/plain": "   a  b\n0  1  2", "text/html": "<table></table>" } },
      { type: "display", source: "matplotlib", data: { "image/png": new Uint8Array(4), "text/plain": "<Figure>" } },
    ],
    droppedOutputs: ["text/html display dropped: HTML is not shown"],
    files: [{ path: "out.csv", size: 2048 }, { name: "plot.png", data: new Uint8Array(10) }],
  });
  const parts = await toModelContent(ex);
  assert.equal(parts.length, 1);
  const text = parts[0].text;
  assert.match(text, /--- displayed ---\n {3}a {2}b\n0 {2}1 {2}2/);
  assert.doesNotMatch(text, /<Figure>|<table>/);
  assert.match(text, /--- refused outputs ---\ntext\/html display dropped/);
  assert.match(text, /--- files ---\nout\.csv \(2 KB\)\nplot\.png \(10 bytes\)/);
});

test("the sandbox's own output cap is mentioned", async () => {
  assert.match(await textOf(execution({ stdout: "x", truncated: true })), /went over the sandbox's output cap/);
});

test("a chart spec reaches the model as one line naming it, not its spec or Altair's text/plain", async () => {
  const altairPlain = "<VegaLite 6 object>\n\nIf you see this message, it means the renderer has not been properly enabled\n";
  const spec = { mark: { type: "bar" }, encoding: { x: { field: "city", type: "nominal" }, y: { field: "temp", type: "quantitative" } }, title: "Mean temperature", datasets: { d: [{ city: "secret-row" }] } };
  const ex = execution({
    result: { "application/vnd.vegalite.v6+json": spec, "text/html": "<div>vegaEmbed(...)</div>", "text/plain": "alt.Chart(...)" },
    outputs: [
      { type: "display", source: "display", data: { "application/vnd.vegalite.v6.json": { mark: "line" }, "text/plain": altairPlain } },
      { type: "display", source: "display", data: { "application/vnd.vega.v5+json": { title: { text: ["Two", "lines"] } }, "text/plain": "<Vega 5 object>" } },
      { type: "display", source: "display", data: { "application/vnd.vegalite.v5+json": { layer: [], title: 7 }, "text/plain": "x" } },
      { type: "display", source: "display", data: { "application/vnd.vegalite.v4+json": "not a spec", "text/plain": "plain kept" } },
    ],
  });
  const text = await textOf(ex);
  assert.match(text, /--- result ---\n\[Vega-Lite chart "Mean temperature" \(bar; x: city, y: temp\), drawn for the user; its spec is not shown here\]/);
  assert.match(text, /--- displayed ---\n\[Vega-Lite chart \(line\), drawn for the user; its spec is not shown here\]\n\[Vega chart "Two lines", drawn for the user; its spec is not shown here\]\n\[Vega-Lite chart, drawn for the user; its spec is not shown here\]\nplain kept/);
  assert.doesNotMatch(text, /renderer has not been properly enabled|secret-row|<Vega|alt\.Chart|vegaEmbed/);
});
