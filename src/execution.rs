//! What a run produced: [`Execution`] and the types inside it. These are the
//! Rust types; the JS `Execution` is this, serialized by serde (see
//! `js/convert.rs`), so the two cannot drift apart.

mod builder;
mod json_value;

use std::collections::BTreeMap;

use serde::Serialize;

pub(crate) use builder::ExecutionBuilder;

/// What a run produced. Errors in the user's code are data here
/// ([`Status::Error`] with an [`error`](Execution::error)), not `Err`.
///
/// ```no_run
/// # async fn example(sandbox: &pycage::Sandbox) -> Result<(), pycage::Error> {
/// use pycage::{RunOptions, Status};
/// let ex = sandbox.run("print('hi')\n6 * 7", RunOptions::default()).await?;
/// assert_eq!(ex.status, Status::Ok);
/// assert_eq!(ex.stdout, "hi\n");
/// assert_eq!(ex.result_text(), Some("42"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    /// How the run ended.
    pub status: Status,
    /// Everything printed to stdout, up to `maxOutputBytes`.
    pub stdout: String,
    /// Everything printed to stderr, up to `maxOutputBytes`.
    pub stderr: String,
    /// True when output went over `maxOutputBytes` and was cut.
    pub truncated: bool,
    /// The value of the last expression, as in a REPL; `None` for `None` or
    /// no expression.
    pub result: Option<MimeBundle>,
    /// The exception, or for timeout, cancelled and crashed, why the run stopped.
    pub error: Option<PythonError>,
    /// Images the run produced, validated by the page.
    pub figures: Vec<Figure>,
    /// Streams and display items, in the order they happened.
    pub outputs: Vec<Output>,
    /// Display data the page refused (bad type, bad image, over a cap), with reasons.
    pub dropped_outputs: Vec<String>,
    /// Messages from the sandbox that broke the protocol during this run.
    pub protocol_violations: Vec<String>,
    /// From the run's start to its end, in ms.
    pub duration_ms: f64,
    /// How long the run waited before it started, in ms: behind earlier
    /// runs and file calls, or for an interpreter to finish booting (the
    /// first run, or a run after a timeout that replaced the interpreter
    /// before the standby was ready). The boot part is bounded by
    /// `bootTimeoutMs`.
    pub waited_ms: f64,
    /// True when the run started on, or ended with, a fresh interpreter: its
    /// state is gone (a timeout that had to kill, a crash, a memory limit,
    /// a recycle, an eviction). [`reset_reason`](Execution::reset_reason) says why.
    pub interpreter_reset: bool,
    /// Why the interpreter was replaced, in words an app can show.
    pub reset_reason: Option<String>,
    /// The interpreter's heap (its wasm memory) after the run, in bytes, as
    /// the sandbox reports it; `None` when the run did not end normally.
    pub memory_bytes: Option<f64>,
    /// Files in the working directory that the run created or changed, with
    /// their bytes, up to `maxFileBytes` each, `maxRunFileBytes` in all and
    /// 1 000 files (the rest are in `dropped_outputs`).
    pub files: Vec<crate::files::OutputFile>,
    /// Files earlier runs made that were lost since the last run, when an
    /// interpreter was replaced (a timeout that killed it, a crash).
    /// Files written with `write_file` are restored instead. At most 100
    /// paths, then a last entry `"... and N more files"` (the page keeps
    /// 1 000 paths per interpreter; past that it only counts them).
    pub lost_files: Vec<String>,
}

impl Execution {
    /// The `text/plain` form of [`result`](Execution::result), if any.
    ///
    /// ```no_run
    /// # async fn example(sandbox: &pycage::Sandbox) -> Result<(), pycage::Error> {
    /// let ex = sandbox.run("'🐍' * 2", Default::default()).await?;
    /// assert_eq!(ex.result_text(), Some("'🐍🐍'"));
    /// # Ok(()) }
    /// ```
    pub fn result_text(&self) -> Option<&str> {
        self.result.as_ref()?.text()
    }
}

/// How a run ended.
///
/// ```no_run
/// # async fn example(sandbox: &pycage::Sandbox) -> Result<(), pycage::Error> {
/// use pycage::{RunOptions, Status};
/// let quick = RunOptions { timeout: Some(std::time::Duration::from_millis(500)), ..Default::default() };
/// let ex = sandbox.run("while True: pass", quick).await?;
/// assert_eq!(ex.status, Status::Timeout);
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The code ran to its end.
    Ok,
    /// The code raised; see [`Execution::error`].
    Error,
    /// The run went over its time limit and was stopped.
    Timeout,
    /// The run's signal was aborted, or the sandbox was disposed.
    Cancelled,
    /// The interpreter died (out of memory, a protocol breach); it was replaced.
    Crashed,
}

