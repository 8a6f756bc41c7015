//! Attacks on the file calls and `input()` by code that holds the worker's
//! keys: it can post any message with the right token and run id (the
//! worker's `emit`), and rewrite any JS object it can reach, Pyodide's `FS`
//! included, which the worker's file commands use. The page must check
//! every path and every byte array that comes back.
use std::cell::Cell;
use std::rc::Rc;

use pycage::{Error, FileErrorCode, Isolation, RunOptions, SandboxOptions, Status};
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

/// Forged `files` messages: outside the working directory, not canonical, a
/// view into a larger buffer, over the cap. None reaches `files`.
#[wasm_bindgen_test]
async fn f1_forged_output_files_are_checked_like_any_other() {
    for isolation in BOTH {
        let sb = sandbox_in(isolation).await;
        let code = format!(
            "{GRAB_EMIT}{FORGE}small = js.Uint8Array.new(3)\n\
             for path in ['/etc/passwd', '/mnt/data/../x', 'rel.txt', '/mnt/data//a', '/mnt/data/ok.txt']:\n    forge(path, small)\n\
             forge('/mnt/data/view.bin', js.Uint8Array.new(js.ArrayBuffer.new(100000)).subarray(0, 3))\n\
             forge('/mnt/data/huge.bin', js.Uint8Array.new(100000))\n\
             forge('/mnt/data/page.html', js.Uint8Array.new(3))\n"
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

/// One forged `files` message per file, as worker.js batches them.
const FORGE: &str = "def forge(path, data):\n    emit({'type': 'files', 'files': [{'path': path, 'data': data}], 'skipped': []})\n";

/// Forged batches: one buffer named by two files (the frame moves it on
/// once, where listing it twice would make its relay throw), and a batch
/// of 200 files, wider than any message pycage sends, refused whole.
#[wasm_bindgen_test]
async fn f1_forged_batches_are_bounded() {
    for isolation in BOTH {
        let sb = sandbox_in(isolation).await;
        let code = format!(
            "{GRAB_EMIT}two = js.Uint8Array.new(3)\n\
             emit({{'type': 'files', 'files': [{{'path': '/mnt/data/d1', 'data': two}}, {{'path': '/mnt/data/d2', 'data': two}}], 'skipped': []}})\n\
             wide = [{{'path': f'/mnt/data/w{{i}}', 'data': js.Uint8Array.new(1)}} for i in range(200)]\n\
             emit({{'type': 'files', 'files': wide, 'skipped': []}})\n"
        );
        let ex = run(&sb, &code).await;
        assert_eq!(ex.status, Status::Ok, "{isolation:?} {ex:?}");
        let paths: Vec<&str> = ex.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            ["/mnt/data/d1", "/mnt/data/d2"],
            "{isolation:?} {ex:?}"
        );
        let violations = ex.protocol_violations.join("\n");
        assert!(
            violations.contains("too many fields"),
            "{isolation:?} {violations}"
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

/// A large write in iframe isolation hands the worker the page's kept copy
/// itself, as a Blob handle (src/files/upload.rs), which guest/files.js
/// reads. Code that hooks the reader captures the handle and forges what
/// it reads: that changes only its own interpreter's file, and a
/// replacement gets the page's bytes back (a Blob cannot be changed).
#[wasm_bindgen_test]
async fn f9_a_captured_upload_handle_cannot_change_what_is_restored() {
    let sb = sandbox(SandboxOptions {
        standby: Some(false),
        ..opts()
    })
    .await;
    let upload = vec![b'p'; (1 << 20) + 1]; // over SMALL_WRITE_BYTES: sent as the Blob
    sb.write_file("up.txt", &upload).await.unwrap();
    let hook = "import js\nfrom pyodide.ffi import create_proxy\ncaptured = []\n\
        def forged(blob):\n    captured.append(blob)\n    return js.TextEncoder.new().encode('forged').buffer\n\
        js.FileReaderSync.prototype.readAsArrayBuffer = create_proxy(forged)";
    let ex = run(&sb, hook).await;
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    sb.write_file("up.txt", &upload).await.unwrap();
    let ex = run(&sb, "open('up.txt').read(), captured[0].size").await;
    assert_eq!(ex.result_text(), Some("('forged', 1048577)"), "{ex:?}");
    let ex = run_with(&sb, STUBBORN, timeout(300.0)).await;
    assert!(ex.interpreter_reset, "{ex:?}");
    let ex = run(&sb, "d = open('up.txt', 'rb').read()\nlen(d), set(d)").await;
    assert_eq!(ex.result_text(), Some("(1048577, {112})"), "{ex:?}");
    sb.dispose();
}

fn code_of(err: &Error) -> Option<FileErrorCode> {
    match err {
        Error::File { code, .. } => Some(*code),
        _ => None,
    }
}

/// Issue 23, finding 4: links planted in `/mnt/data` by the code. The
/// page's paths are lexically inside; the worker walks each component with
/// lstat and refuses a link anywhere on the way (EACCES), and `listFiles`
/// never follows one. Outside files stay unread, unwritten and unremoved.
#[wasm_bindgen_test]
async fn f4_file_calls_never_pass_through_a_planted_link() {
    for isolation in BOTH {
        let sb = sandbox_in(isolation).await;
        let plant = "import os\n\
            os.makedirs('/tmp/out', exist_ok=True)\n\
            open('/tmp/out/secret.txt', 'w').write('outside')\n\
            os.symlink('/tmp/out/secret.txt', '/mnt/data/s.txt')\n\
            os.symlink('/tmp/out', '/mnt/data/t')\n\
            os.symlink('/lib', '/mnt/data/lib')\n\
            os.makedirs('/mnt/data/real', exist_ok=True)\n\
            open('/mnt/data/real/ok.txt', 'w').write('inside')\n";
        let ex = run(&sb, plant).await;
        assert_eq!(ex.status, Status::Ok, "{isolation:?} {ex:?}");
        for path in ["s.txt", "t/secret.txt", "lib/python3.14/_pycage.py"] {
            let err = sb.read_file(path).await.unwrap_err();
            assert_eq!(
                code_of(&err),
                Some(FileErrorCode::OutsideWorkDir),
                "{isolation:?} read {path}: {err:?}"
            );
        }
        let err = sb.write_file("t/evil.txt", b"x").await.unwrap_err();
        assert_eq!(code_of(&err), Some(FileErrorCode::OutsideWorkDir));
        let err = sb.write_file("s.txt", b"over").await.unwrap_err();
        assert_eq!(code_of(&err), Some(FileErrorCode::OutsideWorkDir));
        let err = sb.remove_file("t/secret.txt").await.unwrap_err();
        assert_eq!(code_of(&err), Some(FileErrorCode::OutsideWorkDir));
        let err = sb.list_files(Some("t")).await.unwrap_err();
        assert_eq!(code_of(&err), Some(FileErrorCode::OutsideWorkDir));
        let listed: Vec<String> = sb
            .list_files(None)
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.path)
            .collect();
        assert_eq!(listed, ["/mnt/data/real/ok.txt"], "{isolation:?}");
        let ex = run(
            &sb,
            "import os\nopen('/tmp/out/secret.txt').read(), os.path.exists('/tmp/out/evil.txt')",
        )
        .await;
        assert_eq!(
            ex.result_text(),
            Some("('outside', False)"),
            "{isolation:?} nothing outside changed: {ex:?}"
        );
        // The working directory itself swapped for a link.
        let ex = run(
            &sb,
            "import os\nos.chdir('/')\nos.rename('/mnt/data', '/mnt/old')\nos.symlink('/tmp/out', '/mnt/data')",
        )
        .await;
        assert_eq!(ex.status, Status::Ok, "{isolation:?} {ex:?}");
        let err = sb.read_file("secret.txt").await.unwrap_err();
        assert_eq!(code_of(&err), Some(FileErrorCode::OutsideWorkDir));
        sb.dispose();
    }
}

/// Issue 23, finding 4, hard links: Pyodide's file system has none, so
/// neither way (a name inside for a file outside, or the reverse) can be
/// made. If a Pyodide upgrade brings them, this fails and the file calls
/// need a link-count check.
#[wasm_bindgen_test]
async fn f5_hard_links_cannot_be_made() {
    let sb = sandbox_in(Isolation::Iframe).await;
    let code = "import os\nopen('/tmp/o.txt', 'w').write('o')\nopen('/mnt/data/i.txt', 'w').write('i')\n\
        made = []\n\
        for src, dst in [('/tmp/o.txt', '/mnt/data/h.txt'), ('/mnt/data/i.txt', '/tmp/h.txt')]:\n    \
        try:\n        os.link(src, dst)\n        made.append(dst)\n    except (OSError, AttributeError):\n        pass\n\
        made";
    let ex = run(&sb, code).await;
    assert_eq!(ex.result_text(), Some("[]"), "{ex:?}");
    sb.dispose();
}

/// Issue 23, findings 2 and 5: runs that make 20 000 files with 250-byte
/// paths (deep 4 KB paths cost Pyodide's FS 5 ms a file to make; the
/// bound on what the page keeps per path is pinned natively, in
/// supervisor/file_ledger.rs). A run returns 1 000 of them and counts the
/// rest; the page's heap stays put run after run (before: every path was
/// kept); after a crash `lostFiles` names 100 and counts the rest; a
/// listing of 25 000 or more is refused at once. In both modes the page's timer
/// never stalls, and in iframe mode a run of 5 000 small files keeps its
/// interpreter.
#[wasm_bindgen_test]
async fn f6_many_files_are_bounded_on_the_page() {
    for isolation in BOTH {
        let sb = sandbox(SandboxOptions {
            isolation,
            standby: Some(false),
            ..opts()
        })
        .await;
        start_heartbeat();
        let ex = run(
            &sb,
            "import os\nfor i in range(5000):\n    open(f'small{i}.txt', 'w').write('x')\nx = 'kept'",
        )
        .await;
        assert_eq!(ex.status, Status::Ok, "{isolation:?} {:?}", ex.error);
        assert_eq!(ex.files.len(), 1000, "{isolation:?}");
        assert!(
            ex.dropped_outputs
                .iter()
                .any(|d| d.contains("4000 more files")),
            "{isolation:?} {:?}",
            ex.dropped_outputs
        );
        let ex = run(&sb, "x").await;
        assert_eq!(ex.result_text(), Some("'kept'"), "{isolation:?} {ex:?}");
        // Three rounds where the page receives every message itself (worker
        // mode), one through the frame.
        let rounds = if isolation == Isolation::Worker { 3 } else { 1 };
        let heap = wasm_heap();
        for round in 0..rounds {
            let code = format!(
                "import os\nos.makedirs('r{round}')\n\
                 for i in range(20000):\n    open(f'r{round}/{{\"n\" * 240}}{{i}}', 'w').close()"
            );
            let ex = run(&sb, &code).await;
            assert_eq!(ex.status, Status::Ok, "{isolation:?} {:?}", ex.error);
            assert_eq!(ex.files.len(), 1000, "{isolation:?}");
        }
        let grown = wasm_heap() - heap;
        web_sys::console::log_1(
            &format!("{isolation:?}: the page's heap grew {grown} bytes over {rounds} runs of 20 000 files").into(),
        );
        assert!(
            grown < 8e6,
            "{isolation:?}: the page's heap grew {grown} bytes"
        );
        let started = now();
        let err = sb.list_files(None).await.unwrap_err();
        assert_eq!(code_of(&err), Some(FileErrorCode::TooLarge), "{err:?}");
        assert!(now() - started < 3000.0, "{isolation:?}: refused at once");
        let ex = run_with(&sb, STUBBORN, timeout(500.0)).await;
        assert!(ex.interpreter_reset, "{isolation:?} {ex:?}");
        let ex = run(&sb, "1").await;
        let lost = &ex.lost_files;
        assert_eq!(lost.len(), 101, "{isolation:?}");
        assert!(
            lost[100].starts_with("... and ") && lost[100].ends_with(" more files"),
            "{isolation:?} {:?}",
            lost[100]
        );
        assert_page_responsive(&format!("many files, {isolation:?}"));
        sb.dispose();
    }
}

/// An `onInput` that counts its calls and answers `answer` (never, if None).
fn counting_input(answer: Option<String>) -> (RunOptions, Rc<Cell<u32>>) {
    let calls = Rc::new(Cell::new(0));
    let counted = calls.clone();
    let options = RunOptions {
        on_input: Some(Rc::new(move |_: &str| {
            counted.set(counted.get() + 1);
            match answer.clone() {
                Some(line) => Box::pin(std::future::ready(Some(line))),
                None => Box::pin(std::future::pending()),
            }
        })),
        ..Default::default()
    };
    (options, calls)
}

/// Forged `input` requests while one is unanswered: the host's `onInput`
/// is called once, the rest are violations answered with end of input, and
/// the run goes on. (input() asks the host only on an isolated page.)
#[wasm_bindgen_test]
async fn f7_forged_input_requests_reach_on_input_once() {
    if !cross_origin_isolated() {
        return;
    }
    for isolation in BOTH {
        let sb = sandbox_in(isolation).await;
        let (options, calls) = counting_input(None);
        let code = format!(
            "{GRAB_EMIT}for i in range(50):\n    emit({{'type': 'input', 'seq': i + 1, 'prompt': 'p'}})\n'after'"
        );
        let ex = run_with(&sb, &code, options).await;
        assert_eq!(ex.result_text(), Some("'after'"), "{isolation:?} {ex:?}");
        assert_eq!(calls.get(), 1, "{isolation:?}");
        let violations = ex.protocol_violations.join("\n");
        assert!(
            violations.contains("input while one is unanswered"),
            "{isolation:?} {violations}"
        );
        assert_healthy(&sb).await;
        sb.dispose();
    }
}

/// An answer of 80 000 UTF-8 bytes reaches Python cut to 64 KiB, on a
/// character boundary, and the next input() gets the next answer.
#[wasm_bindgen_test]
async fn f8_an_oversized_answer_is_cut_at_64_kib() {
    if !cross_origin_isolated() {
        return;
    }
    for isolation in BOTH {
        let sb = sandbox_in(isolation).await;
        let (options, calls) = counting_input(Some("\u{e9}".repeat(40_000)));
        let ex = run_with(
            &sb,
            "a = input()\nb = input()\nlen(a), len(a.encode()), a == b",
            options,
        )
        .await;
        assert_eq!(
            ex.result_text(),
            Some("(32768, 65536, True)"),
            "{isolation:?} {ex:?}"
        );
        assert_eq!(calls.get(), 2, "{isolation:?}");
        sb.dispose();
    }
}
