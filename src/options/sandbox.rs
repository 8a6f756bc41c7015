//! [`SandboxOptions`], declared once: each option's Rust field and type,
//! JS name and TypeScript type, range, default and doc. declare.rs makes
//! the struct, its JS reader, its field list, its range checks and its
//! TypeScript interface from this; the README's table is checked against
//! it (declaration_tests.rs). `pypi`'s value is a group declared the same
//! way (pypi.rs).

use std::rc::Rc;
use std::time::Duration;

use js_sys::Uint8Array;

use super::{Isolation, Phase, PyodideHashes, PypiOptions, TextCallback};

options! {
    /// How a [`Sandbox`](crate::Sandbox) starts and behaves. Every field is
    /// optional; `Default` leaves each unset, which gives its documented
    /// default. Each field's doc names its option in JS.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), pycage::Error> {
    /// use std::time::Duration;
    /// use pycage::{Sandbox, SandboxOptions};
    /// let sandbox = Sandbox::create(SandboxOptions {
    ///     pyodide_url: Some("/pyodide/".into()),
    ///     timeout: Some(Duration::from_secs(5)),
    ///     max_output_bytes: Some(64 << 10),
    ///     on_log: Some(std::rc::Rc::new(|line: &str| web_sys::console::log_1(&line.into()))),
    ///     ..Default::default()
    /// })
    /// .await?;
    /// # let _ = sandbox; Ok(()) }
    /// ```
    #[derive(Clone, Default)]
    pub struct SandboxOptions, in TypeScript "Options for {@link Sandbox.create}. Every field is optional." {
        /// Folder holding `pyodide.mjs`.
        pyodide_url: Option<String> = "pyodideUrl": "string" {
            unset: "jsDelivr's copy of Pyodide 314.0.7",
        }
        /// The sha256 (hex) each Pyodide core file must have, by file name, or `false`
        /// (`PyodideHashes::Unchecked`) to load them unchecked (said once through `onLog`).
        ///
        /// The core files: `pyodide.mjs`, `pyodide.asm.mjs`, `pyodide.asm.wasm`,
        /// `python_stdlib.zip`, `pyodide-lock.json`. A file that differs, or another Pyodide
        /// version, is a `SandboxInitError` (`Error::Init`) naming it. Pass your build's
        /// hashes to self-host another build.
        pyodide_hashes: PyodideHashes = "pyodideHashes": "Record<string, string> | false" {
            unset: "the pinned Pyodide 314.0.7 files' hashes, built in",
        }
        /// Where distribution packages (wheels) are fetched from.
        package_base_url: Option<String> = "packageBaseUrl": "string" {
            unset: "`pyodideUrl`",
        }
        /// Default per-run time limit.
        timeout: Option<Duration> = "timeoutMs": "number" {
            range: [1 ms, 24 h],
            default: 30 s,
        }
        /// Cap on stdout and on stderr, each, in UTF-8 bytes; `truncated` past it.
        max_output_bytes: Option<u64> = "maxOutputBytes": "number" {
            range: [0 B, 256 MiB],
            default: 1 MiB,
        }
        /// Where the interpreter runs: `"iframe"`, an opaque-origin sandboxed iframe with a
        /// no-network CSP, or `"worker"`, a worker at the page's origin (weaker: see
        /// docs/security-model.md).
        isolation: Isolation = "isolation": "\"iframe\" | \"worker\"" {
            unset: "`\"iframe\"`",
        }
        /// A page on another site that serves `runnerHtml()`'s document: the sandbox frame
        /// gets its own process (`"iframe"` isolation only; docs/serving.md).
        ///
        /// The frame loads it instead of an inline document, so the browser gives it a
        /// process of its own.
        runner_url: Option<String> = "runnerUrl": "string" {
            unset: "none",
        }
        /// Packages loaded at boot: Pyodide distribution names or wheel URLs.
        packages: Vec<String> = "packages": "string[]" {
            unset: "none",
        }
        /// Load the distribution packages a run imports before running it.
        auto_load_packages: Option<bool> = "autoLoadPackages": "boolean" {
            default: true,
        }
        /// If set, only these distribution packages may be loaded by import.
        allowed_packages: Option<Vec<String>> = "allowedPackages": "string[]" {
            unset: "any",
        }
        /// Package-loading and supervisor messages (never the user's stdout).
        on_log: Option<TextCallback> = "onLog": "(message: string) => void" {}
        /// Boot progress: `"downloading"`, `"starting"`, `"packages"`, `"ready"`.
        on_progress: Option<Rc<dyn Fn(Phase)>> = "onProgress":
            "(event: { phase: \"downloading\" | \"starting\" | \"packages\" | \"ready\" }) => void" {}
        /// Keep a second interpreter booted so a timeout or reset costs no boot.
        standby: Option<bool> = "standby": "boolean" {
            default: true,
        }
        /// Boot interpreters from a memory snapshot of a freshly booted one, kept in this
        /// page's Cache API (never in the sandbox): boots after the first take a fraction of
        /// the time (docs/snapshots.md).
        snapshot: Option<bool> = "snapshot": "boolean" {
            unset: "true, and false when `packages` is set",
        }
        /// Time allowed for Python to start.
        boot_timeout: Option<Duration> = "bootTimeoutMs": "number" {
            range: [100 ms, 10 min],
            default: 60 s,
        }
        /// Most figures one run may return.
        max_figures: Option<usize> = "maxFigures": "number" {
            range: [0, 10000],
            default: 50,
        }
        /// Largest single figure, in bytes.
        max_figure_bytes: Option<u64> = "maxFigureBytes": "number" {
            range: [0 B, 512 MiB],
            default: 5 MiB,
        }
        /// Largest total of figure bytes per run.
        max_run_figure_bytes: Option<u64> = "maxRunFigureBytes": "number" {
            range: [0 B, 1 GiB],
            default: 20 MiB,
        }
        /// Largest PNG area (width x height) accepted, in pixels.
        max_image_pixels: Option<u64> = "maxImagePixels": "number" {
            range: [1, 10000 M],
            default: 25 M,
        }
        /// Largest file, in bytes, that `writeFile` takes, `readFile` returns or a run
        /// returns in `files`.
        max_file_bytes: Option<u64> = "maxFileBytes": "number" {
            range: [0 B, 1 GiB],
            default: 64 MiB,
        }
        /// Largest total of file bytes one run returns in `files`.
        max_run_file_bytes: Option<u64> = "maxRunFileBytes": "number" {
            range: [0 B, 2 GiB],
            default: 128 MiB,
        }
        /// PyPI packages through the page: `micropip.install(name)` and the import of an
        /// allowed name fetch pure-Python wheels, for the names in `allowed` only
        /// (docs/packages.md).
        ///
        /// The page fetches the index (PEP 691 JSON) and the wheels, never the sandbox, and
        /// checks each wheel against the index's sha256. micropip itself comes from the
        /// index the same way.
        pypi: Option<PypiOptions> = "pypi": "PypiOptions" {
            unset: "off",
        }
        /// A run may not grow the interpreter's heap past this many bytes: one that tries
        /// ends as crashed with a `MemoryLimitError`, and the interpreter is replaced.
        ///
        /// A guard against accidents, not hostile code.
        max_memory_bytes: Option<u64> = "maxMemoryBytes": "number" {
            range: [128 MiB, 4 GiB],
            unset: "no limit",
        }
        /// An interpreter that ends a run above this heap size, in bytes, is replaced before
        /// the next run (a wasm heap never shrinks).
        recycle_memory_bytes: Option<u64> = "recycleMemoryBytes": "number" {
            range: [64 MiB, 4 GiB],
            default: 512 MiB,
        }
        /// When the page's limit of live interpreters evicts this idle sandbox, export its
        /// session first and restore it into the interpreter its next call boots, instead
        /// of losing its state (docs/sessions.md).
        keep_session_on_eviction: Option<bool> = "keepSessionOnEviction": "boolean" {
            default: false,
        }
        /// A session to boot into: bytes from `exportSession` (docs/sessions.md). `create`
        /// resolves once it is restored, and `restoredSession` says what came back.
        ///
        /// A session that is not one this pycage reads (truncated, corrupt, another pycage
        /// or Pyodide version, over `maxSessionBytes`) is a `SessionError`, and nothing is
        /// booted from it.
        session: Option<Uint8Array> = "session": "Uint8Array" {
            unset: "a fresh interpreter",
        }
        /// Largest session, in bytes, that `exportSession` makes and `create` reads,
        /// compressed and inflated alike.
        max_session_bytes: Option<u64> = "maxSessionBytes": "number" {
            range: [1 MiB, 2 GiB],
            default: 256 MiB,
        }
    }
}
