//! SECURITY.md's attacks (attacks/cases.rs) against worker mode, where the
//! page receives every message itself: what crosses the page boundary must
//! hold there too. The attacks this mode does not contain by design (no
//! frame, no CSP) are skipped, by name.
// The test scripts the host page itself (a page may eval; pycage may not).
#![allow(clippy::disallowed_methods)]
mod common;

/// The isolation the cases run against.
const ISOLATION: pycage::Isolation = pycage::Isolation::Worker;

include!("attacks/cases.rs");
