//! [`Sandbox`]: the typed Rust API. The JS `Sandbox` (`js/mod.rs`) is a thin
//! binding over this one.

use std::future::Future;

use crate::errors::Error;
use crate::execution::Execution;
use crate::files::{self, FileErrorCode, FileInfo, Upload, WORK_DIR};
use crate::options::{Isolation, RunConfig, RunOptions, SandboxConfig, SandboxOptions};
use crate::session::{self, parse_summary, Header, RestoredSession};
use crate::supervisor::{FileOp, FileReply, Pending, Supervisor, SESSION};
use js_sys::Uint8Array;

/// A session call's failure as a [`Error::Session`]: the file machinery
/// that queues it speaks of files.
fn session_error(err: Error) -> Error {
    match err {
        Error::File { message, .. } => Error::session(message),
        other => other,
    }
}

/// The sandbox's report of a restore, checked.
fn restored(reply: Result<FileReply, Error>) -> Result<RestoredSession, Error> {
    match reply.map_err(session_error)? {
        FileReply::Restored(text) => parse_summary(&text).map_err(Error::session),
        _ => Err(Error::session("the sandbox sent no report of the restore")),
    }
}

/// A Python sandbox: one interpreter (plus a warm standby) in an isolated
/// worker. Runs are queued and executed in order; state persists between
/// runs, as in a notebook. Dropping a `Sandbox` stops it as
/// [`dispose`](Sandbox::dispose) does: its interpreters end, and the runs
/// and file calls still waiting fail with [`Error::Disposed`](crate::Error::Disposed)
/// (the futures hold no reference to it).
///
/// ```no_run
/// # async fn example() -> Result<(), pycage::Error> {
/// use pycage::{RunOptions, Sandbox, SandboxOptions, Status};
/// let sandbox = Sandbox::create(SandboxOptions::default()).await?;
/// let ex = sandbox.run("x = 6 * 7\nx", RunOptions::default()).await?;
/// assert_eq!(ex.status, Status::Ok);
/// assert_eq!(ex.result_text(), Some("42"));
/// sandbox.dispose();
/// # Ok(()) }
/// ```
pub struct Sandbox {
    supervisor: Supervisor,
    max_file_bytes: usize,
    max_session_bytes: usize,
    /// What `SandboxOptions::session` brought back, if one was given.
    restored: Option<RestoredSession>,
}

impl Sandbox {
    /// Starts a sandbox; resolves once Python is ready. Fails with
    /// [`Error::Options`] for bad options and [`Error::Init`] (naming the
    /// URL) when Pyodide cannot be loaded.
    ///
    /// ```no_run
    /// # async fn example() {
    /// use pycage::{Error, Sandbox, SandboxOptions};
    /// let options = SandboxOptions {
    ///     pyodide_url: Some("https://mirror.invalid/pyodide/".into()),
    ///     ..Default::default()
    /// };
    /// assert!(matches!(Sandbox::create(options).await, Err(Error::Init { .. })));
    /// # }
    /// ```
    pub async fn create(mut options: SandboxOptions) -> Result<Sandbox, Error> {
        let session = options.session.take();
        let config = SandboxConfig::resolve(options)?;
        let (max_file_bytes, max_session_bytes) = (config.max_file_bytes, config.max_session_bytes);
        // Checked and inflated before anything boots: a refused session
        // costs no interpreter.
        let state = match &session {
            Some(bytes) => Some(session::open(bytes, max_session_bytes).await?),
            None => None,
        };
        let mut sandbox = Sandbox {
            supervisor: Supervisor::start(config).await?,
            max_file_bytes,
            max_session_bytes,
            restored: None,
        };
        if let Some((header, raw)) = state {
            match sandbox.load_session(&header, raw).await {
                Ok(summary) => sandbox.restored = Some(summary),
                Err(err) => {
                    sandbox.dispose();
                    return Err(err);
                }
            }
        }
        Ok(sandbox)
    }

