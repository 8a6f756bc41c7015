#!/usr/bin/env bash
# The README's "From Rust" set-up for `wasm-pack test`, as scripts/test runs
# it: Pyodide's files copied into node_modules/pyodide of this crate's
# folder (the test server serves only this folder, and a symbolic link out
# of it is a 404), then the tests in headless Chromium, with a time limit
# (for the whole test binary) that covers Pyodide's boot.
set -euo pipefail
cd "$(dirname "$0")"
# Pyodide from npm, installed at the repository's root by scripts/setup.
if ! cmp -s ../../node_modules/pyodide/package.json node_modules/pyodide/package.json; then
  rm -rf node_modules/pyodide
  mkdir -p node_modules
  cp -r ../../node_modules/pyodide node_modules/
fi
# A folder of its own under the root's target/ (not target/ itself: there
# pycage's libpycage.rlib, named without a hash since pycage is also a
# cdylib, would be overwritten by this build's, without the JS binding).
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-../../target/rust-app}
WASM_BINDGEN_TEST_TIMEOUT=600 wasm-pack test --headless --chrome \
  --chromedriver "$(command -v chromedriver)" "$@"
