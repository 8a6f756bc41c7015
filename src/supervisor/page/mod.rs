//! What the page's sandboxes share: the registry and the live-interpreter
//! limit, the standby pool, which idle sandbox is evicted, and the boot
//! snapshot kept at the page's origin.

pub(super) mod eviction;
pub(super) mod pool;
pub(super) mod registry;
pub(super) mod snapshot;
