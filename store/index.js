// pycage/store: keeps sessions (sandbox.exportSession()'s bytes) in this
// origin's IndexedDB, by key. Plain JS, no wasm. Apps with storage of their
// own (a server, OPFS, localStorage of their choice) can ignore it.
//
// One database, "pycage-sessions", with one object store, "sessions": the
// value is { bytes: Uint8Array, savedAt: number } under the app's key. The
// bytes are kept as they are: they are checked again (sizes, format,
// version) when Sandbox.create({ session }) reads them, never here.

const DB_NAME = "pycage-sessions";
const STORE = "sessions";

function keyArg(key) {
  if (typeof key !== "string" || key.length === 0 || key.length > 1024) {
    const error = new TypeError(`pycage/store: the key must be a string of 1 to 1024 characters, got ${typeof key === "string" ? `${key.length} characters` : typeof key}`);
    error.field = "key";
    throw error;
  }
  return key;
}

function open() {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === "undefined") {
      reject(new Error("pycage/store: this context has no IndexedDB"));
      return;
    }
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new Error(`pycage/store: cannot open IndexedDB: ${request.error}`));
    request.onblocked = () => reject(new Error("pycage/store: IndexedDB is blocked by another tab's older version"));
  });
}

// Runs `work(store)` in one transaction and resolves with its request's
// result once the transaction has committed (so a save is durable when it
// resolves).
async function transact(mode, work) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onabort = tx.onerror = () => reject(new Error(`pycage/store: ${tx.error || request.error}`));
    });
  } finally {
    db.close();
  }
}

/** Keeps `bytes` (a session) under `key`, replacing what was there. */
export async function saveSession(key, bytes) {
  keyArg(key);
  if (!(bytes instanceof Uint8Array)) {
    const error = new TypeError("pycage/store: the session must be a Uint8Array (sandbox.exportSession()'s result)");
    error.field = "bytes";
    throw error;
  }
  await transact("readwrite", (store) => store.put({ bytes, savedAt: Date.now() }, key));
}

/** The session kept under `key`, or null. */
export async function loadSession(key) {
  keyArg(key);
  const entry = await transact("readonly", (store) => store.get(key));
  return entry && entry.bytes instanceof Uint8Array ? entry.bytes : null;
}

/** Forgets the session under `key` (nothing happens if there is none). */
export async function deleteSession(key) {
  keyArg(key);
  await transact("readwrite", (store) => store.delete(key));
}

/** Every key that holds a session, sorted. */
export async function listSessions() {
  const keys = await transact("readonly", (store) => store.getAllKeys());
  return keys.filter((k) => typeof k === "string").sort();
}
