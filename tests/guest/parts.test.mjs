// The worker's parts (build.rs, WORKER_PARTS) share nothing through
// globals: each, run alone in a scope of its own as build.rs runs it, defines
// the name build.rs takes from it, and names no other part's; worker.js gets
// them, and PROTOCOL, as the arguments of `pycageWorker`.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

const read = (path) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
const buildRs = read("build.rs");
const list = buildRs.slice(buildRs.indexOf("const WORKER_PARTS"), buildRs.indexOf("];", buildRs.indexOf("const WORKER_PARTS")));
const parts = [...list.matchAll(/\("(guest\/[a-z]+\.js)", "(pycage[A-Za-z]+)"\)/g)].map(([, path, name]) => ({ path, name }));

test("build.rs lists the five parts", () => {
  assert.deepEqual(
    parts.map((p) => p.path),
    ["guest/files.js", "guest/input.js", "guest/pypi.js", "guest/memory.js", "guest/snapshot.js"],
  );
});

test("each part, alone in its scope, defines its export and names no other part", () => {
  for (const { path, name } of parts) {
    const source = read(path);
    const exported = new Function(`${source}\nreturn ${name};`)();
    assert.equal(typeof exported, "function", `${path} defines ${name}`);
    for (const other of parts.filter((p) => p.path !== path)) {
      assert.ok(!source.includes(other.name), `${path} names ${other.name}, another part's`);
    }
  }
});

test("worker.js takes PROTOCOL and every part as pycageWorker's arguments", () => {
  const worker = read("guest/worker.js");
  const signature = worker.match(/^function pycageWorker\(PROTOCOL, \{ ([^}]*) \}\) \{$/m);
  assert.ok(signature, "worker.js declares pycageWorker(PROTOCOL, { ...parts })");
  assert.deepEqual(
    signature[1].split(",").map((s) => s.trim()),
    parts.map((p) => p.name),
  );
  assert.match(buildRs, /pycageWorker\(PROTOCOL, parts\);/);
});
