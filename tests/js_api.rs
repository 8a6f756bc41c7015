//! The JS surface itself, as a JS user meets it: the `Sandbox` class, the
//! one-shot `runPython`, option objects, the shape of a JS `Execution`, the
//! error classes and the figure helpers. (The behaviour behind them is
//! specified through the typed Rust API in the other suites; the TS
//! consumer in tests/types checks the declarations.)
// Needs the JS binding, the default `js` feature.
#![cfg(feature = "js")]
use js_sys::{Array, Object, Uint8Array};
use pycage::js::{figure_to_blob, figure_to_data_url, run_python, JsSandbox};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

thread_local! {
    static JS_SANDBOX: std::cell::RefCell<Option<std::rc::Rc<JsSandbox>>> = const { std::cell::RefCell::new(None) };
}

/// One JS `Sandbox` for the tests that need no fresh interpreter.
async fn js_sandbox() -> std::rc::Rc<JsSandbox> {
    if let Some(sb) = JS_SANDBOX.with(|s| s.borrow().clone()) {
        return sb;
    }
    let options = js_options(&[("timeoutMs", 20_000.into()), ("standby", false.into())]);
    let sb = std::rc::Rc::new(
        JsSandbox::create(Some(options.unchecked_into()))
            .await
            .expect("Sandbox.create resolves"),
    );
    JS_SANDBOX.with(|s| *s.borrow_mut() = Some(sb.clone()));
    sb
}

async fn run_js(sb: &JsSandbox, code: &str) -> JsValue {
    JsFuture::from(sb.run_python(code.into(), None))
        .await
        .expect("runPython resolves")
}

fn keys(value: &JsValue) -> Vec<String> {
    let mut keys: Vec<String> = Object::keys(value.unchecked_ref::<Object>())
        .iter()
        .map(|k| k.as_string().unwrap())
        .collect();
    keys.sort();
    keys
}

fn text(value: &JsValue, path: &str) -> String {
    let v = get(value, path);
    v.as_string().unwrap_or_else(|| format!("{v:?}"))
}

#[wasm_bindgen_test]
async fn an_execution_has_exactly_the_declared_fields_with_js_types() {
    let sb = js_sandbox().await;
    let ex = run_js(
        &sb,
        "import sys\nprint('out')\nprint('err', file=sys.stderr)\n6 * 7",
    )
    .await;
    assert_eq!(
        keys(&ex),
        [
            "droppedOutputs",
            "durationMs",
            "error",
            "figures",
            "files",
            "interpreterReset",
            "lostFiles",
            "memoryBytes",
            "outputs",
            "protocolViolations",
            "resetReason",
            "result",
            "status",
            "stderr",
            "stdout",
            "truncated",
            "waitedMs"
        ],
        "{}",
        json(&ex)
    );
    assert_eq!(text(&ex, "status"), "ok");
    assert_eq!(text(&ex, "stdout"), "out\n");
    assert_eq!(text(&ex, "stderr"), "err\n");
    assert_eq!(text(&ex, "result.text/plain"), "42");
    assert!(get(&ex, "error").is_null(), "None is null, not undefined");
    assert_eq!(get(&ex, "truncated"), JsValue::FALSE);
    assert_eq!(get(&ex, "interpreterReset"), JsValue::FALSE);
    assert!(get(&ex, "resetReason").is_null());
    assert!(get(&ex, "memoryBytes").as_f64().is_some_and(|b| b > 1e6));
    assert!(get(&ex, "durationMs").as_f64().is_some_and(|ms| ms > 0.0));
    assert!(get(&ex, "waitedMs").as_f64().is_some_and(|ms| ms >= 0.0));
    for list in [
        "figures",
        "droppedOutputs",
        "protocolViolations",
        "files",
        "lostFiles",
    ] {
        assert!(Array::is_array(&get(&ex, list)), "{list}");
    }
    assert_eq!(
        json(&get(&ex, "outputs")),
        r#"[{"type":"stdout","text":"out\n"},{"type":"stderr","text":"err\n"}]"#
    );
    let ex = run_js(&sb, "def f():\n    raise KeyError('k')\nf()").await;
    assert_eq!(text(&ex, "status"), "error");
    assert_eq!(
        keys(&get(&ex, "error")),
        ["line", "message", "traceback", "type"]
    );
    assert_eq!(text(&ex, "error.type"), "KeyError");
    assert_eq!(get(&ex, "error.line").as_f64(), Some(2.0));
    assert!(get(&ex, "result").is_null());
}

