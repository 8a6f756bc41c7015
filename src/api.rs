//! Everything a JS/TS user of pycage sees. Nothing else is exported.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::errors::Error;
use crate::options::{run_fields, sandbox_fields, RunConfig, SandboxConfig};
use crate::supervisor::Supervisor;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Options for {@link Sandbox.create}. Every field is optional. */
export interface SandboxOptions {
  /** Folder holding `pyodide.mjs` (default: jsDelivr's copy of Pyodide 314.0.7). */
  pyodideUrl?: string;
  /** Where distribution packages (wheels) are fetched from. Default: `pyodideUrl`. */
  packageBaseUrl?: string;
  /** Default per-run time limit in ms. Default 30000. */
  timeoutMs?: number;
  /** Cap on `stdout` and on `stderr`, each, in UTF-8 bytes. Default 1 MiB. */
  maxOutputBytes?: number;
  /** "iframe" (default): opaque-origin sandboxed iframe with a no-network CSP.
   *  "worker": a worker at the page's origin; see the README for what it does not protect. */
  isolation?: "iframe" | "worker";
  /** URL of a page on another site that serves {@link runnerHtml}'s document
   *  (headers: see the README). The sandbox frame then loads it instead of an
   *  inline document, so the browser gives it its own process. "iframe" only. */
  runnerUrl?: string;
  /** Packages loaded at boot: Pyodide distribution names or wheel URLs. */
  packages?: string[];
  /** Load the distribution packages a run imports before running it. Default true. */
  autoLoadPackages?: boolean;
  /** If set, only these distribution packages may be loaded by import. */
  allowedPackages?: string[];
  /** Package-loading and supervisor messages (never the user's stdout). */
  onLog?: (message: string) => void;
  /** Boot progress: "downloading", "starting", "packages", "ready". */
  onProgress?: (event: { phase: "downloading" | "starting" | "packages" | "ready" }) => void;
  /** Keep a second interpreter booted so a timeout or reset costs no boot. Default true. */
  standby?: boolean;
  /** Boot interpreters from a memory snapshot of a freshly booted one, kept in
   *  this page's Cache API (never in the sandbox): boots take a fraction of
   *  the time after the first. Default true, and false when `packages` is set. */
  snapshot?: boolean;
  /** Time allowed for Python to start, in ms. Default 60000. */
  bootTimeoutMs?: number;
  /** Most figures one run may return. Default 50. */
  maxFigures?: number;
  /** Largest single figure, in bytes. Default 5 MiB. */
  maxFigureBytes?: number;
  /** Largest total of figure bytes per run. Default 20 MiB. */
  maxRunFigureBytes?: number;
  /** Largest PNG area (width x height) accepted. Default 25 000 000. */
  maxImagePixels?: number;
}

/** Options for one run. */
export interface RunOptions {
  /** Time limit for this run in ms (default: the sandbox's `timeoutMs`). */
  timeoutMs?: number;
  /** Aborting it stops the run: `status: "cancelled"`. */
  signal?: AbortSignal;
  /** Called with each chunk of stdout while the code runs. */
  onStdout?: (chunk: string) => void;
  /** Called with each chunk of stderr while the code runs. */
  onStderr?: (chunk: string) => void;
  /** Format of matplotlib figures. Default "png". */
  figureFormat?: "png" | "svg";
  /** Resolution of matplotlib figures (default: the figure's own dpi). */
  figureDpi?: number;
}

/** A mime bundle: `text/plain` always, richer types when the object has them.
 *  Images are `Uint8Array` (PNG, JPEG) or SVG text; JSON types are parsed objects. */
export type MimeBundle = { "text/plain"?: string } & Record<string, string | Uint8Array | unknown>;

/** An image the run produced, validated (type, signature, size) by the page. */
export interface Figure {
  mime: "image/png" | "image/jpeg" | "image/svg+xml";
  data: Uint8Array;
  /** Pixels, from the image's header; null for an SVG sized in relative units. */
  width: number | null;
  height: number | null;
  source: "matplotlib" | "display" | "result";
}

/** One item of a run's output, in the order it happened. */
export type Output =
  | { type: "stdout" | "stderr"; text: string }
  | { type: "display"; source: "display" | "matplotlib"; data: MimeBundle };

