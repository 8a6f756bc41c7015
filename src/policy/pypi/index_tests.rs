use super::tests::{file, page, resolve, BASE, HASH};
use super::*;

#[test]
fn an_index_page_keeps_the_pure_wheels_with_a_hash() {
    let body = page(
        "Tabulate",
        serde_json::json!([
            {"filename": "tabulate-0.8.0.tar.gz", "url": "https://files.example/t-0.8.0.tar.gz",
             "hashes": {"sha256": HASH}},
            file("tabulate-0.9.0-py3-none-any.whl", "https://files.example/a/tabulate-0.9.0-py3-none-any.whl#sha256=x"),
            {"filename": "tabulate-0.9.1-py3-none-any.whl", "url": "https://files.example/t091.whl",
             "hashes": {"md5": "00"}},
            file("tabulate-0.10.0-cp313-cp313-win_amd64.whl", "https://files.example/w.whl"),
            file("other-1.0-py3-none-any.whl", "https://files.example/other.whl"),
            {"filename": "tabulate-0.10.0-py3-none-any.whl", "url": "../../files/tabulate-0.10.0-py3-none-any.whl",
             "hashes": {"sha256": HASH}, "yanked": "broken", "core-metadata": {"sha256": HASH},
             "size": 1, "requires-python": ">=3.10", "upload-time": "2020-01-01T00:00:00Z"},
            file("tabulate-0.10.1-py3-none-any.whl", "javascript:alert(1)"),
            file("tabulate-0.10.2-py3-none-any.whl", "https://user:pw@files.example/x.whl"),
            file("tabulate-0.10.3-py3-none-any.whl", "https://files.example/x.whl?token=1"),
            {"filename": "tabulate-0.10.4-py3-none-any.whl", "url": 7, "hashes": {"sha256": HASH}},
            "not an object",
            {"filename": ["list"], "url": "https://files.example/y.whl"},
        ]),
    );
    let project = parse_index("tabulate", &body, resolve("tabulate")).unwrap();
    assert_eq!(project.name, "tabulate");
    assert_eq!(project.skipped, 10);
    let lower = HASH.to_ascii_lowercase();
    assert_eq!(
        project.wheels,
        [
            Wheel {
                filename: "tabulate-0.9.0-py3-none-any.whl".into(),
                url: "https://files.example/a/tabulate-0.9.0-py3-none-any.whl".into(),
                sha256: lower.clone(),
                version: "0.9.0".into(),
                yanked: false,
            },
            Wheel {
                filename: "tabulate-0.10.0-py3-none-any.whl".into(),
                url: "https://index.example/files/tabulate-0.10.0-py3-none-any.whl".into(),
                sha256: lower,
                version: "0.10.0".into(),
                yanked: true,
            },
        ]
    );
}

#[test]
fn what_the_sandbox_gets_is_micropips_pep_691_with_absolute_urls() {
    let body = page(
        "inflection",
        serde_json::json!([file(
            "inflection-0.5.1-py2.py3-none-any.whl",
            "../../files/inflection-0.5.1-py2.py3-none-any.whl"
        )]),
    );
    let project = parse_index("Inflection", &body, resolve("inflection")).unwrap();
    let json: Value = serde_json::from_str(&sandbox_index(&project)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "meta": {"api-version": "1.1"},
            "name": "inflection",
            "files": [{
                "filename": "inflection-0.5.1-py2.py3-none-any.whl",
                "url": "https://index.example/files/inflection-0.5.1-py2.py3-none-any.whl",
                "hashes": {"sha256": HASH.to_ascii_lowercase()},
                "yanked": false,
            }],
        })
    );
    // Hostile text is escaped, never spliced.
    let project = Project {
        name: "x".into(),
        wheels: vec![Wheel {
            filename: "x\",\"url\":\"evil".into(),
            url: "https://a.example/\"}".into(),
            sha256: "00".into(),
            version: "1".into(),
            yanked: false,
        }],
        skipped: 0,
    };
    let json: Value = serde_json::from_str(&sandbox_index(&project)).unwrap();
    assert_eq!(json["files"][0]["url"], "https://a.example/\"}");
    assert_eq!(json["files"].as_array().unwrap().len(), 1);
}

