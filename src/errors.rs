//! [`Error`]: why a call was refused. The code's own exceptions are not
//! errors: they are data in an [`Execution`](crate::Execution).

use std::fmt;

use crate::files::FileErrorCode;

/// Why a call failed: misuse, or a sandbox that could not start. In JS each
/// kind is an `Error` subclass with a stable `name` (`js/errors.rs`).
///
/// ```no_run
/// # async fn example() {
/// use pycage::{Error, Sandbox, SandboxOptions};
/// let options = SandboxOptions { timeout: Some(std::time::Duration::ZERO), ..Default::default() };
/// match Sandbox::create(options).await {
///     Err(Error::Options { field, .. }) => assert_eq!(field, "timeoutMs"),
///     _ => unreachable!(),
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A bad argument or option (`OptionsError` in JS).
    Options {
        /// The option's JS name, e.g. `timeoutMs`, or `code`.
        field: String,
        /// What was wrong with it.
        message: String,
    },
    /// The sandbox was disposed; it runs nothing more (`SandboxDisposedError`).
    Disposed,
    /// A file call was refused or failed (`SandboxFileError`).
    File {
        /// Why, as Node's `fs` would say it (`.code` in JS).
        code: FileErrorCode,
        /// The path as the caller gave it.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Python could not be started (`SandboxInitError`).
    Init {
        /// What went wrong.
        message: String,
        /// The URL that could not be loaded, if that was the cause.
        url: Option<String>,
    },
    /// A session could not be exported or restored (`SessionError`): the
    /// bytes are not a session this pycage reads, or the sandbox failed.
    Session {
        /// What went wrong.
        message: String,
    },
}

impl Error {
    pub(crate) fn options(field: &str, message: impl Into<String>) -> Self {
        Error::Options {
            field: field.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn file(code: FileErrorCode, path: &str, message: impl Into<String>) -> Self {
        Error::File {
            code,
            path: path.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn session(message: impl Into<String>) -> Self {
        Error::Session {
            message: message.into(),
        }
    }

    pub(crate) fn init(message: impl Into<String>, url: Option<&str>) -> Self {
        Error::Init {
            message: message.into(),
            url: url.map(str::to_string),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Options { field, message } => write!(f, "pycage: invalid {field}: {message}"),
            Error::Disposed => f.write_str(
                "pycage: this sandbox was disposed; create a new one with Sandbox.create()",
            ),
            Error::File {
                code,
                path,
                message,
            } => write!(f, "pycage: {}: {path:?}: {message}", code.as_str()),
            Error::Init { message, .. } => write!(f, "pycage: {message}"),
            Error::Session { message } => write!(f, "pycage: session: {message}"),
        }
    }
}

impl std::error::Error for Error {}
