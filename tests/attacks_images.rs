//! Hostile figures and results from the security issue, in the browser:
//! class 8 ("SVG sizes lie": sizes the SVG check would misread) and class 10
//! ("deep results break the host": JSON nested so deep that the host's
//! `JSON.stringify` and `structuredClone` of the Execution throw).
// The test scripts the host page itself (a page may eval; pycage may not).
#![allow(clippy::disallowed_methods)]
use std::rc::Rc;

use pycage::{
    Execution, FigureSource, ImageMime, Isolation, MimeValue, Sandbox, SandboxOptions, Status,
};
use serde::Serialize;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

/// `S(svg)` displays through `_repr_svg_`, `Bundle({...})` through
/// `_repr_mimebundle_`, `J(text)` through `_repr_json_` (a string is sent
/// as is, so a value too deep for Python's json module still reaches the page).
const HELPERS: &str = "import json\n\
class S:\n    def __init__(self, s): self.s = s\n    def _repr_svg_(self): return self.s\n\
class Bundle:\n    def __init__(self, b): self.b = b\n    def _repr_mimebundle_(self, **kw): return self.b\n\
class J:\n    def __init__(self, t): self.t = t\n    def _repr_json_(self): return self.t\n\
def deep(n): return '[' * n + ']' * n\n";

/// matplotlib's SVG header (460.8x345.6 pt = 614x461 px) and style element.
const MPL: &str = "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"no\"?>\n\
<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\"\n  \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n\
<svg xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"460.8pt\" height=\"345.6pt\" viewBox=\"0 0 460.8 345.6\" xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\">\n \
<metadata><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/></metadata>\n \
<defs>\n  <style type=\"text/css\">*{stroke-linejoin: round; stroke-linecap: butt}</style>\n </defs>\n \
<g id=\"figure_1\"><path d=\"M 0 345.6 L 460.8 0\" style=\"fill: none; stroke: #1f77b4; stroke-width: 0.8\"/></g>\n</svg>\n";

const NS: &str = "xmlns=\"http://www.w3.org/2000/svg\"";

/// Hostile SVGs, each with (part of) the reason it must be dropped for.
fn hostile_svgs() -> Vec<(String, &'static str)> {
    let big = format!("<svg {NS} width=\"100000\" height=\"100000\"></svg>");
    vec![
        // (a) The ratio attack: the browser derives the missing dimension.
        (
            format!("<svg {NS} width=\"1000000\" viewBox=\"0 0 1 1\"></svg>"),
            "of 1000000x1000000 is over maxImagePixels",
        ),
        (
            format!("<svg {NS} height=\"100000\" viewBox=\"0 0 1 1\"/>"),
            "of 100000x100000 is over maxImagePixels",
        ),
        (
            format!("<svg {NS} viewBox=\"0 0 1 10000\"/>"),
            "of 300x3000000 is over maxImagePixels",
        ),
        // (b) A decoy root in a comment, a processing instruction, CDATA.
        (
            format!("<!-- <svg {NS} width=\"1\" height=\"1\"> -->{big}"),
            "of 100000x100000 is over maxImagePixels",
        ),
        (
            format!("<?decoy <svg width=\"1\" height=\"1\"> ?>{big}"),
            "of 100000x100000 is over maxImagePixels",
        ),
        (
            format!("<![CDATA[<svg width=\"1\" height=\"1\">]]>{big}"),
            "before its root element",
        ),
        (
            format!("<!-- -- <svg {NS} width=\"1\" height=\"1\"> -->{big}"),
            "'--' inside a comment",
        ),
        (
            format!("<svg {NS} width=\"1&#48;0000\" height=\"100000\"/>"),
            "reference ('&') in its width",
        ),
        (
            format!("<!DOCTYPE svg [<!ENTITY w \"100000\">]><svg {NS} width=\"&w;\" height=\"&w;\"/>"),
            "DOCTYPE internal subset",
        ),
        (
            "<svg:svg xmlns:svg=\"http://www.w3.org/2000/svg\" width=\"100000\" height=\"100000\"/>"
                .into(),
            "root element is <svg:svg>",
        ),
        (
            format!("<svg {NS} width=\"1\" height=\"1\" width=\"100000\"/>"),
            "duplicate width attribute",
        ),
        (
            format!("<svg {NS} width=\"NaN\" height=\"1\"/>"),
            "size cannot be computed",
        ),
        (
            format!("<svg {NS} width=\"10vw\" height=\"1\"/>"),
            "size cannot be computed",
        ),
        (
            format!("<svg {NS} width=\"1\" height=\"1\" style=\"WIDTH: 100000px\"/>"),
            "CSS sets width",
        ),
        (
            format!("<svg {NS} width=\"1\" height=\"1\"><style>svg {{ height: 100000px }}</style></svg>"),
            "CSS sets height",
        ),
    ]
}

/// The shared (iframe) sandbox, then one in worker mode: there the page
/// receives the worker's messages with no frame checking their shape first.
async fn both_modes() -> [Rc<Sandbox>; 2] {
    let worker = sandbox(SandboxOptions {
        isolation: Isolation::Worker,
        standby: Some(false),
        ..opts()
    })
    .await;
    [shared().await, Rc::new(worker)]
}

/// Python source for a list of strings.
fn py_strings(items: &[String]) -> String {
    let list = serde_json::to_string(items).unwrap();
    format!("json.loads({})", serde_json::to_string(&list).unwrap())
}

#[wasm_bindgen_test]
async fn hostile_svg_sizes_are_dropped() {
    for sb in both_modes().await {
        hostile_svgs_are_dropped_by(&sb).await;
        if sb.isolation() == Isolation::Worker {
            sb.dispose();
        }
    }
}