#[test]
fn unusable_index_pages_are_clear_errors() {
    let r = resolve("x");
    let err = parse_index(
        "x",
        b"\xef\xbb\xbf \n<!DOCTYPE html><a href=x-1-py3-none-any.whl>",
        &r,
    )
    .unwrap_err();
    assert!(err.contains("HTML") && err.contains("PEP 691"), "{err}");
    for (body, want) in [
        (&b"{"[..], "not PEP 691 JSON"),
        (b"null", "no meta.api-version"),
        (b"[]", "no meta.api-version"),
        (
            br#"{"meta":{"api-version":"2.0"},"name":"x","files":[]}"#,
            "api-version \"2.0\"",
        ),
        (
            br#"{"meta":{"api-version":1},"name":"x","files":[]}"#,
            "no meta.api-version",
        ),
        (br#"{"meta":{"api-version":"1.0"},"files":[]}"#, "no name"),
        (
            br#"{"meta":{"api-version":"1.0"},"name":"x","files":{}}"#,
            "no files list",
        ),
        (
            br#"{"meta":{"api-version":"1.0"},"name":"y","files":[]}"#,
            "answered for project \"y\"",
        ),
        // PyPI's legacy JSON API is not the simple API.
        (
            br#"{"info":{"name":"x"},"releases":{}}"#,
            "no meta.api-version",
        ),
    ] {
        let err = parse_index("x", body, &r).unwrap_err();
        assert!(err.contains(want), "{err} (wanted {want})");
    }
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(parse_index("x", deep.as_bytes(), &r).is_err());
    let big = vec![b' '; MAX_INDEX_BYTES + 1];
    assert!(parse_index("x", &big, &r).unwrap_err().contains("larger"));
}

#[test]
fn a_project_without_a_pure_wheel_says_so() {
    let body = page(
        "pyahocorasick",
        serde_json::json!([
            file("pyahocorasick-2.3.1-cp313-cp313-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
                 "../../files/p.whl"),
            {"filename": "pyahocorasick-2.3.1.tar.gz", "url": "../../files/p.tar.gz", "hashes": {}},
        ]),
    );
    let err = parse_index("pyahocorasick", &body, resolve("pyahocorasick")).unwrap_err();
    assert!(
        err.contains("package pyahocorasick has no pure-Python wheel"),
        "{err}"
    );
    assert!(
        err.contains("2 files, 1 of them wheels for other platforms"),
        "{err}"
    );
    let err = parse_index("x", &page("x", serde_json::json!([])), resolve("x")).unwrap_err();
    assert!(err.contains("lists no files"), "{err}");
}

#[test]
fn wheels_per_project_are_bounded_newest_kept() {
    let files: Vec<Value> = (0..MAX_WHEELS_PER_PROJECT + 5)
        .map(|i| {
            file(
                &format!("a-{i}-py3-none-any.whl"),
                &format!("https://f.example/{i}.whl"),
            )
        })
        .collect();
    let project = parse_index("a", &page("a", Value::Array(files)), resolve("a")).unwrap();
    assert_eq!(project.wheels.len(), MAX_WHEELS_PER_PROJECT);
    assert_eq!(project.wheels[0].version, "5");
    assert_eq!(project.skipped, 5);
    // The same URL twice is one wheel.
    let twice = page(
        "a",
        serde_json::json!([
            file("a-1-py3-none-any.whl", "https://f.example/1.whl"),
            file("a-1-py3-none-any.whl", "https://f.example/1.whl")
        ]),
    );
    assert_eq!(
        parse_index("a", &twice, resolve("a")).unwrap().wheels.len(),
        1
    );
}

#[test]
fn index_requests_are_recognised_under_the_base_only() {
    assert_eq!(
        index_page_url(BASE, "Ruamel.YAML"),
        format!("{BASE}ruamel-yaml/")
    );
    let ask = |href: &str| index_request(BASE, href);
    assert_eq!(
        ask(&format!("{BASE}tabulate/")),
        Some(Ok("tabulate".into()))
    );
    assert_eq!(
        ask(&format!("{BASE}Ruamel.Yaml/")),
        Some(Ok("ruamel-yaml".into()))
    );
    assert!(matches!(ask(&format!("{BASE}%2e%2e/")), Some(Err(_))));
    assert!(matches!(ask(&format!("{BASE}/")), Some(Err(_))));
    assert!(matches!(ask(&format!("{BASE}-x/")), Some(Err(_))));
    for other in [
        format!("{BASE}tabulate"),
        format!("{BASE}tabulate/index.json"),
        format!("{BASE}a/b/"),
        BASE.to_string(),
        "https://index.example/simplex/tabulate/".into(),
        "https://evil.example/simple/tabulate/".into(),
        "https://index.example/files/tabulate-0.10.0-py3-none-any.whl".into(),
    ] {
        assert_eq!(ask(&other), None, "{other}");
    }
}

#[test]
fn only_listed_wheel_urls_are_fetched_with_their_hash() {
    let mut listings = Listings::new();
    let wheel = |url: &str, sha: &str| Wheel {
        filename: "a-1-py3-none-any.whl".into(),
        url: url.into(),
        sha256: sha.into(),
        version: "1".into(),
        yanked: false,
    };
    let a = Project {
        name: "a".into(),
        wheels: vec![
            wheel("https://f.example/a1.whl", "aa"),
            wheel("https://f.example/a2.whl", "ab"),
        ],
        skipped: 0,
    };
    listings.record(&a).unwrap();
    let listed = listings.lookup("https://f.example/a1.whl").unwrap();
    assert_eq!(
        (listed.project.as_str(), listed.sha256.as_str()),
        ("a", "aa")
    );
    assert!(listings
        .lookup("https://f.example/a1.whl.metadata")
        .is_none());
    assert!(listings.lookup("https://f.example/A1.whl").is_none());
    // A new answer for the project replaces its old listing.
    let a_again = Project {
        wheels: vec![wheel("https://f.example/a2.whl", "ff")],
        ..a.clone()
    };
    listings.record(&a_again).unwrap();
    assert!(listings.lookup("https://f.example/a1.whl").is_none());
    assert_eq!(
        listings.lookup("https://f.example/a2.whl").unwrap().sha256,
        "ff"
    );
    assert_eq!(listings.len(), 1);
    // Bounded.
    let huge = Project {
        name: "b".into(),
        wheels: (0..MAX_LISTED)
            .map(|i| wheel(&format!("https://f.example/b{i}.whl"), "00"))
            .collect(),
        skipped: 0,
    };
    assert!(listings.record(&huge).unwrap_err().contains("more than"));
    assert_eq!(listings.len(), 1);
}

#[test]
fn micropip_must_be_pypis_pinned_wheel() {
    let listed = |sha: &str| Project {
        name: "micropip".into(),
        wheels: vec![Wheel {
            filename: MICROPIP_FILENAME.into(),
            url: "https://f.example/m.whl".into(),
            sha256: sha.into(),
            version: "0.11.1".into(),
            yanked: false,
        }],
        skipped: 0,
    };
    assert_eq!(
        micropip_wheel(&listed(MICROPIP_SHA256)).unwrap().url,
        "https://f.example/m.whl"
    );
    // Pyodide's own build (the lockfile's sha256) is not PyPI's.
    let lockfile = "e2d52886594fd4cd0d0847110a1c34ae0134d3a970eb4496d3b5eb31ee2d8af6";
    assert!(micropip_wheel(&listed(lockfile))
        .unwrap_err()
        .contains("not PyPI's"));
    let none = Project {
        wheels: vec![],
        ..listed("")
    };
    assert!(micropip_wheel(&none).unwrap_err().contains("does not list"));
}

/// The fixture index (tests/fixtures/make_pypi_index.py), when built:
/// PYCAGE_PYPI_INDEX=its OUT_DIR.
#[test]
fn the_fixture_index_parses() {
    let Ok(dir) = std::env::var("PYCAGE_PYPI_INDEX") else {
        return;
    };
    let read = |p: &str| std::fs::read(format!("{dir}/simple/{p}/index.json")).unwrap();
    for name in [
        "tabulate",
        "inflection",
        "micropip",
        "packaging",
        "pycage-tampered",
    ] {
        let project = parse_index(name, &read(name), resolve(name)).unwrap();
        assert!(!project.wheels.is_empty(), "{name}");
    }
    let micropip = parse_index("micropip", &read("micropip"), resolve("micropip")).unwrap();
    micropip_wheel(&micropip).unwrap();
    let err = parse_index(
        "pyahocorasick",
        &read("pyahocorasick"),
        resolve("pyahocorasick"),
    )
    .unwrap_err();
    assert!(err.contains("no pure-Python wheel"), "{err}");
}
