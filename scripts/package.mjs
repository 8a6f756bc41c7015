// Completes pkg/ after wasm-pack: copies the agent entry (src/agent/, plain
// JS with no wasm, so server code can import it) to pkg/agent/, and writes
// an `exports` map so `pycage` and `pycage/agent` resolve in every bundler
// and in Node.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";

const root = new URL("../", import.meta.url);
const pkg = new URL("pkg/", root);
const agentSrc = new URL("src/agent/", root);
const agentOut = new URL("agent/", pkg);

mkdirSync(agentOut, { recursive: true });
for (const name of readdirSync(agentSrc)) {
  if (name.endsWith(".js") || name.endsWith(".d.ts")) copyFileSync(new URL(name, agentSrc), new URL(name, agentOut));
}

const manifestUrl = new URL("package.json", pkg);
const manifest = JSON.parse(readFileSync(manifestUrl, "utf8"));
manifest.files = [...new Set([...(manifest.files ?? []), "agent"])];
manifest.exports = {
  ".": { types: "./pycage.d.ts", default: "./pycage.js" },
  "./agent": { types: "./agent/index.d.ts", default: "./agent/index.js" },
  "./pycage_bg.wasm": "./pycage_bg.wasm",
  "./package.json": "./package.json",
};
writeFileSync(manifestUrl, `${JSON.stringify(manifest, null, 2)}\n`);
console.log("pkg/: agent entry and exports map written");