/** A Python exception (or, for timeout/cancelled/crashed, why the run stopped). */
export interface PythonError {
  type: string;
  message: string;
  traceback: string;
  line: number | null;
}

/** What a run produced. Errors in the user's code are data here, not exceptions. */
export interface Execution {
  status: "ok" | "error" | "timeout" | "cancelled" | "crashed";
  stdout: string;
  stderr: string;
  /** True when output went over `maxOutputBytes` and was cut. */
  truncated: boolean;
  /** The value of the last expression, as in a REPL; null for None or no expression. */
  result: MimeBundle | null;
  error: PythonError | null;
  figures: Figure[];
  outputs: Output[];
  /** Display data the page refused (bad type, bad image, over a cap), with reasons. */
  droppedOutputs: string[];
  /** Messages from the sandbox that broke the protocol during this run. */
  protocolViolations: string[];
  durationMs: number;
  /** True when the run cost the interpreter its state (timeout by kill, crash). */
  interpreterReset: boolean;
}
"#;

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

/// A Python sandbox: one interpreter (plus a warm standby) in an isolated
/// worker. Runs are queued and executed in order; state persists between
/// runs, as in a notebook.
///
/// ```ts
/// const sb = await Sandbox.create({ timeoutMs: 5000 });
/// const ex = await sb.runPython("x = 6 * 7\nx");
/// ex.result?.["text/plain"]; // "42"
/// sb.dispose();
/// ```
#[wasm_bindgen]
pub struct Sandbox {
    supervisor: Supervisor,
}

fn code_arg(code: &JsValue) -> Result<String, Error> {
    code.as_string()
        .ok_or_else(|| Error::options("code", "runPython expects the code as a string"))
}

fn rejected(err: impl Into<JsValue>) -> Promise {
    Promise::reject(&err.into())
}

#[wasm_bindgen]
impl Sandbox {
    /// Starts a sandbox; resolves once Python is ready. Rejects with
    /// `OptionsError` for bad options and `SandboxInitError` (naming the URL)
    /// when Pyodide cannot be loaded.
    pub async fn create(options: Option<SandboxOptionsArg>) -> Result<Sandbox, JsValue> {
        let config = SandboxConfig::parse(&options.map_or(JsValue::UNDEFINED, JsValue::from), &[])?;
        Ok(Sandbox {
            supervisor: Supervisor::start(config).await?,
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
        if self.supervisor.is_disposed() {
            return rejected(Error::Disposed);
        }
        let parsed = code_arg(&code).and_then(|code| {
            Ok((
                code,
                RunConfig::parse(&options.map_or(JsValue::UNDEFINED, JsValue::from), &[])?,
            ))
        });
        match parsed {
            Ok((code, config)) => self.supervisor.run(code, config),
            Err(err) => rejected(err),
        }
    }

    /// A fresh interpreter with the same options, after the queued runs.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn reset(&self) -> Promise {
        self.supervisor.reset()
    }

    /// Terminates everything. The run in progress resolves as "cancelled";
    /// queued runs and later calls reject with `SandboxDisposedError`.
    pub fn dispose(&self) {
        self.supervisor.dispose();
    }

    /// "iframe" or "worker".
    #[wasm_bindgen(getter, unchecked_return_type = "\"iframe\" | \"worker\"")]
    pub fn isolation(&self) -> String {
        self.supervisor.isolation().to_string()
    }

    /// Whether a timeout first tries a KeyboardInterrupt that keeps state
    /// (needs SharedArrayBuffer where the worker runs).
    #[wasm_bindgen(getter)]
    pub fn interruptible(&self) -> bool {
        self.supervisor.interruptible()
    }

    /// Whether the current interpreter booted from the page's memory snapshot.
    #[wasm_bindgen(getter, js_name = bootedFromSnapshot)]
    pub fn booted_from_snapshot(&self) -> bool {
        self.supervisor.booted_from_snapshot()
    }

    /// The running Pyodide's version, e.g. "314.0.7".
    #[wasm_bindgen(getter, js_name = pyodideVersion)]
    pub fn pyodide_version(&self) -> Option<String> {
        self.supervisor.versions().map(|v| v.0)
    }

    /// The running Python's version, e.g. "3.14.2".
    #[wasm_bindgen(getter, js_name = pythonVersion)]
    pub fn python_version(&self) -> Option<String> {
        self.supervisor.versions().map(|v| v.1)
    }
}

/// The default sandbox behind the one-shot `runPython`: a promise that
/// resolves once it has started, and the supervisor it then holds.
type Shared = (Promise, Rc<RefCell<Option<Supervisor>>>);

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
    let options = options.map_or(JsValue::UNDEFINED, JsValue::from);
    let parsed = code_arg(&code).and_then(|code| {
        let run = RunConfig::parse(&options, sandbox_fields())?;
        let sandbox = SandboxConfig::parse(&options, run_fields())?;
        Ok((code, run, sandbox))
    });
    let (code, run, sandbox_config) = match parsed {
        Ok(parsed) => parsed,
        Err(err) => return rejected(err),
    };
    let (started, slot) = SHARED.with(|shared| {
        shared
            .borrow_mut()
            .get_or_insert_with(|| {
                let slot = Rc::new(RefCell::new(None));
                let filled = slot.clone();
                let started = wasm_bindgen_futures::future_to_promise(async move {
                    *filled.borrow_mut() = Some(Supervisor::start(sandbox_config).await?);
                    Ok(JsValue::UNDEFINED)
                });
                (started, slot)
            })
            .clone()
    });
    wasm_bindgen_futures::future_to_promise(async move {
        if let Err(err) = wasm_bindgen_futures::JsFuture::from(started).await {
            // Let the next call try again (e.g. the server came back).
            SHARED.with(|shared| shared.borrow_mut().take());
            return Err(err);
        }
        let supervisor = slot
            .borrow()
            .clone()
            .ok_or_else(|| JsValue::from(Error::Disposed))?;
        wasm_bindgen_futures::JsFuture::from(supervisor.run(code, run)).await
    })
}

