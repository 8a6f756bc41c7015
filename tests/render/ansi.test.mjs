import assert from "node:assert/strict";
import { test } from "node:test";
import { applyCarriageReturns, parseAnsi, stripAnsi } from "../../render/ansi.js";

test("plain text is one unstyled segment", () => {
  assert.deepEqual(parseAnsi("hello\nworld"), [{ text: "hello\nworld", classes: "" }]);
});

test("SGR colours, bold and underline become classes", () => {
  const s = parseAnsi("a\x1b[31mred\x1b[1;4mboth\x1b[0m plain\x1b[92mbright\x1b[39m x");
  assert.deepEqual(s, [
    { text: "a", classes: "" },
    { text: "red", classes: "pycage-fg-1" },
    { text: "both", classes: "pycage-fg-1 pycage-bold pycage-underline" },
    { text: " plain", classes: "" },
    { text: "bright", classes: "pycage-fg-10" },
    { text: " x", classes: "" },
  ]);
});

test("backgrounds, 256 colours and truecolour map to the 16 classes", () => {
  assert.equal(parseAnsi("\x1b[44mx")[0].classes, "pycage-bg-4");
  assert.equal(parseAnsi("\x1b[38;5;9mx")[0].classes, "pycage-fg-9");
  assert.equal(parseAnsi("\x1b[38;5;196mx")[0].classes, "pycage-fg-1");
  assert.equal(parseAnsi("\x1b[38;2;0;0;0mx")[0].classes, "pycage-fg-0");
  assert.equal(parseAnsi("\x1b[48;2;255;255;255mx")[0].classes, "pycage-bg-15");
  // Out of range values are ignored, not thrown.
  assert.equal(parseAnsi("\x1b[38;2;999;0;0mx")[0].classes, "");
  assert.equal(parseAnsi("\x1b[38;5mx")[0].classes, "");
});

test("classes come only from the fixed set, whatever the parameters", () => {
  const s = parseAnsi('\x1b[31;"onload=x"mA\x1b[999;-1;<b>mB\x1b[38;5;300mC');
  for (const seg of s) assert.match(seg.classes, /^(pycage-[a-z]+(-\d+)?( |$))*$/);
  // `"` is an intermediate byte: the sequence ends at the next final byte, "o".
  assert.equal(s.map((x) => x.text).join(""), 'nload=x"mA;<b>mBC');
});

test("other escape sequences and control characters are removed", () => {
  const text = "a\x1b[2Jb\x1b[10;20Hc\x1b]8;;http://evil/\x07link\x1b]8;;\x07d\x1b]0;title\x1b\\e\x1bPdcs\x1b\\f\x07\x00\x08g\x1b(Bh\x9b31mi\tj";
  // A C1 CSI (U+009B) is removed as a control character; what follows stays.
  assert.equal(stripAnsi(text), "abclinkdefgh31mi\tj");
  assert.equal(parseAnsi(text).map((s) => s.text).join(""), stripAnsi(text));
});

test("an unterminated escape swallows nothing after the end", () => {
  assert.equal(stripAnsi("ok\x1b["), "ok");
  assert.equal(stripAnsi("ok\x1b]8;;never ends"), "ok");
  assert.equal(stripAnsi("ok\x1b"), "ok");
});

test("segments are capped; the rest is plain text", () => {
  const text = "\x1b[31ma\x1b[32mb".repeat(10_000);
  const s = parseAnsi(text, { maxSegments: 100 });
  assert.ok(s.length <= 102, `${s.length} segments`);
  assert.equal(s.map((x) => x.text).join("").length, 20_000);
  assert.equal(s[s.length - 1].classes, "");
});

test("parsing a large hostile stream is linear", () => {
  const text = "\x1b[".repeat(200_000) + "\x1b]".repeat(1000);
  const t = performance.now();
  parseAnsi(text);
  stripAnsi(text);
  assert.ok(performance.now() - t < 2000);
});

test("carriage returns overwrite their line", () => {
  assert.equal(applyCarriageReturns(" 10%\r 50%\r100%\ndone\r\n"), "100%\ndone\n");
  assert.equal(applyCarriageReturns("a\r\nb"), "a\nb");
  assert.equal(applyCarriageReturns("no cr"), "no cr");
});
