//! The JS API: a thin binding over the typed Rust core. It reads JS option
//! objects into the Rust option types, calls [`crate::Sandbox`], and turns
//! the results into JS values (serde for `Execution`, `errors.js` classes
//! for errors). No behaviour lives here.

mod convert;
mod errors;
mod figures;
// pub(crate): the reader of a group of options (`pypi`) that options!
// makes calls `options::group`.
pub(crate) mod options;
mod types;

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::errors::Error;
use crate::files::{FileErrorCode, Upload};
use crate::sandbox::Sandbox;
pub use figures::{figure_to_blob, figure_to_data_url};

#[wasm_bindgen]
extern "C" {
    /// `SandboxOptions` as passed from JS (read field by field).
    #[wasm_bindgen(typescript_type = "SandboxOptions")]
    pub type SandboxOptionsArg;
    /// `RunOptions` as passed from JS.
    #[wasm_bindgen(typescript_type = "RunOptions")]
    pub type RunOptionsArg;
    /// Options of the one-shot `runPython`.
    #[wasm_bindgen(typescript_type = "RunOptions & SandboxOptions")]
    pub type OneShotOptionsArg;
}

/// A Python sandbox (the JS class `Sandbox`): one interpreter (plus a warm
/// standby) in an isolated worker. Runs are queued and executed in order;
/// state persists between runs, as in a notebook.
///
/// ```ts
/// const sb = await Sandbox.create({ timeoutMs: 5000 });
/// const ex = await sb.runPython("x = 6 * 7\nx");
/// ex.result?.["text/plain"]; // "42"
/// sb.dispose();
/// ```
#[wasm_bindgen(js_name = Sandbox)]
pub struct JsSandbox {
    sandbox: Sandbox,
}

fn code_arg(code: &JsValue) -> Result<String, Error> {
    code.as_string()
        .ok_or_else(|| Error::options("code", "runPython expects the code as a string"))
}

fn path_arg(path: &JsValue) -> Result<String, Error> {
    path.as_string()
        .ok_or_else(|| Error::options("path", "expected the path as a string"))
}

fn or_undefined<T: Into<JsValue>>(value: Option<T>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, Into::into)
}

/// A promise for a run: its `Execution` as a JS object, or a JS error.
fn execution_promise(
    run: impl Future<Output = Result<crate::Execution, Error>> + 'static,
) -> Promise {
    future_to_promise(async move { convert::execution(&run.await?) })
}

#[wasm_bindgen(js_class = Sandbox)]
impl JsSandbox {
    /// Starts a sandbox; resolves once Python is ready. Rejects with
    /// `OptionsError` for bad options and `SandboxInitError` (naming the URL)
    /// when Pyodide cannot be loaded.
    pub async fn create(options: Option<SandboxOptionsArg>) -> Result<JsSandbox, JsValue> {
        let options = options::sandbox_options(&or_undefined(options), &[])?;
        Ok(JsSandbox {
            sandbox: Sandbox::create(options).await?,
        })
    }