/// The sandbox document, for sites that serve it as their `runnerUrl` page
/// (on another site, with the headers in the README). It is the same
/// document the default iframe gets inline.
#[wasm_bindgen(js_name = runnerHtml)]
pub fn runner_html() -> String {
    crate::supervisor::frame_document()
}

/// A `data:` URL for a figure, for `<img src>`. An SVG shown through `<img>`
/// runs no script, so this is the safe way to show SVG figures.
#[wasm_bindgen(js_name = figureToDataUrl)]
pub fn figure_to_data_url(
    #[wasm_bindgen(unchecked_param_type = "Figure")] figure: JsValue,
) -> Result<String, JsValue> {
    let (mime, data) = figure_parts(&figure)?;
    let bytes = data.to_vec();
    Ok(format!("data:{mime};base64,{}", base64(&bytes)))
}

/// A `Blob` of a figure's bytes with its mime type, e.g. for
/// `URL.createObjectURL` (use it in an `<img>`, never inline).
#[wasm_bindgen(js_name = figureToBlob)]
pub fn figure_to_blob(
    #[wasm_bindgen(unchecked_param_type = "Figure")] figure: JsValue,
) -> Result<web_sys::Blob, JsValue> {
    let (mime, data) = figure_parts(&figure)?;
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    web_sys::Blob::new_with_u8_array_sequence_and_options(&Array::of1(&data), &options)
}

fn figure_parts(figure: &JsValue) -> Result<(&'static str, Uint8Array), JsValue> {
    let mime = Reflect::get(figure, &"mime".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_default();
    let mime = crate::figures::IMAGE_MIMES
        .iter()
        .find(|m| **m == mime)
        .ok_or_else(|| {
            JsValue::from(Error::options(
                "figure",
                "expected a Figure from an Execution",
            ))
        })?;
    let data = Reflect::get(figure, &"data".into())?
        .dyn_into::<Uint8Array>()
        .map_err(|_| JsValue::from(Error::options("figure.data", "expected a Uint8Array")))?;
    Ok((mime, data))
}

pub(crate) fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = u32::from(chunk[0]) << 16
            | u32::from(*chunk.get(1).unwrap_or(&0)) << 8
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
    }
}