    /// The session's state (its variables, functions, classes, modules and
    /// files: docs/sessions.md), after the calls queued before it, as bytes
    /// to keep and give to [`SandboxOptions::session`] later. Compressed;
    /// at most `maxSessionBytes`.
    ///
    /// ```no_run
    /// # async fn example(sandbox: &pycage::Sandbox) -> Result<(), pycage::Error> {
    /// use pycage::{Sandbox, SandboxOptions};
    /// sandbox.run("x = 42", Default::default()).await?;
    /// let session = sandbox.export_session().await?;
    /// let again = Sandbox::create(SandboxOptions { session: Some(session), ..Default::default() }).await?;
    /// assert_eq!(again.run("x", Default::default()).await?.result_text(), Some("42"));
    /// # Ok(()) }
    /// ```
    pub fn export_session(&self) -> impl Future<Output = Result<Uint8Array, Error>> + 'static {
        let versions = self.supervisor.versions().unwrap_or_default();
        let queued = self.session_call(FileOp::ExportSession);
        async move {
            let FileReply::Bytes(raw) = queued.await.map_err(session_error)? else {
                return Err(Error::session("the sandbox sent no state"));
            };
            session::seal(&raw, &versions).await
        }
    }

    /// Loads `session` into this sandbox's interpreter, after the calls
    /// queued before it: for example into the fresh one that replaced an
    /// interpreter after a timeout. Names it holds replace the current ones.
    pub fn restore_session(
        &self,
        session: &Uint8Array,
    ) -> impl Future<Output = Result<RestoredSession, Error>> + 'static {
        let (session, max) = (session.clone(), self.max_session_bytes);
        let versions = self.supervisor.versions().unwrap_or_default();
        let supervisor = self.supervisor.downgrade();
        async move {
            let (header, raw) = session::open(&session, max).await?;
            header
                .check_interpreter(&versions.0, &versions.1)
                .map_err(|why| Error::session(format!("the session was refused: {why}")))?;
            let queued = supervisor.upgrade().ok_or(Error::Disposed)?.file(
                FileOp::RestoreSession(Some(raw.buffer())),
                WORK_DIR.into(),
                SESSION.into(),
            );
            restored(queued.await)
        }
    }

    /// What [`SandboxOptions::session`] brought back: `None` when no
    /// session was given.
    pub fn restored_session(&self) -> Option<&RestoredSession> {
        self.restored.as_ref()
    }

    async fn load_session(
        &self,
        header: &Header,
        raw: Uint8Array,
    ) -> Result<RestoredSession, Error> {
        let versions = self.supervisor.versions().unwrap_or_default();
        header
            .check_interpreter(&versions.0, &versions.1)
            .map_err(|why| Error::session(format!("the session was refused: {why}")))?;
        restored(
            self.session_call(FileOp::RestoreSession(Some(raw.buffer())))
                .await,
        )
    }

    fn session_call(&self, op: FileOp) -> Pending<FileReply> {
        self.supervisor.file(op, WORK_DIR.into(), SESSION.into())
    }

    /// Queues `code` after the runs queued before it (it is queued when
    /// called, not when the future is first polled). Resolves with an
    /// [`Execution`] whatever the code does; fails only for misuse
    /// ([`Error::Options`], [`Error::Disposed`]).
    ///
    /// ```no_run
    /// # async fn example(sandbox: &pycage::Sandbox) -> Result<(), pycage::Error> {
    /// let first = sandbox.run("n = 1", Default::default());
    /// let second = sandbox.run("n += 1\nn", Default::default());
    /// first.await?;
    /// assert_eq!(second.await?.result_text(), Some("2"));
    /// # Ok(()) }
    /// ```
    pub fn run(
        &self,
        code: &str,
        options: RunOptions,
    ) -> impl Future<Output = Result<Execution, Error>> + 'static {
        let queued =
            RunConfig::resolve(options).map(|config| self.supervisor.run(code.to_string(), config));
        async move { queued?.await }
    }

    /// Writes `data` to `path` (relative to [`WORK_DIR`](crate::WORK_DIR),
    /// or absolute inside it), making its folders, after the calls queued
    /// before it. The page keeps a copy: after a timeout or crash replaces
    /// the interpreter, the file is written into the new one before anything
    /// else runs there (not after [`reset`](Sandbox::reset)).
    ///
    /// ```no_run
    /// # async fn example(sandbox: &pycage::Sandbox) -> Result<(), pycage::Error> {
    /// sandbox.write_file("sales.csv", b"month,total\nJan,3\n").await?;
    /// let ex = sandbox.run("open('sales.csv').read()", Default::default()).await?;
    /// # Ok(()) }
    /// ```
    pub fn write_file(
        &self,
        path: &str,
        data: &[u8],
    ) -> impl Future<Output = Result<(), Error>> + 'static {
        let len = data.len() as f64;
        // Out of wasm memory into JS (files/upload.rs: the copies).
        let upload = if data.len() > self.max_file_bytes {
            Ok(Upload::empty())
        } else if files::moves_buffer(self.isolation(), data.len()) {
            Ok(Upload::of_owned(Uint8Array::from(data)))
        } else {
            Upload::of_bytes(&Uint8Array::from(data), self.isolation())
        };
        let queued = upload
            .map_err(|err| {
                let why = format!("could not copy the data: {err:?}");
                Error::file(FileErrorCode::Io, path, why)
            })
            .map(|upload| self.write_file_js(path, upload, len));
        async move { queued?.await }
    }

    /// `write_file` for bytes already in JS: `upload` holds the page's own
    /// copies (files/upload.rs); `len` is the caller's length, checked
    /// against the cap.
    pub(crate) fn write_file_js(
        &self,
        path: &str,
        upload: Upload,
        len: f64,
    ) -> impl Future<Output = Result<(), Error>> + 'static {
        let max = self.max_file_bytes;
        let queued = files::resolve(path, false).and_then(|canonical| {
            if len > max as f64 {
                let why = format!("{len} bytes is over maxFileBytes ({max})");
                return Err(Error::file(FileErrorCode::TooLarge, path, why));
            }
            Ok(self
                .supervisor
                .file(FileOp::Write(upload), canonical, path.to_string()))
        });
        async move {
            queued?.await?;
            Ok(())
        }
    }

    /// The bytes of the file at `path`, after the calls queued before it.
    /// They stay in JS (see [`OutputFile`](crate::OutputFile)); `.to_vec()`
    /// copies them into Rust.
    pub fn read_file(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<Uint8Array, Error>> + 'static {
        let queued = self.file_call(FileOp::Read, path, false);
        async move {
            match queued?.await? {
                FileReply::Bytes(bytes) => Ok(bytes),
                _ => Ok(Uint8Array::new_with_length(0)),
            }
        }
    }

    /// Every file under `dir` (default: the working directory), recursively,
    /// with absolute paths.
    pub fn list_files(
        &self,
        dir: Option<&str>,
    ) -> impl Future<Output = Result<Vec<FileInfo>, Error>> + 'static {
        let queued = self.file_call(FileOp::List, dir.unwrap_or(""), true);
        async move {
            match queued?.await? {
                FileReply::List(list) => Ok(list),
                _ => Ok(Vec::new()),
            }
        }
    }

    /// Removes the file at `path` (a folder is `EISDIR`); the page forgets
    /// its copy.
    pub fn remove_file(&self, path: &str) -> impl Future<Output = Result<(), Error>> + 'static {
        let queued = self.file_call(FileOp::Remove, path, false);
        async move {
            queued?.await?;
            Ok(())
        }
    }

    #[cfg(feature = "js")]
    pub(crate) fn max_file_bytes(&self) -> usize {
        self.max_file_bytes
    }

    fn file_call(&self, op: FileOp, path: &str, dir: bool) -> Result<Pending<FileReply>, Error> {
        let canonical = files::resolve(path, dir)?;
        Ok(self.supervisor.file(op, canonical, path.to_string()))
    }

    /// A fresh interpreter with the same options, after the queued runs.
    ///
    /// ```no_run
    /// # async fn example(sandbox: &pycage::Sandbox) -> Result<(), pycage::Error> {
    /// sandbox.run("x = 1", Default::default()).await?;
    /// sandbox.reset().await?;
    /// let ex = sandbox.run("x", Default::default()).await?;
    /// assert_eq!(ex.error.unwrap().kind, "NameError");
    /// # Ok(()) }
    /// ```
    pub fn reset(&self) -> impl Future<Output = Result<(), Error>> + 'static {
        self.supervisor.reset()
    }

    /// Terminates everything. The run in progress resolves as
    /// [`Status::Cancelled`](crate::Status::Cancelled); queued runs and later
    /// calls fail with [`Error::Disposed`].
    ///
    /// ```no_run
    /// # async fn example(sandbox: pycage::Sandbox) {
    /// sandbox.dispose();
    /// let later = sandbox.run("1", Default::default()).await;
    /// assert_eq!(later, Err(pycage::Error::Disposed));
    /// # }
    /// ```
    pub fn dispose(&self) {
        self.supervisor.dispose();
    }

    /// Whether [`dispose`](Sandbox::dispose) was called.
    ///
    /// ```no_run
    /// # fn example(sandbox: &pycage::Sandbox) {
    /// sandbox.dispose();
    /// assert!(sandbox.is_disposed());
    /// # }
    /// ```
    pub fn is_disposed(&self) -> bool {
        self.supervisor.is_disposed()
    }

    /// Where the interpreter runs.
    ///
    /// ```no_run
    /// # fn example(sandbox: &pycage::Sandbox) {
    /// assert_eq!(sandbox.isolation(), pycage::Isolation::Iframe);
    /// # }
    /// ```
    pub fn isolation(&self) -> Isolation {
        self.supervisor.isolation()
    }

    /// Whether a timeout first tries a `KeyboardInterrupt` that keeps state
    /// (needs `SharedArrayBuffer` where the worker runs).
    ///
    /// ```no_run
    /// # fn example(sandbox: &pycage::Sandbox) {
    /// let keeps_state_on_timeout = sandbox.interruptible();
    /// # let _ = keeps_state_on_timeout; }
    /// ```
    pub fn interruptible(&self) -> bool {
        self.supervisor.interruptible()
    }

    /// Whether the current interpreter booted from the page's memory snapshot.
    ///
    /// ```no_run
    /// # fn example(sandbox: &pycage::Sandbox) {
    /// let fast = sandbox.booted_from_snapshot();
    /// # let _ = fast; }
    /// ```
    pub fn booted_from_snapshot(&self) -> bool {
        self.supervisor.booted_from_snapshot()
    }

    /// The running Pyodide's version, e.g. `"314.0.7"`.
    ///
    /// ```no_run
    /// # fn example(sandbox: &pycage::Sandbox) {
    /// assert_eq!(sandbox.pyodide_version().as_deref(), Some("314.0.7"));
    /// # }
    /// ```
    pub fn pyodide_version(&self) -> Option<String> {
        self.supervisor.versions().map(|v| v.0)
    }

    /// The running Python's version, e.g. `"3.14.2"`.
    ///
    /// ```no_run
    /// # fn example(sandbox: &pycage::Sandbox) {
    /// assert!(sandbox.python_version().unwrap().starts_with("3."));
    /// # }
    /// ```
    pub fn python_version(&self) -> Option<String> {
        self.supervisor.versions().map(|v| v.1)
    }
}

