//! Reads the option objects users pass, with a typed error naming any bad
//! field. Unknown fields are errors too: a typo like `timeout` for
//! `timeoutMs` must not silently fall back to a default.

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

use crate::errors::Error;

/// The Pyodide this crate is built and tested against; the default
/// `pyodideUrl` points at the same version on jsDelivr.
pub(crate) const PYODIDE_VERSION: &str = "314.0.7";

const SANDBOX_FIELDS: &[&str] = &[
    "pyodideUrl",
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
];
const RUN_FIELDS: &[&str] = &[
    "timeoutMs",
    "signal",
    "onStdout",
    "onStderr",
    "figureFormat",
    "figureDpi",
];

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Isolation {
    /// Worker inside an opaque-origin `<iframe sandbox="allow-scripts">` with a CSP.
    Iframe,
    /// A dedicated worker at the page's origin (weaker; see the README).
    Worker,
}

impl Isolation {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Isolation::Iframe => "iframe",
            Isolation::Worker => "worker",
        }
    }
}

/// Limits on what a run may return as images.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FigureCaps {
    pub max_figures: usize,
    pub max_figure_bytes: usize,
    pub max_run_figure_bytes: usize,
    pub max_pixels: u64,
}

impl Default for FigureCaps {
    fn default() -> Self {
        FigureCaps {
            max_figures: 50,
            max_figure_bytes: 5 << 20,
            max_run_figure_bytes: 20 << 20,
            max_pixels: 25_000_000,
        }
    }
}

/// `SandboxOptions`, resolved.
pub(crate) struct SandboxConfig {
    pub pyodide_url: String,
    pub package_base_url: String,
    pub timeout_ms: f64,
    pub max_output_bytes: usize,
    pub isolation: Isolation,
    /// A page on another site that hosts the sandbox document (iframe isolation only).
    pub runner_url: Option<String>,
    pub packages: Vec<String>,
    pub auto_load: bool,
    pub allowed_packages: Option<Vec<String>>,
    pub on_log: Option<Function>,
    pub on_progress: Option<Function>,
    pub standby: bool,
    /// Boot interpreters from a memory snapshot kept at the page's origin.
    pub snapshot: bool,
    pub boot_timeout_ms: f64,
    pub caps: FigureCaps,
}

/// `RunOptions`, resolved.
#[derive(Default)]
pub(crate) struct RunConfig {
    pub timeout_ms: Option<f64>,
    pub signal: Option<AbortSignal>,
    pub on_stdout: Option<Function>,
    pub on_stderr: Option<Function>,
    pub figure_svg: bool,
    pub figure_dpi: Option<f64>,
}

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

    fn number(&self, field: &str, min: f64, max: f64) -> Result<Option<f64>, Error> {
        let Some(value) = self.get(field) else {
            return Ok(None);
        };
        match value.as_f64() {
            Some(n) if n.is_finite() && n >= min && n <= max => Ok(Some(n)),
            _ => Err(Error::options(
                field,
                format!("expected a number from {min} to {max}"),
            )),
        }
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
}

/// Resolves `url` against the page's address and adds a trailing slash.
fn folder_url(field: &str, url: &str) -> Result<String, Error> {
    let base = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_else(|| "http://localhost/".to_string());
    let parsed = web_sys::Url::new_with_base(url, &base)
        .map_err(|_| Error::options(field, "not a valid URL"))?;
    let protocol = parsed.protocol();
    if protocol != "http:" && protocol != "https:" {
        return Err(Error::options(field, "must be an http(s) URL"));
    }
    let mut href = parsed.href();
    if !href.ends_with('/') {
        href.push('/');
    }
    Ok(href)
}

/// Resolves one wheel URL (packages entries that are not plain names).
pub(crate) fn absolute_url(url: &str) -> Option<String> {
    let base = web_sys::window()?.location().href().ok()?;
    web_sys::Url::new_with_base(url, &base)
        .ok()
        .map(|u| u.href())
}

/// `url` resolved against the page, if it is http(s).
fn http_url(url: &str) -> Option<String> {
    let href = absolute_url(url)?;
    (href.starts_with("http://") || href.starts_with("https://")).then_some(href)
}

fn to_bytes(n: f64) -> usize {
    n as usize
}

impl SandboxConfig {
    /// Reads `SandboxOptions`; `extra` names fields that belong to another
    /// options type sharing the object (runPython's one-shot form).
    pub(crate) fn parse(options: &JsValue, extra: &[&str]) -> Result<Self, Error> {
        let fields = Fields::new(options, "options", &[SANDBOX_FIELDS, extra])?;
        let defaults = FigureCaps::default();
        let Some(f) = fields else {
            return Self::from_fields(None, defaults);
        };
        Self::from_fields(Some(&f), defaults)
    }

