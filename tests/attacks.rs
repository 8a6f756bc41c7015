//! SECURITY.md's attacks against iframe isolation, the default (the cases
//! are in attacks/cases.rs; attacks_worker_mode.rs runs them in worker mode).
// The test scripts the host page itself (a page may eval; pycage may not).
#![allow(clippy::disallowed_methods)]
mod common;

/// The isolation the cases run against.
const ISOLATION: pycage::Isolation = pycage::Isolation::Iframe;

include!("attacks/cases.rs");