/// What a sandbox is, for logs and `unwrap_err()`: where it runs, whether it
/// is disposed, and the running interpreter (no options, callbacks or code).
///
/// ```no_run
/// # async fn example() {
/// use pycage::{Error, Sandbox, SandboxOptions};
/// let options = SandboxOptions { timeout: Some(std::time::Duration::ZERO), ..Default::default() };
/// let err: Error = Sandbox::create(options).await.unwrap_err();
/// let sandbox = Sandbox::create(SandboxOptions::default()).await.unwrap();
/// println!("{sandbox:?}");
/// // Sandbox { isolation: Iframe, disposed: false, interruptible: true,
/// //           booted_from_snapshot: true, pyodide_version: Some("314.0.7"), python_version: Some("3.14.2") }
/// # let _ = err; }
/// ```
impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let versions = self.supervisor.versions();
        f.debug_struct("Sandbox")
            .field("isolation", &self.isolation())
            .field("disposed", &self.is_disposed())
            .field("interruptible", &self.interruptible())
            .field("booted_from_snapshot", &self.booted_from_snapshot())
            .field("pyodide_version", &versions.as_ref().map(|v| &v.0))
            .field("python_version", &versions.as_ref().map(|v| &v.1))
            .finish()
    }
}

/// The sandbox document, for sites that serve it as their `runner_url` page
/// (on another site, with the headers in docs/serving.md). It is the same
/// document the default iframe gets inline.
///
/// ```no_run
/// let page = pycage::runner_html(); // serve it with the headers in docs/serving.md
/// ```
pub fn runner_html() -> String {
    crate::supervisor::frame_document()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Result<Sandbox, Error>::unwrap_err()` needs `Sandbox: Debug`.
    #[test]
    fn unwrap_err_compiles_on_a_create_result() {
        fn unwrap_err(result: Result<Sandbox, Error>) -> Error {
            result.unwrap_err()
        }
        assert_eq!(unwrap_err(Err(Error::Disposed)), Error::Disposed);
    }
}
