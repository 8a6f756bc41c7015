//! Python's `input()` during a run: the worker asks, the run's `onInput`
//! answers, and the answer reaches the worker through the shared memory
//! (shared_buffer.rs) while its Python waits. The run's deadline and
//! cancellation still apply: the interrupt wakes the wait.

use crate::protocol;
use crate::supervisor::machine::interpreters::Role;
use crate::supervisor::{dispatch, Event, Inner};

/// `input()` calls one run may make (each is a round trip through the page).
const MAX_INPUTS: u32 = 10_000;

impl Inner {
    /// Run `input.id` (the current one) asks for a line.
    pub(in crate::supervisor) fn on_input(&mut self, input: protocol::Input) {
        let Some(current) = &mut self.current else {
            return;
        };
        let callback = current.job.config.on_input.clone();
        let refused = match &callback {
            None => Some("input for a run without onInput"),
            Some(_) if current.input_waiting => Some("input while one is unanswered"),
            Some(_) if current.inputs >= MAX_INPUTS => {
                Some("more input() calls than a run may make")
            }
            Some(_) if current.deadline.passed() => Some("input after the run's deadline"),
            Some(_) => None,
        };
        if let Some(why) = refused {
            if let Some(interpreter) = &self.active {
                interpreter.host.answer_input(input.seq, None);
            }
            return self.violation(Role::Active, why.into());
        }
        let Some(callback) = callback else { return };
        current.inputs += 1;
        current.input_waiting = true;
        let (weak, id, seq) = (self.weak.clone(), input.id, input.seq);
        // Called once the state borrow is released: it is the user's code.
        self.effects.push(Box::new(move || {
            let answer = callback(&input.prompt);
            wasm_bindgen_futures::spawn_local(async move {
                let line = answer.await;
                dispatch(&weak, Event::InputAnswer { id, seq, line });
            });
        }));
    }

    /// `onInput` answered; the run may be over by now (timed out, cancelled).
    pub(in crate::supervisor) fn answer_input(&mut self, id: u32, seq: u32, line: Option<String>) {
        let Some(current) = self.current.as_mut().filter(|c| c.id == id) else {
            return;
        };
        current.input_waiting = false;
        if current.deadline.passed() {
            return;
        }
        if let Some(interpreter) = &self.active {
            interpreter.host.answer_input(seq, line.as_deref());
        }
    }
}