async fn hostile_svgs_are_dropped_by(sb: &Sandbox) {
    let mode = sb.isolation();
    run(sb, HELPERS).await;
    let cases = hostile_svgs();
    let svgs: Vec<String> = cases.iter().map(|(svg, _)| svg.clone()).collect();
    assert!(cases.len() <= 20, "droppedOutputs keeps 20 reasons");
    for how in ["S(s)", "Bundle({'image/svg+xml': s})"] {
        let code = format!("for s in {}: display({how})", py_strings(&svgs));
        let ex = run(sb, &code).await;
        assert_eq!(ex.status, Status::Ok, "{mode:?} {ex:?}");
        assert!(ex.figures.is_empty(), "{mode:?} {how}: {:?}", ex.figures);
        let dropped = &ex.dropped_outputs;
        assert_eq!(dropped.len(), cases.len(), "{mode:?} {dropped:?}");
        for ((svg, why), reason) in cases.iter().zip(dropped) {
            assert!(
                reason.starts_with("display: image/svg+xml ") && reason.contains(why),
                "{mode:?} {how}: {svg}\n dropped for {reason:?}, expected {why:?}"
            );
        }
    }
    assert_healthy(sb).await;
}

#[wasm_bindgen_test]
async fn matplotlib_style_svg_is_kept_with_its_size() {
    let sb = shared().await;
    run(&sb, HELPERS).await;
    let code = format!(
        "display(S({0}[0]))\nBundle({{'image/svg+xml': {0}[0]}})",
        py_strings(&[MPL.to_string()])
    );
    let ex = run(&sb, &code).await;
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    assert_eq!(ex.dropped_outputs, Vec::<String>::new());
    assert_eq!(ex.figures.len(), 2, "{ex:?}");
    for figure in &ex.figures {
        assert_eq!(figure.mime, ImageMime::Svg);
        assert_eq!(figure.width, Some(614));
        assert_eq!(figure.height, Some(461));
    }
    assert_eq!(ex.figures[1].source, FigureSource::Result);
}

/// The Execution as a JS host gets it from the JS API (the same serde
/// settings as `src/js/convert.rs`).
fn as_js(ex: &Execution) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::new()
        .serialize_maps_as_objects(true)
        .serialize_missing_as_null(true);
    ex.serialize(&serializer)
        .expect("the Execution converts to JS")
}

/// Copies the Execution as hosts do: a Rust host serializes it with serde;
/// a JS host runs `JSON.stringify` and `structuredClone` on its JS form.
/// `Err` is what they failed with.
fn host_copies(ex: &Execution) -> Result<JsValue, JsValue> {
    serde_json::to_string(ex).map_err(|err| JsValue::from(err.to_string()))?;
    js_sys::Function::new_with_args(
        "ex",
        "JSON.stringify(ex, null, 2); structuredClone(ex); return true",
    )
    .call1(&JsValue::NULL, &as_js(ex))
}

/// The `application/json` value of the result, if kept.
fn result_json(ex: &Execution) -> Option<&MimeValue> {
    ex.result.as_ref()?.get("application/json")
}

#[wasm_bindgen_test]
async fn deep_json_results_are_dropped_and_the_execution_stays_copyable() {
    for sb in both_modes().await {
        deep_json_is_dropped_by(&sb).await;
        if sb.isolation() == Isolation::Worker {
            sb.dispose();
        }
    }
}

async fn deep_json_is_dropped_by(sb: &Sandbox) {
    let mode = sb.isolation();
    run(sb, HELPERS).await;
    let code = "display(J(deep(10_000)))\n\
        display(Bundle({'application/vnd.plotly.v1+json': deep(65)}))\n\
        J('{\"a\": ' * 10_000 + '1' + '}' * 10_000)";
    let ex = run(sb, code).await;
    assert_eq!(ex.status, Status::Ok, "{mode:?} {ex:?}");
    for reason in [
        "display: application/json nested deeper than 64 levels",
        "display: application/vnd.plotly.v1+json nested deeper than 64 levels",
        "result: application/json nested deeper than 64 levels",
    ] {
        assert!(
            ex.dropped_outputs.iter().any(|r| r.contains(reason)),
            "{mode:?} missing {reason:?} in {:?}",
            ex.dropped_outputs
        );
    }
    assert_eq!(result_json(&ex), None, "{mode:?} {ex:?}");
    host_copies(&ex).expect("serde_json, JSON.stringify and structuredClone of the Execution");
    assert_healthy(sb).await;
}

#[wasm_bindgen_test]
async fn json_64_levels_deep_is_kept() {
    let sb = shared().await;
    run(&sb, HELPERS).await;
    let ex = run(&sb, "display(J(deep(64)))\nJ('{\"k\": ' + deep(63) + '}')").await;
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    assert_eq!(ex.dropped_outputs, Vec::<String>::new());
    let Some(pycage::Output::Display { data, .. }) = ex.outputs.first() else {
        panic!("expected a display item first: {ex:?}")
    };
    let Some(MimeValue::Json(kept)) = data.get("application/json") else {
        panic!("expected the JSON kept: {ex:?}")
    };
    assert!(kept.is_array(), "{ex:?}");
    assert_eq!(kept.to_string(), deep_text(64));
    let Some(MimeValue::Json(result)) = result_json(&ex) else {
        panic!("expected the result's JSON kept: {ex:?}")
    };
    assert_eq!(result.to_string(), format!("{{\"k\":{}}}", deep_text(63)));
    host_copies(&ex).expect("serde_json, JSON.stringify and structuredClone of the Execution");
    assert_healthy(&sb).await;
}

fn deep_text(n: usize) -> String {
    "[".repeat(n) + &"]".repeat(n)
}
