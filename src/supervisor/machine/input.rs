//! Python's `input()` during a run: the worker asks, the run's `onInput`
//! answers, and the answer reaches the worker through the shared memory
//! (shared_buffer.rs) while its Python waits. The run's deadline and
//! cancellation still apply: the interrupt wakes the wait.

use crate::protocol;
use crate::supervisor::machine::interpreters::Role;
use crate::supervisor::{dispatch, Event, Inner};

/// `input()` calls one run may make (each is a round trip through the page).
const MAX_INPUTS: u32 = 10_000;

/// A run's `input()` requests: how many, and whether one waits for its
/// answer. Pure: tested natively.
#[derive(Default)]
pub(in crate::supervisor) struct Inputs {
    asked: u32,
    waiting: bool,
}

impl Inputs {
    /// A request from the sandbox: taken (now waiting), or refused as a
    /// protocol violation, saying why. The worker asks once at a time, only
    /// with an `onInput`, and only before the deadline.
    pub(in crate::supervisor) fn ask(
        &mut self,
        has_callback: bool,
        deadline_passed: bool,
    ) -> Result<(), &'static str> {
        if !has_callback {
            Err("input for a run without onInput")
        } else if self.waiting {
            Err("input while one is unanswered")
        } else if self.asked >= MAX_INPUTS {
            Err("more input() calls than a run may make")
        } else if deadline_passed {
            Err("input after the run's deadline")
        } else {
            self.asked += 1;
            self.waiting = true;
            Ok(())
        }
    }

    /// `onInput` answered the waiting request.
    pub(in crate::supervisor) fn answered(&mut self) {
        self.waiting = false;
    }
}

impl Inner {
    /// Run `input.id` (the current one) asks for a line.
    pub(in crate::supervisor) fn on_input(&mut self, input: protocol::Input) {
        let Some(current) = &mut self.current else {
            return;
        };
        let callback = current.job.config.on_input.clone();
        let passed = current.deadline.passed();
        let asked = current.inputs.ask(callback.is_some(), passed);
        let (Ok(()), Some(callback)) = (asked, callback) else {
            if let Some(interpreter) = &self.active {
                interpreter.host.answer_input(input.seq, None);
            }
            let why = asked.err().unwrap_or("input for a run without onInput");
            return self.violation(Role::Active, why.into());
        };
        let (platform, weak) = (self.platform.clone(), self.weak.clone());
        let (id, seq) = (input.id, input.seq);
        // Called once the state borrow is released: it is the user's code.
        self.effects.push(Box::new(move || {
            let answer = callback(&input.prompt);
            let again = platform.clone();
            platform.spawn_task(Box::pin(async move {
                let line = answer.await;
                dispatch(&again, &weak, Event::InputAnswer { id, seq, line });
            }));
        }));
    }

    /// `onInput` answered; the run may be over by now (timed out, cancelled).
    pub(in crate::supervisor) fn answer_input(&mut self, id: u32, seq: u32, line: Option<String>) {
        let Some(current) = self.current.as_mut().filter(|c| c.id == id) else {
            return;
        };
        current.inputs.answered();
        if current.deadline.passed() {
            return;
        }
        if let Some(interpreter) = &self.active {
            interpreter.host.answer_input(seq, line.as_deref());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_taken_and_the_next_waits_for_its_answer() {
        let mut inputs = Inputs::default();
        assert_eq!(inputs.ask(true, false), Ok(()));
        assert_eq!(
            inputs.ask(true, false),
            Err("input while one is unanswered")
        );
        inputs.answered();
        assert_eq!(inputs.ask(true, false), Ok(()));
    }

    #[test]
    fn a_request_without_on_input_or_after_the_deadline_is_a_violation() {
        let mut inputs = Inputs::default();
        assert_eq!(
            inputs.ask(false, false),
            Err("input for a run without onInput")
        );
        assert_eq!(
            inputs.ask(true, true),
            Err("input after the run's deadline")
        );
        assert_eq!(inputs.ask(true, false), Ok(()), "refusals are not counted");
    }

    #[test]
    fn a_run_may_ask_ten_thousand_times_and_no_more() {
        let mut inputs = Inputs::default();
        for _ in 0..MAX_INPUTS {
            assert_eq!(inputs.ask(true, false), Ok(()));
            inputs.answered();
        }
        assert_eq!(
            inputs.ask(true, false),
            Err("more input() calls than a run may make")
        );
    }
}
