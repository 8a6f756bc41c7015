//! Attacks on the file calls and `input()` by code that holds the worker's
//! keys: it can post any message with the right token and run id (the
//! worker's `emit`), and rewrite any JS object it can reach, Pyodide's `FS`
//! included, which the worker's file commands use. The page must check
//! every path and every byte array that comes back.
use pycage::{Error, FileErrorCode, Isolation, SandboxOptions, Status};
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

const BOTH: [Isolation; 2] = [Isolation::Iframe, Isolation::Worker];

/// The worker's `emit` (run_cell's argument), found up the Python stack.
const GRAB_EMIT: &str = "import sys, js\n\
    def grab():\n    f = sys._getframe()\n    while f is not None and 'emit' not in f.f_locals:\n        f = f.f_back\n    return f.f_locals['emit']\n\
    emit = grab()\n";

async fn sandbox_in(isolation: Isolation) -> pycage::Sandbox {
    sandbox(SandboxOptions {
        isolation,
        standby: Some(false),
        max_file_bytes: Some(4096),
        ..opts()
    })
    .await
}

/// Forged `file` messages: outside the working directory, not canonical, a
/// view into a larger buffer, over the cap. None reaches `files`.
#[wasm_bindgen_test]
async fn f1_forged_output_files_are_checked_like_any_other() {
    for isolation in BOTH {
        let sb = sandbox_in(isolation).await;
        let code = format!(
            "{GRAB_EMIT}small = js.Uint8Array.new(3)\n\
             for path in ['/etc/passwd', '/mnt/data/../x', 'rel.txt', '/mnt/data//a', '/mnt/data/ok.txt']:\n    emit({{'type': 'file', 'path': path, 'data': small}})\n\
             emit({{'type': 'file', 'path': '/mnt/data/view.bin', 'data': js.Uint8Array.new(js.ArrayBuffer.new(100000)).subarray(0, 3)}})\n\
             emit({{'type': 'file', 'path': '/mnt/data/huge.bin', 'data': js.Uint8Array.new(100000)}})\n\
             emit({{'type': 'file', 'path': '/mnt/data/page.html', 'data': js.Uint8Array.new(3)}})\n"
        );
        let ex = run(&sb, &code).await;
        assert_eq!(ex.status, Status::Ok, "{isolation:?} {ex:?}");
        let paths: Vec<&str> = ex.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            ["/mnt/data/ok.txt", "/mnt/data/page.html"],
            "{isolation:?} {ex:?}"
        );
        assert_eq!(
            ex.files[1].mime, "application/octet-stream",
            "never text/html"
        );
        assert_eq!(ex.protocol_violations.len(), 4, "{isolation:?} {ex:?}");
        let dropped = ex.dropped_outputs.join("\n");
        let refused = format!("{dropped}\n{}", ex.protocol_violations.join("\n"));
        assert!(
            refused.contains("view.bin") || refused.contains("bytes of binary data"),
            "{isolation:?} {refused}"
        );
        assert!(
            refused.contains("huge.bin") || refused.contains("bytes of binary data"),
            "{isolation:?} {refused}"
        );
        assert_healthy(&sb).await;
        sb.dispose();
    }
}

/// A run that rewrites `FS.readFile` makes the page's next read answer a
/// view into a larger buffer, or more bytes than the cap: the page refuses
/// both (EIO), at once, and the sandbox goes on.
#[wasm_bindgen_test]
async fn f2_a_rewritten_filesystem_cannot_hand_the_page_oversized_or_shared_bytes() {
    for isolation in BOTH {
        let sb = sandbox_in(isolation).await;
        sb.write_file("a.txt", b"abc").await.unwrap();
        let lies = [
            "js.Uint8Array.new(js.ArrayBuffer.new(1 << 20)).subarray(0, 3)",
            "js.Uint8Array.new(1 << 20)",
            "js.Uint8Array.new(js.SharedArrayBuffer.new(3)) if hasattr(js, 'SharedArrayBuffer') else js.Uint8Array.new(js.ArrayBuffer.new(8)).subarray(0, 3)",
        ];
        for lie in lies {
            let code = format!(
                "import js, pyodide_js\nfrom pyodide.ffi import create_proxy\n\
                 real = pyodide_js.FS.readFile\n\
                 pyodide_js.FS.readFile = create_proxy(lambda *a: {lie})"
            );
            assert_eq!(run(&sb, &code).await.status, Status::Ok, "{isolation:?}");
            let started = now();
            let err = sb.read_file("a.txt").await.unwrap_err();
            assert!(now() - started < 3000.0, "{isolation:?}: refused at once");
            assert!(
                matches!(
                    err,
                    Error::File {
                        code: FileErrorCode::Io,
                        ..
                    }
                ),
                "{isolation:?} {lie}: {err:?}"
            );
            run(&sb, "pyodide_js.FS.readFile = real").await;
            assert_eq!(
                sb.read_file("a.txt").await.unwrap().to_vec(),
                b"abc",
                "{isolation:?}"
            );
        }
        sb.dispose();
    }
}

/// Forged answers to file calls nobody made, and `input` requests for a
/// run without `onInput`: violations, nothing else.
#[wasm_bindgen_test]
async fn f3_unasked_file_answers_and_input_requests_are_violations() {
    for isolation in BOTH {
        let sb = sandbox_in(isolation).await;
        let code = format!(
            "{GRAB_EMIT}for i in range(5):\n    emit({{'type': 'fileResult', 'error': {{'code': 'EIO', 'message': 'x'}}}})\n\
             emit({{'type': 'input', 'seq': 1, 'prompt': 'p'}})\n'after'"
        );
        let ex = run(&sb, &code).await;
        assert_eq!(ex.result_text(), Some("'after'"), "{isolation:?} {ex:?}");
        assert_eq!(ex.protocol_violations.len(), 6, "{isolation:?} {ex:?}");
        assert_healthy(&sb).await;
        sb.dispose();
    }
}
