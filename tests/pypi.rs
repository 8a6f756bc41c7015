//! PyPI packages through the page (`SandboxOptions.pypi`), against a local
//! PEP 691 index of real PyPI wheels (tests/fixtures/make_pypi_index.py,
//! served by scripts/test): micropip from the index, allowed names only,
//! pure wheels only, each checked against the index's sha256.
use pycage::{Error, PypiOptions, SandboxOptions, Status};
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

fn index() -> &'static str {
    option_env!("PYCAGE_PYPI_INDEX_URL").unwrap_or("http://127.0.0.1:8796/simple/")
}

fn with_pypi(index_url: &str, allowed: &[&str]) -> SandboxOptions {
    SandboxOptions {
        standby: Some(false),
        pypi: Some(PypiOptions {
            index_url: Some(index_url.into()),
            allowed: allowed.iter().map(|s| s.to_string()).collect(),
        }),
        ..opts()
    }
}

const ALLOWED: &[&str] = &["tabulate", "Inflection", "pyahocorasick", "pycage_tampered"];

#[wasm_bindgen_test]
async fn micropip_installs_allowed_pure_wheels_and_imports_load_them() {
    let sb = sandbox(with_pypi(index(), ALLOWED)).await;
    let ex = run(
        &sb,
        "import micropip\nawait micropip.install('tabulate')\nimport tabulate\ntabulate.tabulate([[1, 2]], tablefmt='plain')",
    )
    .await;
    assert_eq!(ex.result_text(), Some("'1  2'"), "{ex:?}");
    // An import of an allowed name installs it first (normalised: Inflection).
    let ex = run(
        &sb,
        "import inflection\ninflection.underscore('DeviceType')",
    )
    .await;
    assert_eq!(ex.result_text(), Some("'device_type'"), "{ex:?}");
    let ex = run(&sb, "import micropip\nsorted(p for p in micropip.list())").await;
    let listed = ex.result_text().unwrap_or_default().to_string();
    assert!(
        listed.contains("'micropip'") && listed.contains("'tabulate'"),
        "{listed}"
    );
    sb.dispose();
}

#[wasm_bindgen_test]
async fn names_not_allowed_platform_wheels_and_bad_hashes_are_package_load_errors() {
    let sb = sandbox(with_pypi(index(), ALLOWED)).await;
    let cases = [
        ("xmltodict", "not in this sandbox's pypi.allowed"),
        ("pyahocorasick", "pure-Python wheel"),
        ("pycage-tampered", "sha256"),
        ("notonindex", "not in this sandbox's pypi.allowed"),
    ];
    for (name, why) in cases {
        let ex = run(
            &sb,
            &format!("import micropip\nawait micropip.install({name:?})"),
        )
        .await;
        assert_eq!(ex.status, Status::Error, "{name}: {ex:?}");
        let error = ex.error.as_ref().unwrap();
        assert_eq!(error.kind, "PackageLoadError", "{name}: {ex:?}");
        assert!(error.message.contains(why), "{name}: {}", error.message);
    }
    // The import of an allowed name that cannot be installed says why,
    // before any of the code runs.
    let ex = run(&sb, "print('ran')\nimport pycage_tampered").await;
    let error = ex.error.as_ref().unwrap();
    assert_eq!(ex.stdout, "", "{ex:?}");
    assert_eq!(error.kind, "PackageLoadError", "{ex:?}");
    assert!(error.message.contains("sha256"), "{}", error.message);
    assert_healthy(&sb).await;
    sb.dispose();
}

#[wasm_bindgen_test]
async fn an_unreachable_index_is_a_clear_package_load_error() {
    let sb = sandbox(with_pypi("http://127.0.0.1:9/simple/", &["tabulate"])).await;
    let ex = run(&sb, "import micropip").await;
    let error = ex.error.as_ref().expect("an error");
    assert_eq!(error.kind, "PackageLoadError", "{ex:?}");
    assert!(
        error.message.contains("could not reach the package index"),
        "{}",
        error.message
    );
    assert_healthy(&sb).await;
    sb.dispose();
}

#[wasm_bindgen_test]
async fn bad_pypi_options_name_their_field() {
    let cases: [(PypiOptions, &str); 3] = [
        (
            PypiOptions {
                index_url: Some("ftp://x/".into()),
                allowed: vec![],
            },
            "pypi.indexUrl",
        ),
        (
            PypiOptions {
                index_url: None,
                allowed: vec!["not a name!".into()],
            },
            "pypi.allowed",
        ),
        (
            PypiOptions {
                index_url: Some("http://[bad".into()),
                allowed: vec![],
            },
            "pypi.indexUrl",
        ),
    ];
    for (pypi, field) in cases {
        let options = SandboxOptions {
            pypi: Some(pypi),
            ..opts()
        };
        match pycage::Sandbox::create(options).await {
            Err(Error::Options { field: got, .. }) => assert_eq!(got, field),
            other => panic!("{field}: {:?}", other.err()),
        }
    }
}
