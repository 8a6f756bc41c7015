// Trimming: long text keeps its head and tail within the budget, with a
// line that says how much was cut.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_BUDGET, resolveBudget, toModelContent } from "../../agent/index.js";
import { headTail, trimTraceback } from "../../agent/budget.js";
import { execution } from "./fixtures.mjs";

function section(text, title) {
  const start = text.indexOf(`--- ${title} ---\n`);
  assert.notEqual(start, -1, `no ${title} section in:\n${text.slice(0, 500)}`);
  const body = text.slice(start + title.length + 9);
  const end = body.indexOf("\n--- ");
  return end === -1 ? body : body.slice(0, end);
}

test("200 KB of stdout comes out within the budget, with head and tail", async () => {
  const lines = Array.from({ length: 20_000 }, (_, i) => `row ${String(i).padStart(5, "0")}: ${"=".repeat(i % 5)}`);
  const stdout = `BEGIN\n${lines.join("\n")}\nEND\n`;
  assert.ok(stdout.length >= 200_000, `${stdout.length}`);
  const [text] = await toModelContent(execution({ stdout }));
  const kept = section(text.text, "stdout");
  assert.ok(kept.length <= DEFAULT_BUDGET.maxStreamChars, `${kept.length} > ${DEFAULT_BUDGET.maxStreamChars}`);
  assert.ok(kept.startsWith("BEGIN\nrow 00000"), "keeps the head");
  assert.ok(kept.endsWith("row 19999: ====\nEND"), "keeps the tail");
  const elision = kept.match(/\[\.\.\. ([\d,]+) characters \(([\d,]+) lines\) of stdout cut \.\.\.\]/);
  assert.ok(elision, "says how much was cut");
  const cut = Number(elision[1].replaceAll(",", ""));
  const [head, tail] = kept.split(`\n${elision[0]}\n`);
  assert.ok(stdout.startsWith(`${head}\n`) && stdout.endsWith(`${tail}\n`), "head and tail are the text's own");
  // The head's line end, the cut, the tail and the final newline (which the section drops) are all of it.
  assert.equal(head.length + 1 + cut + tail.length + 1, stdout.length, "the cut count is exact");
  assert.match(head, /\nrow \d{5}: =*$/, "the cut falls at a line end");
  assert.ok(text.text.length < DEFAULT_BUDGET.maxStreamChars + 200, "the whole text part stays small");
});

test("stdout and stderr each get their own budget", async () => {
  const [text] = await toModelContent(execution({ stdout: "o".repeat(50_000), stderr: "e".repeat(50_000) }), { maxStreamChars: 1000 });
  assert.ok(section(text.text, "stdout").length <= 1000);
  assert.ok(section(text.text, "stderr").length <= 1000);
  assert.match(section(text.text, "stderr"), /of stderr cut/);
});

test("headTail leaves short text alone and never exceeds its cap", () => {
  assert.equal(headTail("short", 10, "x"), "short");
  for (const max of [0, 5, 60, 61, 100, 1000]) {
    const out = headTail("a\n".repeat(5000), max, "stdout");
    assert.ok(out.length <= max, `${out.length} > ${max}`);
  }
  // A cut never splits a surrogate pair.
  const emoji = "🐍".repeat(10_000);
  const out = headTail(emoji, 501, "stdout");
  assert.ok(out.isWellFormed ? out.isWellFormed() : !/[\ud800-\udbff](?![\udc00-\udfff])/.test(out));
});

test("a long traceback keeps its first line and its innermost frames", () => {
  const frames = Array.from({ length: 500 }, (_, i) => `  File "<cell-1>", line 2, in f\n    return f(n + ${i})`);
  const tb = ["Traceback (most recent call last):", ...frames, "RecursionError: maximum recursion depth exceeded"].join("\n");
  const out = trimTraceback(tb, 10, 8000).split("\n");
  assert.equal(out[0], "Traceback (most recent call last):");
  assert.match(out[1], /\[\.\.\. 992 traceback lines cut \.\.\.\]/);
  assert.equal(out.at(-1), "RecursionError: maximum recursion depth exceeded");
  assert.equal(out.length, 11);
});

test("resolveBudget fills in the defaults and ignores nonsense", () => {
  const b = resolveBudget({ maxImages: 2, maxStreamChars: "lots", maxImageBytes: NaN, unknown: 1 });
  assert.equal(b.maxImages, 2);
  assert.equal(b.maxStreamChars, DEFAULT_BUDGET.maxStreamChars);
  assert.equal(b.maxImageBytes, DEFAULT_BUDGET.maxImageBytes);
  assert.equal("unknown" in b, false);
  assert.deepEqual(resolveBudget(undefined), { ...DEFAULT_BUDGET });
  assert.ok(Object.isFrozen(DEFAULT_BUDGET));
});
