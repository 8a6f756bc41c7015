// pycage sandbox worker, the file part: the working directory, the page's
// file commands, and which files a run created or changed. host.rs puts
// this file in front of worker.js in the worker's source; worker.js calls
// `pycageFiles` once, at boot, before any user code runs.
//
// The page checks every path before it sends one and again on everything
// that comes back (src/files/path.rs); the checks here only keep honest
// answers honest (right errno, no symlink loops, bounded walks).
"use strict";
const pycageFiles = (FS, errnoCodes, workDir) => {
  const errnoNames = new Map(Object.entries(errnoCodes).map(([name, code]) => [code, name]));
  const MAX_ENTRIES = 100000;
  const MAX_DEPTH = 64;
  const MESSAGES = {
    ENOENT: "no such file or directory",
    EISDIR: "is a directory",
    ENOTDIR: "a part of the path is a file, not a directory",
    EFBIG: "the file is larger than maxFileBytes",
  };
  const fail = (code, message) => ({ error: { code, message: message ?? MESSAGES[code] ?? code } });
  const failure = (err) => {
    let code = err && typeof err.errno === "number" ? errnoNames.get(err.errno) ?? "EIO" : "EIO";
    if (code === "EEXIST") code = "ENOTDIR"; // making a folder where a file is
    return fail(code, code === "EIO" ? String((err && err.message) || err).slice(0, 300) : undefined);
  };
  const lstat = (path) => {
    try {
      return FS.lstat(path);
    } catch {
      return null;
    }
  };

  // Every regular file under `dir`, as [path, size, modifiedMs]. Symlinks
  // are not followed: they could loop, or name files outside.
  function walk(dir, out = [], depth = 0) {
    if (depth > MAX_DEPTH) return out;
    let names;
    try {
      names = FS.readdir(dir);
    } catch {
      return out;
    }
    for (const name of names) {
      if (name === "." || name === "..") continue;
      if (out.length >= MAX_ENTRIES) break;
      const path = `${dir}/${name}`;
      const st = lstat(path);
      if (!st) continue;
      if (FS.isDir(st.mode)) walk(path, out, depth + 1);
      else if (FS.isFile(st.mode)) out.push([path, st.size, +st.mtime]);
    }
    return out;
  }

  // Answers one command: [reply fields, buffers to move].
  function command(msg, maxFileBytes) {
    const { path } = msg;
    try {
      switch (msg.type) {
        case "writeFile": {
          FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
          FS.writeFile(path, new Uint8Array(msg.body));
          return [{}, []];
        }
        case "readFile": {
          const st = FS.stat(path);
          if (FS.isDir(st.mode)) return [fail("EISDIR"), []];
          if (st.size > maxFileBytes) return [fail("EFBIG", `the file has ${st.size} bytes, over maxFileBytes (${maxFileBytes})`), []];
          const data = FS.readFile(path); // a fresh array of its own, moved to the page
          return [{ data }, [data.buffer]];
        }
        case "listFiles": {
          const st = FS.stat(path);
          if (!FS.isDir(st.mode)) return [fail("ENOTDIR", "not a directory"), []];
          return [{ listing: JSON.stringify(walk(path)) }, []];
        }
        case "removeFile": {
          const st = FS.lstat(path);
          if (FS.isDir(st.mode)) return [fail("EISDIR"), []];
          FS.unlink(path);
          return [{}, []];
        }
      }
    } catch (err) {
      return [failure(err), []];
    }
    return [fail("EINVAL", "unknown file command"), []];
  }

  return {
    command,
    // Every run starts in the working directory, whatever the last one did.
    enter() {
      try {
        FS.chdir(workDir);
      } catch {
        FS.mkdirTree(workDir);
        FS.chdir(workDir);
      }
    },
    // The state of the working directory, to compare after a run.
    snapshot() {
      return new Map(walk(workDir).map(([path, size, mtime]) => [path, `${size}:${mtime}`]));
    },
    // [path, size] of each file created or changed since `before`.
    changes(before) {
      return walk(workDir)
        .filter(([path, size, mtime]) => before.get(path) !== `${size}:${mtime}`)
        .map(([path, size]) => [path, size]);
    },
    read: (path) => FS.readFile(path),
  };
};