#[wasm_bindgen_test]
async fn figures_and_display_data_are_typed_arrays_and_parsed_json() {
    let sb = js_sandbox().await;
    let code = "import zlib, struct\n\
        def chunk(k, d): return struct.pack('>I', len(d)) + k + d + struct.pack('>I', zlib.crc32(k + d))\n\
        png = b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 4, 3, 8, 2, 0, 0, 0)) + \
        chunk(b'IDAT', zlib.compress(b''.join(b'\\x00' + b'\\xff\\x00\\x00' * 4 for _ in range(3)))) + chunk(b'IEND', b'')\n\
        class Img:\n    def _repr_png_(self): return png\n\
        class J:\n    def _repr_json_(self): return {'big': 2**60, 'list': [1.5, None, True], 'nested': {'a': 'b'}}\n\
        class P:\n    def _repr_mimebundle_(self, **kw): return {'application/json': '{\"__proto__\": {\"polluted\": 1}}', 'text/plain': 'p'}\n\
        display(Img(), J(), P())";
    let ex = JsFuture::from(sb.run_python(code.into(), None))
        .await
        .unwrap();
    assert_eq!(text(&ex, "status"), "ok", "{}", json(&ex));
    let figure = as_array(&get(&ex, "figures")).get(0);
    assert_eq!(keys(&figure), ["data", "height", "mime", "source", "width"]);
    assert_eq!(text(&figure, "mime"), "image/png");
    assert_eq!(text(&figure, "source"), "display");
    assert_eq!(get(&figure, "width").as_f64(), Some(4.0));
    assert_eq!(get(&figure, "height").as_f64(), Some(3.0));
    assert!(get(&figure, "data").is_instance_of::<Uint8Array>());
    let outputs = as_array(&get(&ex, "outputs"));
    let image = outputs.get(0);
    assert_eq!(keys(&image), ["data", "source", "type"]);
    assert_eq!(text(&image, "type"), "display");
    assert!(get(&image, "data.image/png").is_instance_of::<Uint8Array>());
    let parsed = get(&outputs.get(1), "data.application/json");
    assert_eq!(
        json(&parsed),
        r#"{"big":1152921504606847000,"list":[1.5,null,true],"nested":{"a":"b"}}"#,
        "JSON arrives parsed, every number a JS number"
    );
    assert!(
        get(&outputs.get(2), "data.application/json").is_undefined(),
        "a __proto__ key is dropped, not turned into a prototype: {}",
        json(&outputs.get(2))
    );
    assert!(
        text(&ex, "droppedOutputs").contains("__proto__"),
        "{}",
        json(&get(&ex, "droppedOutputs"))
    );
    let url = figure_to_data_url(figure.clone()).unwrap();
    assert!(
        url.starts_with("data:image/png;base64,iVBORw0KGgo"),
        "{url}"
    );
    assert_eq!(figure_to_blob(figure).unwrap().type_(), "image/png");
    let not_a_figure = obj(&[("mime", "text/html".into())]);
    let err = figure_to_data_url(not_a_figure).unwrap_err();
    assert_eq!(err_name(&err), "OptionsError");
}

#[wasm_bindgen_test]
async fn code_that_is_not_a_string_is_a_type_error_naming_code() {
    let sb = js_sandbox().await;
    let err = rejects(sb.run_python(JsValue::from(42), None)).await;
    assert_eq!(err_name(&err), "OptionsError");
    assert_eq!(text(&err, "field"), "code");
    assert!(err.is_instance_of::<js_sys::TypeError>());
    let err = rejects(run_python(JsValue::NULL, None)).await;
    assert_eq!(err_name(&err), "OptionsError");
}