/// A Python exception, or, for timeout, cancelled and crashed, why the run
/// stopped (`TimeoutError`, `CancelledError`, `Crashed`).
///
/// ```no_run
/// # async fn example(sandbox: &pycage::Sandbox) -> Result<(), pycage::Error> {
/// let ex = sandbox.run("x = 1\n{}['missing']", Default::default()).await?;
/// let error = ex.error.expect("a KeyError");
/// assert_eq!((error.kind.as_str(), error.line), ("KeyError", Some(2)));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PythonError {
    /// The exception's class name, e.g. `KeyError` (`type` in JS).
    #[serde(rename = "type")]
    pub kind: String,
    /// `str()` of the exception.
    pub message: String,
    /// The traceback of the user's code (pycage's own frames removed).
    pub traceback: String,
    /// The line of the user's code it was raised at, if known.
    pub line: Option<u32>,
}

/// One item of a run's output, in the order it happened. Consecutive chunks
/// of one stream are joined.
///
/// ```no_run
/// # fn example(ex: &pycage::Execution) {
/// use pycage::Output;
/// for item in &ex.outputs {
///     match item {
///         Output::Stdout { text } | Output::Stderr { text } => print!("{text}"),
///         Output::Display { data, .. } => println!("{:?}", data.text()),
///     }
/// }
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Output {
    /// Text printed to stdout.
    Stdout {
        /// The text.
        text: String,
    },
    /// Text printed to stderr.
    Stderr {
        /// The text.
        text: String,
    },
    /// Something shown with `display()` or a matplotlib figure.
    Display {
        /// Where it came from.
        source: DisplaySource,
        /// Its validated mime bundle.
        data: MimeBundle,
    },
}

/// Where a display item came from.
///
/// ```
/// assert_ne!(pycage::DisplaySource::Display, pycage::DisplaySource::Matplotlib);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DisplaySource {
    /// `IPython.display.display()` (or an object's `_repr_*_`).
    Display,
    /// A matplotlib figure, captured when the run ended or at `plt.show()`.
    Matplotlib,
}

/// A mime bundle: `text/plain` always when the object has a repr, richer
/// types when it has them, each validated by the page.
///
/// ```no_run
/// # fn example(bundle: &pycage::MimeBundle) {
/// use pycage::MimeValue;
/// if let Some(MimeValue::Text(html)) = bundle.get("text/html") {
///     // Never insert `html` into the page: render it in a sandboxed frame.
///     let _ = html;
/// }
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct MimeBundle(pub BTreeMap<String, MimeValue>);

impl MimeBundle {
    /// The value for one mime type, e.g. `"image/png"`.
    ///
    /// ```
    /// assert!(pycage::MimeBundle::default().get("text/plain").is_none());
    /// ```
    pub fn get(&self, mime: &str) -> Option<&MimeValue> {
        self.0.get(mime)
    }

    /// The `text/plain` form, if any.
    ///
    /// ```
    /// assert_eq!(pycage::MimeBundle::default().text(), None);
    /// ```
    pub fn text(&self) -> Option<&str> {
        match self.get("text/plain")? {
            MimeValue::Text(text) => Some(text),
            _ => None,
        }
    }
}

