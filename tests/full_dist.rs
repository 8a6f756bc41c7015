//! numpy, matplotlib and pillow in the browser. Their Pyodide builds are not
//! on npm, so these run only when the test command is given a full Pyodide
//! distribution folder (PYCAGE_PYODIDE_DIST); otherwise they show as ignored.
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn full_sandbox() -> pycage::Sandbox {
    let url = option_env!("PYCAGE_PYODIDE_DIST_URL").unwrap_or_default();
    sandbox(&[("pyodideUrl", url.into()), ("standby", false.into())]).await
}

#[wasm_bindgen_test]
#[cfg_attr(
    not(full_dist),
    ignore = "needs PYCAGE_PYODIDE_DIST=<folder of a full Pyodide distribution>"
)]
async fn numpy_loads_on_import() {
    let sb = full_sandbox().await;
    let ex = run(&sb, "import numpy as np\nint(np.arange(10).sum())").await;
    assert_eq!(text(&ex, "result.text/plain"), "45", "{}", json(&ex));
    assert_eq!(
        text(&ex, "stdout"),
        "",
        "loading messages stay out of stdout"
    );
}

#[wasm_bindgen_test]
#[cfg_attr(
    not(full_dist),
    ignore = "needs PYCAGE_PYODIDE_DIST=<folder of a full Pyodide distribution>"
)]
async fn matplotlib_figures_keep_their_place() {
    let sb = full_sandbox().await;
    let code =
        "import matplotlib.pyplot as plt\nprint('before')\nplt.plot([1, 3, 2])\nplt.show()\n\
        print('after')\nplt.figure()\nplt.bar(['a', 'b'], [2, 5])\n";
    let started = now();
    let ex = run(&sb, code).await;
    web_sys::console::log_1(
        &format!("matplotlib run with 2 figures: {:.0} ms", now() - started).into(),
    );
    assert_eq!(status(&ex), "ok", "{}", json(&ex));
    let kinds: Vec<String> = as_array(&get(&ex, "outputs"))
        .iter()
        .map(|o| text(&o, "type"))
        .collect();
    assert_eq!(kinds, ["stdout", "display", "stdout", "display"]);
    let figures = as_array(&get(&ex, "figures"));
    assert_eq!(figures.length(), 2);
    let first = figures.get(0);
    assert_eq!(
        (text(&first, "mime"), text(&first, "source")),
        ("image/png".into(), "matplotlib".into())
    );
    assert_eq!(
        (
            get(&first, "width").as_f64(),
            get(&first, "height").as_f64()
        ),
        (Some(640.0), Some(480.0))
    );
    // Nothing leaks into the next run.
    let ex = run(
        &sb,
        "import matplotlib.pyplot as plt\nlen(plt.get_fignums())",
    )
    .await;
    assert_eq!(text(&ex, "result.text/plain"), "0");
    let ex = run_with(
        &sb,
        "plt.plot([1, 2])\nplt.show()",
        obj(&[("figureFormat", "svg".into())]),
    )
    .await;
    let svg = as_array(&get(&ex, "figures")).get(0);
    assert_eq!(text(&svg, "mime"), "image/svg+xml", "{}", json(&ex));
    assert!(get(&svg, "width").as_f64().is_some());
}

#[wasm_bindgen_test]
#[cfg_attr(
    not(full_dist),
    ignore = "needs PYCAGE_PYODIDE_DIST=<folder of a full Pyodide distribution>"
)]
async fn pil_image_as_last_expression_is_a_result_figure() {
    let sb = full_sandbox().await;
    let ex = run(
        &sb,
        "from PIL import Image\nImage.new('RGB', (32, 16), 'red')",
    )
    .await;
    let figure = as_array(&get(&ex, "figures")).get(0);
    assert_eq!(text(&figure, "source"), "result", "{}", json(&ex));
    assert_eq!(get(&figure, "width"), JsValue::from(32));
}
