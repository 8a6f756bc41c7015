// PNG and JPEG decoding stays bounded: nothing declaring more pixels than
// the decode cap is decoded, a bitmap's own size is checked before anything
// draws it, and what is drawn is within the budget. The page's APIs are stubbed
// (canvas_stub.mjs) to see what would be decoded and drawn.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_BUDGET, toModelContent } from "../../agent/index.js";
import { withCanvas } from "./canvas_stub.mjs";
import { execution, makePng } from "./fixtures.mjs";

/** A small real PNG that declares `width` x `height`, as pycage reports a figure. */
const declaring = (width, height) => ({ mime: "image/png", data: makePng(8, 8), width, height, source: "matplotlib" });

test("a figure declaring more than 25 000 000 pixels is not decoded", async () => {
  let parts;
  const log = await withCanvas(async () => {
    parts = await toModelContent(execution({ figures: [declaring(6000, 5000)] }));
  });
  assert.deepEqual(log.decodes, [], "createImageBitmap was not called");
  assert.equal(parts.length, 1);
  assert.match(parts[0].text, /Figure 1: PNG 6000x5000 \(\d+ bytes\), not sent: over the 25,000,000 pixels decoded here\./);
});

test("a figure over the budget is decoded once and drawn within it", async () => {
  let parts;
  const log = await withCanvas(
    async () => {
      parts = await toModelContent(execution({ figures: [declaring(4000, 3000)] }));
    },
    () => ({ width: 4000, height: 3000 }),
  );
  assert.equal(log.decodes.length, 1);
  assert.equal(log.draws.length, 1);
  const [{ width: w, height: h }] = log.draws;
  assert.ok(w * h <= DEFAULT_BUDGET.maxImagePixels && Math.max(w, h) <= DEFAULT_BUDGET.maxImageSide, `${w}x${h}`);
  assert.ok(Math.abs(w / h - 4 / 3) < 0.01);
  assert.match(parts[0].text, new RegExp(`attached as image 1, downscaled to ${w}x${h} PNG`));
});

test("a bitmap bigger than the cap (larger than its figure declared) is not drawn", async () => {
  let parts;
  const log = await withCanvas(
    async () => {
      parts = await toModelContent(execution({ figures: [declaring(4000, 3000)] }));
    },
    () => ({ width: 30_000, height: 30_000 }),
  );
  assert.deepEqual(log.draws, []);
  assert.equal(parts.length, 1);
  assert.match(parts[0].text, /not sent: it could not be decoded \(it decoded to 30000x30000, over the 25,000,000 pixels drawn here\)/);
});

test("a figure of unknown size is never decoded: passed through if its bytes fit, else named", async () => {
  const unknown = { mime: "image/png", data: makePng(8, 8), width: null, height: null, source: "display" };
  let small;
  let heavy;
  const log = await withCanvas(async () => {
    small = await toModelContent(execution({ figures: [unknown] }));
    heavy = await toModelContent(execution({ figures: [unknown] }), { maxImageBytes: 10 });
  });
  assert.deepEqual(log.decodes, []);
  assert.equal(small[1].type, "image");
  assert.equal(heavy.length, 1);
  assert.match(heavy[0].text, /not sent: over the image budget \(.*\), and its size is not known\./);
});
