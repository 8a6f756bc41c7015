//! Where an interpreter lives: its frame or worker (`container`), the
//! heartbeat that notices a dead frame process, the shared memory for
//! interrupts and `input()`, the watch for a host CSP that blocks us, and
//! the browser's clock.

pub(super) mod browser;
mod container;
pub(super) mod csp_watch;
pub(super) mod heartbeat;
pub(super) mod shared_buffer;
pub(super) mod timer;

pub(crate) use container::frame_document;
pub(in crate::supervisor) use container::*;
