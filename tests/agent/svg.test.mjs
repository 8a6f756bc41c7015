// SVG figures reach the model as their source text, never drawn: what
// drawing an SVG costs is set by its markup (issue 23: a 1 KB filter chain
// held the page's thread for seconds). tests/agent/browser.mjs times it in
// a real page.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_BUDGET, toModelContent } from "../../agent/index.js";
import { withCanvas } from "./canvas_stub.mjs";
import { execution, pngFigure, svgFigure } from "./fixtures.mjs";

const decode = (fig) => new TextDecoder().decode(fig.data);

/** An SVG of about `chars` characters. */
function svgOf(chars) {
  const head = '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><!--';
  const tail = "--></svg>";
  const svg = `${head}${"x".repeat(chars - head.length - tail.length)}${tail}`;
  return { mime: "image/svg+xml", data: new TextEncoder().encode(svg), width: 640, height: 480, source: "display" };
}

test("an SVG arrives as its source in a text part of its own, with a note", async () => {
  const svg = svgFigure();
  const parts = await toModelContent(execution({ figures: [pngFigure(10, 10), svg] }));
  assert.deepEqual(parts.map((p) => p.type), ["text", "image", "text"]);
  assert.equal(parts[2].text, `[figure 2: SVG 320x240 (${svg.data.length} bytes), sent as its SVG source]\n${decode(svg)}`);
  assert.match(parts[0].text, /Figure 2: SVG 320x240 \(\d+ bytes\), sent as its SVG source in a text part of its own, not as an image\./);
});

test("where a page could draw it, an SVG is still sent as text: no Image, no decode, no drawing", async () => {
  const svg = svgFigure();
  let parts;
  const log = await withCanvas(async () => {
    parts = await toModelContent(execution({ figures: [svg] }));
  });
  assert.deepEqual(log, { images: 0, decodes: [], draws: [] });
  assert.equal(parts.length, 2);
  assert.equal(parts[1].type, "text");
  assert.ok(parts[1].text.endsWith(decode(svg)));
});

test("an SVG over the text budget is named with the reason, and does not take a place", async () => {
  const figures = [svgOf(DEFAULT_BUDGET.maxSvgChars + 1), pngFigure(10, 10)];
  const parts = await toModelContent(execution({ figures }), { maxImages: 1 });
  assert.deepEqual(parts.map((p) => p.type), ["text", "image"]);
  assert.match(
    parts[0].text,
    /Figure 1: SVG 640x480 \(8 KB\), not sent: its SVG source is over the 8,000 characters of text left for SVG \(maxSvgChars\); SVGs are sent as text, never drawn\./,
  );
  assert.match(parts[0].text, /Figure 2: PNG 10x10 \(\d+ bytes\), attached as image 1\./);
});

test("an SVG just within the text budget is sent whole", async () => {
  const svg = svgOf(DEFAULT_BUDGET.maxSvgChars);
  const parts = await toModelContent(execution({ figures: [svg] }));
  assert.ok(parts[1].text.endsWith(decode(svg)));
});

test("maxSvgChars is for all of a run's SVGs together", async () => {
  const figures = [svgOf(3000), svgOf(3000), svgOf(3000), svgOf(900)];
  const parts = await toModelContent(execution({ figures }), { maxSvgChars: 7000 });
  assert.equal(parts.length, 4, "the first two and the last are sent");
  assert.match(parts[0].text, /Figure 3: SVG .*not sent: its SVG source is over the 1,000 characters of text left/);
  assert.match(parts[3].text, /^\[figure 4: SVG 640x480/);
});

test("a far heavier SVG is refused without being decoded", async () => {
  const parts = await toModelContent(execution({ figures: [svgOf(5_000_000)] }), { maxSvgChars: 100 });
  assert.equal(parts.length, 1);
  assert.match(parts[0].text, /not sent: its SVG source is over the 100 characters/);
});

test("OpenAI Chat puts an SVG's source in the tool message", async () => {
  const { toOpenAIChat } = await import("../../agent/index.js");
  const svg = svgFigure();
  const [tool] = await toOpenAIChat("call_1", execution({ figures: [svg] }));
  assert.equal(tool.role, "tool");
  assert.ok(tool.content.includes(`sent as its SVG source]\n${decode(svg)}`));
});
