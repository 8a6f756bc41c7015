// The tool definition, and runToolCall: bad arguments give the model a
// readable error part instead of throwing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pythonTool, runToolCall } from "../../agent/index.js";
import { execution, pngFigure } from "./fixtures.mjs";

function fakeSandbox(result = execution({ stdout: "2\n" })) {
  const calls = [];
  return {
    calls,
    pythonVersion: "3.14.2",
    pyodideVersion: "314.0.7",
    async runPython(code, opts) {
      calls.push({ code, opts });
      return typeof result === "function" ? result(code) : result;
    },
  };
}

test("pythonTool: name, JSON Schema parameters and a description of the environment", () => {
  const def = pythonTool({ sandbox: fakeSandbox(), timeoutMs: 10_000 });
  assert.equal(def.name, "run_python");
  assert.deepEqual(def.parameters, {
    type: "object",
    properties: { code: { type: "string", description: def.parameters.properties.code.description } },
    required: ["code"],
    additionalProperties: false,
  });
  const d = def.description;
  assert.match(d, /Python 3\.14\.2 \(Pyodide 314\.0\.7\)/);
  assert.match(d, /Packages: the Python standard library\. Other packages may not be available here: an import of one may fail/);
  assert.doesNotMatch(d, /numpy|pandas|matplotlib|plt\.show/);
  assert.match(d, /_repr_png_/);
  assert.match(d, /display\(/);
  assert.match(d, /No network/);
  assert.match(d, /Time limit: 10 s per call/);
  assert.match(d, /persist between calls/);
});

test("pythonTool: allowed packages, defaults and overrides", () => {
  const allowed = pythonTool({ packages: ["numpy", "pandas"] }).description;
  assert.match(allowed, /only these others, which load on their first import: numpy, pandas/);
  assert.doesNotMatch(allowed, /plt\.show/);
  const plots = pythonTool({ packages: ["numpy", "pandas", "matplotlib"] }).description;
  assert.match(plots, /numpy, pandas, matplotlib\./);
  assert.match(plots, /plt\.show\(\)/);
  const defaults = pythonTool().description;
  assert.match(defaults, /Python 3 \(Pyodide\)/);
  assert.match(defaults, /Time limit: 30 s per call/);
  assert.match(pythonTool({ autoLoadPackages: false }).description, /standard library only/);
  const custom = pythonTool({ name: "python", description: "Run Python." });
  assert.equal(custom.name, "python");
  assert.equal(custom.description, "Run Python.");
});

const MALFORMED = [
  ["no code", {}, /The "code" argument is missing/],
  ["code is a number", { code: 42 }, /The "code" argument must be a string of Python source, not number/],
  ["code is null", { code: null }, /not null/],
  ["bad JSON", '{"code": "print(1)"', /The arguments are not valid JSON/],
  ["JSON of a string", '"print(1)"', /must be a JSON object/],
  ["an array", ["print(1)"], /must be a JSON object/],
  ["nothing", undefined, /must be a JSON object/],
  ["empty code", { code: "  \n" }, /The "code" argument is empty/],
];

for (const [what, args, said] of MALFORMED) {
  test(`runToolCall with ${what}: a readable error part, nothing run`, async () => {
    const sb = fakeSandbox();
    const out = await runToolCall(sb, args);
    assert.equal(out.execution, null);
    assert.equal(out.parts.length, 1);
    assert.equal(out.parts[0].type, "text");
    assert.match(out.parts[0].text, /^Status: not run\. /);
    assert.match(out.parts[0].text, said);
    assert.equal(sb.calls.length, 0);
  });
}

test("runToolCall shows the model what it sent, cut short", async () => {
  const out = await runToolCall(fakeSandbox(), { script: "x".repeat(5000) });
  assert.match(out.parts[0].text, /Received: \{"script":"xxx/);
  assert.ok(out.parts[0].text.length < 600);
});

test("runToolCall runs the code (object or JSON text) with the run options and returns the parts", async () => {
  const ex = execution({ stdout: "2\n", figures: [pngFigure(10, 10)] });
  const sb = fakeSandbox(ex);
  const signal = new AbortController().signal;
  const out = await runToolCall(sb, '{"code": "print(1 + 1)"}', { run: { timeoutMs: 5000, signal }, budget: { maxImages: 1 } });
  assert.equal(out.execution, ex);
  assert.deepEqual(sb.calls, [{ code: "print(1 + 1)", opts: { timeoutMs: 5000, signal } }]);
  assert.equal(out.parts.length, 2);
  assert.match(out.parts[0].text, /--- stdout ---\n2/);
  assert.equal(out.parts[1].type, "image");

  const direct = await runToolCall(sb, { code: "1", extra: true });
  assert.equal(sb.calls[1].code, "1");
  assert.equal(sb.calls[1].opts, undefined);
  assert.equal(direct.execution, ex);
});

test("runToolCall lets the sandbox's own failures reject", async () => {
  const sb = { runPython: async () => { throw new Error("the sandbox is disposed"); } };
  await assert.rejects(runToolCall(sb, { code: "1" }), /disposed/);
});

// Arguments are capped before they are parsed: JSON.parse of 100 MB holds
// the page's thread for over a second (issue 23).
const MiB = 1_048_576;

/** JSON arguments of exactly `length` characters. */
function argsOf(length) {
  const shell = JSON.stringify({ code: "#" });
  return JSON.stringify({ code: `#${"x".repeat(length - shell.length)}` });
}

/** Runs `fn` with JSON.parse counting its calls. */
async function countingParse(fn) {
  const parse = JSON.parse;
  let calls = 0;
  JSON.parse = (...a) => {
    calls++;
    return parse(...a);
  };
  try {
    await fn();
  } finally {
    JSON.parse = parse;
  }
  return calls;
}

test("runToolCall: arguments at the 1 MiB default run", async () => {
  const sb = fakeSandbox();
  const args = argsOf(MiB);
  assert.equal(args.length, MiB);
  const out = await runToolCall(sb, args);
  assert.notEqual(out.execution, null);
  assert.equal(sb.calls[0].code.length, MiB - 11);
  await runToolCall(sb, { code: "x".repeat(MiB) });
  assert.equal(sb.calls.length, 2, "an object's code at the cap runs too");
});

test("runToolCall: arguments one over the cap are refused with a readable part", async () => {
  const sb = fakeSandbox();
  const out = await runToolCall(sb, argsOf(MiB + 1));
  assert.equal(out.execution, null);
  assert.equal(out.parts.length, 1);
  assert.equal(
    out.parts[0].text,
    "Status: not run. The arguments are 1,048,577 characters long, over the limit of 1,048,576 (maxArgumentBytes). " +
      "Send shorter code: have it build or read large data rather than spelling it out.",
  );
  assert.equal(sb.calls.length, 0);
});

test("runToolCall: 100 MB of JSON is refused at once, without parsing it", async () => {
  const sb = fakeSandbox();
  const args = argsOf(100 * MiB);
  let out;
  const started = performance.now();
  const parses = await countingParse(async () => {
    out = await runToolCall(sb, args);
  });
  const ms = performance.now() - started;
  console.log(`100 MB of arguments refused in ${ms.toFixed(1)} ms`);
  assert.equal(parses, 0, "JSON.parse was not called");
  assert.ok(ms < 100, `${ms} ms`);
  assert.match(out.parts[0].text, /^Status: not run\. The arguments are 104,857,600 characters long, over the limit/);
  assert.equal(sb.calls.length, 0);
});

test("runToolCall: an object whose code is over the cap is refused", async () => {
  const sb = fakeSandbox();
  const out = await runToolCall(sb, { code: "x".repeat(MiB + 1) });
  assert.equal(out.execution, null);
  assert.match(out.parts[0].text, /^Status: not run\. The "code" argument is 1,048,577 characters long, over the limit of 1,048,576 \(maxArgumentBytes\)\./);
  assert.equal(sb.calls.length, 0);
});

test("runToolCall: a huge field beside the code costs nothing to show", async () => {
  const out = await runToolCall(fakeSandbox(), { script: "x".repeat(50 * MiB) });
  assert.match(out.parts[0].text, /The "code" argument is missing/);
  assert.ok(out.parts[0].text.length < 600);
});

test("runToolCall: maxArgumentBytes overrides the default", async () => {
  const sb = fakeSandbox();
  const small = await runToolCall(sb, '{"code": "1 + 1"}', { maxArgumentBytes: 10 });
  assert.match(small.parts[0].text, /The arguments are 17 characters long, over the limit of 10 \(maxArgumentBytes\)/);
  assert.equal(sb.calls.length, 0);
  const large = await runToolCall(sb, argsOf(2 * MiB), { maxArgumentBytes: 2 * MiB });
  assert.notEqual(large.execution, null);
  assert.equal(sb.calls.length, 1);
});

const BAD_CAPS = [["-1", -1], ["NaN", NaN], ["Infinity", Infinity], ['"1048576"', "1048576"], ["{}", {}], ["10n", 10n]];

for (const [shown, bad] of BAD_CAPS) {
  test(`runToolCall: maxArgumentBytes ${shown} is a TypeError naming the field`, async () => {
    const sb = fakeSandbox();
    await assert.rejects(runToolCall(sb, '{"code": "1"}', { maxArgumentBytes: bad }), (err) => {
      assert.ok(err instanceof TypeError);
      assert.equal(err.field, "maxArgumentBytes");
      assert.match(err.message, /^pycage\/agent: invalid maxArgumentBytes: expected a finite number >= 0, got /);
      return true;
    });
    assert.equal(sb.calls.length, 0);
  });
}
