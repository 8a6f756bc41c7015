//! numpy, matplotlib and pillow in the browser. Their Pyodide builds are not
//! on npm: these run when the test command serves a full Pyodide
//! distribution (PYCAGE_PYODIDE_DIST_URL). scripts/test builds one from
//! tests/fixtures/pyodide-wheels (real Pyodide 314 numpy and Pillow); its
//! lock differs from the pinned one, so its hash comes in
//! PYCAGE_PYODIDE_DIST_LOCK_SHA256. matplotlib's wheel cannot be had on
//! these machines, so its tests need a distribution that has it
//! (PYCAGE_PYODIDE_DIST_MATPLOTLIB=1); otherwise they show as ignored.

use pycage::{
    FigureFormat, FigureSource, ImageMime, PyodideHashes, RunOptions, SandboxOptions, Status,
};
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The distribution's core hashes: the pinned ones, but its own lock's.
fn dist_hashes() -> PyodideHashes {
    let Some(lock) = option_env!("PYCAGE_PYODIDE_DIST_LOCK_SHA256") else {
        return PyodideHashes::Pinned;
    };
    let mut table = PyodideHashes::pinned_table();
    table.insert("pyodide-lock.json".into(), lock.into());
    PyodideHashes::Custom(table)
}

async fn full_sandbox() -> pycage::Sandbox {
    let url = option_env!("PYCAGE_PYODIDE_DIST_URL").unwrap_or_default();
    sandbox(SandboxOptions {
        pyodide_url: Some(url.into()),
        pyodide_hashes: dist_hashes(),
        standby: Some(false),
        ..opts()
    })
    .await
}

#[wasm_bindgen_test]
#[cfg_attr(
    not(full_dist),
    ignore = "needs PYCAGE_PYODIDE_DIST=<folder of a full Pyodide distribution>"
)]
async fn numpy_loads_on_import() {
    let sb = full_sandbox().await;
    let ex = run(&sb, "import numpy as np\nint(np.arange(10).sum())").await;
    assert_eq!(ex.result_text(), Some("45"), "{ex:?}");
    assert_eq!(ex.stdout, "", "loading messages stay out of stdout");
}

#[wasm_bindgen_test]
#[cfg_attr(
    not(matplotlib),
    ignore = "needs a full Pyodide distribution with matplotlib (PYCAGE_PYODIDE_DIST_MATPLOTLIB=1)"
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
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    assert_eq!(
        output_kinds(&ex),
        ["stdout", "display", "stdout", "display"]
    );
    assert_eq!(ex.figures.len(), 2);
    let first = &ex.figures[0];
    assert_eq!(
        (first.mime, first.source),
        (ImageMime::Png, FigureSource::Matplotlib)
    );
    assert_eq!((first.width, first.height), (Some(640), Some(480)));
    // Nothing leaks into the next run.
    let ex = run(
        &sb,
        "import matplotlib.pyplot as plt\nlen(plt.get_fignums())",
    )
    .await;
    assert_eq!(ex.result_text(), Some("0"));
    let ex = run_with(
        &sb,
        "plt.plot([1, 2])\nplt.show()",
        RunOptions {
            figure_format: FigureFormat::Svg,
            ..Default::default()
        },
    )
    .await;
    let svg = ex.figures.first().unwrap_or_else(|| panic!("{ex:?}"));
    assert_eq!(svg.mime, ImageMime::Svg, "{ex:?}");
    assert!(svg.width.is_some());
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
    let figure = ex.figures.first().unwrap_or_else(|| panic!("{ex:?}"));
    assert_eq!(figure.source, FigureSource::Result, "{ex:?}");
    assert_eq!(figure.width, Some(32));
}

