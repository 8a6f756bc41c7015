// The tool definition, and runToolCall: bad arguments give the model a
// readable error part instead of throwing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pythonTool, runToolCall } from "../../src/agent/index.js";
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
  assert.match(d, /load on their first import/);
  assert.match(d, /plt\.show\(\)/);
  assert.match(d, /display\(/);
  assert.match(d, /No network/);
  assert.match(d, /Time limit: 10 s per call/);
  assert.match(d, /persist between calls/);
});

test("pythonTool: allowed packages, defaults and overrides", () => {
  const allowed = pythonTool({ packages: ["numpy", "pandas"] }).description;
  assert.match(allowed, /only these others, which load on their first import: numpy, pandas/);
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
