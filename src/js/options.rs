//! Reads the option objects JS users pass into [`SandboxOptions`] and
//! [`RunOptions`], with a typed error naming any bad field. Unknown fields
//! are errors too: a typo like `timeout` for `timeoutMs` must not silently
//! fall back to a default. Each type's reader is made from its declaration
//! (options/declare.rs), as is the reader of a group that is one option's
//! value (`pypi`, through [`group`]); [`FromJs`] reads one value by its
//! Rust type.
//! Numbers are checked against their declared range as they are read; URLs
//! are checked by options/resolve.rs.

use std::rc::Rc;

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

use crate::errors::Error;
use crate::options::{
    Declared, FigureFormat, FromJs, InputCallback, Isolation, Phase, PyodideHashes, Quantity,
    RunOptions, SandboxOptions, TextCallback,
};

/// The JS names of each options type, from its declaration.
pub(crate) const SANDBOX_FIELDS: &[&str] = crate::options::sandbox::JS_NAMES;
pub(crate) const RUN_FIELDS: &[&str] = crate::options::run::JS_NAMES;

/// Reads fields off one options object, remembering which it was given.
struct Fields<'a> {
    obj: &'a JsValue,
}

/// Where an options object is: the argument (`options`), or the value of
/// one option (`pypi`), whose fields' errors are named `pypi.indexUrl`.
#[derive(Clone, Copy)]
enum Place<'a> {
    Argument,
    Option(&'a str),
}

impl<'a> Fields<'a> {
    fn new(obj: &'a JsValue, place: Place, allowed: &[&[&str]]) -> Result<Option<Self>, Error> {
        if obj.is_undefined() || obj.is_null() {
            return Ok(None);
        }
        if !obj.is_object() || obj.is_function() || Array::is_array(obj) {
            let what = match place {
                Place::Argument => "options",
                Place::Option(field) => field,
            };
            return Err(Error::options(what, "expected an object"));
        }
        let keys = Object::keys(obj.unchecked_ref::<Object>());
        known_fields(
            keys.iter().map(|key| key.as_string().unwrap_or_default()),
            place,
            allowed,
        )?;
        Ok(Some(Fields { obj }))
    }

    /// The field's value; `None` when it is missing or `undefined`.
    fn get(&self, field: &str) -> Option<JsValue> {
        let value = Reflect::get(self.obj, &JsValue::from_str(field)).ok()?;
        (!value.is_undefined()).then_some(value)
    }
}

/// The first key that is no field of the object, as an error naming it:
/// `timeout` for a top-level option, `pypi.alowed` (and the fields it
/// has) inside a group.
fn known_fields(
    keys: impl IntoIterator<Item = String>,
    place: Place,
    allowed: &[&[&str]],
) -> Result<(), Error> {
    let known = |key: &str| allowed.iter().any(|set| set.contains(&key));
    let Some(key) = keys.into_iter().find(|key| !known(key)) else {
        return Ok(());
    };
    Err(match place {
        Place::Argument => Error::options(&key, "unknown field in options"),
        Place::Option(group) => {
            let fields: Vec<&str> = allowed.concat();
            Error::options(
                &format!("{group}.{key}"),
                format!(
                    "unknown field in {group} (its fields: {})",
                    fields.join(", ")
                ),
            )
        }
    })
}

/// The value of an option that is a group of options (`pypi`): an object
/// with none but the group's fields (`names`), read by `read` (the group's
/// declared reader), or nothing when unset or `null`.
pub(crate) fn group<T>(
    value: Option<JsValue>,
    option: &Declared,
    names: &[&str],
    read: impl FnOnce(&dyn Fn(&str) -> Option<JsValue>) -> Result<T, Error>,
) -> Result<Option<T>, Error> {
    let Some(value) = value else {
        return Ok(None);
    };
    let field = option.field();
    match Fields::new(&value, Place::Option(&field), &[names])? {
        Some(fields) => read(&|name| fields.get(name)).map(Some),
        None => Ok(None),
    }
}

/// A number, checked against its declared range as it is read, so a
/// negative or fractional count is refused before it becomes an integer.
impl<T: Quantity> FromJs for Option<T> {
    fn from_js(value: Option<JsValue>, option: &Declared) -> Result<Self, Error> {
        value
            .map(|value| option.number(value.as_f64().unwrap_or(f64::NAN)))
            .transpose()
    }
}

impl FromJs for Option<String> {
    fn from_js(value: Option<JsValue>, option: &Declared) -> Result<Self, Error> {
        value
            .map(|value| {
                value
                    .as_string()
                    .ok_or_else(|| Error::options(&option.field(), "expected a string"))
            })
            .transpose()
    }
}

impl FromJs for Option<js_sys::Uint8Array> {
    fn from_js(value: Option<JsValue>, option: &Declared) -> Result<Self, Error> {
        value
            .map(|value| {
                value
                    .dyn_into()
                    .map_err(|_| Error::options(&option.field(), "expected a Uint8Array"))
            })
            .transpose()
    }
}

impl FromJs for Option<bool> {
    fn from_js(value: Option<JsValue>, option: &Declared) -> Result<Self, Error> {
        value
            .map(|value| {
                value
                    .as_bool()
                    .ok_or_else(|| Error::options(&option.field(), "expected true or false"))
            })
            .transpose()
    }
}

impl FromJs for Option<Vec<String>> {
    fn from_js(value: Option<JsValue>, option: &Declared) -> Result<Self, Error> {
        value
            .map(|value| strings(&value, &option.field()))
            .transpose()
    }
}

