//! Who takes over when the active interpreter goes, when its standby boots,
//! who makes the page's boot snapshot, and what a dispose leaves running:
//! the decisions alone, with no I/O, so native tests cover them.
//! `interpreters.rs` and `maker.rs` carry them out.

use crate::supervisor::STANDBY_QUIET_MS;

/// The sandbox's own standby, as far as succession goes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(in crate::supervisor) enum OwnStandby {
    None,
    /// Booting or ready, and not the snapshot's maker.
    Warm,
    /// Making the page's snapshot: it never runs user code (Pyodide's
    /// snapshot mode changes how `js` proxies behave).
    Maker,
}

/// What replaces the active interpreter.
#[derive(Debug, PartialEq)]
pub(in crate::supervisor) enum Successor {
    /// The sandbox's own standby (ready or still booting).
    Promote,
    /// A ready standby of another sandbox booted alike (pool.rs).
    Adopt,
    /// Nothing yet: the own standby is making the snapshot, and the
    /// replacement boots from it when it comes (about 1 s, against a full
    /// boot of 3-10 s that the maker is part-way through already).
    AwaitSnapshot,
    /// A fresh interpreter (from the snapshot, if the page has one).
    Boot,
}

/// `pool_has_one`: another sandbox of the page holds a ready standby booted
/// alike that is not its maker; taken only when standbys are on.
pub(in crate::supervisor) fn successor(
    own: OwnStandby,
    standbys: bool,
    pool_has_one: bool,
) -> Successor {
    match own {
        OwnStandby::Warm => Successor::Promote,
        _ if standbys && pool_has_one => Successor::Adopt,
        OwnStandby::Maker => Successor::AwaitSnapshot,
        OwnStandby::None => Successor::Boot,
    }
}

/// How long the standby waits before it boots, `None` for not at all.
/// `busy`: a run, a file call, a reset or warm-up runs are under way;
/// `quiet_ms`: since one last started; `left`: until it boots anyway. It
/// waits for [`STANDBY_QUIET_MS`] of quiet, at most `left`.
pub(in crate::supervisor) fn standby_wait(busy: bool, quiet_ms: f64, left: f64) -> Option<f64> {
    let quiet_left = if busy {
        STANDBY_QUIET_MS
    } else {
        STANDBY_QUIET_MS - quiet_ms
    };
    (left > 0.0 && quiet_left > 0.0).then(|| quiet_left.min(left))
}

/// Whether a new interpreter is asked to make the page's snapshot: only a
/// standby (it runs no code before it is replaced), with snapshots on, when
/// the page has none and no interpreter of the page is making one.
pub(in crate::supervisor) fn makes_snapshot(
    standby: bool,
    snapshots: bool,
    held: bool,
    making: bool,
) -> bool {
    standby && snapshots && !held && !making
}

/// What a dispose leaves running.
#[derive(Debug, PartialEq)]
pub(in crate::supervisor) enum AtDispose {
    /// The own standby is making the snapshot: it runs on until it has.
    KeepMaker,
    /// Start a maker: the page has no snapshot and none is being made, and
    /// this sandbox booted fully once (so Pyodide does boot from its URL).
    StartMaker,
    /// Everything stops.
    StopAll,
}

/// `wanted`: snapshots are on, an interpreter of this sandbox became ready
/// once, and the page holds no snapshot for its Pyodide.
pub(in crate::supervisor) fn at_dispose(own: OwnStandby, wanted: bool, making: bool) -> AtDispose {
    match own {
        OwnStandby::Maker => AtDispose::KeepMaker,
        _ if wanted && !making => AtDispose::StartMaker,
        _ => AtDispose::StopAll,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standby_promotion_takes_the_own_warm_standby_first() {
        for pool in [false, true] {
            assert_eq!(successor(OwnStandby::Warm, true, pool), Successor::Promote);
        }
    }

    #[test]
    fn the_pool_gives_a_standby_when_the_sandbox_has_none() {
        assert_eq!(successor(OwnStandby::None, true, true), Successor::Adopt);
        assert_eq!(successor(OwnStandby::None, true, false), Successor::Boot);
    }

    #[test]
    fn with_standbys_off_nothing_is_adopted() {
        assert_eq!(successor(OwnStandby::None, false, true), Successor::Boot);
        assert_eq!(
            successor(OwnStandby::Maker, false, true),
            Successor::AwaitSnapshot
        );
    }

    #[test]
    fn the_maker_is_never_promoted_and_a_replacement_waits_for_its_snapshot() {
        assert_eq!(
            successor(OwnStandby::Maker, true, false),
            Successor::AwaitSnapshot
        );
    }

    #[test]
    fn a_ready_pool_standby_beats_waiting_for_the_snapshot() {
        assert_eq!(successor(OwnStandby::Maker, true, true), Successor::Adopt);
    }

    #[test]
    fn only_a_standby_makes_the_snapshot() {
        assert!(makes_snapshot(true, true, false, false));
        assert!(!makes_snapshot(false, true, false, false), "an active one");
        assert!(!makes_snapshot(true, false, false, false), "snapshots off");
    }

    #[test]
    fn the_snapshot_is_made_once_per_page() {
        assert!(!makes_snapshot(true, true, true, false), "the page has it");
        assert!(
            !makes_snapshot(true, true, false, true),
            "one is being made"
        );
    }

    #[test]
    fn a_dispose_keeps_the_maker_until_it_has_made_the_snapshot() {
        for wanted in [false, true] {
            for making in [false, true] {
                assert_eq!(
                    at_dispose(OwnStandby::Maker, wanted, making),
                    AtDispose::KeepMaker
                );
            }
        }
    }

    #[test]
    fn a_dispose_before_the_standby_started_starts_a_maker() {
        assert_eq!(
            at_dispose(OwnStandby::None, true, false),
            AtDispose::StartMaker
        );
        assert_eq!(
            at_dispose(OwnStandby::Warm, true, false),
            AtDispose::StartMaker,
            "a warm standby that is not the maker stops; a maker starts"
        );
    }

    #[test]
    fn a_dispose_stops_everything_when_no_snapshot_is_wanted() {
        assert_eq!(
            at_dispose(OwnStandby::None, false, false),
            AtDispose::StopAll
        );
        assert_eq!(
            at_dispose(OwnStandby::Warm, true, true),
            AtDispose::StopAll,
            "another interpreter of the page is making it"
        );
    }

    #[test]
    fn the_standby_boots_once_the_sandbox_is_quiet() {
        assert_eq!(standby_wait(false, STANDBY_QUIET_MS, 2000.0), None);
        assert_eq!(standby_wait(false, 400.0, 2000.0), Some(600.0));
        assert_eq!(standby_wait(true, 0.0, 2000.0), Some(STANDBY_QUIET_MS));
    }

    #[test]
    fn the_standby_boots_at_its_latest_while_runs_keep_coming() {
        assert_eq!(standby_wait(true, 0.0, 100.0), Some(100.0));
        assert_eq!(standby_wait(true, 0.0, 0.0), None);
        assert_eq!(standby_wait(false, 10.0, -1.0), None);
    }
}
