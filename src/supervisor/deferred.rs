//! A promise with its settle functions, and the queue of callbacks run
//! once the state borrow is released.

use js_sys::{Function, Promise};
use wasm_bindgen::{JsCast, JsValue};

/// A promise with its settle functions.
pub(crate) struct Deferred {
    pub promise: Promise,
    pub(super) resolve: Function,
    pub(super) reject: Function,
}

impl Deferred {
    pub(crate) fn new() -> Deferred {
        let mut settle = None;
        let promise = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
        // The executor runs synchronously, so `settle` is always set here.
        // The fallback is not a function compiled from a string: that is
        // eval, which a host page's CSP may forbid.
        let (resolve, reject) = settle.unwrap_or_else(|| {
            let none = || JsValue::UNDEFINED.unchecked_into::<Function>();
            (none(), none())
        });
        Deferred {
            promise,
            resolve,
            reject,
        }
    }
}

pub(super) fn run_effects(effects: Vec<(Function, JsValue)>) {
    for (function, arg) in effects {
        // A throwing user callback must not break the sandbox.
        if let Err(err) = function.call1(&JsValue::NULL, &arg) {
            web_sys::console::error_2(&"pycage: a callback threw".into(), &err);
        }
    }
}