impl FromJs for Vec<String> {
    fn from_js(value: Option<JsValue>, option: &Declared) -> Result<Self, Error> {
        Ok(Option::<Vec<String>>::from_js(value, option)?.unwrap_or_default())
    }
}

fn strings(value: &JsValue, field: &str) -> Result<Vec<String>, Error> {
    let bad = || Error::options(field, "expected an array of strings");
    if !Array::is_array(value) {
        return Err(bad());
    }
    let array: &Array = value.unchecked_ref();
    array
        .iter()
        .map(|item| item.as_string().ok_or_else(bad))
        .collect()
}

fn function(value: Option<JsValue>, option: &Declared) -> Result<Option<Function>, Error> {
    value
        .map(|value| {
            value
                .dyn_into::<Function>()
                .map_err(|_| Error::options(&option.field(), "expected a function"))
        })
        .transpose()
}

impl FromJs for Option<TextCallback> {
    fn from_js(value: Option<JsValue>, option: &Declared) -> Result<Self, Error> {
        Ok(function(value, option)?.map(text_callback))
    }
}

impl FromJs for Option<Rc<dyn Fn(Phase)>> {
    fn from_js(value: Option<JsValue>, option: &Declared) -> Result<Self, Error> {
        Ok(function(value, option)?.map(progress_callback))
    }
}

impl FromJs for Option<InputCallback> {
    fn from_js(value: Option<JsValue>, option: &Declared) -> Result<Self, Error> {
        Ok(function(value, option)?.map(input_callback))
    }
}

impl FromJs for Option<AbortSignal> {
    fn from_js(value: Option<JsValue>, option: &Declared) -> Result<Self, Error> {
        value
            .map(|value| {
                value
                    .dyn_into::<AbortSignal>()
                    .map_err(|_| Error::options(&option.field(), "expected an AbortSignal"))
            })
            .transpose()
    }
}

impl FromJs for Isolation {
    fn from_js(value: Option<JsValue>, option: &Declared) -> Result<Self, Error> {
        match Option::<String>::from_js(value, option)?.as_deref() {
            None | Some("iframe") => Ok(Isolation::Iframe),
            Some("worker") => Ok(Isolation::Worker),
            Some(_) => Err(Error::options(
                &option.field(),
                "expected \"iframe\" or \"worker\"",
            )),
        }
    }
}

impl FromJs for FigureFormat {
    fn from_js(value: Option<JsValue>, option: &Declared) -> Result<Self, Error> {
        match Option::<String>::from_js(value, option)?.as_deref() {
            None | Some("png") => Ok(FigureFormat::Png),
            Some("svg") => Ok(FigureFormat::Svg),
            Some(_) => Err(Error::options(
                &option.field(),
                "expected \"png\" or \"svg\"",
            )),
        }
    }
}

/// `pyodideHashes`: `false`, or `{ fileName: sha256 }` (which file names
/// and hashes are acceptable is checked by options/resolve.rs).
impl FromJs for PyodideHashes {
    fn from_js(value: Option<JsValue>, option: &Declared) -> Result<Self, Error> {
        let Some(value) = value else {
            return Ok(PyodideHashes::Pinned);
        };
        if value.as_bool() == Some(false) {
            return Ok(PyodideHashes::Unchecked);
        }
        let bad = || {
            Error::options(
                &option.field(),
                "expected an object of file name to sha256, or false",
            )
        };
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
    match Fields::new(options, Place::Argument, &[SANDBOX_FIELDS, extra])? {
        Some(fields) => SandboxOptions::from_js(|field| fields.get(field)),
        None => Ok(SandboxOptions::default()),
    }
}

/// Reads `RunOptions`; `extra` as for [`sandbox_options`].
pub(crate) fn run_options(options: &JsValue, extra: &[&str]) -> Result<RunOptions, Error> {
    match Fields::new(options, Place::Argument, &[RUN_FIELDS, extra])? {
        Some(fields) => RunOptions::from_js(|field| fields.get(field)),
        None => Ok(RunOptions::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::{known_fields, Place};
    use crate::errors::Error;

    fn refused(keys: &[&str], place: Place, allowed: &[&[&str]]) -> String {
        let keys = keys.iter().map(|key| key.to_string());
        match known_fields(keys, place, allowed) {
            Err(error @ Error::Options { .. }) => error.to_string(),
            other => panic!("expected an options error, got {other:?}"),
        }
    }

    #[test]
    fn a_misspelled_field_inside_pypi_is_named_with_the_fields_it_has() {
        let pypi = crate::options::pypi::JS_NAMES;
        let message = refused(&["indexUrl", "alowed"], Place::Option("pypi"), &[pypi]);
        assert_eq!(
            message,
            "pycage: invalid pypi.alowed: unknown field in pypi (its fields: indexUrl, allowed)"
        );
        assert!(known_fields(["allowed".to_string()], Place::Option("pypi"), &[pypi]).is_ok());
    }

    #[test]
    fn a_misspelled_top_level_option_is_named_as_before() {
        let sandbox = super::SANDBOX_FIELDS;
        let message = refused(&["timeout"], Place::Argument, &[sandbox, &[]]);
        assert_eq!(message, "pycage: invalid timeout: unknown field in options");
        // A field of the other options type sharing the object (runPython).
        let keys = ["timeoutMs", "signal"].map(String::from);
        assert!(known_fields(keys, Place::Argument, &[sandbox, super::RUN_FIELDS]).is_ok());
    }
}
