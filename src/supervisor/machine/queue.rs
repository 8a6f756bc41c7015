//! The work waiting for a sandbox's interpreter, in the order it was asked
//! for (runs, resets, file calls), with the restores of uploads ahead of it
//! after a replacement; and the decision of what to do next. Pure: tested
//! natively.

use std::collections::VecDeque;

use super::deferred::Deferred;
use super::files::FileJob;
use super::runs::RunJob;
use crate::errors::Error;

pub(in crate::supervisor) enum Job {
    Run(RunJob),
    Reset(Deferred<()>),
    File(FileJob),
}

#[derive(Default)]
pub(in crate::supervisor) struct JobQueue {
    jobs: VecDeque<Job>,
}

impl JobQueue {
    pub(in crate::supervisor) fn push(&mut self, job: Job) {
        self.jobs.push_back(job);
    }

    pub(in crate::supervisor) fn pop(&mut self) -> Option<Job> {
        self.jobs.pop_front()
    }

    pub(in crate::supervisor) fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// Puts the restores of uploads in front, in the order given, but for
    /// a path whose restore is still queued from an earlier replacement.
    pub(in crate::supervisor) fn restore_first(&mut self, restores: Vec<FileJob>) {
        for restore in restores.into_iter().rev() {
            let queued = self
                .jobs
                .iter()
                .any(|job| matches!(job, Job::File(f) if f.restore && f.path == restore.path));
            if !queued {
                self.jobs.push_front(Job::File(restore));
            }
        }
    }

    /// Fails every queued job with `error()`: the sandbox was disposed, or
    /// cannot start. No caller waits forever.
    pub(in crate::supervisor) fn reject_all(&mut self, error: impl Fn() -> Error) {
        for job in std::mem::take(&mut self.jobs) {
            match job {
                Job::Run(run) => run.deferred.settle(Err(error())),
                Job::Reset(deferred) => deferred.settle(Err(error())),
                Job::File(file) => file.deferred.settle(Err(error())),
            }
        }
    }
}

/// The active interpreter, as the queue sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::supervisor) enum Interpreter {
    /// None: it died or was replaced, and no successor is booting.
    Gone,
    Booting,
    Ready,
}

/// What the supervisor does next with its queue.
#[derive(Debug, PartialEq, Eq)]
pub(in crate::supervisor) enum Next {
    Wait,
    /// Boot a fresh interpreter for the queued work.
    Replace,
    /// Start the first queued job.
    Take,
    /// Start a warm-up run (page/warm_up.rs): nothing is queued.
    WarmUp,
}