/// One entry of a [`MimeBundle`].
///
/// ```
/// let value = pycage::MimeValue::Text("42".into());
/// assert!(matches!(value, pycage::MimeValue::Text(t) if t == "42"));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MimeValue {
    /// Text types, SVG included (a string in JS).
    Text(String),
    /// PNG and JPEG bytes (a `Uint8Array` in JS).
    Bytes(#[serde(with = "serde_bytes")] Vec<u8>),
    /// JSON types (`application/json`, plotly's figure, Vega-Lite and Vega
    /// specs: `+json`, and Altair 6's `.json` spelling), parsed (an object
    /// in JS).
    Json(#[serde(serialize_with = "json_value::serialize")] serde_json::Value),
}

/// An image the run produced, validated (type, signature, size) by the page.
///
/// ```no_run
/// # fn example(ex: &pycage::Execution) {
/// for figure in &ex.figures {
///     println!("{} {}x{:?}", figure.mime.as_str(), figure.data.len(), figure.width);
/// }
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figure {
    /// The image's type.
    pub mime: ImageMime,
    /// The image's bytes (an SVG's UTF-8 text).
    #[serde(with = "serde_bytes")]
    pub data: Vec<u8>,
    /// Pixels, from the image's header; `None` for an SVG sized in relative units.
    pub width: Option<u32>,
    /// See [`width`](Figure::width).
    pub height: Option<u32>,
    /// Where it came from.
    pub source: FigureSource,
}

impl Figure {
    /// The figure as a `data:` URL (`data:image/png;base64,...`; an SVG as
    /// `image/svg+xml`), for `<img src>`. An SVG shown through `<img>` runs
    /// no script, so this is the safe way to show SVG figures; never insert
    /// an SVG's text into the page.
    ///
    /// ```
    /// use pycage::{Figure, FigureSource, ImageMime};
    /// let figure = Figure {
    ///     mime: ImageMime::Svg,
    ///     data: b"<svg/>".to_vec(),
    ///     width: None,
    ///     height: None,
    ///     source: FigureSource::Display,
    /// };
    /// assert_eq!(figure.to_data_url(), "data:image/svg+xml;base64,PHN2Zy8+");
    /// ```
    pub fn to_data_url(&self) -> String {
        crate::figures::data_url(self.mime.as_str(), &self.data)
    }

    /// The figure as a `Blob` typed with its mime, e.g. for
    /// `web_sys::Url::create_object_url_with_blob` (use the URL in an
    /// `<img>`, never inline). Needs a browser (wasm). Fails with
    /// [`Error::Init`](crate::Error::Init) only if the browser refuses to
    /// make the `Blob`.
    ///
    /// ```no_run
    /// # fn example(ex: &pycage::Execution) -> Result<(), pycage::Error> {
    /// for figure in &ex.figures {
    ///     let blob = figure.to_blob()?;
    ///     assert_eq!(blob.type_(), figure.mime.as_str());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn to_blob(&self) -> Result<web_sys::Blob, crate::Error> {
        let bytes = js_sys::Uint8Array::from(self.data.as_slice());
        crate::figures::blob(self.mime.as_str(), &bytes)
            .map_err(|err| crate::Error::init(format!("could not make a Blob: {err:?}"), None))
    }
}

/// The image types a [`Figure`] can have.
///
/// ```
/// assert_eq!(pycage::ImageMime::Svg.as_str(), "image/svg+xml");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ImageMime {
    /// `image/png`
    #[serde(rename = "image/png")]
    Png,
    /// `image/jpeg`
    #[serde(rename = "image/jpeg")]
    Jpeg,
    /// `image/svg+xml`
    #[serde(rename = "image/svg+xml")]
    Svg,
}

impl ImageMime {
    /// The mime type, e.g. `"image/png"`.
    ///
    /// ```
    /// assert_eq!(pycage::ImageMime::Png.as_str(), "image/png");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ImageMime::Png => "image/png",
            ImageMime::Jpeg => "image/jpeg",
            ImageMime::Svg => "image/svg+xml",
        }
    }

    pub(crate) fn parse(mime: &str) -> Option<ImageMime> {
        [ImageMime::Png, ImageMime::Jpeg, ImageMime::Svg]
            .into_iter()
            .find(|m| m.as_str() == mime)
    }
}

/// Where a [`Figure`] came from.
///
/// ```
/// assert_ne!(pycage::FigureSource::Result, pycage::FigureSource::Display);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FigureSource {
    /// A matplotlib figure.
    Matplotlib,
    /// An image passed to `display()`.
    Display,
    /// The value of the run's last expression.
    Result,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(mime: ImageMime, data: &[u8]) -> Figure {
        Figure {
            mime,
            data: data.to_vec(),
            width: Some(1),
            height: Some(1),
            source: FigureSource::Display,
        }
    }

    #[test]
    fn to_data_url_gives_the_mime_and_base64_bytes() {
        let png = figure(ImageMime::Png, b"\x89PNG\r\n\x1a\n");
        assert_eq!(png.to_data_url(), "data:image/png;base64,iVBORw0KGgo=");
        let jpeg = figure(ImageMime::Jpeg, &[0xff, 0xd8, 0xff]);
        assert_eq!(jpeg.to_data_url(), "data:image/jpeg;base64,/9j/");
        let svg = figure(
            ImageMime::Svg,
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        );
        assert_eq!(
            svg.to_data_url(),
            "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4="
        );
        assert_eq!(
            figure(ImageMime::Png, b"").to_data_url(),
            "data:image/png;base64,"
        );
    }
}
