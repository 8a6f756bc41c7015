// pycage sandbox worker, the file part: the working directory, the page's
// file commands, and which files a run created or changed. build.rs puts
// this file in front of worker.js in the worker's source (its
// `WORKER_PARTS`); worker.js calls `pycageFiles` once, at boot, before any user code runs.
//
// The page checks every path before it sends one and again on everything
// that comes back (src/files/path.rs). That check is lexical; Python can
// plant symbolic links in the working directory, and Pyodide's FS follows
// them. So every command walks its path one component at a time with
// lstat and refuses any link on the way: the page's file calls reach only
// what really lies inside the working directory (issue 23, finding 4).
// Everything else here keeps honest answers honest (right errno, bounded
// walks).
"use strict";
const pycageFiles = (FS, errnoCodes, workDir) => {
  const errnoNames = new Map(Object.entries(errnoCodes).map(([name, code]) => [code, name]));
  const ReaderSync = FileReaderSync; // taken before user code runs
  const MAX_ENTRIES = 100000;
  // A listing past this is refused: receiving 100 000 entries took the
  // page 6-14 s (src/supervisor/machine/files.rs MAX_LISTING agrees).
  const MAX_LISTING = 10000;
  const MAX_DEPTH = 64;
  const MESSAGES = {
    ENOENT: "no such file or directory",
    EISDIR: "is a directory",
    ENOTDIR: "a part of the path is a file, not a directory",
    EFBIG: "the file is larger than maxFileBytes",
    EACCES: "the path passes through a symbolic link",
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

  // A refusal, thrown through `command`'s catch.
  class Refused extends Error {
    constructor(code, message) {
      super(message);
      this.reply = fail(code, message);
    }
  }

  // The lstat of `path` after checking that no component of it, the
  // working directory's own included, is a symbolic link; null when the
  // last component does not exist. The page sends only canonical absolute
  // paths inside the working directory.
  function lstatInside(path) {
    const parts = path.split("/").slice(1);
    let at = "";
    let st = null;
    for (let i = 0; i < parts.length; i++) {
      at += `/${parts[i]}`;
      st = lstat(at);
      if (!st) {
        if (i === parts.length - 1) return null;
        throw new Refused("ENOENT");
      }
      if (FS.isLink(st.mode)) throw new Refused("EACCES");
      if (i < parts.length - 1 && !FS.isDir(st.mode)) throw new Refused("ENOTDIR");
    }
    return st;
  }

  // Like lstatInside, but the path must exist.
  function existing(path) {
    const st = lstatInside(path);
    if (!st) throw new Refused("ENOENT");
    return st;
  }

  // Makes the folders of `path` that are missing, one by one, never
  // through a link (mkdirTree would follow one).
  function makeParents(path) {
    const parts = path.split("/").slice(1, -1);
    let at = "";
    for (const part of parts) {
      at += `/${part}`;
      const st = lstatInside(at);
      if (!st) FS.mkdir(at);
      else if (!FS.isDir(st.mode)) throw new Refused("ENOTDIR");
    }
  }

  // Every regular file under `dir`, as [path, size, modifiedMs], up to
  // `limit` of them. Symlinks are not followed: they could loop, or name
  // files outside.
  function walk(dir, out = [], depth = 0, limit = MAX_ENTRIES) {
    if (depth > MAX_DEPTH) return out;
    let names;
    try {
      names = FS.readdir(dir);
    } catch {
      return out;
    }
    for (const name of names) {
      if (name === "." || name === "..") continue;
      if (out.length >= limit) break;
      const path = `${dir}/${name}`;
      const st = lstat(path);
      if (!st) continue;
      if (FS.isDir(st.mode)) walk(path, out, depth + 1, limit);
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
          makeParents(path);
          const st = lstatInside(path);
          if (st && FS.isDir(st.mode)) return [fail("EISDIR"), []];
          // A buffer moved here, or the page's Blob, read here once
          // (src/files/upload.rs): either way a buffer of this worker's
          // own, which the file keeps (`canOwn`: MEMFS copies it no more).
          const { body } = msg;
          const bytes = new Uint8Array(body instanceof ArrayBuffer ? body : new ReaderSync().readAsArrayBuffer(body));
          FS.writeFile(path, bytes, { canOwn: true });
          return [{}, []];
        }
        case "readFile": {
          const st = existing(path);
          if (FS.isDir(st.mode)) return [fail("EISDIR"), []];
          if (st.size > maxFileBytes) return [fail("EFBIG", `the file has ${st.size} bytes, over maxFileBytes (${maxFileBytes})`), []];
          const data = FS.readFile(path); // a fresh array of its own, moved to the page
          return [{ data }, [data.buffer]];
        }
        case "listFiles": {
          const st = existing(path);
          if (!FS.isDir(st.mode)) return [fail("ENOTDIR", "not a directory"), []];
          const listing = walk(path, [], 0, MAX_LISTING + 1);
          if (listing.length > MAX_LISTING) {
            return [fail("EFBIG", `the folder holds more than ${MAX_LISTING} files: list a folder inside it`), []];
          }
          return [{ listing: JSON.stringify(listing) }, []];
        }
        case "removeFile": {
          const st = existing(path);
          if (FS.isDir(st.mode)) return [fail("EISDIR"), []];
          FS.unlink(path);
          return [{}, []];
        }
      }
    } catch (err) {
      if (err instanceof Refused) return [err.reply, []];
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
