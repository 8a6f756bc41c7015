//! The queue through the whole machine: one run at a time in order, runs
//! called before the boot ends, reset, dispose with work waiting, and
//! `input()`.

use super::*;
use crate::execution::Status;

#[test]
fn runs_go_one_at_a_time_in_the_order_called() {
    let rig = Rig::ready(config());
    let mut first = rig.run("a");
    let mut second = rig.run("b");
    assert_eq!(rig.posted(0), ["run 1"], "the second waits");
    rig.advance(300.0);
    rig.send(0, &done(1));
    assert_eq!(rig.posted(0), ["run 1", "run 2"]);
    rig.send(0, &done(2));
    assert_eq!(settled(&mut first).status, Status::Ok);
    let second = settled(&mut second);
    assert_eq!(second.waited_ms, 300.0, "it waited for the first");
}

#[test]
fn a_queued_run_gets_its_own_full_deadline() {
    let rig = Rig::ready(config());
    let _first = rig.run("a");
    let mut second = rig.run("b");
    rig.advance(900.0);
    rig.send(0, &done(1));
    rig.advance(999.0);
    assert!(rig.fake.interpreter(0).interrupts.borrow().is_empty());
    rig.send(0, &done(2));
    assert_eq!(settled(&mut second).status, Status::Ok);
}

#[test]
fn runs_called_during_the_boot_start_when_it_ends() {
    let rig = Rig::start(config());
    let mut run = rig.run("x");
    assert!(rig.posted(0).is_empty());
    rig.send(0, READY);
    assert_eq!(rig.posted(0), ["run 1"]);
    rig.send(0, &done(1));
    assert_eq!(settled(&mut run).status, Status::Ok);
}

#[test]
fn dispose_with_runs_queued_cancels_the_current_one_and_rejects_the_rest() {
    let rig = Rig::ready(config());
    let mut current = rig.run("a");
    let mut queued = rig.run("b");
    rig.sandbox.dispose();
    rig.fake.settle();
    let execution = settled(&mut current);
    assert_eq!(execution.status, Status::Cancelled);
    assert!(matches!(poll(&mut queued), Some(Err(Error::Disposed))));
    assert!(rig.killed(0));
    let mut later = rig.run("c");
    assert!(matches!(poll(&mut later), Some(Err(Error::Disposed))));
    // Its timers and its interpreter's messages do nothing now.
    rig.send(0, &done(1));
    rig.advance(10_000.0);
    assert_eq!(rig.fake.counts(), (1, 0));
}

#[test]
fn dispose_during_the_boot_fails_create() {
    let mut rig = Rig::start(config());
    rig.sandbox.dispose();
    assert!(matches!(poll(&mut rig.boot), Some(Err(Error::Disposed))));
}

#[test]
fn reset_waits_for_the_run_before_it_and_resolves_on_a_fresh_interpreter() {
    let rig = Rig::ready(config());
    let mut run = rig.run("x = 1");
    let mut reset = rig.sandbox.reset();
    let mut after = rig.run("x");
    rig.fake.settle();
    assert!(poll(&mut reset).is_none());
    rig.send(0, &done(1));
    assert_eq!(settled(&mut run).status, Status::Ok);
    assert!(rig.killed(0));
    assert!(poll(&mut reset).is_none(), "until the new one is ready");
    rig.send(1, READY);
    assert!(matches!(poll(&mut reset), Some(Ok(()))));
    assert_eq!(rig.posted(1), ["run 2"]);
    rig.send(1, &done(2));
    assert!(
        !settled(&mut after).interpreter_reset,
        "a reset asked for is no surprise"
    );
}

#[test]
fn input_is_asked_of_the_callback_and_its_answer_goes_back() {
    let rig = Rig::ready(config());
    let prompts = Rc::new(std::cell::RefCell::new(Vec::new()));
    let seen = prompts.clone();
    let on_input: crate::InputCallback = Rc::new(move |prompt: &str| {
        seen.borrow_mut().push(prompt.to_string());
        Box::pin(async { Some("42".to_string()) })
    });
    let _run = rig.run_with(
        "input('n? ')",
        RunConfig {
            on_input: Some(on_input),
            ..RunConfig::default()
        },
    );
    rig.send(0, r#"{"type":"input","id":1,"seq":1,"prompt":"n? "}"#);
    assert_eq!(*prompts.borrow(), ["n? "]);
    assert_eq!(
        *rig.fake.interpreter(0).answers.borrow(),
        [(1, Some("42".to_string()))]
    );
}

#[test]
fn input_for_a_run_without_on_input_gets_end_of_input_and_a_violation() {
    let rig = Rig::ready(config());
    let mut run = rig.run("input()");
    rig.send(0, r#"{"type":"input","id":1,"seq":1,"prompt":""}"#);
    assert_eq!(*rig.fake.interpreter(0).answers.borrow(), [(1, None)]);
    rig.send(0, &done(1));
    assert_eq!(settled(&mut run).protocol_violations.len(), 1);
}

#[test]
fn an_answer_after_the_deadline_is_dropped() {
    let rig = Rig::ready(config());
    let (answer, later) = futures_channel();
    let on_input: crate::InputCallback = Rc::new(move |_: &str| Box::pin(later.clone()));
    let _run = rig.run_with(
        "input()",
        RunConfig {
            on_input: Some(on_input),
            ..RunConfig::default()
        },
    );
    rig.send(0, r#"{"type":"input","id":1,"seq":1,"prompt":""}"#);
    rig.advance(1000.0);
    answer("too late");
    rig.fake.settle();
    assert!(rig.fake.interpreter(0).answers.borrow().is_empty());
}

/// A one-shot answer the test gives when it likes: (give, the future).
fn futures_channel() -> (impl Fn(&str), Later) {
    let slot = Rc::new(std::cell::RefCell::new(None));
    let give = {
        let slot = slot.clone();
        move |text: &str| *slot.borrow_mut() = Some(text.to_string())
    };
    (give, Later(slot))
}

#[derive(Clone)]
struct Later(Rc<std::cell::RefCell<Option<String>>>);

impl Future for Later {
    type Output = Option<String>;
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<String>> {
        match self.0.borrow_mut().take() {
            Some(text) => Poll::Ready(Some(text)),
            None => Poll::Pending,
        }
    }
}
