use super::*;
use crate::errors::Error;

fn code(path: &str) -> FileErrorCode {
    match resolve(path, false) {
        Err(Error::File { code, .. }) => code,
        other => panic!("{path:?} was not refused: {other:?}"),
    }
}

#[test]
fn relative_and_absolute_paths_resolve_inside_the_working_directory() {
    assert_eq!(resolve("a.csv", false).unwrap(), "/mnt/data/a.csv");
    assert_eq!(resolve("./x/../b.txt", false).unwrap(), "/mnt/data/b.txt");
    assert_eq!(
        resolve("/mnt/data//sub/./c", false).unwrap(),
        "/mnt/data/sub/c"
    );
    assert_eq!(resolve("", true).unwrap(), "/mnt/data");
    assert_eq!(resolve("sub/", true).unwrap(), "/mnt/data/sub");
}

#[test]
fn paths_outside_the_working_directory_are_refused() {
    for path in [
        "../etc/passwd",
        "/etc/passwd",
        "/mnt/data/../x",
        "/mnt/database",
        "..",
        "a/../../b",
    ] {
        assert_eq!(code(path), FileErrorCode::OutsideWorkDir, "{path}");
    }
    assert_eq!(code("/mnt/data/"), FileErrorCode::IsDirectory);
    assert_eq!(code("a\0b"), FileErrorCode::Invalid);
    assert_eq!(code(""), FileErrorCode::Invalid);
    assert_eq!(code(&"a".repeat(5000)), FileErrorCode::Invalid);
}

#[test]
fn paths_from_the_sandbox_must_be_canonical_and_inside() {
    assert!(within("/mnt/data/a.csv"));
    assert!(within("/mnt/data/sub/b.png"));
    for bad in [
        "/mnt/data",
        "/mnt/data/",
        "/mnt/data/../x",
        "/mnt/data/./a",
        "/mnt/databank/a",
        "/etc/x",
        "/mnt/data//a",
        "/mnt/data/a\0",
    ] {
        assert!(!within(bad), "{bad:?}");
    }
}

#[test]
fn the_type_comes_from_the_extension() {
    assert_eq!(mime_for("/mnt/data/s.CSV"), "text/csv");
    assert_eq!(mime_for("/mnt/data/p.png"), "image/png");
    assert_eq!(mime_for("/mnt/data/.png"), "application/octet-stream");
    assert_eq!(mime_for("/mnt/data/noext"), "application/octet-stream");
    assert_eq!(mime_for("/mnt/data/x.exe"), "application/octet-stream");
    // Types a browser would run as a document (a blob: URL of one, opened,
    // runs its scripts at the page's origin) are never given.
    for active in [
        "a.html", "a.htm", "a.svg", "a.xhtml", "a.xml", "a.js", "a.mjs",
    ] {
        assert_eq!(mime_for(active), "application/octet-stream", "{active}");
    }
}
