//! The boot snapshot outlives the sandbox that makes it. The first sandbox
//! on a page makes the snapshot in its standby, a full boot that takes 3-10
//! s; a sandbox disposed before then used to take the maker with it, and
//! the page's next sandbox booted the full way too. A disposed sandbox now
//! keeps its maker (or, disposed before its standby started, starts one)
//! until the snapshot is stored, the maker fails, its boot timer fires, or
//! the page needs the room (registry.rs evicts it first). Meanwhile the
//! page's next sandbox waits for that snapshot (snapshot.rs `Making`).
//!
//! The maker has run no user code: only its own boot, which ends in the
//! snapshot. After dispose, it is the only interpreter whose events count.

use std::cell::RefCell;
use std::rc::Rc;

use super::succession::{self, AtDispose};
use crate::protocol::FromSandbox;
use crate::supervisor::machine::interpreters::Role;
use crate::supervisor::machine::platform::Report;
use crate::supervisor::page::snapshot;
use crate::supervisor::{Event, Inner};

thread_local! {
    /// Disposed sandboxes kept alive until their maker is done.
    static FINISHING: RefCell<Vec<Rc<RefCell<Inner>>>> = const { RefCell::new(Vec::new()) };
}

impl Inner {
    /// At dispose: keeps the standby if it makes the page's snapshot, or
    /// starts a maker if the page has none and this sandbox booted fully;
    /// drops it otherwise.
    pub(in crate::supervisor) fn finish_snapshot_after_dispose(&mut self) {
        let key = &self.snapshot_key;
        let wanted = self.config.snapshot && self.info.is_some() && !snapshot::held(key);
        match succession::at_dispose(self.own_standby(), wanted, snapshot::making(key)) {
            AtDispose::KeepMaker => {}
            AtDispose::StopAll => self.standby = None,
            AtDispose::StartMaker => {
                self.standby = None;
                match self.spawn_interpreter(Role::Standby) {
                    Ok(maker) if maker._making.is_some() => self.standby = Some(maker),
                    Ok(_) => {}
                    Err(err) => self.log(format!("could not start the snapshot maker: {err}")),
                }
            }
        }
        match (self.standby.is_some(), self.weak.upgrade()) {
            (true, Some(me)) => FINISHING.with(|f| f.borrow_mut().push(me)),
            _ => self.stop_maker(),
        }
    }

    /// An event after dispose: only the maker's count. Its snapshot is
    /// stored; anything that ends its boot otherwise ends it.
    pub(in crate::supervisor) fn on_event_after_dispose(&mut self, event: Event) {
        let Some(maker) = &self.standby else { return };
        let gen = maker.gen;
        let ended = match event {
            Event::Host(g, Report::Message(message)) if g == gen => match message {
                FromSandbox::Snapshot(snapshot) => {
                    self.snapshot = self
                        .platform
                        .store_snapshot(&self.snapshot_key, &snapshot.bytes);
                    true
                }
                FromSandbox::Progress(_) | FromSandbox::Log(_) => false,
                _ => true,
            },
            Event::Host(g, _) | Event::BootTimeout(g) => g == gen,
            _ => false,
        };
        if ended {
            self.stop_maker();
        }
    }

    /// Ends the maker kept past dispose (done, failed, or evicted).
    pub(in crate::supervisor) fn stop_maker(&mut self) {
        self.standby = None;
        self.snapshot_maker = None;
        let me = self.weak.clone();
        FINISHING.with(|f| f.borrow_mut().retain(|rc| !Rc::downgrade(rc).ptr_eq(&me)));
    }
}
