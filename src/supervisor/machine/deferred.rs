//! A one-shot result the supervisor settles and a caller awaits, and the
//! queue of callbacks run once the state borrow is released.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::errors::Error;

struct Shared<T> {
    value: Option<Result<T, Error>>,
    waker: Option<Waker>,
}

/// The settling end. Dropped unsettled (its sandbox went away), it fails
/// its [`Pending`] with [`Error::Disposed`]: no caller waits forever.
pub(crate) struct Deferred<T> {
    shared: Option<Rc<RefCell<Shared<T>>>>,
}

/// The awaiting end.
pub(crate) struct Pending<T> {
    shared: Rc<RefCell<Shared<T>>>,
}

impl<T> Deferred<T> {
    pub(crate) fn new() -> (Deferred<T>, Pending<T>) {
        let shared = Rc::new(RefCell::new(Shared {
            value: None,
            waker: None,
        }));
        let pending = Pending {
            shared: shared.clone(),
        };
        (
            Deferred {
                shared: Some(shared),
            },
            pending,
        )
    }

    /// Settles it. Waking only schedules the waiting task (in a microtask
    /// of its own), so this never calls user code while the supervisor's
    /// state is borrowed.
    pub(crate) fn settle(mut self, value: Result<T, Error>) {
        if let Some(shared) = self.shared.take() {
            let waker = {
                let mut shared = shared.borrow_mut();
                shared.value = Some(value);
                shared.waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}

impl<T> Drop for Deferred<T> {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            Deferred {
                shared: Some(shared),
            }
            .settle(Err(Error::Disposed));
        }
    }
}

impl<T> Future for Pending<T> {
    type Output = Result<T, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut shared = self.shared.borrow_mut();
        match shared.value.take() {
            Some(value) => Poll::Ready(value),
            None => {
                shared.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// A user callback queued while the supervisor's state is borrowed.
pub(crate) type Effect = Box<dyn FnOnce()>;

pub(in crate::supervisor) fn run_effects(effects: Vec<Effect>) {
    for effect in effects {
        effect();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Context, Wake};

    use super::*;

    /// Counts its wakes.
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn poll<T>(pending: &mut Pending<T>, waker: &Waker) -> Poll<Result<T, Error>> {
        Pin::new(pending).poll(&mut Context::from_waker(waker))
    }

    #[test]
    fn settling_wakes_the_waiting_caller_once_with_the_value() {
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        let (deferred, mut pending) = Deferred::new();
        assert!(poll(&mut pending, &waker).is_pending());
        deferred.settle(Ok(7));
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert_eq!(poll(&mut pending, &waker), Poll::Ready(Ok(7)));
    }

    #[test]
    fn a_settling_end_dropped_unsettled_fails_its_caller_with_disposed() {
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let waker = Waker::from(counter.clone());
        let (deferred, mut pending) = Deferred::<u8>::new();
        assert!(poll(&mut pending, &waker).is_pending());
        drop(deferred); // its sandbox went away
        assert_eq!(
            counter.0.load(Ordering::SeqCst),
            1,
            "no caller waits forever"
        );
        assert_eq!(
            poll(&mut pending, &waker),
            Poll::Ready(Err(Error::Disposed))
        );
    }

    #[test]
    fn a_value_settled_before_anyone_waits_is_kept_for_the_first_poll() {
        let (deferred, mut pending) = Deferred::new();
        deferred.settle(Ok("done"));
        assert_eq!(poll(&mut pending, Waker::noop()), Poll::Ready(Ok("done")));
    }
}
