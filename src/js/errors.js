// pycage's error classes. Each has a stable `name`, so callers can branch on
// `err.name` (or `instanceof`, importing these from the package's snippets).

/** Base class of every error pycage throws. */
export class PycageError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "PycageError";
  }
}

/** A bad argument or option; `field` names it (e.g. "timeoutMs", "code"). */
export class OptionsError extends TypeError {
  constructor(field, message) {
    super(`pycage: invalid ${field}: ${message}`);
    this.name = "OptionsError";
    this.field = field;
  }
}

/** The sandbox was disposed; it runs nothing more. */
export class SandboxDisposedError extends PycageError {
  constructor(message) {
    super(message);
    this.name = "SandboxDisposedError";
  }
}

/** Python could not be started; `url` names what could not be loaded. */
export class SandboxInitError extends PycageError {
  constructor(message, url) {
    super(message);
    this.name = "SandboxInitError";
    this.url = url ?? null;
  }
}

/**
 * A file call was refused or failed. `code` is "EINVAL" (empty, NUL),
 * "EACCES" (outside the working directory), "ENOENT", "EISDIR", "ENOTDIR",
 * "EFBIG" (over maxFileBytes) or "EIO" (the interpreter failed); `path` is
 * the path as given.
 */
export class SandboxFileError extends PycageError {
  constructor(message, code, path) {
    super(message);
    this.name = "SandboxFileError";
    this.code = code;
    this.path = path;
  }
}

/**
 * A session could not be exported or restored: the bytes are not a session
 * this pycage reads (truncated, corrupt, another version, over
 * maxSessionBytes), or the sandbox failed to make or load it.
 */
export class SessionError extends PycageError {
  constructor(message) {
    super(message);
    this.name = "SessionError";
  }
}

export function makeFileError(message, code, path) {
  return new SandboxFileError(message, code, path);
}

export function makeError(kind, message, detail) {
  switch (kind) {
    case "options":
      return new OptionsError(detail, message);
    case "disposed":
      return new SandboxDisposedError(message);
    case "init":
      return new SandboxInitError(message, detail);
    case "session":
      return new SessionError(message);
    default:
      return new PycageError(message);
  }
}
