//! The page's boot snapshot through the whole machine: the standby that
//! makes it, a replacement that waits for it, a maker that fails, a
//! snapshot that does not boot, and a dispose that keeps the maker.

use super::*;
use crate::execution::Status;
use crate::supervisor::machine::deadline::GRACE_MS;
use crate::supervisor::STANDBY_QUIET_MS;

const SNAPSHOT: &str = r#"{"type":"snapshot"}"#;

fn snapshots() -> SandboxConfig {
    SandboxConfig {
        standby: true,
        snapshot: true,
        ..config()
    }
}

#[test]
fn the_first_standby_makes_the_snapshot_and_is_replaced_once_it_has() {
    let rig = Rig::ready(snapshots());
    assert!(
        !rig.fake.interpreter(0).make_snapshot,
        "never the active one"
    );
    rig.advance(STANDBY_QUIET_MS);
    assert!(rig.fake.interpreter(1).make_snapshot);
    rig.send(1, SNAPSHOT);
    assert_eq!(rig.fake.snapshots_stored.get(), 1);
    assert!(rig.killed(1), "the maker never runs code");
    assert_eq!(rig.standby(), Some(2));
    assert!(!rig.fake.interpreter(2).make_snapshot);
    let inner = rig.sandbox.inner.borrow();
    assert!(inner.standby.as_ref().unwrap().from_snapshot);
}

#[test]
fn a_replacement_waits_for_the_makers_snapshot_instead_of_a_full_boot() {
    let rig = Rig::ready(snapshots());
    rig.advance(STANDBY_QUIET_MS);
    let mut run = rig.run("while True: pass");
    rig.advance(1000.0 + GRACE_MS);
    assert_eq!(settled(&mut run).status, Status::Timeout);
    assert_eq!(rig.fake.counts(), (2, 1), "no boot beside the maker's");
    assert_eq!(rig.active(), None);
    let mut next = rig.run("x");
    rig.send(1, SNAPSHOT);
    assert_eq!(rig.active(), Some(2), "booted from the new snapshot");
    assert!(
        rig.sandbox
            .inner
            .borrow()
            .active
            .as_ref()
            .unwrap()
            .from_snapshot
    );
    rig.send(2, READY);
    assert_eq!(rig.posted(2), ["run 2"]);
    rig.send(2, r#"{"type":"done","id":2,"status":"ok"}"#);
    assert_eq!(settled(&mut next).status, Status::Ok);
    rig.advance(STANDBY_QUIET_MS);
    assert_eq!(
        rig.standby(),
        Some(3),
        "its standby follows once it is ready"
    );
}

#[test]
fn a_maker_that_dies_while_awaited_lets_the_replacement_boot_fully() {
    let rig = Rig::ready(snapshots());
    rig.advance(STANDBY_QUIET_MS);
    rig.report(0, Report::Died("gone".into()));
    assert_eq!(rig.active(), None, "waiting for the snapshot");
    rig.report(1, Report::Died("the maker failed".into()));
    assert_eq!(rig.active(), Some(2));
    assert!(
        !rig.sandbox
            .inner
            .borrow()
            .active
            .as_ref()
            .unwrap()
            .from_snapshot
    );
}

#[test]
fn a_maker_that_never_finishes_is_bounded_by_its_boot_timeout() {
    let rig = Rig::ready(snapshots());
    rig.advance(STANDBY_QUIET_MS);
    rig.report(0, Report::Died("gone".into()));
    assert_eq!(rig.active(), None);
    rig.advance(60_000.0);
    assert!(rig.killed(1));
    assert_eq!(
        rig.active(),
        Some(2),
        "a full boot once the maker's time ran out"
    );
}

#[test]
fn a_snapshot_that_does_not_boot_is_dropped_and_the_boot_goes_the_slow_way() {
    let fake = Rc::new(Fake::default());
    let platform: Rc<dyn Platform> = fake.clone();
    let mut parts = boot_parts();
    parts.snapshot = Some(JsValue::UNDEFINED.unchecked_into());
    let inner = Inner::new(snapshots(), platform, parts);
    let boot = Inner::start_first(&inner).unwrap();
    let mut rig = Rig {
        fake,
        sandbox: Supervisor { inner },
        boot,
    };
    assert!(
        rig.sandbox
            .inner
            .borrow()
            .active
            .as_ref()
            .unwrap()
            .from_snapshot
    );
    rig.send(0, r#"{"type":"bootFailed","reason":"bad snapshot"}"#);
    assert_eq!(rig.fake.snapshots_forgotten.get(), 1);
    assert!(
        !rig.sandbox
            .inner
            .borrow()
            .active
            .as_ref()
            .unwrap()
            .from_snapshot
    );
    rig.send(1, READY);
    assert!(
        matches!(poll(&mut rig.boot), Some(Ok(()))),
        "create still succeeds"
    );
}

#[test]
fn a_snapshot_from_an_interpreter_not_asked_for_one_is_refused() {
    let rig = Rig::ready(snapshots());
    let mut run = rig.run("x");
    rig.send(0, SNAPSHOT);
    rig.send(0, r#"{"type":"done","id":1,"status":"ok"}"#);
    assert_eq!(rig.fake.snapshots_stored.get(), 0);
    assert_eq!(settled(&mut run).protocol_violations.len(), 1);
}

#[test]
fn a_disposed_sandbox_keeps_its_maker_until_the_snapshot_is_stored() {
    let rig = Rig::ready(snapshots());
    rig.advance(STANDBY_QUIET_MS);
    rig.sandbox.dispose();
    rig.fake.settle();
    assert!(rig.killed(0));
    assert!(!rig.killed(1), "the maker finishes its boot");
    rig.send(1, r#"{"type":"progress","phase":"starting"}"#);
    assert!(!rig.killed(1));
    rig.send(1, SNAPSHOT);
    assert_eq!(rig.fake.snapshots_stored.get(), 1);
    assert!(rig.killed(1));
}