#[wasm_bindgen_test]
async fn each_bad_run_option_names_its_field() {
    let sb = js_sandbox().await;
    for (field, value) in [
        ("timeoutMs", JsValue::from("soon")),
        ("timeoutMs", (-5).into()),
        ("onStdout", 3.into()),
        ("figureFormat", "gif".into()),
        ("figureDpi", 1e9.into()),
        ("signal", obj(&[])),
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
        ("maxFigures", (-1).into()),
        ("packages", 5.into()),
        ("onLog", "console.log".into()),
        ("pyodideUrl", "javascript:alert(1)".into()),
        ("runnerUrl", 42.into()),
    ] {
        let result = JsSandbox::create(Some(js_options(&[(field, value)]).unchecked_into())).await;
        let err = result.err().expect("create rejects");
        assert_eq!(err_name(&err), "OptionsError", "{field}");
        assert_eq!(text(&err, "field"), field);
        assert!(
            text(&err, "message").starts_with(&format!("pycage: invalid {field}: ")),
            "{}",
            text(&err, "message")
        );
    }
}

#[wasm_bindgen_test]
async fn each_bad_pypi_field_names_its_field_inside_pypi() {
    // `pypi`'s fields are declared like the options (src/options/pypi.rs):
    // a misspelled one is refused, as a misspelled option is.
    let names = || JsValue::from(Array::of1(&"tabulate".into()));
    for (pypi, field, says) in [
        (
            obj(&[("alowed", names())]),
            "pypi.alowed",
            "unknown field in pypi (its fields: indexUrl, allowed)",
        ),
        (
            obj(&[("allowed", names()), ("indexURL", "https://x/".into())]),
            "pypi.indexURL",
            "unknown field in pypi",
        ),
        (
            obj(&[("indexUrl", "https://x/".into())]),
            "pypi.allowed",
            "is required (the names that may be installed)",
        ),
        (
            obj(&[("allowed", "tabulate".into())]),
            "pypi.allowed",
            "expected an array",
        ),
        (
            obj(&[("allowed", names()), ("indexUrl", 5.into())]),
            "pypi.indexUrl",
            "expected a string",
        ),
        (names(), "pypi", "expected an object"),
    ] {
        let options = js_options(&[("pypi", pypi)]);
        let err = JsSandbox::create(Some(options.unchecked_into()))
            .await
            .err()
            .expect("create rejects");
        assert_eq!(err_name(&err), "OptionsError", "{field}");
        assert_eq!(text(&err, "field"), field);
        let message = text(&err, "message");
        let start = format!("pycage: invalid {field}: {says}");
        assert!(message.starts_with(&start), "{message}");
    }
    // A good `pypi` is read (the next option read, a bad one, is refused).
    let options = js_options(&[
        ("pypi", obj(&[("allowed", names())])),
        ("maxMemoryBytes", 1.into()),
    ]);
    let err = JsSandbox::create(Some(options.unchecked_into()))
        .await
        .err()
        .expect("create rejects");
    assert_eq!(text(&err, "field"), "maxMemoryBytes");
}

#[wasm_bindgen_test]
async fn a_snapshot_with_packages_is_refused() {
    // A snapshot does not hold package files.
    let with_packages = js_options(&[
        ("snapshot", true.into()),
        ("packages", Array::of1(&"six".into()).into()),
    ]);
    let err = JsSandbox::create(Some(with_packages.unchecked_into()))
        .await
        .err()
        .expect("create rejects");
    assert_eq!(err_name(&err), "OptionsError");
    assert_eq!(text(&err, "field"), "snapshot");
}

#[wasm_bindgen_test]
async fn callbacks_get_strings_and_a_throwing_one_breaks_nothing() {
    let sb = js_sandbox().await;
    let chunks = Array::new();
    let sink = chunks.clone();
    let on_stdout = wasm_bindgen::closure::Closure::<dyn FnMut(JsValue)>::new(move |c: JsValue| {
        sink.push(&c);
    });
    let throwing = js_sys::Function::from(
        wasm_bindgen::closure::Closure::<dyn FnMut() -> Result<(), JsValue>>::new(|| {
            Err(JsValue::from("boom"))
        })
        .into_js_value(),
    );
    let opts = obj(&[
        ("onStdout", on_stdout.as_ref().clone()),
        ("onStderr", throwing.into()),
    ]);
    let code =
        "import sys\nprint('a', flush=True)\nprint('b', file=sys.stderr, flush=True)\nprint('c')";
    let ex = JsFuture::from(sb.run_python(code.into(), Some(opts.unchecked_into())))
        .await
        .unwrap();
    assert_eq!(text(&ex, "status"), "ok", "{}", json(&ex));
    let joined: String = chunks.iter().map(|c| c.as_string().unwrap()).collect();
    assert_eq!(joined, "a\nc\n");
    assert_eq!(text(&run_js(&sb, "print(2)").await, "stdout"), "2\n");
}

