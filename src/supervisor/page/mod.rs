//! What the page's sandboxes share: the registry and the live-interpreter
//! limit, the standby pool, which idle sandbox is evicted, the boot
//! snapshot kept at the page's origin, and the one warm-up of the page's
//! compiled code.

pub(super) mod eviction;
pub(super) mod pool;
pub(super) mod registry;
pub(super) mod snapshot;
pub(super) mod warm_up;
