//! Attacks on the page's fetch proxy (the sandbox's only way to the
//! network, made with the page's origin and cookies). The attacker is the
//! sandbox's Python: `js.fetch(url)`, the same with the worker's own URL
//! normalisation defeated (so the page sees the raw string), and
//! `pyodide_js.loadPackage`. Every attack must be refused by the page,
//! leak nothing, and leave the page responsive.
use pycage::{Isolation, SandboxOptions, Status};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
mod common;
use common::attack::clear_listener;
use common::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The content of tests/fixtures/secret.json.
const SECRET: &str = "PYCAGE-SECRET-FILE-7f3a";
const SIX: &str = "six-1.17.0-py2.py3-none-any.whl";
fn origin() -> String {
    web_sys::window().unwrap().location().origin().unwrap()
}

/// The page's own origin folder, as docs/packages.md's self-hosting advice gives.
fn same_origin_base() -> String {
    format!("{}/tests/fixtures/wheels/", origin())
}

/// The first `n` wheel file names in the test server's Pyodide lockfile.
async fn lockfile_wheels(n: usize) -> Vec<String> {
    let url = format!("{}pyodide-lock.json", pyodide_url());
    let window = web_sys::window().unwrap();
    let resp = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(&url))
        .await
        .unwrap();
    let resp: web_sys::Response = resp.unchecked_into();
    let body = wasm_bindgen_futures::JsFuture::from(resp.text().unwrap())
        .await
        .unwrap();
    let lock: serde_json::Value = serde_json::from_str(&body.as_string().unwrap()).unwrap();
    let mut files: Vec<String> = lock["packages"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|p| p["file_name"].as_str())
        .filter(|f| f.ends_with(".whl"))
        .map(String::from)
        .collect();
    files.sort();
    files.truncate(n);
    files
}

/// Python: `attempt(url, raw)` fetches `url` and says FETCHED (with the
/// body) or REFUSED (with the error). With `raw`, `URL.prototype.href` is
/// hijacked for the call, so the worker posts the string exactly as given
/// instead of its own parse of it: what a hostile sandbox can always do.
const ATTEMPT_PY: &str = r#"
import js, json
from pyodide.ffi import create_proxy, to_js
RAW = ['']
_desc = js.Object.getOwnPropertyDescriptor(js.URL.prototype, 'href')
_getter = create_proxy(lambda *a: RAW[0])
async def attempt(url, raw):
    try:
        if raw:
            RAW[0] = url
            js.Object.defineProperty(js.URL.prototype, 'href', to_js({'get': _getter, 'configurable': True}, dict_converter=js.Object.fromEntries))
            try:
                pending = js.fetch('x')
            finally:
                js.Object.defineProperty(js.URL.prototype, 'href', _desc)
        else:
            pending = js.fetch(url)
        r = await pending
        return 'FETCHED ' + repr(url) + ' ' + (await r.text())[:200]
    except Exception as e:
        return 'REFUSED ' + str(e).replace('\n', ' ')[:300]
"#;

/// The proxy is the page's, so both isolation modes are held to it (worker
/// mode has the native `fetch` besides; docs/security-model.md).
#[wasm_bindgen_test]
async fn f01_disguised_urls_are_judged_on_their_canonical_form() {
    for isolation in [Isolation::Iframe, Isolation::Worker] {
        disguised_urls_in(isolation).await;
    }
}

async fn disguised_urls_in(isolation: Isolation) {
    let base = same_origin_base();
    let origin = origin();
    let (on_log, logs) = recorder();
    let sb = sandbox(SandboxOptions {
        isolation,
        package_base_url: Some(base.clone()),
        standby: Some(false),
        on_log: Some(on_log),
        ..opts()
    })
    .await;
    clear_listener().await;
    start_heartbeat();
    let attacks = [
        format!("{base}%2e%2e/secret.json"),
        format!("{base}%2E%2E/%2e%2e/tests/fixtures/secret.json"),
        format!("{base}..\\..\\tests\\fixtures\\secret.json"),
        format!("{base}.%2e/secret.json"),
        format!("{base}sub/\t../../secret.json"),
        format!("{base}su\nb/..%2F../%2e%2E/secret.json"),
        format!("{origin}/api/x"),
        format!("{origin}/tests/fixtures/secret.json"),
        format!("{base}{SIX}?x=1"),
        format!("{base}{SIX}?"),
        format!("{base}humanize-4.14.0-py3-none-any.whl"),
        format!("{}/wheels/{SIX}", listener()),
        "javascript:fetch('/tests/fixtures/secret.json')".into(),
        "data:text/plain,PWNED".into(),
        format!("blob:{origin}/00000000-0000-0000-0000-000000000000"),
        base.replacen("://", "://user:pw@", 1) + SIX,
    ];
    let code = format!(
        "{ATTEMPT_PY}\nURLS = json.loads({:?})\nfor raw in (False, True):\n    for url in URLS:\n        print(await attempt(url, raw))",
        serde_json::to_string(&attacks).unwrap()
    );
    let ex = run(&sb, &code).await;
    let out = &ex.stdout;
    assert_eq!(ex.status, Status::Ok, "{ex:?}");
    assert!(
        !format!("{ex:?}").contains(SECRET),
        "the secret leaked: {out}"
    );
    let results: Vec<&str> = out.lines().collect();
    assert_eq!(results.len(), 2 * attacks.len(), "{out}");
    for (result, url) in results.iter().zip(attacks.iter().chain(attacks.iter())) {
        assert!(
            result.starts_with("REFUSED") && result.contains("refused"),
            "{url:?} was not refused by the page: {result}"
        );
    }
    // The canonical form is what counts, both ways: a disguised path to a
    // lockfile file reaches it (and fails only its sha256).
    let disguised = format!(
        "{}/tests/fixtures/wheels/x/%2E%2e/{SIX}#frag",
        origin.to_uppercase()
    );
    let code = format!(
        "{ATTEMPT_PY}\nprint(await attempt({disguised:?}, True))\nprint(await attempt({:?}, False))",
        format!("{base}{SIX}")
    );
    let ex = run(&sb, &code).await;
    let out = &ex.stdout;
    assert_eq!(out.matches("integrity").count(), 2, "{out}");
    sleep(300).await;
    assert_eq!(listener_log().await, Vec::<String>::new());
    assert_page_responsive("disguised URLs");
    let logs = logs.borrow().clone();
    assert!(
        logs.iter()
            .any(|l| l.contains("not a file in Pyodide's lockfile")),
        "{logs:?}"
    );
    assert_healthy(&sb).await;
    sb.dispose();
}

