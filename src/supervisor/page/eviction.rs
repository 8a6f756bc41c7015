//! Which sandbox gives up its interpreter when the page is at its limit of
//! live interpreters (registry.rs): a pure policy over what each sandbox is
//! doing, so it is tested natively.
//!
//! Only a sandbox whose interpreter is ready and has nothing to do may be
//! evicted. A booting interpreter is never taken: its boot timer lives with
//! it, and the callers of `Sandbox.create` waiting for it would never hear
//! again (issue 23, finding 1).

/// What eviction needs to know of one sandbox.
#[derive(Clone, Copy, Debug, Default)]
pub(in crate::supervisor) struct Occupancy {
    pub disposed: bool,
    /// `None`: no active interpreter; `Some(ready)` otherwise.
    pub active: Option<bool>,
    /// A run or file call in progress, a reset, or work queued.
    pub busy: bool,
    /// Callers waiting for the sandbox's first boot.
    pub boot_waiters: usize,
    /// When its last run or file call started.
    pub last_used: f64,
}

impl Occupancy {
    /// Whether its active interpreter may be taken.
    pub(in crate::supervisor) fn evictable(&self) -> bool {
        !self.disposed && self.active == Some(true) && !self.busy && self.boot_waiters == 0
    }
}

/// The index of the least recently used evictable sandbox, if any.
pub(in crate::supervisor) fn least_recently_used(sandboxes: &[Occupancy]) -> Option<usize> {
    sandboxes
        .iter()
        .enumerate()
        .filter(|(_, s)| s.evictable())
        .min_by(|a, b| a.1.last_used.total_cmp(&b.1.last_used))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idle(last_used: f64) -> Occupancy {
        Occupancy {
            active: Some(true),
            last_used,
            ..Occupancy::default()
        }
    }

    #[test]
    fn the_least_recently_used_idle_sandbox_goes() {
        assert_eq!(
            least_recently_used(&[idle(3.0), idle(1.0), idle(2.0)]),
            Some(1)
        );
    }

    #[test]
    fn a_booting_sandbox_is_never_evicted() {
        // The red team's case: the oldest is still booting (not ready).
        let booting = Occupancy {
            active: Some(false),
            boot_waiters: 1,
            ..idle(0.0)
        };
        assert_eq!(least_recently_used(&[booting, idle(5.0)]), Some(1));
        assert_eq!(least_recently_used(&[booting]), None);
        // Not ready, even with no one waiting (a replacement booting).
        let replacing = Occupancy {
            active: Some(false),
            ..idle(0.0)
        };
        assert_eq!(least_recently_used(&[replacing]), None);
    }

    #[test]
    fn a_sandbox_with_boot_waiters_is_never_evicted() {
        let waited = Occupancy {
            boot_waiters: 2,
            ..idle(0.0)
        };
        assert_eq!(least_recently_used(&[waited]), None);
    }

    #[test]
    fn busy_disposed_and_empty_sandboxes_are_never_evicted() {
        let busy = Occupancy {
            busy: true,
            ..idle(0.0)
        };
        let disposed = Occupancy {
            disposed: true,
            ..idle(0.0)
        };
        let empty = Occupancy {
            active: None,
            ..idle(0.0)
        };
        assert_eq!(least_recently_used(&[busy, disposed, empty]), None);
    }
}
