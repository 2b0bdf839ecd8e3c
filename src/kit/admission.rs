//! [`Admission`]: a bound on requests in progress that never queues. A request past it is
//! refused at once (the caller answers 503 with `Retry-After`): under overload a quick refusal
//! keeps latency and memory bounded for the requests already admitted, where a queue would
//! let every request wait and time out together.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Requests in progress against a limit that can be set once the process knows its budget.
#[derive(Debug)]
pub struct Admission {
    in_progress: AtomicUsize,
    limit: AtomicUsize,
}

impl Admission {
    /// A bound of `limit` requests in progress.
    pub fn new(limit: usize) -> Self {
        Self {
            in_progress: AtomicUsize::new(0),
            limit: AtomicUsize::new(limit),
        }
    }

    /// Changes the bound; requests already admitted keep going.
    pub fn set_limit(&self, limit: usize) {
        self.limit.store(limit, Ordering::Relaxed);
    }

    pub fn limit(&self) -> usize {
        self.limit.load(Ordering::Relaxed)
    }

    /// A place for one more request, held until the returned guard is dropped; `None` when
    /// the bound is reached.
    pub fn admit(self: &Arc<Self>) -> Option<Admitted> {
        let limit = self.limit.load(Ordering::Relaxed);
        self.in_progress
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            })
            .ok()
            .map(|_| Admitted(self.clone()))
    }
}

/// One admitted request; its place is given back when this is dropped.
#[derive(Debug)]
pub struct Admitted(Arc<Admission>);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.in_progress.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_and_gives_places_back() {
        let a = Arc::new(Admission::new(2));
        let first = a.admit().expect("1 of 2");
        let _second = a.admit().expect("2 of 2");
        assert!(a.admit().is_none(), "a third is refused");
        drop(first);
        assert!(a.admit().is_some(), "a place came back");
        a.set_limit(0);
        assert!(a.admit().is_none(), "a lowered limit refuses new requests");
    }
}
