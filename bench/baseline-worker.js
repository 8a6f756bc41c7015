// The benchmark's baseline: plain Pyodide in a plain module worker with a
// minimal message handler. No sandboxing, validation or capture runtime:
// what pycage is compared against.
let pyodide = null;

self.onmessage = async ({ data }) => {
  if (data.type === "boot") {
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