#[wasm_bindgen_test]
async fn one_shot_run_python_uses_a_shared_sandbox() {
    let opts = js_options(&[("timeoutMs", 5000.into())]);
    let ex = JsFuture::from(run_python(
        "shared_value = 7\nshared_value".into(),
        Some(opts.unchecked_into()),
    ))
    .await
    .unwrap();
    assert_eq!(text(&ex, "result.text/plain"), "7", "{}", json(&ex));
    let ex = JsFuture::from(run_python("shared_value * 6".into(), None))
        .await
        .unwrap();
    assert_eq!(text(&ex, "result.text/plain"), "42");
}

#[wasm_bindgen_test]
async fn a_disposed_sandbox_rejects_with_its_error_class() {
    let options = js_options(&[("standby", false.into())]);
    let sb = JsSandbox::create(Some(options.unchecked_into()))
        .await
        .unwrap();
    assert_eq!(sb.isolation(), "iframe");
    assert!(sb.python_version().unwrap().starts_with("3."));
    let running = sb.run_python("while True: pass".into(), None);
    sleep(200).await;
    sb.dispose();
    let ex = JsFuture::from(running).await.unwrap();
    assert_eq!(text(&ex, "status"), "cancelled");
    let err = rejects(sb.run_python("1".into(), None)).await;
    assert_eq!(err_name(&err), "SandboxDisposedError");
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(err_name(&rejects(sb.reset()).await), "SandboxDisposedError");
}

#[wasm_bindgen_test]
async fn an_unreachable_pyodide_is_a_sandbox_init_error_naming_the_url() {
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    let url = format!("{origin}/no-such-pyodide/");
    let options = js_options(&[
        ("pyodideUrl", url.clone().into()),
        ("bootTimeoutMs", 5000.into()),
    ]);
    let err = JsSandbox::create(Some(options.unchecked_into()))
        .await
        .err()
        .expect("create rejects");
    assert_eq!(err_name(&err), "SandboxInitError");
    assert!(text(&err, "url").starts_with(&url), "{}", text(&err, "url"));
}

#[wasm_bindgen_test]
async fn file_calls_take_bytes_or_text_and_return_typed_arrays() {
    let sb = js_sandbox().await;
    let wrote = sb.write_file("js/a.txt".into(), "héllo".into());
    assert!(JsFuture::from(wrote).await.unwrap().is_undefined());
    let bytes = Uint8Array::from(&[1u8, 2, 3][..]);
    JsFuture::from(sb.write_file("js/b.bin".into(), bytes.clone().into()))
        .await
        .unwrap();
    assert_eq!(bytes.byte_length(), 3, "the caller's buffer is not moved");
    bytes.fill(9, 0, 3); // the page kept its own copy
    let read = JsFuture::from(sb.read_file("js/b.bin".into()))
        .await
        .unwrap();
    assert_eq!(
        read.dyn_into::<Uint8Array>()
            .expect("a Uint8Array")
            .to_vec(),
        [1, 2, 3]
    );
    // Bytes in shared memory, large enough to go as a Blob in iframe
    // isolation, which they cannot make directly (files/upload.rs).
    if cross_origin_isolated() {
        let len = (1 << 20) + 2;
        let shared = Uint8Array::new(&js_sys::SharedArrayBuffer::new(len));
        shared.fill(4, 0, len);
        JsFuture::from(sb.write_file("js/shared.bin".into(), shared.into()))
            .await
            .unwrap();
        let read = JsFuture::from(sb.read_file("js/shared.bin".into()))
            .await
            .unwrap();
        let read = Uint8Array::new(&read);
        assert_eq!((read.length(), read.get_index(len - 1)), (len, 4));
        JsFuture::from(sb.remove_file("js/shared.bin".into()))
            .await
            .unwrap();
    }
    // Text large enough to go as a Blob in iframe isolation, encoded by it.
    let big = format!("{}é", "x".repeat(1 << 20));
    JsFuture::from(sb.write_file("js/big.txt".into(), big.as_str().into()))
        .await
        .unwrap();
    let read = JsFuture::from(sb.read_file("js/big.txt".into()))
        .await
        .unwrap();
    assert_eq!(Uint8Array::new(&read).to_vec(), big.as_bytes());
    JsFuture::from(sb.remove_file("js/big.txt".into()))
        .await
        .unwrap();
    let utf8 = JsFuture::from(sb.read_file("/mnt/data/js/a.txt".into()))
        .await
        .unwrap();
    assert_eq!(Uint8Array::new(&utf8).to_vec(), "héllo".as_bytes());
    let list = JsFuture::from(sb.list_files(Some("js".into())))
        .await
        .unwrap();
    assert_eq!(
        json(&list).matches("modifiedMs").count(),
        2,
        "{}",
        json(&list)
    );
    assert_eq!(
        keys(&as_array(&list).get(0)),
        ["modifiedMs", "path", "size"]
    );
    let ex = run_js(&sb, "open('js/out.csv', 'w').write('a,b')").await;
    let file = as_array(&get(&ex, "files")).get(0);
    assert_eq!(
        keys(&file),
        ["data", "mime", "path", "size"],
        "{}",
        json(&ex)
    );
    assert_eq!(text(&file, "path"), "/mnt/data/js/out.csv");
    assert_eq!(text(&file, "mime"), "text/csv");
    assert!(get(&file, "data").is_instance_of::<Uint8Array>());
    JsFuture::from(sb.remove_file("js/out.csv".into()))
        .await
        .unwrap();
}

