// ESLint (flat config), run by `scripts/test quick` as `eslint .`: the
// recommended rules, with each folder's globals (browser page, worker, Node).
// No formatting rules: the JS is not prettier-formatted, and a mass reformat
// would collide with every edit in progress (CONTRIBUTING.md, "Habits").
"use strict";
const js = require("@eslint/js");
const globals = require("globals");

// The worker script: build.rs (`WORKER_PARTS`) wraps each part in a scope of
// its own that hands back its one export, and passes the exports to
// worker.js's `pycageWorker` as arguments: no names are shared as globals.
const WORKER_PARTS = ["guest/files.js", "guest/input.js", "guest/pypi.js", "guest/memory.js", "guest/snapshot.js"];
const WORKER_SCRIPT = [...WORKER_PARTS, "guest/worker.js"];

// `catch (_)`, `(_event) => …` and `const { a, ...rest }` say it on purpose.
const UNUSED = {
  argsIgnorePattern: "^_",
  caughtErrorsIgnorePattern: "^_",
  varsIgnorePattern: "^_",
  ignoreRestSiblings: true,
};

module.exports = [
  {
    ignores: [
      "target/",
      "pkg/",
      "build/",
      "node_modules/",
      "**/node_modules/",
      "tests/bundlers/*/dist/",
      "tests/bundlers/*/.next/",
    ],
  },
  js.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "no-unused-vars": ["error", UNUSED],
      // `catch {}` is this code's idiom for "best effort, nothing to do".
      "no-empty": ["error", { allowEmptyCatch: true }],
    },
  },
  // This file.
  {
    files: ["eslint.config.js"],
    languageOptions: { sourceType: "commonjs", globals: globals.node },
  },
  // The guest: the worker script (classic, see above).
  {
    files: WORKER_SCRIPT,
    languageOptions: { sourceType: "script", globals: globals.worker },
  },
  {
    // A part's one top-level function is its export (and worker.js's
    // `pycageWorker` is what the assembly calls).
    files: WORKER_SCRIPT,
    rules: { "no-unused-vars": ["error", { ...UNUSED, vars: "local" }] },
  },
  // The sandbox document's script (classic, in a browser frame).
  {
    files: ["guest/frame.js"],
    languageOptions: { sourceType: "script", globals: globals.browser },
  },
  // Browser ES modules: the demo, the error classes wasm-bindgen ships, the
  // test and benchmark pages.
  {
    files: ["www/**/*.js", "src/js/**/*.js", "render/**/*.js", "store/**/*.js", "bench/bench.js", "tests/csp/page.js"],
    languageOptions: { sourceType: "module", globals: globals.browser },
  },
  // The agent package: ES modules for the page and for Node alike (it only
  // looks for Node's Buffer, behind a typeof check).
  {
    files: ["agent/**/*.js"],
    languageOptions: { sourceType: "module", globals: { ...globals.browser, Buffer: "readonly" } },
  },
  // The benchmark's baseline (a module worker) and the test service worker.
  {
    files: ["bench/baseline-worker.js"],
    languageOptions: { sourceType: "module", globals: globals.worker },
  },
  {
    files: ["tests/fixtures/sw.js"],
    languageOptions: { sourceType: "script", globals: globals.serviceworker },
  },
  // Node scripts, many driving a browser (the functions they hand to the page
  // run there, hence the browser globals).
  {
    files: ["**/*.mjs"],
    languageOptions: { sourceType: "module", globals: { ...globals.node, ...globals.browser } },
  },
  // The consumer apps of tests/bundlers (bundled for the browser; Next.js's
  // pages are JSX; their configs run under Node).
  {
    files: ["tests/bundlers/**/*.js"],
    languageOptions: {
      sourceType: "module",
      globals: { ...globals.browser, ...globals.node },
      parserOptions: { ecmaFeatures: { jsx: true } },
    },
  },
];
