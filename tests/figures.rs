//! Figures, the display protocol, validation and packages, in the browser.
use pycage::{
    FigureFormat, FigureSource, ImageMime, MimeValue, Output, RunOptions, SandboxOptions, Status,
};
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

const PNG_HELPER: &str = "import zlib, struct\n\
def png(w, h):\n    def chunk(k, d): return struct.pack('>I', len(d)) + k + d + struct.pack('>I', zlib.crc32(k + d))\n    \
return b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(b''.join(b'\\x00' + b'\\xff\\x00\\x00' * w for _ in range(h)))) + chunk(b'IEND', b'')\n\
class Img:\n    def __init__(self, data): self.data = data\n    def _repr_png_(self): return self.data\n";

/// A value as JS gets it from the JS API (the same serde settings as
/// `src/js/convert.rs`), for the JS-only figure helpers.
#[cfg(feature = "js")]
fn as_js<T: serde::Serialize>(value: &T) -> wasm_bindgen::JsValue {
    let serializer = serde_wasm_bindgen::Serializer::new()
        .serialize_maps_as_objects(true)
        .serialize_missing_as_null(true);
    value.serialize(&serializer).expect("serializes to JS")
}

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
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    assert_eq!(
        output_kinds(&ex),
        ["stdout", "display", "stdout", "display", "display"]
    );
    assert_eq!(ex.figures.len(), 3, "{:?}", ex.dropped_outputs);
    let first = &ex.figures[0];
    assert_eq!(first.mime, ImageMime::Png);
    assert_eq!(first.width, Some(64));
    assert_eq!(first.height, Some(48));
    assert_eq!(first.source, FigureSource::Display);
    assert!(
        first.data.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the figure holds the PNG's bytes"
    );
    assert_eq!(ex.figures[1].mime, ImageMime::Svg);
    assert_eq!(
        ex.figures[1].width,
        Some(10),
        "SVG size comes from its root element"
    );
    assert_eq!(ex.figures[2].source, FigureSource::Result);
    let Output::Display { data: html, .. } = &ex.outputs[3] else {
        panic!("expected a display item: {:?}", ex.outputs[3])
    };
    assert_eq!(
        html.get("text/html"),
        Some(&MimeValue::Text("<b>bold</b>".into()))
    );
    assert_eq!(
        html.get("application/json"),
        Some(&MimeValue::Json(serde_json::json!({"k": [1, 2]})))
    );
    // The JS helpers for showing a figure, given the figure as JS gets it.
    #[cfg(feature = "js")]
    {
        let url = pycage::js::figure_to_data_url(as_js(first)).unwrap();
        assert!(url.starts_with("data:image/png;base64,iVBORw0KGgo"));
        let blob = pycage::js::figure_to_blob(as_js(first)).unwrap();
        assert_eq!(blob.type_(), "image/png");
    }
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
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    let kept: Vec<_> = ex
        .figures
        .iter()
        .map(|f| (f.mime, f.width, f.height, f.data.len()))
        .collect();
    assert!(kept.is_empty(), "no figure is kept: {kept:?}");
    for reason in [
        "PNG signature",
        "JPEG start-of-image",
        "maxImagePixels",
        "application/x-evil",
        "maxFigureBytes",
    ] {
        assert!(
            ex.dropped_outputs.iter().any(|r| r.contains(reason)),
            "missing {reason:?} in {:?}",
            ex.dropped_outputs
        );
    }
}