#[wasm_bindgen_test]
async fn f02_integrity_strings_and_request_floods_cost_the_page_little() {
    for isolation in [Isolation::Iframe, Isolation::Worker] {
        integrity_and_floods_in(isolation).await;
    }
}

async fn integrity_and_floods_in(isolation: Isolation) {
    let (on_log, logs) = recorder();
    let sb = sandbox(SandboxOptions {
        isolation,
        standby: Some(false),
        on_log: Some(on_log),
        ..opts()
    })
    .await;
    clear_listener().await;
    // pyodide.asm.wasm (9.6 MB) is under the default packageBaseUrl but not
    // in the lockfile; 300 SHA-512s of it froze the page for seconds. (The
    // fragment keeps the worker from serving it from its own copy.)
    start_heartbeat();
    let wasm = format!("{}pyodide.asm.wasm#x", pyodide_url());
    let code = format!(
        "{ATTEMPT_PY}\nimport asyncio\nopts = to_js({{'integrity': 'sha512-AAAA ' * 300}}, dict_converter=js.Object.fromEntries)\n\
         async def one():\n    try:\n        await js.fetch({wasm:?}, opts)\n        return 'FETCHED'\n    except Exception as e:\n        return 'REFUSED ' + str(e)[:200]\n\
         print('\\n'.join(await asyncio.gather(*[one() for _ in range(3)])))"
    );
    let started = now();
    let ex = run(&sb, &code).await;
    let took = now() - started;
    web_sys::console::log_1(&format!("3 fetches with 300 integrity entries: {took:.0} ms").into());
    sleep(100).await; // refused at once: give the timer a tick to count
    assert_page_responsive("integrity strings");
    assert_eq!(ex.stdout.matches("REFUSED").count(), 3, "{ex:?}");
    // A flood of requests: past 500 the interpreter is killed, and onLog
    // gets 20 refusals and one line saying the rest are not logged.
    start_heartbeat();
    let code = format!(
        "import js\nfor i in range(600):\n    try:\n        await js.fetch('{}/flood/' + str(i) + '.whl')\n    except Exception:\n        pass\nprint('survived')",
        listener()
    );
    let ex = run(&sb, &code).await;
    assert_eq!(ex.status, Status::Crashed, "{ex:?}");
    assert!(
        ex.error
            .as_ref()
            .is_some_and(|e| e.message.contains("more than 500 downloads")),
        "{ex:?}"
    );
    assert_page_responsive("a request flood");
    let logs = logs.borrow().clone();
    let refusals = logs
        .iter()
        .filter(|l| l.starts_with("refused to fetch"))
        .count();
    let muted = logs.iter().filter(|l| l.contains("are not logged")).count();
    assert_eq!((refusals, muted), (20, 1), "{logs:?}");
    sleep(300).await;
    assert_eq!(listener_log().await, Vec::<String>::new());
    assert_healthy(&sb).await;
    sb.dispose();
}

#[wasm_bindgen_test]
async fn f03_concurrent_downloads_are_capped_and_dispose_aborts_them() {
    for isolation in [Isolation::Iframe, Isolation::Worker] {
        concurrent_downloads_in(isolation).await;
    }
}

