//! A small Rust/wasm app on pycage: it runs Python that draws a bar chart
//! and shows the figure as a `data:` URL. It depends on pycage with
//! `default-features = false`, so the JS binding (`pycage::js`) and its
//! exports are not in its wasm.

use pycage::{Figure, RunOptions, Sandbox, SandboxOptions, Status};
use wasm_bindgen::prelude::*;

/// Python that draws a bar chart as a PNG with the standard library only
/// (Pyodide's npm package has no matplotlib) and shows it through IPython's
/// display protocol (`_repr_png_`).
const CHART: &str = r#"
import struct, zlib

class BarChart:
    def __init__(self, values, height=40, bar=8):
        self.values, self.height, self.bar = values, height, bar

    def _repr_png_(self):
        top = max(self.values) or 1
        width = self.bar * len(self.values)
        rows = []
        for y in range(self.height):
            row = bytearray()
            for v in self.values:
                filled = self.height - y <= v * self.height / top
                row += (b"\x33\x66\xcc" if filled else b"\xff\xff\xff") * self.bar
            rows.append(b"\x00" + bytes(row))

        def chunk(kind, data):
            crc = zlib.crc32(kind + data)
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

        header = struct.pack(">IIBBBBB", width, self.height, 8, 2, 0, 0, 0)
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))
"#;

/// Draws `values` as a bar chart in `sandbox` and returns the figure. The
/// `Err` is a message to show: a refused call, or the Python error.
pub async fn bar_chart(sandbox: &Sandbox, values: &[u32]) -> Result<Figure, String> {
    let list = values
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let code = format!("{CHART}\nBarChart([{list}])");
    let ex = sandbox
        .run(&code, RunOptions::default())
        .await
        .map_err(|err| err.to_string())?;
    if ex.status != Status::Ok {
        let error = ex.error.map(|e| format!("{}: {}", e.kind, e.message));
        return Err(error.unwrap_or_else(|| format!("the run ended {:?}", ex.status)));
    }
    ex.figures
        .into_iter()
        .next()
        .ok_or_else(|| format!("no figure: {:?}", ex.dropped_outputs))
}

/// The app's entry for its page: a bar chart of `values` as a `data:` URL
/// for `<img src>`, drawn in a sandbox that loads Pyodide from `pyodide_url`.
#[wasm_bindgen(js_name = barChartDataUrl)]
pub async fn bar_chart_data_url(pyodide_url: String, values: Vec<u32>) -> Result<String, JsError> {
    let options = SandboxOptions {
        pyodide_url: Some(pyodide_url),
        standby: Some(false),
        ..Default::default()
    };
    let sandbox = Sandbox::create(options)
        .await
        .map_err(|err| JsError::new(&err.to_string()))?;
    let figure = bar_chart(&sandbox, values.as_slice()).await;
    sandbox.dispose();
    Ok(figure.map_err(|err| JsError::new(&err))?.to_data_url())
}
