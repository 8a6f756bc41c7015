// pycage sandbox worker, the PyPI part (SandboxOptions.pypi; build.rs puts it
// in front of worker.js). micropip's wheel comes in the init message (the
// page fetched it from the index and checked its sha256); it is unpacked
// here, and pypi.py points it at the page on its first import. Every
// download still goes through the page, which allows the listed names only.
"use strict";
const pycagePypi = (pyodide, takeFailures) => {
  let allowed = new Set();
  const normalise = (name) => name.toLowerCase().replace(/[-_.]+/g, "-");
  return {
    setup({ index, allowed: names, hook, micropip, micropipError }) {
      allowed = new Set(names);
      pyodide.FS.writeFile("/lib/pycage/_pycage_pypi.py", hook);
      const runtime = pyodide.pyimport("_pycage_pypi");
      // Never the lockfile's micropip (from packageBaseUrl): this one, or none.
      pyodide.loadedPackages.micropip = "pypi";
      if (micropip) {
        const purelib = pyodide.runPython("import sysconfig; sysconfig.get_paths()['purelib']");
        pyodide.unpackArchive(new Uint8Array(micropip), "wheel", { extractDir: purelib });
        runtime.install_hook(index, takeFailures);
      } else {
        runtime.refuse_micropip(micropipError);
      }
      runtime.destroy();
    },
    // Installs the allowed names among `modules` (a run's imports) that
    // nothing provides yet; null, or why not.
    async autoLoad(modules) {
      const named = (m) => m !== "micropip" && allowed.has(normalise(m));
      if (!modules.some(named)) return null;
      const util = pyodide.pyimport("importlib.util");
      const missing = modules.filter((m) => named(m) && util.find_spec(m) === undefined);
      util.destroy();
      if (!missing.length) return null;
      const micropip = pyodide.pyimport("micropip");
      try {
        await micropip.install(missing);
        return null;
      } catch (err) {
        const text = String((err && err.message) || err).trim().split("\n");
        return (text.findLast((l) => l.startsWith("_pycage_pypi.PackageLoadError") || l.startsWith("PackageLoadError")) ?? text.at(-1))
          .replace(/^(_pycage_pypi\.)?PackageLoadError: /, "");
      } finally {
        micropip.destroy();
      }
    },
  };
};
