//! Standbys shared by the page's sandboxes. Sandboxes whose boot settings
//! match (the same [`key`]) keep, between them, [`set_standby_pool_size`]
//! warm standbys (one by default) rather than one each: a standby costs a
//! whole interpreter's memory, and most conversations never time out.
//!
//! A sandbox whose interpreter has to be replaced takes its own standby if
//! it has one, else a *ready* one from a sandbox with the same key, which
//! is moved to it: the `Interpreter` changes owner (its events are routed
//! to the new one, under a new generation), so it is handed to exactly one
//! sandbox and has never run code. The snapshot maker is never handed out.
//! The sandbox that took it then boots the pool's next standby. When
//! several time out together, the first takes the standby (recovery as fast
//! as before); the others boot a fresh interpreter (from the boot snapshot
//! when there is one).

use std::cell::Cell;

use crate::options::SandboxConfig;
use crate::supervisor::machine::interpreters::Interpreter;
use crate::supervisor::page::registry;
use crate::supervisor::Inner;

thread_local! {
    static POOL_SIZE: Cell<usize> = const { Cell::new(1) };
}

/// Sets how many standbys the page keeps per boot configuration, shared by
/// the sandboxes created with it (default 1; 0 keeps none).
///
/// ```no_run
/// pycage::set_standby_pool_size(2);
/// ```
pub fn set_standby_pool_size(size: usize) {
    POOL_SIZE.with(|s| s.set(size));
}

/// What must match for two sandboxes to share a standby: everything that
/// shapes an interpreter's boot (the init message and the frame's limits).
pub(in crate::supervisor) fn key(config: &SandboxConfig) -> String {
    let pypi = config
        .pypi
        .as_ref()
        .map(|p| (p.index_url.clone(), p.allowlist.names()));
    format!(
        "{:?}",
        (
            (
                &config.pyodide_url,
                // A pinned sandbox must never adopt an interpreter booted
                // from files an unchecked one never verified.
                &config.pyodide_hashes,
                &config.package_base_url,
                &config.packages
            ),
            (
                config.isolation,
                &config.runner_url,
                config.snapshot,
                config.standby
            ),
            (
                config.auto_load,
                &config.allowed_packages,
                config.max_output_bytes
            ),
            (
                config.max_file_bytes,
                config.max_run_file_bytes,
                config.max_memory_bytes
            ),
            (&config.caps, pypi),
        )
    )
}

impl Inner {
    /// Whether this sandbox should boot a standby now: the pool for its
    /// key is short of one.
    pub(in crate::supervisor) fn wants_standby(&self) -> bool {
        let mut standbys = usize::from(self.standby.is_some());
        for rc in registry::sandboxes() {
            if let Ok(other) = rc.try_borrow() {
                if !other.disposed && other.pool_key == self.pool_key && other.standby.is_some() {
                    standbys += 1;
                }
            }
        }
        standbys < POOL_SIZE.with(Cell::get)
    }

    /// Whether another sandbox with the same key holds a ready standby that
    /// is not its maker ([`adopt_standby`](Inner::adopt_standby) takes it).
    pub(in crate::supervisor) fn pool_has_standby(&self) -> bool {
        registry::sandboxes().iter().any(|rc| {
            rc.try_borrow()
                .is_ok_and(|other| other.can_hand_over(&self.pool_key))
        })
    }

    fn can_hand_over(&self, pool_key: &str) -> bool {
        !self.disposed
            && self.pool_key == pool_key
            && self
                .standby
                .as_ref()
                .is_some_and(|s| s.ready && Some(s.gen) != self.snapshot_maker)
    }

    /// At dispose: a ready standby that is not the snapshot's maker goes to
    /// another sandbox booted alike that has none, so the page's pool stays
    /// full for the next new conversation. It never ran code. (One still
    /// booting is dropped: its boot timer is this sandbox's.)
    pub(in crate::supervisor) fn pass_on_standby(&mut self) {
        if !self.standby.as_ref().is_some_and(|s| s.ready) || self.standby_is_maker() {
            return;
        }
        for rc in registry::sandboxes() {
            let Ok(mut other) = rc.try_borrow_mut() else {
                continue; // this sandbox itself, or one busy right now
            };
            if other.disposed
                || !other.config.standby
                || other.pool_key != self.pool_key
                || other.standby.is_some()
            {
                continue;
            }
            let Some(mut interpreter) = self.standby.take() else {
                return;
            };
            other.next_gen += 1;
            interpreter.gen = other.next_gen;
            *interpreter.route.borrow_mut() = (other.weak.clone(), interpreter.gen);
            other.standby = Some(interpreter);
            return;
        }
    }

    /// A ready standby of another sandbox with the same key, now this one's.
    pub(in crate::supervisor) fn adopt_standby(&mut self) -> Option<Interpreter> {
        for rc in registry::sandboxes() {
            let Ok(mut other) = rc.try_borrow_mut() else {
                continue; // this sandbox itself, or one busy right now
            };
            if !other.can_hand_over(&self.pool_key) {
                continue;
            }
            let mut interpreter = other.standby.take()?;
            // The same distribution, so the same versions: a sandbox that
            // starts on an adopted standby never saw its `ready`.
            if self.info.is_none() {
                self.info = other.info.clone();
            }
            drop(other);
            self.next_gen += 1;
            interpreter.gen = self.next_gen;
            *interpreter.route.borrow_mut() = (self.weak.clone(), interpreter.gen);
            self.log("took a standby interpreter from another sandbox of this page".into());
            return Some(interpreter);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::PyodideHashes;

    fn config() -> SandboxConfig {
        SandboxConfig::for_tests()
    }

    #[test]
    fn only_sandboxes_booted_alike_share_standbys() {
        let pinned = key(&config());
        assert_eq!(pinned, key(&config()));
        let unchecked = SandboxConfig {
            pyodide_hashes: PyodideHashes::Unchecked,
            ..config()
        };
        assert_ne!(pinned, key(&unchecked), "pinned vs unchecked files");
        let smaller = SandboxConfig {
            max_output_bytes: 1000,
            ..config()
        };
        assert_ne!(pinned, key(&smaller));
    }
}
