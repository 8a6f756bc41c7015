//! The numpy/matplotlib browser tests (tests/full_dist.rs) need a full
//! Pyodide distribution, which is not on npm. When the test command serves
//! one it sets PYCAGE_PYODIDE_DIST_URL, and those tests run; otherwise they
//! are reported as ignored, with the reason.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(full_dist)");
    println!("cargo::rerun-if-env-changed=PYCAGE_PYODIDE_DIST_URL");
    if std::env::var_os("PYCAGE_PYODIDE_DIST_URL").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=full_dist");
    }
}