#[wasm_bindgen_test]
async fn file_errors_are_sandbox_file_errors_with_code_and_path() {
    let sb = js_sandbox().await;
    for (path, code) in [
        ("../up", "EACCES"),
        ("a\0b", "EINVAL"),
        ("nope.txt", "ENOENT"),
    ] {
        let err = rejects(sb.read_file(path.into())).await;
        assert_eq!(err_name(&err), "SandboxFileError", "{path}");
        assert!(err.is_instance_of::<js_sys::Error>());
        assert_eq!(text(&err, "code"), code, "{path}");
        assert_eq!(text(&err, "path"), path);
    }
    let err = rejects(sb.write_file("x".into(), JsValue::from(5))).await;
    assert_eq!(
        (err_name(&err), text(&err, "field")),
        ("OptionsError".into(), "data".into())
    );
    let err = rejects(sb.remove_file(JsValue::NULL)).await;
    assert_eq!(
        (err_name(&err), text(&err, "field")),
        ("OptionsError".into(), "path".into())
    );
}

#[wasm_bindgen_test]
async fn sessions_through_the_js_api() {
    let sb = js_sandbox().await;
    run_js(&sb, "js_kept = 5").await;
    let bytes = JsFuture::from(sb.export_session()).await.unwrap();
    assert!(bytes.is_instance_of::<Uint8Array>(), "{bytes:?}");
    assert!(sb.restored_session().is_null());
    let options = js_options(&[("session", bytes), ("standby", false.into())]);
    let again = JsSandbox::create(Some(options.unchecked_into()))
        .await
        .unwrap();
    let summary = again.restored_session();
    assert_eq!(get(&summary, "exact"), JsValue::TRUE, "{}", json(&summary));
    assert!(json(&get(&summary, "variables")).contains("\"js_kept\""));
    assert_eq!(get(&summary, "files"), JsValue::from(0));
    let ex = run_js(&again, "js_kept * 2").await;
    assert_eq!(text(&ex, "result.text/plain"), "10");
    let err = rejects(again.restore_session("not bytes".into())).await;
    assert_eq!(err_name(&err), "OptionsError");
    let err = rejects(again.restore_session(Uint8Array::from(&b"nope"[..]).into())).await;
    assert_eq!(err_name(&err), "SessionError", "{err:?}");
    again.dispose();
    let options = js_options(&[("session", "not bytes".into())]);
    let err = JsSandbox::create(Some(options.unchecked_into()))
        .await
        .err()
        .unwrap();
    assert_eq!(err_name(&err), "OptionsError");
}
