//! Reads the option objects JS users pass into [`SandboxOptions`] and
//! [`RunOptions`], with a typed error naming any bad field. Unknown fields
//! are errors too: a typo like `timeout` for `timeoutMs` must not silently
//! fall back to a default. Ranges and URLs are checked by options.rs.

use std::rc::Rc;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

use crate::errors::Error;
use crate::options::{
    in_range, whole_in_range, FigureFormat, InputCallback, Isolation, Phase, PyodideHashes,
    PypiOptions, RunOptions, SandboxOptions, TextCallback,
};

pub(crate) const SANDBOX_FIELDS: &[&str] = &[
    "pyodideUrl",
    "pyodideHashes",
    "packageBaseUrl",
    "timeoutMs",
    "maxOutputBytes",
    "isolation",
    "packages",
    "autoLoadPackages",
    "allowedPackages",
    "onLog",
    "onProgress",
    "standby",
    "bootTimeoutMs",
    "maxFigures",
    "maxFigureBytes",
    "maxRunFigureBytes",
    "maxImagePixels",
    "snapshot",
    "runnerUrl",
    "maxFileBytes",
    "maxRunFileBytes",
    "pypi",
    "maxMemoryBytes",
    "recycleMemoryBytes",
];
pub(crate) const RUN_FIELDS: &[&str] = &[
    "timeoutMs",
    "signal",
    "onStdout",
    "onStderr",
    "figureFormat",
    "figureDpi",
    "onInput",
];

/// Reads fields off one options object, remembering which it was given.
struct Fields<'a> {
    obj: &'a JsValue,
}

impl<'a> Fields<'a> {
    fn new(obj: &'a JsValue, what: &str, allowed: &[&[&str]]) -> Result<Option<Self>, Error> {
        if obj.is_undefined() || obj.is_null() {
            return Ok(None);
        }
        if !obj.is_object() || obj.is_function() || Array::is_array(obj) {
            return Err(Error::options(what, "expected an object"));
        }
        for key in Object::keys(obj.unchecked_ref::<Object>()).iter() {
            let key = key.as_string().unwrap_or_default();
            if !allowed.iter().any(|set| set.contains(&key.as_str())) {
                return Err(Error::options(&key, format!("unknown field in {what}")));
            }
        }
        Ok(Some(Fields { obj }))
    }

    fn get(&self, field: &str) -> Option<JsValue> {
        let value = Reflect::get(self.obj, &JsValue::from_str(field)).ok()?;
        (!value.is_undefined()).then_some(value)
    }

    /// A number, checked against its range (options.rs) here too, so a
    /// negative or fractional count is refused before it becomes a `usize`.
    fn number(&self, field: &str) -> Result<Option<f64>, Error> {
        let Some(value) = self.get(field) else {
            return Ok(None);
        };
        let n = value.as_f64().unwrap_or(f64::NAN);
        in_range(field, n).map(Some)
    }

    fn count(&self, field: &str) -> Result<Option<usize>, Error> {
        self.number(field)?
            .map(|n| whole_in_range(field, n))
            .transpose()
    }

    fn string(&self, field: &str) -> Result<Option<String>, Error> {
        let Some(value) = self.get(field) else {
            return Ok(None);
        };
        value
            .as_string()
            .map(Some)
            .ok_or_else(|| Error::options(field, "expected a string"))
    }

    fn boolean(&self, field: &str) -> Result<Option<bool>, Error> {
        let Some(value) = self.get(field) else {
            return Ok(None);
        };
        value
            .as_bool()
            .map(Some)
            .ok_or_else(|| Error::options(field, "expected true or false"))
    }

    fn function(&self, field: &str) -> Result<Option<Function>, Error> {
        let Some(value) = self.get(field) else {
            return Ok(None);
        };
        value
            .dyn_into::<Function>()
            .map(Some)
            .map_err(|_| Error::options(field, "expected a function"))
    }

    fn strings(&self, field: &str) -> Result<Option<Vec<String>>, Error> {
        let Some(value) = self.get(field) else {
            return Ok(None);
        };
        let bad = || Error::options(field, "expected an array of strings");
        if !Array::is_array(&value) {
            return Err(bad());
        }
        let array: Array = value.unchecked_into();
        array
            .iter()
            .map(|item| item.as_string().ok_or_else(bad))
            .collect::<Result<_, _>>()
            .map(Some)
    }

    /// `pypi`: `{ indexUrl?: string, allowed: string[] }`.
    fn pypi(&self) -> Result<Option<PypiOptions>, Error> {
        let Some(value) = self.get("pypi") else {
            return Ok(None);
        };
        let Some(f) = Fields::new(&value, "pypi", &[&["indexUrl", "allowed"]])? else {
            return Ok(None);
        };
        let allowed = f
            .strings("allowed")
            .map_err(|_| Error::options("pypi.allowed", "expected an array of names"))?
            .ok_or_else(|| {
                Error::options(
                    "pypi.allowed",
                    "is required (the names that may be installed)",
                )
            })?;
        Ok(Some(PypiOptions {
            index_url: f
                .string("indexUrl")
                .map_err(|_| Error::options("pypi.indexUrl", "expected a URL"))?,
            allowed,
        }))
    }

