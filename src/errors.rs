//! The errors pycage rejects with: JS `Error` subclasses with stable names,
//! defined in `page/errors.js` so `instanceof` and `.name` behave as in JS.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/page/errors.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeError)]
    fn make_error(kind: &str, message: &str, detail: Option<String>) -> JsValue;
}

/// Why a call was refused, before it becomes a JS error.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Error {
    /// A bad argument or option, naming the field.
    Options { field: String, message: String },
    /// The sandbox was disposed.
    Disposed,
    /// Pyodide could not be started; `url` names what failed to load, if known.
    Init {
        message: String,
        url: Option<String>,
    },
}

impl Error {
    pub(crate) fn options(field: &str, message: impl Into<String>) -> Self {
        Error::Options {
            field: field.to_string(),
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

impl From<Error> for JsValue {
    fn from(err: Error) -> JsValue {
        match err {
            Error::Options { field, message } => make_error("options", &message, Some(field)),
            Error::Disposed => make_error(
                "disposed",
                "pycage: this sandbox was disposed; create a new one with Sandbox.create()",
                None,
            ),
            Error::Init { message, url } => make_error("init", &format!("pycage: {message}"), url),
        }
    }
}
