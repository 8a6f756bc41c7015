//! The policy's decisions: pure-Rust ones natively, the URL parser's in the browser.

use super::*;

const BASE: &str = "https://cdn.example/pyodide/";

fn lock() -> Lock {
    let p = |name: &str, file: &str, depends: &[&str]| LockPackage {
        name: name.into(),
        file_name: file.into(),
        depends: depends.iter().map(|d| d.to_string()).collect(),
        sha256: "AB12".into(),
    };
    Lock {
        packages: HashMap::from([
            ("numpy".into(), p("numpy", "numpy-2.whl", &[])),
            (
                "pandas".into(),
                p("pandas", "pandas-2.whl", &["numpy", "six"]),
            ),
            ("six".into(), p("six", "six-1.whl", &[])),
            (
                "jinja2".into(),
                p("Jinja2", "jinja2-3.whl", &["markupsafe"]),
            ),
            (
                "markupsafe".into(),
                p("MarkupSafe", "markupsafe-3.whl", &[]),
            ),
            ("micropip".into(), p("micropip", "micropip-0.whl", &[])),
        ]),
    }
}

fn policy(packages: &[&str], auto_load: bool, allowed: Option<&[&str]>) -> FetchPolicy {
    let packages: Vec<String> = packages.iter().map(|s| s.to_string()).collect();
    let allowed: Option<Vec<String>> = allowed.map(|a| a.iter().map(|s| s.to_string()).collect());
    FetchPolicy::new(
        &lock(),
        BASE,
        &packages,
        auto_load,
        allowed.as_deref(),
        |f| Some(format!("{BASE}{f}")),
    )
}

fn allowed(policy: &FetchPolicy, file: &str) -> bool {
    policy.lookup(&format!("{BASE}{file}")).is_ok()
}

#[test]
fn names_compare_as_pep_503() {
    assert_eq!(canonical_name("Jinja2"), "jinja2");
    assert_eq!(canonical_name("ruamel.yaml"), "ruamel-yaml");
    assert_eq!(canonical_name("a__b-.c"), "a-b-c");
}

#[test]
fn auto_load_without_a_list_allows_every_lockfile_file_and_nothing_else() {
    let p = policy(&[], true, None);
    assert!(allowed(&p, "numpy-2.whl") && allowed(&p, "micropip-0.whl"));
    let permit = p.lookup(&format!("{BASE}six-1.whl")).unwrap();
    assert_eq!(
        permit.sha256.as_deref(),
        Some("ab12"),
        "hex, compared lower-case"
    );
    let err = p.lookup(&format!("{BASE}humanize-4.whl")).unwrap_err();
    assert!(err.contains("lockfile"), "{err}");
    let err = p.lookup("https://cdn.example/secret.json").unwrap_err();
    assert!(err.contains("packageBaseUrl"), "{err}");
}

#[test]
fn allowed_packages_are_closed_over_their_dependencies() {
    let p = policy(&[], true, Some(&["Pandas", "jinja2"]));
    for file in [
        "pandas-2.whl",
        "numpy-2.whl",
        "six-1.whl",
        "jinja2-3.whl",
        "markupsafe-3.whl",
    ] {
        assert!(allowed(&p, file), "{file}");
    }
    let err = p.lookup(&format!("{BASE}micropip-0.whl")).unwrap_err();
    assert_eq!(
        err,
        "package micropip is not allowed in this sandbox (allowedPackages / autoLoadPackages)"
    );
}

#[test]
fn without_auto_load_only_the_boot_packages_are_fetched() {
    let wheel = "https://pypi.example/files/humanize-4-py3-none-any.whl";
    let p = policy(&["jinja2", wheel], false, Some(&["numpy"]));
    assert!(allowed(&p, "jinja2-3.whl") && allowed(&p, "markupsafe-3.whl"));
    assert!(!allowed(&p, "numpy-2.whl") && !allowed(&p, "six-1.whl"));
    let permit = p.lookup(wheel).unwrap();
    assert_eq!(permit.sha256, None, "a listed URL has no hash to check");
    let p = policy(&[], false, None);
    assert!(!allowed(&p, "six-1.whl") && !allowed(&p, "micropip-0.whl"));
    let p = policy(&[], true, Some(&[]));
    assert!(!allowed(&p, "six-1.whl"));
}

#[test]
fn a_listed_lockfile_url_keeps_its_hash() {
    let p = policy(&[&format!("{BASE}six-1.whl")], false, None);
    let permit = p.lookup(&format!("{BASE}six-1.whl")).unwrap();
    assert_eq!(permit.sha256.as_deref(), Some("ab12"));
}

#[test]
fn files_resolving_outside_the_base_are_dropped() {
    let p = FetchPolicy::new(&lock(), BASE, &[], true, None, |f| {
        (f != "six-1.whl").then(|| format!("{BASE}{f}"))
    });
    assert!(!allowed(&p, "six-1.whl"));
    assert!(allowed(&p, "numpy-2.whl"));
}

/// The URL parser is the browser's: these run under `wasm-pack test`.
#[cfg(target_arch = "wasm32")]
mod browser_tests {
    use super::*;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    const BASE: &str = "https://app.example/static/wheels/";

    #[wasm_bindgen_test]
    fn dot_segments_and_their_disguises_are_folded_before_the_lookup() {
        let lock = Lock {
            packages: HashMap::from([(
                "six".into(),
                LockPackage {
                    name: "six".into(),
                    file_name: "six-1.17.0-py2.py3-none-any.whl".into(),
                    depends: vec![],
                    sha256: "00".into(),
                },
            )]),
        };
        let p = FetchPolicy::new(&lock, BASE, &[], true, None, |f| resolve(BASE, f));
        let six = format!("{BASE}six-1.17.0-py2.py3-none-any.whl");
        assert_eq!(p.decide(&six).unwrap().href, six);
        assert_eq!(p.decide(&format!("{six}#frag")).unwrap().href, six);
        assert!(p
            .decide(&format!("{BASE}x/%2e%2E/six-1.17.0-py2.py3-none-any.whl"))
            .is_ok());
        for attack in [
            format!("{BASE}%2e%2e/secret.json"),
            format!("{BASE}%2E%2E/%2e%2e/secret.json"),
            format!("{BASE}..\\..\\secret.json"),
            format!("{BASE}.%2e/api/x"),
            format!("{BASE}sub/\t../../secret.json"),
            format!("{six}?x=1"),
            format!("{six}?"),
            format!("{BASE}humanize-4.14.0-py3-none-any.whl"),
            "https://user:pw@app.example/static/wheels/six-1.17.0-py2.py3-none-any.whl".into(),
            "https://app.example/api/x".into(),
            "https://evil.example/static/wheels/six-1.17.0-py2.py3-none-any.whl".into(),
            "javascript:alert(1)".into(),
            "data:text/plain,hi".into(),
            "blob:https://app.example/0000".into(),
            "/static/wheels/six-1.17.0-py2.py3-none-any.whl".into(),
        ] {
            assert!(p.decide(&attack).is_err(), "{attack:?} was allowed");
        }
        assert_eq!(resolve(BASE, "../x.whl"), None);
        assert_eq!(resolve(BASE, "https://evil.example/x.whl"), None);
    }
}
