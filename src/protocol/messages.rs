//! Every message the sandbox sends the page, declared once. Each entry
//! gives its variant of `FromSandbox` and its payload, the name of the
//! constant for its `type` and the string, how it is decoded
//! (`parse`: serde, strict), its weight (the bytes it carries,
//! charged to the flood budget; 64 for a small one) and how a violation
//! names it when it comes when nothing asked for it.
//!
//! From this, `declare.rs` makes the enum, its decoding by `type`
//! (`decode.rs`), `weight`, `unexpected` and the constants in `types`;
//! build.rs writes the same constants as `PROTOCOL.TYPES` for the guest's
//! JavaScript. The payloads are in mod.rs and files.rs.
//!
//! Nothing but the one `from_sandbox!` call here: build.rs compiles this
//! file with a `from_sandbox!` of its own, which keeps only the names.

from_sandbox! {
    /// Boot progress, before `ready`.
    Progress(Progress) = PROGRESS: "progress" {
        decode: parse,
        weight: |_m| 64,
        unexpected: "progress",
    }
    Ready(Ready) = READY: "ready" {
        decode: parse,
        weight: |_m| 64,
        unexpected: "ready",
    }
    BootFailed(Failure) = BOOT_FAILED: "bootFailed" {
        decode: parse,
        weight: |f| f.reason.len(),
        unexpected: "bootFailed",
    }
    Stream(Stream) = STREAM: "stream" {
        decode: parse,
        weight: |s| s.text.len(),
        unexpected: "stream (for no current run)",
    }
    Display(Display) = DISPLAY: "display" {
        decode: parse,
        weight: |d| bundle_weight(&d.data),
        unexpected: "display (for no current run)",
    }
    Done(Done) = DONE: "done" {
        decode: parse,
        weight: |_m| 64,
        unexpected: "done (for no current run)",
    }
    Fetch(Fetch) = FETCH: "fetch" {
        decode: parse,
        weight: |_m| 64,
        unexpected: "fetch",
    }
    Pong(Pong) = PONG: "pong" {
        decode: parse,
        weight: |_m| 64,
        unexpected: "pong (not asked for)",
    }
    Log(Log) = LOG: "log" {
        decode: parse,
        weight: |t| t.text.len(),
        unexpected: "log",
    }
    Crashed(Failure) = CRASHED: "crashed" {
        decode: parse,
        weight: |f| f.reason.len(),
        unexpected: "crashed",
    }
    /// The frame refused a message of the worker's (frame.js `check`).
    Refused(Failure) = REFUSED: "refused" {
        decode: parse,
        weight: |f| f.reason.len(),
        unexpected: "refused",
    }
    /// A memory snapshot of a freshly booted interpreter (asked for at
    /// init). Read without copying its bytes, and without the size walk
    /// (`decode_snapshot`); one that was not asked for is charged in full
    /// (policing.rs).
    Snapshot(SnapshotBytes) = SNAPSHOT: "snapshot" {
        decode: snapshot_bytes,
        weight: |_m| 64,
        unexpected: "snapshot (not asked for)",
    }
    FileResult(FileResult) = FILE_RESULT: "fileResult" {
        decode: parse,
        weight: |r| r.data.as_ref().map_or(0, byte_length) + r.listing.as_ref().map_or(0, String::len),
        unexpected: "fileResult (for no file call)",
    }
    OutputFiles(OutputFiles) = FILES: "files" {
        decode: parse,
        weight: |batch| {
            64 + batch
                .files
                .iter()
                .map(|f| f.path.len() + byte_length(&f.data))
                .chain(batch.skipped.iter().map(|s| s.path.len()))
                .sum::<usize>()
        },
        unexpected: "files (for no current run)",
    }
    Input(Input) = INPUT: "input" {
        decode: parse,
        weight: |i| i.prompt.len(),
        unexpected: "input (for no current run, or unanswerable)",
    }
    MemoryLimit(MemoryLimit) = MEMORY_LIMIT: "memoryLimit" {
        decode: parse,
        weight: |_m| 64,
        unexpected: "memoryLimit (for no current run)",
    }
}
