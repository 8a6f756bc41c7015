//! Files in and out (`write_file`, `read_file`, `list_files`, `remove_file`,
//! `Execution.files`), what survives a replaced interpreter, and `input()`.
use std::rc::Rc;

use pycage::{Error, FileErrorCode, Isolation, RunOptions, SandboxOptions, Status};
use wasm_bindgen_test::*;
mod common;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

fn code_of<T: std::fmt::Debug>(result: Result<T, Error>) -> FileErrorCode {
    match result {
        Err(Error::File { code, .. }) => code,
        other => panic!("expected a file error, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn files_go_in_and_out_of_the_working_directory() {
    let sb = shared().await;
    sb.write_file("in/sales.csv", b"month,total\nJan,3\nFeb,5\n")
        .await
        .unwrap();
    // Runs start in /mnt/data, and relative paths resolve there.
    let ex = run(
        &sb,
        "import os\nprint(os.getcwd())\nopen('in/sales.csv').read().splitlines()[2]",
    )
    .await;
    assert_eq!(ex.stdout, "/mnt/data\n", "{ex:?}");
    assert_eq!(ex.result_text(), Some("'Feb,5'"));
    let back = sb.read_file("/mnt/data/in/sales.csv").await.unwrap();
    assert_eq!(back.to_vec(), b"month,total\nJan,3\nFeb,5\n");
    let list = sb.list_files(None).await.unwrap();
    let entry = list
        .iter()
        .find(|f| f.path == "/mnt/data/in/sales.csv")
        .expect("listed");
    assert_eq!(entry.size, 24.0);
    assert!(entry.modified_ms > 1.6e12, "{entry:?}");
    assert_eq!(sb.list_files(Some("in")).await.unwrap().len(), 1);
    sb.remove_file("in/sales.csv").await.unwrap();
    assert_eq!(
        code_of(sb.read_file("in/sales.csv").await),
        FileErrorCode::NotFound
    );
    // A run that chdirs away does not move the next one.
    run(&sb, "import os\nos.chdir('/tmp')").await;
    assert_eq!(
        run(&sb, "import os\nos.getcwd()").await.result_text(),
        Some("'/mnt/data'")
    );
}

#[wasm_bindgen_test]
async fn file_calls_queue_in_order_with_runs() {
    let sb = sandbox(SandboxOptions {
        standby: Some(false),
        ..opts()
    })
    .await;
    // Nothing is awaited until the end: each call sees the one before it.
    let write = sb.write_file("n.txt", b"1");
    let bump = sb.run(
        "n = int(open('n.txt').read())\nopen('n.txt', 'w').write(str(n + 1))",
        RunOptions::default(),
    );
    let read = sb.read_file("n.txt");
    let remove = sb.remove_file("n.txt");
    let after = sb.run("import os\nos.path.exists('n.txt')", RunOptions::default());
    write.await.unwrap();
    assert_eq!(bump.await.unwrap().status, Status::Ok);
    assert_eq!(read.await.unwrap().to_vec(), b"2");
    remove.await.unwrap();
    assert_eq!(after.await.unwrap().result_text(), Some("False"));
    sb.dispose();
}

#[wasm_bindgen_test]
async fn bad_file_calls_get_typed_errors_and_lose_nothing() {
    let sb = sandbox(SandboxOptions {
        standby: Some(false),
        max_file_bytes: Some(1000),
        ..opts()
    })
    .await;
    sb.write_file("keep.txt", b"kept").await.unwrap();
    run(&sb, "import os\nos.makedirs('folder', exist_ok=True)").await;
    each_bad_call_is_refused_with_its_code(&sb).await;
    // Nothing was written where it was refused, and the sandbox still works.
    let ex = run(
        &sb,
        "import os\nsorted(os.listdir('.')), os.path.exists('/mnt/escape.txt')",
    )
    .await;
    assert_eq!(
        ex.result_text(),
        Some("(['folder', 'keep.txt', 'made.bin'], False)"),
        "{ex:?}"
    );
    assert_eq!(sb.read_file("keep.txt").await.unwrap().to_vec(), b"kept");
    sb.dispose();
    assert_eq!(sb.write_file("x", b"1").await, Err(Error::Disposed));
    assert_eq!(sb.read_file("keep.txt").await.unwrap_err(), Error::Disposed);
    assert_eq!(sb.list_files(None).await.unwrap_err(), Error::Disposed);
    assert_eq!(sb.remove_file("keep.txt").await, Err(Error::Disposed));
}

/// Every kind of bad call, each with the code Node's `fs` would give.
async fn each_bad_call_is_refused_with_its_code(sb: &pycage::Sandbox) {
    assert_eq!(
        code_of(sb.write_file("a\0b", b"x").await),
        FileErrorCode::Invalid
    );
    assert_eq!(code_of(sb.read_file("").await), FileErrorCode::Invalid);
    assert_eq!(
        code_of(sb.write_file("../escape.txt", b"x").await),
        FileErrorCode::OutsideWorkDir
    );
    assert_eq!(
        code_of(sb.read_file("/etc/passwd").await),
        FileErrorCode::OutsideWorkDir
    );
    assert_eq!(
        code_of(sb.read_file("folder").await),
        FileErrorCode::IsDirectory
    );
    assert_eq!(
        code_of(sb.remove_file("folder").await),
        FileErrorCode::IsDirectory
    );
    assert_eq!(
        code_of(sb.write_file("folder", b"x").await),
        FileErrorCode::IsDirectory
    );
    assert_eq!(
        code_of(sb.write_file("keep.txt/inner", b"x").await),
        FileErrorCode::NotDirectory
    );
    assert_eq!(
        code_of(sb.read_file("missing.csv").await),
        FileErrorCode::NotFound
    );
    assert_eq!(
        code_of(sb.list_files(Some("missing")).await),
        FileErrorCode::NotFound
    );
    assert_eq!(
        code_of(sb.list_files(Some("keep.txt")).await),
        FileErrorCode::NotDirectory
    );
    assert_eq!(
        code_of(sb.write_file("big.bin", &[0u8; 1001]).await),
        FileErrorCode::TooLarge
    );
    run(sb, "open('made.bin','wb').write(bytes(5000))").await;
    assert_eq!(
        code_of(sb.read_file("made.bin").await),
        FileErrorCode::TooLarge
    );
    let err = sb.read_file("missing.csv").await.unwrap_err();
    assert!(
        err.to_string().contains("ENOENT") && err.to_string().contains("missing.csv"),
        "{err}"
    );
}

/// The smallest valid PNG: 1x1, grey.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0,
    1, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0x3A, 0x7E, 0x9B, 0x55, 0, 0, 0, 10, 0x49, 0x44, 0x41, 0x54,
    0x78, 0x9C, 0x63, 0x60, 0, 0, 0, 2, 0, 1, 0xE5, 0x27, 0xDE, 0xFC, 0, 0, 0, 0, 0x49, 0x45, 0x4E,
    0x44, 0xAE, 0x42, 0x60, 0x82,
];

#[wasm_bindgen_test]
async fn a_run_returns_the_files_it_created_or_changed() {
    let sb = sandbox(SandboxOptions {
        standby: Some(false),
        ..opts()
    })
    .await;
    sb.write_file("untouched.txt", b"same").await.unwrap();
    sb.write_file("chart.png", PNG).await.unwrap();
    let ex = run(
        &sb,
        "import csv, os\nos.makedirs('out', exist_ok=True)\nwith open('out/summary.csv', 'w', newline='') as f:\n    csv.writer(f).writerows([['month', 'total'], ['Jan', 3]])\nos.utime('chart.png', (0, 1))",
    )
    .await;
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    let paths: Vec<&str> = ex.files.iter().map(|f| f.path.as_str()).collect();
    assert!(paths.contains(&"/mnt/data/out/summary.csv"), "{paths:?}");
    assert!(
        paths.contains(&"/mnt/data/chart.png"),
        "a touched file counts as changed: {paths:?}"
    );
    assert!(!paths.contains(&"/mnt/data/untouched.txt"), "{paths:?}");
    let csv = ex
        .files
        .iter()
        .find(|f| f.path.ends_with("summary.csv"))
        .unwrap();
    assert_eq!((csv.mime.as_str(), csv.size), ("text/csv", 20.0));
    assert_eq!(csv.data.to_vec(), b"month,total\r\nJan,3\r\n");
    let png = ex.files.iter().find(|f| f.path.ends_with(".png")).unwrap();
    assert_eq!(
        (png.mime.as_str(), png.data.to_vec()),
        ("image/png", PNG.to_vec())
    );
    // A run that changes nothing returns nothing.
    assert!(run(&sb, "1").await.files.is_empty());
    sb.dispose();
}

#[wasm_bindgen_test]
async fn files_over_the_caps_are_dropped_with_the_reason() {
    let sb = sandbox(SandboxOptions {
        standby: Some(false),
        max_file_bytes: Some(10_000),
        max_run_file_bytes: Some(15_000),
        ..opts()
    })
    .await;
    let ex = run(&sb, "for name, n in [('a.bin', 8000), ('big.bin', 20000), ('b.bin', 8000)]:\n    open(name, 'wb').write(bytes(n))").await;
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    assert_eq!(ex.files.len(), 1, "{:?}", ex.files);
    let dropped = ex.dropped_outputs.join("\n");
    assert!(
        dropped.contains("/mnt/data/big.bin (20000 bytes) is over maxFileBytes (10000)"),
        "{dropped}"
    );
    assert!(dropped.contains("maxRunFileBytes (15000)"), "{dropped}");
    sb.dispose();
}

#[wasm_bindgen_test]
async fn uploaded_files_survive_a_replaced_interpreter_and_made_ones_are_reported_lost() {
    let sb = sandbox(opts()).await;
    sb.write_file("data/in.csv", b"a,b\n1,2\n").await.unwrap();
    sb.write_file("gone.txt", b"x").await.unwrap();
    sb.remove_file("gone.txt").await.unwrap();
    let made = run(&sb, "open('made.txt', 'w').write('by code')").await;
    assert_eq!(made.files.len(), 1, "{made:?}");
    let ex = run_with(&sb, STUBBORN, timeout(300.0)).await;
    assert_eq!(
        (ex.status, ex.interpreter_reset),
        (Status::Timeout, true),
        "{ex:?}"
    );
    let next = run(
        &sb,
        "import os\nopen('data/in.csv').read(), sorted(os.listdir('.'))",
    )
    .await;
    assert_eq!(
        next.result_text(),
        Some("('a,b\\n1,2\\n', ['data'])"),
        "{next:?}"
    );
    assert_eq!(next.lost_files, vec!["/mnt/data/made.txt".to_string()]);
    assert!(run(&sb, "1").await.lost_files.is_empty(), "said once");
    // After reset() nothing is restored.
    sb.reset().await.unwrap();
    assert_eq!(
        code_of(sb.read_file("data/in.csv").await),
        FileErrorCode::NotFound
    );
    assert!(run(&sb, "1").await.lost_files.is_empty());
    sb.dispose();
}

#[wasm_bindgen_test]
async fn input_raises_eof_at_once_without_on_input() {
    let sb = shared().await;
    let ex = run(&sb, "input('name? ')").await;
    assert_eq!(ex.status, Status::Error);
    let error = ex.error.as_ref().unwrap();
    assert_eq!(error.kind, "EOFError", "{ex:?}");
    assert!(error.message.contains("no standard input"), "{ex:?}");
    assert_eq!(ex.stdout, "name? ");
    let ex = run(&sb, "import sys\nsys.stdin.read()").await;
    assert_eq!(ex.error.unwrap().kind, "EOFError");
}

fn answers(lines: &'static [&'static str]) -> RunOptions {
    let next = Rc::new(std::cell::Cell::new(0));
    RunOptions {
        on_input: Some(Rc::new(move |prompt: &str| {
            let i = next.get();
            next.set(i + 1);
            let line = lines.get(i).map(|l| format!("{l} (asked {prompt:?})"));
            Box::pin(async move {
                sleep(10).await;
                line
            })
        })),
        ..Default::default()
    }
}