/// A Vega-Lite spec as Altair 6's mimetype renderer gives it (a dict under
/// `application/vnd.vegalite.v6.json`, with metadata), and a Vega spec as
/// JSON text: both reach `outputs` parsed, for pycage/render's vega-embed.
#[wasm_bindgen_test]
async fn vega_lite_specs_reach_outputs_as_objects() {
    let sb = shared().await;
    let code = "class Chart:\n    def _repr_mimebundle_(self, include=None, exclude=None):\n        \
        spec = {'mark': {'type': 'bar'}, 'title': 'Bars </script>', 'data': {'values': [{'a': 'x', 'b': 2}]},\n                \
        'encoding': {'x': {'field': 'a', 'type': 'nominal'}, 'y': {'field': 'b', 'type': 'quantitative'}}}\n        \
        return {'application/vnd.vegalite.v6.json': spec, 'text/plain': '<VegaLite 6 object>'}, {}\n\
        class Vega:\n    def _repr_mimebundle_(self, **kw): return {'application/vnd.vega.v5+json': '{\"marks\": []}'}\n\
        display(Chart(), Vega())";
    let ex = run(&sb, code).await;
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    assert!(ex.dropped_outputs.is_empty(), "{:?}", ex.dropped_outputs);
    assert_eq!(output_kinds(&ex), ["display", "display"]);
    let Output::Display { data, .. } = &ex.outputs[0] else {
        panic!("expected a display item: {:?}", ex.outputs[0])
    };
    let spec = serde_json::json!({
        "mark": {"type": "bar"}, "title": "Bars </script>", "data": {"values": [{"a": "x", "b": 2}]},
        "encoding": {"x": {"field": "a", "type": "nominal"}, "y": {"field": "b", "type": "quantitative"}}
    });
    assert_eq!(
        data.get("application/vnd.vegalite.v6.json"),
        Some(&MimeValue::Json(spec))
    );
    assert_eq!(data.text(), Some("<VegaLite 6 object>"));
    let Output::Display { data: vega, .. } = &ex.outputs[1] else {
        panic!("expected a display item: {:?}", ex.outputs[1])
    };
    assert_eq!(
        vega.get("application/vnd.vega.v5+json"),
        Some(&MimeValue::Json(serde_json::json!({"marks": []})))
    );
    // As JS gets it: an object, not JSON text.
    #[cfg(feature = "js")]
    {
        let js = as_js(&ex.outputs[0]);
        let mime = "application/vnd.vegalite.v6.json";
        let spec = js_sys::Reflect::get(&get(&js, "data"), &mime.into()).unwrap();
        assert!(spec.is_object(), "{}", json(&spec));
        assert_eq!(json(&get(&spec, "mark.type")), "\"bar\"");
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
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    assert_eq!(ex.figures.len(), 1, "{:?}", ex.dropped_outputs);
    let jpeg = &ex.figures[0];
    assert_eq!(jpeg.mime, ImageMime::Jpeg);
    assert_eq!(jpeg.width, Some(40));
    assert_eq!(jpeg.height, Some(30));
    let dropped = &ex.dropped_outputs;
    assert!(
        dropped
            .iter()
            .any(|r| r.contains("image/jpeg of 60000x60000 is over maxImagePixels")),
        "{dropped:?}"
    );
    assert!(
        dropped.iter().any(|r| r.contains("without a frame header")),
        "{dropped:?}"
    );
}

#[wasm_bindgen_test]
async fn figure_bytes_per_run_are_capped() {
    let sb = sandbox(SandboxOptions {
        max_run_figure_bytes: Some(10_000),
        standby: Some(false),
        ..opts()
    })
    .await;
    run(&sb, PNG_HELPER).await;
    let code = "for _ in range(5): display(Img(png(2, 2) + b'\\x00' * 4000))";
    let ex = run(&sb, code).await;
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    assert_eq!(ex.figures.len(), 2);
    let dropped = &ex.dropped_outputs;
    assert_eq!(
        dropped
            .iter()
            .filter(|r| r.contains("maxRunFigureBytes"))
            .count(),
        3,
        "{dropped:?}"
    );
    // The cap is per run: the next run has its budget back.
    let ex = run(&sb, "display(Img(png(2, 2) + b'\\x00' * 4000))").await;
    assert_eq!(ex.figures.len(), 1);
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
        RunOptions {
            figure_format: FigureFormat::Svg,
            figure_dpi: Some(72.0),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ex.result_text(), Some("('svg', 72)"), "{ex:?}");
}

#[wasm_bindgen_test]
async fn missing_package_is_a_quick_package_load_error() {
    let sb = shared().await;
    let started = now();
    let ex = run(&sb, "import numpy as np\nnp.arange(3)").await;
    let took = now() - started;
    assert_eq!(ex.status, Status::Error, "{ex:?}");
    let error = ex.error.as_ref().expect("a PackageLoadError");
    assert_eq!(error.kind, "PackageLoadError");
    let message = &error.message;
    assert!(
        message.contains("numpy") && message.contains("/node_modules/pyodide/numpy-"),
        "{message}"
    );
    assert!(
        message.contains("HTTP 404"),
        "the reason is plain: {message}"
    );
    assert_eq!(ex.stdout, "", "package messages never reach stdout");
    assert!(took < 5000.0, "took {took} ms");
    web_sys::console::log_1(&format!("import numpy -> PackageLoadError in {took:.0} ms").into());
}

#[wasm_bindgen_test]
async fn wheel_from_pypi_loads_through_packages_and_import() {
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    let wheel = format!("{origin}/tests/fixtures/wheels/humanize-4.14.0-py3-none-any.whl");
    let (on_log, logs) = recorder();
    let sb = sandbox(SandboxOptions {
        packages: vec![wheel],
        standby: Some(false),
        on_log: Some(on_log),
        allowed_packages: Some(vec!["humanize".into()]),
        ..opts()
    })
    .await;
    let ex = run(&sb, "import humanize\nhumanize.intcomma(1234567)").await;
    assert_eq!(ex.result_text(), Some("'1,234,567'"), "{ex:?}");
    assert!(!logs.borrow().is_empty(), "loading messages go to onLog");
    // allowedPackages: a distribution package not on the list is refused.
    let ex = run(&sb, "import six").await;
    let error = ex.error.expect("a PackageLoadError");
    assert_eq!(error.kind, "PackageLoadError");
    assert!(
        error.message.contains("allowedPackages"),
        "{}",
        error.message
    );
    sb.dispose();
}

#[wasm_bindgen_test]
async fn package_base_url_is_used_and_integrity_is_enforced() {
    // tests/fixtures/wheels holds PyPI's six-1.17.0 wheel under the exact
    // file name Pyodide's lockfile lists, but Pyodide repacks its wheels, so
    // the lockfile's sha256 does not match: the load must be refused.
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    let base = format!("{origin}/tests/fixtures/wheels/");
    let sb = sandbox(SandboxOptions {
        package_base_url: Some(base.clone()),
        standby: Some(false),
        ..opts()
    })
    .await;
    let ex = run(&sb, "import six").await;
    let error = ex.error.as_ref().expect("a PackageLoadError");
    assert_eq!(error.kind, "PackageLoadError", "{ex:?}");
    let message = &error.message;
    assert!(
        message.contains("integrity") && message.contains(&format!("{base}six-1.17.0")),
        "{message}"
    );
    let ex = run(&sb, "import attr").await;
    let message = ex.error.map(|e| e.message).unwrap_or_default();
    assert!(
        message.contains(&format!("{base}attrs-")) && message.contains("HTTP 404"),
        "{message}"
    );
    assert_healthy(&sb).await;
    sb.dispose();
}