    fn from_fields(f: Option<&Fields>, defaults: FigureCaps) -> Result<Self, Error> {
        let get_num =
            |field: &str, min: f64, max: f64| f.map_or(Ok(None), |f| f.number(field, min, max));
        let default_url = format!("https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/");
        let pyodide_url = f
            .map_or(Ok(None), |f| f.string("pyodideUrl"))?
            .unwrap_or(default_url);
        let pyodide_url = folder_url("pyodideUrl", &pyodide_url)?;
        let package_base_url = match f.map_or(Ok(None), |f| f.string("packageBaseUrl"))? {
            Some(url) => folder_url("packageBaseUrl", &url)?,
            None => pyodide_url.clone(),
        };
        let isolation = match f.map_or(Ok(None), |f| f.string("isolation"))?.as_deref() {
            None | Some("iframe") => Isolation::Iframe,
            Some("worker") => Isolation::Worker,
            Some(_) => {
                return Err(Error::options(
                    "isolation",
                    "expected \"iframe\" or \"worker\"",
                ))
            }
        };
        let runner_url = match f.map_or(Ok(None), |f| f.string("runnerUrl"))? {
            None => None,
            Some(_) if isolation == Isolation::Worker => {
                return Err(Error::options(
                    "runnerUrl",
                    "needs isolation \"iframe\" (the runner page hosts the sandbox frame)",
                ))
            }
            Some(url) => Some(http_url(&url).ok_or_else(|| {
                Error::options("runnerUrl", format!("expected an http(s) URL, got {url:?}"))
            })?),
        };
        let packages = f
            .map_or(Ok(None), |f| f.strings("packages"))?
            .unwrap_or_default();
        let mut resolved = Vec::with_capacity(packages.len());
        for package in packages {
            if package.contains('/') || package.ends_with(".whl") {
                let url = absolute_url(&package).ok_or_else(|| {
                    Error::options("packages", format!("bad wheel URL {package}"))
                })?;
                resolved.push(url);
            } else if !package.is_empty()
                && package
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            {
                resolved.push(package);
            } else {
                return Err(Error::options(
                    "packages",
                    format!("{package:?} is neither a package name nor a wheel URL"),
                ));
            }
        }
        // A snapshot holds Python's memory but not the files packages
        // installed, so it is only safe (and the default) without packages.
        let snapshot = f.map_or(Ok(None), |f| f.boolean("snapshot"))?;
        if snapshot == Some(true) && !resolved.is_empty() {
            return Err(Error::options(
                "snapshot",
                "cannot be combined with packages (a snapshot does not hold their files)",
            ));
        }
        Ok(SandboxConfig {
            snapshot: snapshot.unwrap_or(resolved.is_empty()),
            pyodide_url,
            package_base_url,
            timeout_ms: get_num("timeoutMs", 1.0, 86_400_000.0)?.unwrap_or(30_000.0),
            max_output_bytes: to_bytes(
                get_num("maxOutputBytes", 0.0, 256.0 * 1048576.0)?.unwrap_or(1048576.0),
            ),
            isolation,
            runner_url,
            packages: resolved,
            auto_load: f
                .map_or(Ok(None), |f| f.boolean("autoLoadPackages"))?
                .unwrap_or(true),
            allowed_packages: f.map_or(Ok(None), |f| f.strings("allowedPackages"))?,
            on_log: f.map_or(Ok(None), |f| f.function("onLog"))?,
            on_progress: f.map_or(Ok(None), |f| f.function("onProgress"))?,
            standby: f
                .map_or(Ok(None), |f| f.boolean("standby"))?
                .unwrap_or(true),
            boot_timeout_ms: get_num("bootTimeoutMs", 100.0, 600_000.0)?.unwrap_or(60_000.0),
            caps: FigureCaps {
                max_figures: get_num("maxFigures", 0.0, 10_000.0)?
                    .map_or(defaults.max_figures, |n| n as usize),
                max_figure_bytes: get_num("maxFigureBytes", 0.0, 512.0 * 1048576.0)?
                    .map_or(defaults.max_figure_bytes, to_bytes),
                max_run_figure_bytes: get_num("maxRunFigureBytes", 0.0, 1024.0 * 1048576.0)?
                    .map_or(defaults.max_run_figure_bytes, to_bytes),
                max_pixels: get_num("maxImagePixels", 1.0, 1e10)?
                    .map_or(defaults.max_pixels, |n| n as u64),
            },
        })
    }
}

impl RunConfig {
    /// Reads `RunOptions`; `extra` as for [`SandboxConfig::parse`].
    pub(crate) fn parse(options: &JsValue, extra: &[&str]) -> Result<Self, Error> {
        let Some(f) = Fields::new(options, "options", &[RUN_FIELDS, extra])? else {
            return Ok(RunConfig::default());
        };
        let signal = match f.get("signal") {
            None => None,
            Some(value) => Some(
                value
                    .dyn_into::<AbortSignal>()
                    .map_err(|_| Error::options("signal", "expected an AbortSignal"))?,
            ),
        };
        let figure_svg = match f.string("figureFormat")?.as_deref() {
            None | Some("png") => false,
            Some("svg") => true,
            Some(_) => {
                return Err(Error::options(
                    "figureFormat",
                    "expected \"png\" or \"svg\"",
                ))
            }
        };
        Ok(RunConfig {
            timeout_ms: f.number("timeoutMs", 1.0, 86_400_000.0)?,
            signal,
            on_stdout: f.function("onStdout")?,
            on_stderr: f.function("onStderr")?,
            figure_svg,
            figure_dpi: f.number("figureDpi", 10.0, 1000.0)?,
        })
    }
}

/// The field names of each options type, for the one-shot `runPython`.
pub(crate) fn run_fields() -> &'static [&'static str] {
    RUN_FIELDS
}

/// See [`run_fields`].
pub(crate) fn sandbox_fields() -> &'static [&'static str] {
    SANDBOX_FIELDS
}
