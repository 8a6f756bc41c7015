//! Policing what the sandbox sends: protocol violations and floods.

use super::budget::{Limits, LogLine};
use crate::protocol::FromSandbox;
use crate::supervisor::machine::interpreters::Role;
use crate::supervisor::{Inner, MAX_REASONS};

/// A log line's longest length passed to `onLog`.
const MAX_LOG_CHARS: usize = 2_000;

impl Inner {
    /// Charges `message` to its window; false if the interpreter went over
    /// its budget and was replaced (the message is then dropped).
    pub(in crate::supervisor) fn police(&mut self, role: Role, message: &FromSandbox) -> bool {
        let gen = self.interpreter(role).map(|s| s.gen);
        let weight = match message {
            // Only the snapshot that was asked for is free; any other is
            // charged in full (up to 512 MiB each).
            FromSandbox::Snapshot(snapshot) if gen.is_none() || self.snapshot_maker != gen => {
                snapshot.size as usize
            }
            other => other.weight(),
        };
        let config = &self.config;
        if let (Role::Active, Some(current)) = (role, &mut self.current) {
            let limits = Limits::run(
                config.max_output_bytes,
                config.caps.max_run_figure_bytes,
                config.max_run_file_bytes,
                config.max_file_bytes,
            );
            let is_file = matches!(message, FromSandbox::OutputFiles(_));
            if !current.budget.charge(weight, is_file, &limits) {
                self.kill_current_crashed("the sandbox exceeded its message budget (flood)".into());
                return false;
            }
            return true;
        }
        let file_call = role == Role::Active && self.current_file.is_some();
        let largest = config.max_file_bytes.max(config.max_session_bytes);
        let limits = Limits::idle(file_call, largest);
        let Some(interpreter) = self.interpreter(role) else {
            return false;
        };
        if !interpreter.idle.charge(weight, false, &limits) {
            let (messages, bytes) = interpreter.idle.spent();
            self.log(format!(
                "an interpreter was replaced: it sent {messages} messages ({bytes} bytes) outside a run (flood)"
            ));
            self.interpreter_died(role, "the sandbox flooded the page outside a run".into());
            return false;
        }
        true
    }

    /// Passes a log line from the sandbox to `onLog`, within its budget.
    pub(in crate::supervisor) fn sandbox_log(&mut self, role: Role, text: &str) {
        let budget = match (role, self.current.as_mut()) {
            (Role::Active, Some(current)) => &mut current.budget,
            _ => match self.interpreter(role) {
                Some(interpreter) => &mut interpreter.idle,
                None => return,
            },
        };
        match budget.log_line() {
            LogLine::Pass => self.log(crate::protocol::truncate(text, MAX_LOG_CHARS).to_string()),
            LogLine::DropFromNowOn => {
                self.log("the sandbox logs too much; further lines are dropped".into())
            }
            LogLine::Drop => {}
        }
    }

    /// The longest string any message may carry: a stream chunk, an error
    /// text or a mime value never needs more than the larger cap.
    pub(in crate::supervisor) fn max_string(&self) -> u32 {
        let caps = &self.config.caps;
        self.config
            .max_output_bytes
            .max(caps.max_figure_bytes)
            .min(u32::MAX as usize) as u32
    }

    pub(in crate::supervisor) fn violation(&mut self, role: Role, reason: String) {
        let Some(interpreter) = self.interpreter(role) else {
            return;
        };
        let flooded = interpreter.violations.record();
        if role == Role::Active {
            if let Some(current) = &mut self.current {
                if current.exec.violations.len() < MAX_REASONS {
                    current.exec.violations.push(reason);
                }
            }
        }
        if flooded {
            self.interpreter_died(role, "too many protocol violations".into());
        }
    }
}

/// How a violation names `message` when nothing asked for it (declared
/// with the message, in protocol/messages.rs).
pub(in crate::supervisor) fn kind_name(message: &FromSandbox) -> &'static str {
    message.unexpected()
}
