//! [`Error`] as a JS `Error` subclass with a stable `name`, defined in
//! `errors.js` so `instanceof` and `.name` behave as in JS.

use wasm_bindgen::prelude::*;

use crate::errors::Error;

#[wasm_bindgen(module = "/src/js/errors.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeError)]
    fn make_error(kind: &str, message: &str, detail: Option<String>) -> JsValue;
    #[wasm_bindgen(js_name = makeFileError)]
    fn make_file_error(message: &str, code: &str, path: &str) -> JsValue;
}

impl From<Error> for JsValue {
    fn from(err: Error) -> JsValue {
        let text = err.to_string();
        match err {
            Error::Options { field, message } => make_error("options", &message, Some(field)),
            Error::Disposed => make_error("disposed", &text, None),
            Error::Init { url, .. } => make_error("init", &text, url),
            Error::Session { .. } => make_error("session", &text, None),
            Error::File { code, path, .. } => make_file_error(&text, code.as_str(), &path),
        }
    }
}
