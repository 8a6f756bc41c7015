use super::*;

pub(super) const BASE: &str = "https://index.example/simple/";
pub(super) const HASH: &str = "A3B2C1D0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2";

/// A stand-in for the page's URL parser: absolute http(s) kept,
/// `../../files/x` resolved against the project page, the rest refused;
/// the fragment dropped, as `fetch_policy::canonical` does.
pub(super) fn resolve(project: &str) -> impl Fn(&str) -> Option<String> {
    let page = index_page_url(BASE, project);
    move |url: &str| {
        let url = url.split('#').next().unwrap_or("");
        if url.starts_with("https://") || url.starts_with("http://") {
            Some(url.to_string())
        } else if let Some(file) = url.strip_prefix("../../files/") {
            Some(format!("https://index.example/files/{file}"))
        } else if url.is_empty() || url.contains(':') {
            None
        } else {
            Some(format!("{page}{url}"))
        }
    }
}

pub(super) fn page(name: &str, files: Value) -> Vec<u8> {
    serde_json::json!({"meta": {"api-version": "1.1"}, "name": name, "files": files})
        .to_string()
        .into_bytes()
}

pub(super) fn file(filename: &str, url: &str) -> Value {
    serde_json::json!({"filename": filename, "url": url, "hashes": {"sha256": HASH}})
}

#[test]
fn names_normalise_as_pep_503() {
    assert_eq!(normalize("Jinja2"), "jinja2");
    assert_eq!(normalize("ruamel.yaml"), "ruamel-yaml");
    assert_eq!(normalize("a__b-.c"), "a-b-c");
    assert_eq!(normalize("Typing_Extensions"), "typing-extensions");
    for ok in ["six", "a", "A.b_c-D", "zope.interface", "1x"] {
        assert!(is_valid_name(ok), "{ok}");
    }
    for bad in [
        "", "-six", "six-", ".x", "a/b", "a b", "../x", "x%2f", "ö", "a\0", "a:b", "x?",
    ] {
        assert!(!is_valid_name(bad), "{bad:?}");
    }
    assert!(!is_valid_name(&"a".repeat(MAX_NAME + 1)));
}

#[test]
fn the_allowlist_compares_normalised_names_and_always_has_micropip() {
    let list = Allowlist::new(&["Tabulate".into(), "ruamel.yaml".into()]).unwrap();
    assert!(list.allows("tabulate") && list.allows("TABULATE"));
    assert!(list.allows("ruamel_yaml") && list.allows("Ruamel-YAML"));
    assert!(list.allows("micropip"));
    assert!(!list.allows("six") && !list.allows("tabulate/") && !list.allows(""));
    assert_eq!(list.names(), ["micropip", "ruamel-yaml", "tabulate"]);
    let err = Allowlist::new(&["ok".into(), "../etc".into()]).unwrap_err();
    assert!(
        err.contains("\"../etc\" is not a valid package name"),
        "{err}"
    );
    let many: Vec<String> = (0..=MAX_ALLOWED).map(|i| format!("p{i}")).collect();
    assert!(Allowlist::new(&many).is_err());
    assert_eq!(
        not_allowed_error("six"),
        "package \"six\" is not in this sandbox's pypi.allowed"
    );
}

#[test]
fn wheel_file_names_parse() {
    let w = parse_wheel_filename("inflection-0.5.1-py2.py3-none-any.whl").unwrap();
    assert_eq!(w.name, "inflection");
    assert_eq!(w.version, "0.5.1");
    assert_eq!(w.build, None);
    assert_eq!(w.python, ["py2", "py3"]);
    assert!(w.is_pure());
    let w = parse_wheel_filename("Foo_Bar-1.0+local!x-1b-py3-none-any.whl").unwrap();
    assert_eq!(
        (w.name.as_str(), w.version.as_str(), w.build.as_deref()),
        ("foo-bar", "1.0+local!x", Some("1b"))
    );
    let w = parse_wheel_filename(
        "pyahocorasick-2.3.1-cp313-cp313-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
    )
    .unwrap();
    assert_eq!(w.platform.len(), 2);
    assert!(!w.is_pure());
    for (name, pure) in [
        ("a-1-py3-none-any.whl", true),
        ("a-1-py314-none-any.whl", true),
        ("a-1-py310.py311-none-any.whl", true),
        ("a-1-PY3-NONE-ANY.whl", true),
        ("a-1-py315-none-any.whl", false),
        ("a-1-py2-none-any.whl", false),
        ("a-1-py3-abi3-any.whl", false),
        ("a-1-cp314-none-any.whl", false),
        ("a-1-py3-none-pyemscripten_2026_0_wasm32.whl", false),
        ("a-1-py3-none-any.linux_x86_64.whl", false),
        ("a-1-py3x-none-any.whl", false),
    ] {
        assert_eq!(
            parse_wheel_filename(name).unwrap().is_pure(),
            pure,
            "{name}"
        );
    }
    for bad in [
        "a-1.tar.gz",
        "a-1-py3-none-any.zip",
        "a-py3-none-any.whl",
        "a-1-2-3-py3-none-any.whl",
        "a-1-x-py3-none-any.whl", // build tag must start with a digit
        "-1-py3-none-any.whl",
        "a-1-py3--any.whl",
        "a-1-py3-none-.whl",
        "a-1-py3..py2-none-any.whl",
        "../a-1-py3-none-any.whl",
        "a/b-1-py3-none-any.whl",
        "a-1-py3-none-any.whl/../../x.whl",
        "a-1 -py3-none-any.whl",
        "é-1-py3-none-any.whl",
        ".whl",
        "",
    ] {
        assert!(parse_wheel_filename(bad).is_err(), "{bad:?}");
    }
    let long = format!("{}-1-py3-none-any.whl", "a".repeat(300));
    assert!(parse_wheel_filename(&long).is_err());
}
