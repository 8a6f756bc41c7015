//! The app against real Pyodide in headless Chromium (`run.sh`: Pyodide is
//! copied into this crate's `node_modules/`, which the test server serves).
use pycage::{Error, ImageMime, Sandbox, SandboxOptions};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Where the test server (wasm-bindgen-test's, serving this crate's folder)
/// has the copy of Pyodide.
fn options() -> SandboxOptions {
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    SandboxOptions {
        pyodide_url: Some(format!("{origin}/node_modules/pyodide/")),
        standby: Some(false),
        ..Default::default()
    }
}

#[wasm_bindgen_test]
async fn a_bar_chart_comes_back_as_a_png_data_url_and_blob() {
    let sandbox = Sandbox::create(options())
        .await
        .expect("the sandbox starts");
    let debug = format!("{sandbox:?}");
    assert!(
        debug.starts_with("Sandbox { isolation: Iframe, disposed: false"),
        "{debug}"
    );
    let figure = rust_app::bar_chart(&sandbox, &[3, 1, 4, 1, 5])
        .await
        .unwrap();
    assert_eq!(figure.mime, ImageMime::Png);
    assert_eq!((figure.width, figure.height), (Some(40), Some(40)));
    let url = figure.to_data_url();
    assert!(
        url.starts_with("data:image/png;base64,iVBORw0KGgo"),
        "{url}"
    );
    assert_eq!(figure.to_blob().unwrap().type_(), "image/png");
    sandbox.dispose();
}

#[wasm_bindgen_test]
async fn bad_options_are_an_error_a_test_can_unwrap() {
    let bad = SandboxOptions {
        timeout: Some(std::time::Duration::ZERO),
        ..options()
    };
    let err = Sandbox::create(bad).await.unwrap_err();
    assert!(
        matches!(err, Error::Options { ref field, .. } if field == "timeoutMs"),
        "{err:?}"
    );
}

#[wasm_bindgen_test]
fn the_js_binding_is_left_out() {
    let exports = wasm_bindgen::exports();
    for name in [
        "runPython",
        "figureToDataUrl",
        "runnerHtml",
        "sandbox_create",
    ] {
        let export = js_sys::Reflect::get(&exports, &name.into()).unwrap();
        assert!(
            export.is_undefined(),
            "pycage's JS export {name} is in the app"
        );
    }
    let app = js_sys::Reflect::get(&exports, &"barChartDataUrl".into()).unwrap();
    assert!(app.is_function(), "the app's own export is there");
}
