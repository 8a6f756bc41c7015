//! `setTimeout` and `setInterval` owned by a struct: dropping it clears it.

use wasm_bindgen::prelude::*;

pub(crate) struct Timer {
    handle: i32,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    pub(crate) fn new(ms: f64, callback: impl FnMut() + 'static) -> Timer {
        Timer::start(ms, callback, false)
    }

    fn start(ms: f64, callback: impl FnMut() + 'static, repeat: bool) -> Timer {
        let callback = Closure::<dyn FnMut()>::new(callback);
        let ms = ms.clamp(0.0, i32::MAX as f64) as i32;
        let function = callback.as_ref().unchecked_ref();
        let handle = web_sys::window()
            .and_then(|w| {
                if repeat {
                    w.set_interval_with_callback_and_timeout_and_arguments_0(function, ms)
                } else {
                    w.set_timeout_with_callback_and_timeout_and_arguments_0(function, ms)
                }
                .ok()
            })
            .unwrap_or_else(|| {
                // Only where there is no window: pycage needs one to start
                // at all (assets.rs fails `create` with "no window" before
                // any timer is armed), so this is never reached by a
                // sandbox; say so rather than wait forever in silence.
                web_sys::console::error_1(&"pycage: a timer could not be armed (no window)".into());
                0
            });
        Timer {
            handle,
            _callback: callback,
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        // One pool of ids serves both, so clearing either kind works.
        if let Some(window) = web_sys::window() {
            window.clear_timeout_with_handle(self.handle);
        }
    }
}

/// Milliseconds since the page loaded.
pub(crate) fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// `setInterval` owned by a struct: dropping it clears it.
pub(crate) struct Interval {
    _timer: Timer,
}

impl Interval {
    pub(crate) fn new(ms: f64, callback: impl FnMut() + 'static) -> Interval {
        Interval {
            _timer: Timer::start(ms, callback, true),
        }
    }
}
