// The benchmark's baseline: plain Pyodide in a plain module worker with a
// minimal message handler. No sandboxing, validation or capture runtime:
// what pycage is compared against.
let pyodide = null;

self.onmessage = async ({ data }) => {
  if (data.type === "boot") {
    // `fromBytes`: the wasm compiled from a Response without a URL, as
    // pycage's sandbox must (it holds Pyodide's files as Blobs), so the
    // browser's code cache cannot serve it. Only to tell that cost apart.
    if (data.fromBytes) {
      const fetchUrl = self.fetch;
      self.fetch = async (input, init) => {
        const response = await fetchUrl(input, init);
        if (!String(input).endsWith(".wasm")) return response;
        return new Response(await response.blob(), { headers: { "content-type": "application/wasm" } });
      };
    }
    const { loadPyodide } = await import(`${data.indexURL}pyodide.mjs`);
    pyodide = await loadPyodide({ indexURL: data.indexURL });
    pyodide.setStdout({ batched: (text) => self.postMessage({ type: "stdout", text }) });
    self.postMessage({ type: "ready" });
    return;
  }
  try {
    if (data.type === "writeFile") {
      pyodide.FS.writeFile(data.path, data.data);
      self.postMessage({ type: "done", id: data.id });
      return;
    }
    if (data.type === "readFile") {
      const bytes = pyodide.FS.readFile(data.path); // a fresh Uint8Array of the file's length
      self.postMessage({ type: "done", id: data.id, result: bytes }, [bytes.buffer]);
      return;
    }
    let result = await pyodide.runPythonAsync(data.code);
    if (result && typeof result.toJs === "function") {
      const proxy = result;
      result = proxy.toJs();
      proxy.destroy();
    }
    self.postMessage({ type: "done", id: data.id, result });
  } catch (err) {
    self.postMessage({ type: "done", id: data.id, error: String(err) });
  }
};
