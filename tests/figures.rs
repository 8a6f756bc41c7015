//! Figures, the display protocol, validation and packages, in the browser.
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

const PNG_HELPER: &str = "import zlib, struct\n\
def png(w, h):\n    def chunk(k, d): return struct.pack('>I', len(d)) + k + d + struct.pack('>I', zlib.crc32(k + d))\n    \
return b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(b''.join(b'\\x00' + b'\\xff\\x00\\x00' * w for _ in range(h)))) + chunk(b'IEND', b'')\n\
class Img:\n    def __init__(self, data): self.data = data\n    def _repr_png_(self): return self.data\n";

#[wasm_bindgen_test]
async fn display_protocol_keeps_order_and_validates_images() {
    let sb = shared().await;
    run(&sb, PNG_HELPER).await;
    let code = "print('first')\ndisplay(Img(png(64, 48)))\nprint('second')\n\
        class H:\n    def _repr_html_(self): return '<b>bold</b>'\n    def _repr_json_(self): return {'k': [1, 2]}\n\
        class S:\n    def _repr_svg_(self): return '<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>'\n\
        display(H(), S())\nImg(png(3, 2))";
    let started = now();
    let ex = run(&sb, code).await;
    let took = now() - started;
    assert_eq!(status(&ex), "ok", "{}", json(&ex));
    let kinds: Vec<String> = as_array(&get(&ex, "outputs"))
        .iter()
        .map(|o| text(&o, "type"))
        .collect();
    assert_eq!(kinds, ["stdout", "display", "stdout", "display", "display"]);
    let figures = as_array(&get(&ex, "figures"));
    assert_eq!(figures.length(), 3, "{}", json(&get(&ex, "droppedOutputs")));
    let first = figures.get(0);
    assert_eq!(text(&first, "mime"), "image/png");
    assert_eq!(get(&first, "width").as_f64(), Some(64.0));
    assert_eq!(get(&first, "height").as_f64(), Some(48.0));
    assert_eq!(text(&first, "source"), "display");
    assert!(get(&first, "data").is_instance_of::<js_sys::Uint8Array>());
    assert_eq!(text(&figures.get(1), "mime"), "image/svg+xml");
    assert_eq!(
        get(&figures.get(1), "width").as_f64(),
        Some(10.0),
        "SVG size comes from its root element"
    );
    assert_eq!(text(&figures.get(2), "source"), "result");
    let html = as_array(&get(&ex, "outputs")).get(3);
    assert_eq!(text(&html, "data.text/html"), "<b>bold</b>");
    assert_eq!(json(&get(&html, "data.application/json")), "{\"k\":[1,2]}");
    let url = pycage::figure_to_data_url(first.clone()).unwrap();
    assert!(url.starts_with("data:image/png;base64,iVBORw0KGgo"));
    let blob = pycage::figure_to_blob(first).unwrap();
    assert_eq!(blob.type_(), "image/png");
    web_sys::console::log_1(&format!("display-protocol run with 3 figures: {took:.0} ms").into());
}

#[wasm_bindgen_test]
async fn forged_figures_are_dropped_and_reported() {
    let sb = shared().await;
    run(&sb, PNG_HELPER).await;
    let code = "class Bundle:\n    def __init__(self, b): self.b = b\n    def _repr_mimebundle_(self, **kw): return self.b\n\
        display(Bundle({'image/png': b'GIF89a-not-a-png' * 4}))\n\
        display(Bundle({'image/jpeg': png(2, 2)}))\n\
        display(Img(png(1, 1)[:16] + struct.pack('>II', 100000, 100000) + png(1, 1)[24:]))\n\
        display(Bundle({'application/x-evil': 'x', 'text/plain': 'kept'}))\n\
        big = png(1, 1) + b'\\x00' * (6 * 2**20)\n\
        display(Img(big))";
    let ex = run(&sb, code).await;
    assert_eq!(status(&ex), "ok", "{}", json(&ex));
    assert_eq!(
        as_array(&get(&ex, "figures")).length(),
        0,
        "{}",
        json(&get(&ex, "figures"))
    );
    let dropped = json(&get(&ex, "droppedOutputs"));
    for reason in [
        "PNG signature",
        "JPEG start-of-image",
        "maxImagePixels",
        "application/x-evil",
        "maxFigureBytes",
    ] {
        assert!(dropped.contains(reason), "missing {reason:?} in {dropped}");
    }
}

#[wasm_bindgen_test]
async fn jpeg_size_comes_from_its_frame_header_and_is_capped() {
    let sb = shared().await;
    let code = "import struct\n\
        def jpeg(w, h):\n    return (b'\\xff\\xd8\\xff\\xe0\\x00\\x10JFIF\\x00\\x01\\x01\\x00\\x00\\x01\\x00\\x01\\x00\\x00'\n\
            + b'\\xff\\xc0\\x00\\x11\\x08' + struct.pack('>HH', h, w) + b'\\x03\\x01\\x22\\x00\\x02\\x11\\x01\\x03\\x11\\x01\\xff\\xd9')\n\
        class J:\n    def __init__(self, data): self.data = data\n    def _repr_jpeg_(self): return self.data\n\
        display(J(jpeg(40, 30)))\n\
        display(J(jpeg(60000, 60000)))\n\
        display(J(jpeg(40, 30)[:20]))";
    let ex = run(&sb, code).await;
    assert_eq!(status(&ex), "ok", "{}", json(&ex));
    let figures = as_array(&get(&ex, "figures"));
    assert_eq!(figures.length(), 1, "{}", json(&get(&ex, "droppedOutputs")));
    let jpeg = figures.get(0);
    assert_eq!(text(&jpeg, "mime"), "image/jpeg");
    assert_eq!(get(&jpeg, "width").as_f64(), Some(40.0));
    assert_eq!(get(&jpeg, "height").as_f64(), Some(30.0));
    let dropped = json(&get(&ex, "droppedOutputs"));
    assert!(
        dropped.contains("image/jpeg of 60000x60000 is over maxImagePixels"),
        "{dropped}"
    );
    assert!(dropped.contains("without a frame header"), "{dropped}");
}

