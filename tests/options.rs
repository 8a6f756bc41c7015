//! Bad options and arguments are typed errors that name the field, before
//! anything starts.
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn code_that_is_not_a_string_is_a_type_error_naming_code() {
    let sb = shared().await;
    let err = rejects(sb.run_python(JsValue::from(42), None)).await;
    assert_eq!(err_name(&err), "OptionsError");
    assert_eq!(text(&err, "field"), "code");
    assert!(err.is_instance_of::<js_sys::TypeError>());
    let err = rejects(pycage::run_python(JsValue::NULL, None)).await;
    assert_eq!(err_name(&err), "OptionsError");
}

#[wasm_bindgen_test]
async fn each_bad_run_option_names_its_field() {
    let sb = shared().await;
    for (field, value) in [
        ("timeoutMs", JsValue::from("soon")),
        ("timeoutMs", (-5).into()),
        ("onStdout", 3.into()),
        ("figureFormat", "gif".into()),
        ("timeout", 5.into()),
    ] {
        let opts = obj(&[(field, value)]);
        let err = rejects(sb.run_python("1".into(), Some(opts.unchecked_into()))).await;
        assert_eq!(err_name(&err), "OptionsError", "{field}");
        assert_eq!(text(&err, "field"), field);
    }
}

#[wasm_bindgen_test]
async fn each_bad_sandbox_option_names_its_field() {
    for (field, value) in [
        ("isolation", JsValue::from("none")),
        ("maxOutputBytes", "1MB".into()),
        ("packages", 5.into()),
    ] {
        let result =
            pycage::Sandbox::create(Some(options(&[(field, value)]).unchecked_into())).await;
        let err = result.err().expect("create rejects");
        assert_eq!(err_name(&err), "OptionsError", "{field}");
        assert_eq!(text(&err, "field"), field);
    }
}

#[wasm_bindgen_test]
async fn a_snapshot_with_packages_is_refused() {
    // A snapshot does not hold package files.
    let with_packages = options(&[
        ("snapshot", true.into()),
        ("packages", js_sys::Array::of1(&"six".into()).into()),
    ]);
    let err = pycage::Sandbox::create(Some(with_packages.unchecked_into()))
        .await
        .err()
        .expect("create rejects");
    assert_eq!(err_name(&err), "OptionsError");
    assert_eq!(text(&err, "field"), "snapshot");
}