#[wasm_bindgen_test]
#[cfg_attr(
    not(full_dist),
    ignore = "needs PYCAGE_PYODIDE_DIST=<folder of a full Pyodide distribution>"
)]
async fn numpy_arrays_become_pil_images_and_files() {
    let sb = full_sandbox().await;
    let code = "import numpy as np\nfrom PIL import Image\n\
        a = np.zeros((16, 32, 3), dtype=np.uint8)\na[:, :, 0] = 255\n\
        Image.fromarray(a).save('red.png')\n\
        np.savetxt('data.csv', np.arange(6).reshape(2, 3), delimiter=',', fmt='%d')\n\
        Image.fromarray(a)";
    let ex = run(&sb, code).await;
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    let figure = ex.figures.first().unwrap_or_else(|| panic!("{ex:?}"));
    assert_eq!(
        (figure.source, figure.width, figure.height),
        (FigureSource::Result, Some(32), Some(16))
    );
    let mut paths: Vec<&str> = ex.files.iter().map(|f| f.path.as_str()).collect();
    paths.sort();
    assert_eq!(paths, ["/mnt/data/data.csv", "/mnt/data/red.png"]);
    for file in &ex.files {
        let head = file.data.to_vec();
        if file.path.ends_with(".png") {
            assert_eq!(file.mime, "image/png");
            assert_eq!(&head[..8], b"\x89PNG\r\n\x1a\n");
        } else {
            assert_eq!(String::from_utf8_lossy(&head), "0,1,2\n3,4,5\n");
        }
    }
}

#[wasm_bindgen_test]
#[cfg_attr(
    not(matplotlib),
    ignore = "needs a full Pyodide distribution with matplotlib (PYCAGE_PYODIDE_DIST_MATPLOTLIB=1)"
)]
async fn files_saved_with_savefig_and_pil_come_back_as_files() {
    let sb = full_sandbox().await;
    let code = "import matplotlib.pyplot as plt\nfrom PIL import Image\n\
        plt.plot([1, 2])\nplt.savefig('plot.png')\nplt.close('all')\n\
        Image.new('RGB', (8, 4), 'red').save('red.png')\n\
        open('data.csv', 'w').write('a,b\\n1,2\\n')";
    let ex = run(&sb, code).await;
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    let mut paths: Vec<&str> = ex.files.iter().map(|f| f.path.as_str()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/mnt/data/data.csv",
            "/mnt/data/plot.png",
            "/mnt/data/red.png"
        ]
    );
    for file in ex.files.iter().filter(|f| f.path.ends_with(".png")) {
        assert_eq!(file.mime, "image/png");
        assert_eq!(
            &file.data.to_vec()[..8],
            b"\x89PNG\r\n\x1a\n",
            "{}",
            file.path
        );
    }
    assert!(
        ex.figures.is_empty(),
        "a saved figure is a file, not a figure: {ex:?}"
    );
}

#[wasm_bindgen_test]
#[cfg_attr(
    not(full_dist),
    ignore = "needs PYCAGE_PYODIDE_DIST=<folder of a full Pyodide distribution>"
)]
async fn a_session_with_numpy_comes_back_with_numpy_loaded() {
    let sb = full_sandbox().await;
    let code = "import numpy as np\nrng = np.random.default_rng(7)\nnoise = rng.random(1000)\n\
        ramp = np.arange(10)\ntotal = float(noise.sum())";
    assert_eq!(run(&sb, code).await.status, Status::Ok);
    let session = sb.export_session().await.unwrap();
    sb.dispose();
    let url = option_env!("PYCAGE_PYODIDE_DIST_URL").unwrap_or_default();
    let again = sandbox(SandboxOptions {
        pyodide_url: Some(url.into()),
        pyodide_hashes: dist_hashes(),
        standby: Some(false),
        session: Some(session),
        ..opts()
    })
    .await;
    let summary = again.restored_session().unwrap();
    assert!(summary.exact, "{summary:?}");
    let ex = run(&again, "[float(noise.sum()) == total, int(ramp.sum()), type(np.ones(2)).__name__, float(rng.random())]").await;
    let text = ex.result_text().unwrap_or_default().to_string();
    assert!(text.starts_with("[True, 45, 'ndarray', 0."), "{ex:?}");
}