    /// `pyodideHashes`: `false`, or `{ fileName: sha256 }` (which file names
    /// and hashes are acceptable is checked by options.rs).
    fn pyodide_hashes(&self) -> Result<PyodideHashes, Error> {
        let field = "pyodideHashes";
        let Some(value) = self.get(field) else {
            return Ok(PyodideHashes::Pinned);
        };
        if value.as_bool() == Some(false) {
            return Ok(PyodideHashes::Unchecked);
        }
        let bad = || Error::options(field, "expected an object of file name to sha256, or false");
        if !value.is_object() || value.is_function() || Array::is_array(&value) {
            return Err(bad());
        }
        Object::entries(value.unchecked_ref())
            .iter()
            .map(|entry| {
                let entry: Array = entry.unchecked_into();
                match (entry.get(0).as_string(), entry.get(1).as_string()) {
                    (Some(name), Some(hash)) => Ok((name, hash)),
                    _ => Err(bad()),
                }
            })
            .collect::<Result<_, _>>()
            .map(PyodideHashes::Custom)
    }
}

/// A JS function as a Rust callback. A throwing callback must not break
/// the sandbox: its error goes to the console.
fn text_callback(function: Function) -> TextCallback {
    Rc::new(move |text: &str| {
        if let Err(err) = function.call1(&JsValue::NULL, &JsValue::from_str(text)) {
            web_sys::console::error_2(&"pycage: a callback threw".into(), &err);
        }
    })
}

/// `onInput`: a function returning a string, or a promise of one. Anything
/// else, or a throw, or a rejection, is the end of input (`EOFError`).
fn input_callback(function: Function) -> InputCallback {
    Rc::new(move |prompt: &str| {
        let answer = function.call1(&JsValue::NULL, &JsValue::from_str(prompt));
        Box::pin(async move {
            let value = match answer {
                Ok(value) => {
                    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&value)).await
                }
                Err(err) => Err(err),
            };
            match value {
                Ok(value) => value.as_string(),
                Err(err) => {
                    web_sys::console::error_2(&"pycage: onInput failed".into(), &err);
                    None
                }
            }
        })
    })
}

fn progress_callback(function: Function) -> Rc<dyn Fn(Phase)> {
    Rc::new(move |phase: Phase| {
        let event = Object::new();
        let _ = Reflect::set(&event, &"phase".into(), &phase.as_str().into());
        if let Err(err) = function.call1(&JsValue::NULL, &event) {
            web_sys::console::error_2(&"pycage: a callback threw".into(), &err);
        }
    })
}

/// Reads `SandboxOptions`; `extra` names fields that belong to another
/// options type sharing the object (runPython's one-shot form).
pub(crate) fn sandbox_options(options: &JsValue, extra: &[&str]) -> Result<SandboxOptions, Error> {
    let Some(f) = Fields::new(options, "options", &[SANDBOX_FIELDS, extra])? else {
        return Ok(SandboxOptions::default());
    };
    let isolation = match f.string("isolation")?.as_deref() {
        None | Some("iframe") => Isolation::Iframe,
        Some("worker") => Isolation::Worker,
        Some(_) => {
            return Err(Error::options(
                "isolation",
                "expected \"iframe\" or \"worker\"",
            ))
        }
    };
    Ok(SandboxOptions {
        pyodide_url: f.string("pyodideUrl")?,
        pyodide_hashes: f.pyodide_hashes()?,
        package_base_url: f.string("packageBaseUrl")?,
        timeout_ms: f.number("timeoutMs")?,
        max_output_bytes: f.count("maxOutputBytes")?,
        isolation,
        runner_url: f.string("runnerUrl")?,
        packages: f.strings("packages")?.unwrap_or_default(),
        auto_load_packages: f.boolean("autoLoadPackages")?,
        allowed_packages: f.strings("allowedPackages")?,
        on_log: f.function("onLog")?.map(text_callback),
        on_progress: f.function("onProgress")?.map(progress_callback),
        standby: f.boolean("standby")?,
        snapshot: f.boolean("snapshot")?,
        boot_timeout_ms: f.number("bootTimeoutMs")?,
        max_figures: f.count("maxFigures")?,
        max_figure_bytes: f.count("maxFigureBytes")?,
        max_run_figure_bytes: f.count("maxRunFigureBytes")?,
        // A u64: on wasm32 a usize cannot hold the top of its range.
        max_image_pixels: f.count("maxImagePixels")?.map(|n| n as u64),
        max_file_bytes: f.count("maxFileBytes")?,
        max_run_file_bytes: f.count("maxRunFileBytes")?,
        pypi: f.pypi()?,
        max_memory_bytes: f.number("maxMemoryBytes")?,
        recycle_memory_bytes: f.number("recycleMemoryBytes")?,
    })
}

/// Reads `RunOptions`; `extra` as for [`sandbox_options`].
pub(crate) fn run_options(options: &JsValue, extra: &[&str]) -> Result<RunOptions, Error> {
    let Some(f) = Fields::new(options, "options", &[RUN_FIELDS, extra])? else {
        return Ok(RunOptions::default());
    };
    let signal = match f.get("signal") {
        None => None,
        Some(value) => Some(
            value
                .dyn_into::<AbortSignal>()
                .map_err(|_| Error::options("signal", "expected an AbortSignal"))?,
        ),
    };
    let figure_format = match f.string("figureFormat")?.as_deref() {
        None | Some("png") => FigureFormat::Png,
        Some("svg") => FigureFormat::Svg,
        Some(_) => {
            return Err(Error::options(
                "figureFormat",
                "expected \"png\" or \"svg\"",
            ))
        }
    };
    Ok(RunOptions {
        timeout_ms: f.number("timeoutMs")?,
        signal,
        on_stdout: f.function("onStdout")?.map(text_callback),
        on_stderr: f.function("onStderr")?.map(text_callback),
        figure_format,
        figure_dpi: f.number("figureDpi")?,
        on_input: f.function("onInput")?.map(input_callback),
    })
}