/// `busy`: a run, a file call or a reset is in progress; one job at a time.
/// `warm_up`: warm-up runs are left to make, after everything queued.
pub(in crate::supervisor) fn next(
    busy: bool,
    disposed: bool,
    interpreter: Interpreter,
    queue: &JobQueue,
    warm_up: bool,
) -> Next {
    match interpreter {
        _ if busy || disposed => Next::Wait,
        Interpreter::Gone if !queue.is_empty() => Next::Replace,
        Interpreter::Ready if !queue.is_empty() => Next::Take,
        Interpreter::Ready if warm_up => Next::WarmUp,
        _ => Next::Wait,
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll, Waker};

    use super::*;
    use crate::options::RunConfig;
    use crate::supervisor::deferred::Pending;
    use crate::supervisor::files::FileOp;

    fn settled<T>(pending: &mut Pending<T>) -> Option<Result<T, Error>> {
        match Pin::new(pending).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(value) => Some(value),
            Poll::Pending => None,
        }
    }

    fn run(code: &str) -> (Job, Pending<crate::Execution>) {
        let (deferred, pending) = Deferred::new();
        let job = RunJob {
            code: code.into(),
            config: RunConfig::default(),
            deferred,
            queued_at: 0.0,
            warm_up: false,
        };
        (Job::Run(job), pending)
    }

    fn file(path: &str, restore: bool) -> (FileJob, Pending<super::super::files::FileReply>) {
        let (deferred, pending) = Deferred::new();
        let job = FileJob {
            op: FileOp::Read,
            path: path.into(),
            given: path.into(),
            deferred,
            restore,
        };
        (job, pending)
    }

    /// What the queue holds, in order: run code, "reset", or a file path.
    fn order(queue: &JobQueue) -> Vec<String> {
        let name = |job: &Job| match job {
            Job::Run(run) => run.code.clone(),
            Job::Reset(_) => "reset".into(),
            Job::File(file) => file.path.clone(),
        };
        queue.jobs.iter().map(name).collect()
    }

    #[test]
    fn dispose_with_runs_queued_fails_each_with_disposed() {
        let mut queue = JobQueue::default();
        let (first, mut first_pending) = run("1");
        let (second, mut second_pending) = run("2");
        let (reset, mut reset_pending) = Deferred::new();
        let (read, mut read_pending) = file("/mnt/data/a", false);
        for job in [first, Job::Reset(reset), Job::File(read), second] {
            queue.push(job);
        }
        assert!(settled(&mut first_pending).is_none(), "queued: waiting");
        queue.reject_all(|| Error::Disposed);
        assert!(queue.is_empty());
        assert!(matches!(
            settled(&mut first_pending),
            Some(Err(Error::Disposed))
        ));
        assert!(matches!(
            settled(&mut second_pending),
            Some(Err(Error::Disposed))
        ));
        assert_eq!(settled(&mut reset_pending), Some(Err(Error::Disposed)));
        assert!(matches!(
            settled(&mut read_pending),
            Some(Err(Error::Disposed))
        ));
    }

    #[test]
    fn jobs_start_in_the_order_they_were_asked_for() {
        let mut queue = JobQueue::default();
        let (a, _a) = run("a");
        let (b, _b) = run("b");
        let (reset, _reset) = Deferred::new();
        queue.push(a);
        queue.push(Job::Reset(reset));
        queue.push(b);
        assert_eq!(order(&queue), ["a", "reset", "b"]);
        assert!(matches!(queue.pop(), Some(Job::Run(r)) if r.code == "a"));
        assert!(matches!(queue.pop(), Some(Job::Reset(_))));
    }

    #[test]
    fn restores_go_ahead_of_queued_work_in_path_order() {
        let mut queue = JobQueue::default();
        let (a, _a) = run("a");
        queue.push(a);
        let restores = vec![file("/mnt/data/x", true).0, file("/mnt/data/y", true).0];
        queue.restore_first(restores);
        assert_eq!(order(&queue), ["/mnt/data/x", "/mnt/data/y", "a"]);
    }

    #[test]
    fn a_restore_still_queued_is_not_queued_twice() {
        let mut queue = JobQueue::default();
        queue.restore_first(vec![file("/mnt/data/x", true).0]);
        // A second replacement before the first restore ran; a caller's own
        // read of the same path is not a restore.
        queue.push(Job::File(file("/mnt/data/y", false).0));
        let again = vec![file("/mnt/data/x", true).0, file("/mnt/data/y", true).0];
        queue.restore_first(again);
        assert_eq!(order(&queue), ["/mnt/data/y", "/mnt/data/x", "/mnt/data/y"]);
    }

    #[test]
    fn nothing_starts_while_a_job_is_in_progress_or_after_dispose() {
        let mut queue = JobQueue::default();
        queue.push(run("a").0);
        for interpreter in [Interpreter::Gone, Interpreter::Booting, Interpreter::Ready] {
            assert_eq!(next(true, false, interpreter, &queue, false), Next::Wait);
            assert_eq!(next(false, true, interpreter, &queue, false), Next::Wait);
        }
    }

    #[test]
    fn queued_work_with_no_interpreter_boots_a_fresh_one() {
        let mut queue = JobQueue::default();
        assert_eq!(
            next(false, false, Interpreter::Gone, &queue, false),
            Next::Wait
        );
        queue.push(run("a").0);
        assert_eq!(
            next(false, false, Interpreter::Gone, &queue, false),
            Next::Replace
        );
    }

    #[test]
    fn a_booting_interpreter_is_waited_for_and_a_ready_one_takes_the_next_job() {
        let mut queue = JobQueue::default();
        queue.push(run("a").0);
        assert_eq!(
            next(false, false, Interpreter::Booting, &queue, false),
            Next::Wait
        );
        assert_eq!(
            next(false, false, Interpreter::Ready, &queue, false),
            Next::Take
        );
        queue.pop();
        assert_eq!(
            next(false, false, Interpreter::Ready, &queue, false),
            Next::Wait
        );
    }

    #[test]
    fn warm_up_runs_go_only_when_nothing_is_queued_or_in_progress() {
        let mut queue = JobQueue::default();
        queue.push(run("a").0);
        assert_eq!(
            next(false, false, Interpreter::Ready, &queue, true),
            Next::Take
        );
        queue.pop();
        assert_eq!(
            next(false, false, Interpreter::Ready, &queue, true),
            Next::WarmUp
        );
        assert_eq!(
            next(true, false, Interpreter::Ready, &queue, true),
            Next::Wait
        );
        assert_eq!(
            next(false, true, Interpreter::Ready, &queue, true),
            Next::Wait
        );
        assert_eq!(
            next(false, false, Interpreter::Booting, &queue, true),
            Next::Wait
        );
        assert_eq!(
            next(false, false, Interpreter::Gone, &queue, true),
            Next::Wait
        );
    }
}