async fn concurrent_downloads_in(isolation: Isolation) {
    // The listener answers /__slow/ after 5 s, and records hang-ups.
    let base = format!("{}/__slow/", listener());
    let (on_log, logs) = recorder();
    let sb = sandbox(SandboxOptions {
        isolation,
        package_base_url: Some(base.clone()),
        standby: Some(false),
        on_log: Some(on_log),
        ..opts()
    })
    .await;
    clear_listener().await;
    start_heartbeat();
    let heap = wasm_heap();
    // 100 requests for lockfile files, each with a 1 MiB integrity string
    // the page must not keep: 4 start, 64 wait, 32 are refused at once.
    // (Eight different files: Chrome's cache lets only one request per URL
    // through at a time.)
    let files = serde_json::to_string(&lockfile_wheels(8).await).unwrap();
    let code = format!(
        "import js, asyncio, json\nfrom pyodide.ffi import to_js\n\
         opts = to_js({{'integrity': 'sha512-' + 'A' * 2**20}}, dict_converter=js.Object.fromEntries)\n\
         FILES = json.loads({files:?})\nresults = []\n\
         async def one(i):\n    try:\n        await js.fetch({base:?} + FILES[i % 8], opts)\n        results.append('FETCHED')\n    except Exception as e:\n        results.append(str(e))\n\
         tasks = [asyncio.ensure_future(one(i)) for i in range(100)]\n\
         await asyncio.sleep(2)\nprint(len(results), sum('too many downloads at once' in r for r in results))"
    );
    let ex = run(&sb, &code).await;
    let grown = (wasm_heap() - heap) / 1048576.0;
    web_sys::console::log_1(&format!("wasm heap grew by {grown:.1} MiB").into());
    assert_eq!(ex.stdout, "32 32\n", "{ex:?}");
    assert!(grown < 32.0, "the page's wasm heap grew by {grown:.1} MiB");
    let count =
        |seen: &[String], prefix: &str| seen.iter().filter(|l| l.starts_with(prefix)).count();
    let seen = listener_log().await;
    assert_eq!(
        (count(&seen, "GET /__slow/"), seen.len()),
        (4, 4),
        "{seen:?}"
    );
    // Dispose while the 4 are in flight: they are aborted, the queued 64
    // never start, and nothing is logged afterwards.
    let logged = logs.borrow().len();
    sb.dispose();
    // The listener says ABORTED when it would have answered (SLOW_SECONDS
    // after each request) and finds the client gone.
    let started = now();
    let mut seen = listener_log().await;
    while count(&seen, "ABORTED /__slow/") < 4 && now() - started < 8000.0 {
        sleep(200).await;
        seen = listener_log().await;
    }
    assert_eq!(
        (
            count(&seen, "GET /__slow/"),
            count(&seen, "ABORTED /__slow/")
        ),
        (4, 4),
        "{seen:?}"
    );
    assert_eq!(
        logs.borrow().len(),
        logged,
        "onLog after dispose: {:?}",
        logs.borrow()
    );
    assert_page_responsive("concurrent downloads");
}

#[wasm_bindgen_test]
async fn f04_load_package_cannot_pass_the_allowlist() {
    for isolation in [Isolation::Iframe, Isolation::Worker] {
        allowlist_in(isolation).await;
    }
}

async fn allowlist_in(isolation: Isolation) {
    // packageBaseUrl on the listener: every wheel request is recorded.
    let base = format!("{}/wheels/", listener());
    let code = "import pyodide_js\n\
        for names in (['six'], ['micropip'], ['numpy']):\n    try:\n        await pyodide_js.loadPackage(names)\n    except Exception as e:\n        print('error', e)";
    let (on_log, logs) = recorder();
    let sb = sandbox(SandboxOptions {
        isolation,
        package_base_url: Some(base.clone()),
        standby: Some(false),
        allowed_packages: Some(vec![]),
        auto_load_packages: Some(false),
        on_log: Some(on_log),
        ..opts()
    })
    .await;
    clear_listener().await;
    run(&sb, code).await;
    let attempt = format!(
        "{ATTEMPT_PY}\nprint(await attempt({:?}, True))",
        format!("{base}{SIX}")
    );
    let ex = run(&sb, &attempt).await;
    assert!(ex.stdout.contains("package six is not allowed"), "{ex:?}");
    sleep(300).await;
    assert_eq!(listener_log().await, Vec::<String>::new());
    let logs = logs.borrow().clone();
    for name in ["six", "micropip", "numpy"] {
        let line = format!(
            "package {name} is not allowed in this sandbox (allowedPackages / autoLoadPackages)"
        );
        assert!(logs.iter().any(|l| l.contains(&line)), "{name}: {logs:?}");
    }
    sb.dispose();
    // The control: with six allowed, its wheel is requested (and the
    // listener's answer fails the lockfile's sha256), micropip's is not.
    let sb = sandbox(SandboxOptions {
        isolation,
        package_base_url: Some(base),
        standby: Some(false),
        allowed_packages: Some(vec!["six".into()]),
        ..opts()
    })
    .await;
    clear_listener().await;
    run(&sb, code).await;
    sleep(300).await;
    assert_eq!(listener_log().await, vec![format!("GET /wheels/{SIX}")]);
    sb.dispose();
}
