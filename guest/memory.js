// pycage sandbox worker, the memory part (build.rs puts it in front of
// worker.js): maxMemoryBytes. Pyodide's heap grows through
// WebAssembly.Memory's grow(); past the limit the growth is refused (Python
// then raises MemoryError) and `report(bytes)` tells the page, which ends
// the run and replaces the interpreter. A guard for honest code: user code
// could restore the prototype (src/supervisor/machine/memory.rs).
"use strict";
const pycageLimitMemory = (max, report) => {
  const grow = WebAssembly.Memory.prototype.grow;
  WebAssembly.Memory.prototype.grow = function (pages) {
    const wanted = this.buffer.byteLength + pages * 65536;
    if (wanted > max) {
      report(wanted);
      throw new RangeError("pycage: the heap would grow past maxMemoryBytes");
    }
    return grow.call(this, pages);
  };
};