#[wasm_bindgen_test]
async fn input_asks_the_host_on_an_isolated_page_and_says_why_not_elsewhere() {
    for isolation in [Isolation::Iframe, Isolation::Worker] {
        let sb = sandbox(SandboxOptions {
            isolation,
            standby: Some(false),
            ..opts()
        })
        .await;
        let ex = run_with(
            &sb,
            "a = input('name? ')\nb = input()\nprint('hi', a, b)",
            answers(&["Ada", "Lovelace"]),
        )
        .await;
        if cross_origin_isolated() {
            assert_eq!(ex.status, Status::Ok, "{isolation:?} {ex:?}");
            assert_eq!(
                ex.stdout,
                "name? Ada (asked \"name? \")\nLovelace (asked \"\")\nhi Ada (asked \"name? \") Lovelace (asked \"\")\n",
                "{isolation:?}"
            );
            // No line: end of input.
            let ex = run_with(&sb, "input('more? ')", answers(&[])).await;
            assert_eq!(ex.error.unwrap().kind, "EOFError");
        } else {
            let error = ex.error.expect("EOFError");
            assert_eq!(error.kind, "EOFError", "{isolation:?}");
            assert!(
                error.message.contains("SharedArrayBuffer"),
                "{}",
                error.message
            );
        }
        sb.dispose();
    }
}

#[wasm_bindgen_test]
async fn the_deadline_applies_while_input_waits() {
    if !cross_origin_isolated() {
        return; // input() does not wait there (see the test above)
    }
    let sb = sandbox(SandboxOptions {
        standby: Some(false),
        ..opts()
    })
    .await;
    run(&sb, "kept = 7").await;
    let never = RunOptions {
        on_input: Some(Rc::new(|_: &str| Box::pin(std::future::pending()))),
        timeout: Some(std::time::Duration::from_millis(500)),
        ..Default::default()
    };
    let started = now();
    let ex = run_with(&sb, "input('waiting? ')", never).await;
    assert_eq!(ex.status, Status::Timeout, "{ex:?}");
    assert!(now() - started < 3000.0, "stopped near the deadline");
    assert!(
        !ex.interpreter_reset,
        "the interrupt stopped the wait; state kept: {ex:?}"
    );
    assert_eq!(run(&sb, "kept").await.result_text(), Some("7"));
    sb.dispose();
}