    /// Runs `code` after the runs queued before it. Resolves with an
    /// `Execution` whatever the code does; rejects only for misuse
    /// (`OptionsError`, `SandboxDisposedError`) or infrastructure failure.
    #[wasm_bindgen(js_name = runPython, unchecked_return_type = "Promise<Execution>")]
    pub fn run_python(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] code: JsValue,
        options: Option<RunOptionsArg>,
    ) -> Promise {
        let parsed = code_arg(&code)
            .and_then(|code| Ok((code, options::run_options(&or_undefined(options), &[])?)));
        match parsed {
            Ok((code, options)) => execution_promise(self.sandbox.run(&code, options)),
            Err(err) => Promise::reject(&err.into()),
        }
    }

    /// Writes `data` (bytes, or a string as UTF-8) to `path` in the working
    /// directory (`/mnt/data`), after the calls queued before it. Rejects
    /// with `SandboxFileError` (`code`: "EINVAL", "EACCES", "EISDIR",
    /// "EFBIG", …) and writes nothing if it cannot.
    #[wasm_bindgen(js_name = writeFile, unchecked_return_type = "Promise<void>")]
    pub fn write_file(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] path: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] data: JsValue,
    ) -> Promise {
        let write = path_arg(&path).and_then(|path| {
            let isolation = self.sandbox.isolation();
            let upload = if data.is_string() {
                Upload::of_text(&data, isolation).map(|upload| (upload.len(), upload))
            } else if let Some(bytes) = data.dyn_ref::<js_sys::Uint8Array>() {
                // Copied only when the size fits (else write_file_js refuses it).
                let len = bytes.byte_length();
                let upload = if len as usize <= self.sandbox.max_file_bytes() {
                    Upload::of_bytes(bytes, isolation)
                } else {
                    Ok(Upload::empty())
                };
                upload.map(|upload| (f64::from(len), upload))
            } else {
                return Err(Error::options("data", "expected a Uint8Array or a string"));
            };
            let (len, upload) = upload.map_err(|err| {
                let why = format!("could not copy the data: {err:?}");
                Error::file(FileErrorCode::Io, &path, why)
            })?;
            Ok(self.sandbox.write_file_js(&path, upload, len))
        });
        future_to_promise(async move {
            write?.await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The bytes of the file at `path`, after the calls queued before it.
    #[wasm_bindgen(js_name = readFile, unchecked_return_type = "Promise<Uint8Array>")]
    pub fn read_file(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] path: JsValue,
    ) -> Promise {
        let read = path_arg(&path).map(|path| self.sandbox.read_file(&path));
        future_to_promise(async move { Ok(read?.await?.into()) })
    }

    /// Every file under `dir` (default: the working directory), recursively:
    /// `{ path, size, modifiedMs }` with absolute paths.
    #[wasm_bindgen(js_name = listFiles, unchecked_return_type = "Promise<FileInfo[]>")]
    pub fn list_files(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] dir: Option<JsValue>,
    ) -> Promise {
        let dir = dir
            .filter(|d| !d.is_undefined())
            .map(|d| path_arg(&d))
            .transpose();
        let list = dir.map(|dir| self.sandbox.list_files(dir.as_deref()));
        future_to_promise(async move { convert::to_js(&list?.await?) })
    }

    /// Removes the file at `path`; the page forgets its copy.
    #[wasm_bindgen(js_name = removeFile, unchecked_return_type = "Promise<void>")]
    pub fn remove_file(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] path: JsValue,
    ) -> Promise {
        let remove = path_arg(&path).map(|path| self.sandbox.remove_file(&path));
        future_to_promise(async move {
            remove?.await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The session's state (variables, functions, classes, modules, files),
    /// after the calls queued before it: bytes to keep, and to pass to
    /// `Sandbox.create({ session })` later. Rejects with `SessionError`.
    #[wasm_bindgen(js_name = exportSession, unchecked_return_type = "Promise<Uint8Array>")]
    pub fn export_session(&self) -> Promise {
        let export = self.sandbox.export_session();
        future_to_promise(async move { Ok(export.await?.into()) })
    }

    /// Loads a session into this sandbox's interpreter (for example the
    /// fresh one after a timeout), once its bytes are checked; resolves with
    /// what came back. Rejects with `SessionError`.
    #[wasm_bindgen(js_name = restoreSession, unchecked_return_type = "Promise<RestoredSession>")]
    pub fn restore_session(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] session: JsValue,
    ) -> Promise {
        let Some(bytes) = session.dyn_ref::<js_sys::Uint8Array>() else {
            return Promise::reject(&Error::options("session", "expected a Uint8Array").into());
        };
        let restore = self.sandbox.restore_session(bytes);
        future_to_promise(async move { convert::to_js(&restore.await?) })
    }

    /// What `create({ session })` brought back, or null without a session.
    #[wasm_bindgen(getter, js_name = restoredSession, unchecked_return_type = "RestoredSession | null")]
    pub fn restored_session(&self) -> JsValue {
        self.sandbox
            .restored_session()
            .and_then(|summary| convert::to_js(summary).ok())
            .unwrap_or(JsValue::NULL)
    }

    /// A fresh interpreter with the same options, after the queued runs.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn reset(&self) -> Promise {
        let reset = self.sandbox.reset();
        future_to_promise(async move {
            reset.await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Terminates everything. The run in progress resolves as "cancelled";
    /// queued runs and later calls reject with `SandboxDisposedError`.
    pub fn dispose(&self) {
        self.sandbox.dispose();
    }

    /// "iframe" or "worker".
    #[wasm_bindgen(getter, unchecked_return_type = "\"iframe\" | \"worker\"")]
    pub fn isolation(&self) -> String {
        self.sandbox.isolation().as_str().to_string()
    }

    /// Whether a timeout first tries a KeyboardInterrupt that keeps state
    /// (needs SharedArrayBuffer where the worker runs).
    #[wasm_bindgen(getter)]
    pub fn interruptible(&self) -> bool {
        self.sandbox.interruptible()
    }

    /// Whether the current interpreter booted from the page's memory snapshot.
    #[wasm_bindgen(getter, js_name = bootedFromSnapshot)]
    pub fn booted_from_snapshot(&self) -> bool {
        self.sandbox.booted_from_snapshot()
    }

    /// The running Pyodide's version, e.g. "314.0.7".
    #[wasm_bindgen(getter, js_name = pyodideVersion)]
    pub fn pyodide_version(&self) -> Option<String> {
        self.sandbox.pyodide_version()
    }

    /// The running Python's version, e.g. "3.14.2".
    #[wasm_bindgen(getter, js_name = pythonVersion)]
    pub fn python_version(&self) -> Option<String> {
        self.sandbox.python_version()
    }
}

/// The default sandbox behind the one-shot `runPython`: a promise that
/// resolves once it has started, and the sandbox it then holds.
type Shared = (Promise, Rc<RefCell<Option<Rc<Sandbox>>>>);

thread_local! {
    static SHARED: RefCell<Option<Shared>> = const { RefCell::new(None) };
}

/// Runs `code` on a shared default sandbox, created on first use with the
/// `SandboxOptions` fields of `options`.
///
/// ```ts
/// const { stdout } = await runPython("print('hi')");
/// ```
#[wasm_bindgen(js_name = runPython, unchecked_return_type = "Promise<Execution>")]
pub fn run_python(
    #[wasm_bindgen(unchecked_param_type = "string")] code: JsValue,
    options: Option<OneShotOptionsArg>,
) -> Promise {
    let options = or_undefined(options);
    let parsed = code_arg(&code).and_then(|code| {
        let run = options::run_options(&options, options::SANDBOX_FIELDS)?;
        let sandbox = options::sandbox_options(&options, options::RUN_FIELDS)?;
        Ok((code, run, sandbox))
    });
    let (code, run, sandbox_options) = match parsed {
        Ok(parsed) => parsed,
        Err(err) => return Promise::reject(&err.into()),
    };
    let (started, slot) = SHARED.with(|shared| {
        shared
            .borrow_mut()
            .get_or_insert_with(|| {
                let slot = Rc::new(RefCell::new(None));
                let filled = slot.clone();
                let started = future_to_promise(async move {
                    *filled.borrow_mut() = Some(Rc::new(Sandbox::create(sandbox_options).await?));
                    Ok(JsValue::UNDEFINED)
                });
                (started, slot)
            })
            .clone()
    });
    future_to_promise(async move {
        if let Err(err) = wasm_bindgen_futures::JsFuture::from(started).await {
            // Let the next call try again (e.g. the server came back).
            SHARED.with(|shared| shared.borrow_mut().take());
            return Err(err);
        }
        let sandbox = slot.borrow().clone().ok_or(Error::Disposed)?;
        let execution = sandbox.run(&code, run).await?;
        convert::execution(&execution)
    })
}

/// Sets the most interpreters (active and standby, all sandboxes of this
/// page) alive at once; `null` or nothing (the default) for no limit. Past
/// it, standbys stop first, then the least recently used idle sandbox gives
/// up its interpreter: its next run starts fresh and says so
/// (`interpreterReset`, `resetReason`), its uploaded files restored.
#[wasm_bindgen(js_name = setMaxLiveInterpreters)]
pub fn set_max_live_interpreters(
    #[wasm_bindgen(unchecked_optional_param_type = "number | null")] limit: Option<JsValue>,
) -> Result<(), JsValue> {
    let limit = match limit.filter(|l| !l.is_undefined() && !l.is_null()) {
        None => None,
        Some(value) => {
            let n = value.as_f64().unwrap_or(f64::NAN);
            if !((1.0..=10_000.0).contains(&n) && n.fract() == 0.0) {
                return Err(Error::options(
                    "maxLiveInterpreters",
                    "expected a whole number from 1 to 10000, or null",
                )
                .into());
            }
            Some(n as usize)
        }
    };
    crate::set_max_live_interpreters(limit);
    Ok(())
}

/// How many standbys the page keeps per boot configuration, shared by the
/// sandboxes created with it (default 1; 0 for none).
#[wasm_bindgen(js_name = setStandbyPoolSize)]
pub fn set_standby_pool_size(size: JsValue) -> Result<(), JsValue> {
    let n = size.as_f64().unwrap_or(f64::NAN);
    if !((0.0..=64.0).contains(&n) && n.fract() == 0.0) {
        return Err(
            Error::options("standbyPoolSize", "expected a whole number from 0 to 64").into(),
        );
    }
    crate::set_standby_pool_size(n as usize);
    Ok(())
}

/// How many interpreters (active and standby) this page's sandboxes hold now.
#[wasm_bindgen(js_name = liveInterpreters)]
pub fn live_interpreters() -> usize {
    crate::live_interpreters()
}

/// The sandbox document, for sites that serve it as their `runnerUrl` page
/// (on another site, with the headers in docs/serving.md). It is the same
/// document the default iframe gets inline.
#[wasm_bindgen(js_name = runnerHtml)]
pub fn runner_html() -> String {
    crate::sandbox::runner_html()
}

/// The directives and sources the page's Content-Security-Policy must allow
/// for a sandbox with these options (see docs/csp.md). Throws `OptionsError` for invalid options.
///
/// ```ts
/// requiredCsp({ pyodideUrl: "/pyodide/" });
/// // "script-src 'sha256-…' blob: 'wasm-unsafe-eval'; worker-src blob:; connect-src 'self'"
/// ```
#[wasm_bindgen(js_name = requiredCsp)]
pub fn required_csp(options: Option<SandboxOptionsArg>) -> Result<String, JsValue> {
    let options = options::sandbox_options(&or_undefined(options), &[])?;
    Ok(crate::csp::required_csp(&options)?)
}