#[wasm_bindgen_test]
async fn figure_bytes_per_run_are_capped() {
    let sb = sandbox(&[
        ("maxRunFigureBytes", 10_000.into()),
        ("standby", false.into()),
    ])
    .await;
    run(&sb, PNG_HELPER).await;
    let code = "for _ in range(5): display(Img(png(2, 2) + b'\\x00' * 4000))";
    let ex = run(&sb, code).await;
    assert_eq!(status(&ex), "ok", "{}", json(&ex));
    assert_eq!(as_array(&get(&ex, "figures")).length(), 2);
    let dropped = json(&get(&ex, "droppedOutputs"));
    assert_eq!(dropped.matches("maxRunFigureBytes").count(), 3, "{dropped}");
    // The cap is per run: the next run has its budget back.
    let ex = run(&sb, "display(Img(png(2, 2) + b'\\x00' * 4000))").await;
    assert_eq!(as_array(&get(&ex, "figures")).length(), 1);
    sb.dispose();
}

#[wasm_bindgen_test]
async fn matplotlib_figure_protocol_without_matplotlib() {
    // matplotlib itself is not obtainable here; its capture path is tested
    // under CPython (tests/python). Here: figure format options reach the runtime.
    let sb = shared().await;
    let ex = run_with(
        &sb,
        "import _pycage\n(_pycage._active.figure_format, _pycage._active.figure_dpi)",
        obj(&[("figureFormat", "svg".into()), ("figureDpi", 72.into())]),
    )
    .await;
    assert_eq!(
        text(&ex, "result.text/plain"),
        "('svg', 72)",
        "{}",
        json(&ex)
    );
}

#[wasm_bindgen_test]
async fn missing_package_is_a_quick_package_load_error() {
    let sb = shared().await;
    let logs = js_sys::Array::new();
    let started = now();
    let ex = run(&sb, "import numpy as np\nnp.arange(3)").await;
    let took = now() - started;
    assert_eq!(status(&ex), "error", "{}", json(&ex));
    assert_eq!(text(&ex, "error.type"), "PackageLoadError");
    let message = text(&ex, "error.message");
    assert!(
        message.contains("numpy") && message.contains("/node_modules/pyodide/numpy-"),
        "{message}"
    );
    assert!(
        message.contains("HTTP 404"),
        "the reason is plain: {message}"
    );
    assert_eq!(
        text(&ex, "stdout"),
        "",
        "package messages never reach stdout"
    );
    assert!(took < 5000.0, "took {took} ms");
    web_sys::console::log_1(&format!("import numpy -> PackageLoadError in {took:.0} ms").into());
    let _ = logs;
}

#[wasm_bindgen_test]
async fn wheel_from_pypi_loads_through_packages_and_import() {
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    let wheel = format!("{origin}/tests/fixtures/wheels/humanize-4.14.0-py3-none-any.whl");
    let logs = js_sys::Array::new();
    let sink = logs.clone();
    let on_log = wasm_bindgen::closure::Closure::<dyn FnMut(JsValue)>::new(move |m: JsValue| {
        sink.push(&m);
    });
    let sb = sandbox(&[
        ("packages", js_sys::Array::of1(&wheel.into()).into()),
        ("standby", false.into()),
        ("onLog", on_log.as_ref().clone()),
        (
            "allowedPackages",
            js_sys::Array::of1(&"humanize".into()).into(),
        ),
    ])
    .await;
    let ex = run(&sb, "import humanize\nhumanize.intcomma(1234567)").await;
    assert_eq!(
        text(&ex, "result.text/plain"),
        "'1,234,567'",
        "{}",
        json(&ex)
    );
    assert!(logs.length() > 0, "loading messages go to onLog");
    // allowedPackages: a distribution package not on the list is refused.
    let ex = run(&sb, "import six").await;
    assert_eq!(text(&ex, "error.type"), "PackageLoadError");
    assert!(text(&ex, "error.message").contains("allowedPackages"));
    sb.dispose();
    drop(on_log);
    let _ = JsValue::NULL.dyn_ref::<js_sys::Object>();
}

#[wasm_bindgen_test]
async fn package_base_url_is_used_and_integrity_is_enforced() {
    // tests/fixtures/wheels holds PyPI's six-1.17.0 wheel under the exact
    // file name Pyodide's lockfile lists, but Pyodide repacks its wheels, so
    // the lockfile's sha256 does not match: the load must be refused.
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    let base = format!("{origin}/tests/fixtures/wheels/");
    let sb = sandbox(&[
        ("packageBaseUrl", base.clone().into()),
        ("standby", false.into()),
    ])
    .await;
    let ex = run(&sb, "import six").await;
    assert_eq!(text(&ex, "error.type"), "PackageLoadError", "{}", json(&ex));
    let message = text(&ex, "error.message");
    assert!(
        message.contains("integrity") && message.contains(&format!("{base}six-1.17.0")),
        "{message}"
    );
    let ex = run(&sb, "import attr").await;
    let message = text(&ex, "error.message");
    assert!(
        message.contains(&format!("{base}attrs-")) && message.contains("HTTP 404"),
        "{message}"
    );
    assert_healthy(&sb).await;
    sb.dispose();
}
