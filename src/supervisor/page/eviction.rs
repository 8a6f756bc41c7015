//! Which interpreter goes when the page is at its limit of live
//! interpreters (registry.rs), and whether a new one may start: a pure
//! policy over what each sandbox is doing, so it is tested natively.
//!
//! Standbys go first: a sandbox loses nothing but a faster recovery. Then
//! the least recently used idle sandbox gives up its active interpreter.
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

/// A sandbox's standby, as eviction sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(in crate::supervisor) enum Standby {
    #[default]
    None,
    /// Ready to take over; may be stopped.
    Spare,
    /// A replacement waits for it to make the boot snapshot: kept.
    Awaited,
    /// A disposed sandbox's, kept only to make the snapshot (maker.rs).
    Maker,
}

/// Another sandbox of the page, as a candidate to free an interpreter.
#[derive(Clone, Copy, Debug, Default)]
pub(in crate::supervisor) struct Candidate {
    pub standby: Standby,
    pub occupancy: Occupancy,
}

/// What to stop to make room, by the candidate's index.
#[derive(Debug, PartialEq, Eq)]
pub(in crate::supervisor) enum Victim {
    Standby(usize),
    Maker(usize),
    Active(usize),
}

/// The first candidate's spare standby or finished sandbox's maker, else
/// the least recently used idle sandbox's active interpreter.
pub(in crate::supervisor) fn victim(candidates: &[Candidate]) -> Option<Victim> {
    let standby = candidates
        .iter()
        .enumerate()
        .find_map(|(i, c)| match c.standby {
            Standby::Spare => Some(Victim::Standby(i)),
            Standby::Maker => Some(Victim::Maker(i)),
            Standby::None | Standby::Awaited => None,
        });
    let occupancies: Vec<_> = candidates.iter().map(|c| c.occupancy).collect();
    standby.or_else(|| least_recently_used(&occupancies).map(Victim::Active))
}

/// Whether a new interpreter may start under `limit`, given how many are
/// `live` and a way to `evict` one (false when none can go). A standby
/// starts only below the limit and evicts nothing; an active interpreter
/// evicts until there is room, and starts anyway when nothing can go: a run
/// is never refused for the limit.
pub(in crate::supervisor) fn room(
    standby: bool,
    limit: Option<usize>,
    mut live: impl FnMut() -> usize,
    mut evict: impl FnMut() -> bool,
) -> bool {
    let Some(limit) = limit else {
        return true;
    };
    while live() >= limit {
        if standby || !evict() {
            return !standby;
        }
    }
    true
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

    fn with(standby: Standby, occupancy: Occupancy) -> Candidate {
        Candidate { standby, occupancy }
    }

    #[test]
    fn a_standby_goes_before_any_active_interpreter() {
        let candidates = [
            with(Standby::None, idle(0.0)),
            with(Standby::Spare, idle(9.0)),
        ];
        assert_eq!(victim(&candidates), Some(Victim::Standby(1)));
        let candidates = [
            with(Standby::None, idle(0.0)),
            with(Standby::Maker, Occupancy::default()),
        ];
        assert_eq!(victim(&candidates), Some(Victim::Maker(1)));
    }

    #[test]
    fn a_standby_a_replacement_waits_for_is_kept() {
        let candidates = [
            with(Standby::Awaited, idle(5.0)),
            with(Standby::None, idle(1.0)),
        ];
        assert_eq!(victim(&candidates), Some(Victim::Active(1)));
        assert_eq!(
            victim(&[with(Standby::Awaited, Occupancy::default())]),
            None
        );
    }

    #[test]
    fn a_standby_starts_only_below_the_limit_and_evicts_nothing() {
        let mut evicted = 0;
        assert!(room(true, Some(4), || 3, || true));
        assert!(!room(
            true,
            Some(4),
            || 4,
            || {
                evicted += 1;
                true
            }
        ));
        assert_eq!(evicted, 0);
        assert!(room(true, None, || 100, || false), "no limit");
    }

    #[test]
    fn an_active_interpreter_evicts_until_there_is_room_or_starts_over_the_limit() {
        let live = std::cell::Cell::new(6);
        let evict = || {
            live.set(live.get() - 1);
            true
        };
        assert!(room(false, Some(4), || live.get(), evict));
        assert_eq!(live.get(), 3, "evicted down to one below the limit");
        // Every other sandbox busy: nothing can go, and it starts anyway.
        assert!(room(false, Some(4), || 6, || false));
    }
}
