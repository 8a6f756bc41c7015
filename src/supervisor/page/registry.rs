//! The page's sandboxes, for a page-level limit on live interpreters
//! ([`set_max_live_interpreters`]): each interpreter is a worker with a
//! wasm heap of its own, so a page with many conversations pays for each.
//! Past the limit, standbys go first, then the least recently used idle
//! sandbox gives up its interpreter; its next run starts on a fresh one and
//! says so (`interpreterReset`, `resetReason`), with its uploaded files
//! restored as after a timeout. A sandbox that is running, or has work
//! queued, or whose interpreter is still booting, is never evicted
//! (eviction.rs).

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use crate::supervisor::machine::deferred::run_effects;
use crate::supervisor::machine::interpreters::Role;
use crate::supervisor::page::eviction;
use crate::supervisor::Inner;

thread_local! {
    static SANDBOXES: RefCell<Vec<Weak<RefCell<Inner>>>> = const { RefCell::new(Vec::new()) };
    static LIMIT: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Sets the most interpreters (active and standby, all sandboxes of this
/// page) alive at once; `None` (the default) for no limit. At least 1.
///
/// ```no_run
/// pycage::set_max_live_interpreters(Some(6));
/// ```
pub fn set_max_live_interpreters(limit: Option<usize>) {
    LIMIT.with(|l| l.set(limit.map(|n| n.max(1))));
}

/// How many interpreters this page's sandboxes hold now. A sandbox disposed
/// before it made the page's boot snapshot holds one until the snapshot is
/// made (a few seconds; it is the first to go at the limit).
pub fn live_interpreters() -> usize {
    others(|_| {}).1
}

/// Every live sandbox of the page (each may be borrowed right now).
pub(in crate::supervisor) fn sandboxes() -> Vec<Rc<RefCell<Inner>>> {
    SANDBOXES.with(|all| all.borrow().iter().filter_map(Weak::upgrade).collect())
}

pub(in crate::supervisor) fn register(weak: Weak<RefCell<Inner>>) {
    SANDBOXES.with(|all| {
        let mut all = all.borrow_mut();
        all.retain(|w| w.strong_count() > 0);
        all.push(weak);
    });
}

impl Inner {
    /// What eviction needs to know of this sandbox (eviction.rs).
    fn occupancy(&self) -> eviction::Occupancy {
        eviction::Occupancy {
            disposed: self.disposed,
            active: self.active.as_ref().map(|a| a.ready),
            busy: self.current.is_some()
                || self.current_file.is_some()
                || self.resetting.is_some()
                || !self.queue.is_empty(),
            boot_waiters: self.boot_waiters.len(),
            last_used: self.last_used,
        }
    }

    pub(in crate::supervisor) fn live(&self) -> usize {
        usize::from(self.active.is_some()) + usize::from(self.standby.is_some())
    }

    /// Room for one more interpreter of `role` for this sandbox: true if
    /// there is (making it by evicting others' standbys, then for an active
    /// one the least recently used idle sandbox's interpreter).
    /// A standby is only started below the limit; an active one evicts
    /// others to get there, and starts anyway (over the limit) when every
    /// other sandbox is busy: a run is never refused for it.
    pub(in crate::supervisor) fn make_room(&mut self, role: Role) -> bool {
        let me = self.weak.clone();
        let mine = self.live();
        eviction::room(
            role == Role::Standby,
            LIMIT.with(Cell::get),
            || mine + others_live(&me),
            || evict_one(&me),
        )
    }

    fn as_candidate(&self) -> eviction::Candidate {
        let standby = match &self.standby {
            None => eviction::Standby::None,
            Some(_) if self.disposed => eviction::Standby::Maker,
            Some(_) if self.awaiting_snapshot() => eviction::Standby::Awaited,
            Some(_) => eviction::Standby::Spare,
        };
        eviction::Candidate {
            standby,
            occupancy: self.occupancy(),
        }
    }

    /// Gives up what eviction chose of this sandbox.
    fn give_up(&mut self, victim: &eviction::Victim) {
        match victim {
            eviction::Victim::Maker(_) => self.stop_maker(),
            eviction::Victim::Standby(_) => {
                self.standby = None;
                self.standby_timer = None;
                self.log("its standby interpreter was stopped: the page is at its live-interpreter limit".into());
            }
            eviction::Victim::Active(_) => self.evict_active(),
        }
    }
}

/// Runs `f` on every other live sandbox that is not borrowed; returns how
/// many there were and the interpreters they hold.
fn others(mut f: impl FnMut(&mut Inner)) -> (usize, usize) {
    let all: Vec<_> = SANDBOXES.with(|all| all.borrow().iter().filter_map(Weak::upgrade).collect());
    let (mut count, mut live) = (0, 0);
    for rc in all {
        if let Ok(mut inner) = rc.try_borrow_mut() {
            // A disposed sandbox holds at most the snapshot's maker (maker.rs).
            live += inner.live();
            if !inner.disposed {
                f(&mut inner);
                count += 1;
            }
        }
    }
    (count, live)
}

fn others_live(me: &Weak<RefCell<Inner>>) -> usize {
    let (_, all) = others(|_| {});
    let mine = me
        .upgrade()
        .map_or(0, |rc| rc.try_borrow().map_or(0, |i| i.live()));
    all - mine
}

/// Frees one interpreter of another sandbox (which: eviction.rs). False
/// when there is nothing to free. Sandboxes borrowed right now (this one's
/// caller, or one handling an event) are not candidates.
fn evict_one(me: &Weak<RefCell<Inner>>) -> bool {
    let all: Vec<_> = SANDBOXES.with(|all| all.borrow().iter().filter_map(Weak::upgrade).collect());
    let (candidates, sandboxes): (Vec<_>, Vec<_>) = all
        .iter()
        .filter(|rc| !Rc::downgrade(rc).ptr_eq(me))
        .filter_map(|rc| rc.try_borrow().ok().map(|inner| (inner.as_candidate(), rc)))
        .unzip();
    let Some(victim) = eviction::victim(&candidates) else {
        return false;
    };
    let (eviction::Victim::Standby(i) | eviction::Victim::Maker(i) | eviction::Victim::Active(i)) =
        victim;
    let Ok(mut inner) = sandboxes[i].try_borrow_mut() else {
        return false;
    };
    inner.give_up(&victim);
    let effects = std::mem::take(&mut inner.effects);
    drop(inner);
    run_effects(effects);
    true
}
