// Types of `pycage/store`: sessions kept in this origin's IndexedDB, by key.

/** Keeps `bytes` (`sandbox.exportSession()`'s result) under `key` (1 to 1024
 *  characters), replacing what was there; resolves once it is committed. */
export declare function saveSession(key: string, bytes: Uint8Array): Promise<void>;
/** The session kept under `key`, or null. */
export declare function loadSession(key: string): Promise<Uint8Array | null>;
/** Forgets the session under `key`. */
export declare function deleteSession(key: string): Promise<void>;
/** Every key that holds a session, sorted. */
export declare function listSessions(): Promise<string[]>;
