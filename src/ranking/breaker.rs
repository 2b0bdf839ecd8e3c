//! A circuit breaker for the ranking API: after repeated failures or missed budgets, pages stop
//! waiting for it; after a cool-down one call probes whether it is back.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The breaker's state, as exported by `reshelf_breaker_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Closed,
    Open,
    HalfOpen,
}

impl State {
    /// 0 closed, 1 open, 2 half-open.
    pub fn gauge(self) -> i64 {
        match self {
            State::Closed => 0,
            State::Open => 1,
            State::HalfOpen => 2,
        }
    }
}

/// What the breaker allows for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permit {
    /// Closed: call and wait for the answer within the budget.
    Call,
    /// Half-open: this call is the probe; wait for it.
    Probe,
    /// Open: do not wait for the API.
    Refused,
}

#[derive(Debug)]
struct Inner {
    state: State,
    consecutive_failures: u32,
    opened_at: Instant,
}

/// Shared by every request; a short critical section per call.
#[derive(Debug)]
pub struct Breaker {
    inner: Mutex<Inner>,
    failures_to_open: u32,
    cool_down: Duration,
}

impl Breaker {
    /// Opens after `failures_to_open` consecutive failures (`fashionai.breaker_failures`) and
    /// stays open `cool_down` (`fashionai.breaker_cool_down_ms`) before a probe.
    pub fn new(failures_to_open: u32, cool_down: Duration) -> Self {
        Self {
            inner: Mutex::new(Inner {
                state: State::Closed,
                consecutive_failures: 0,
                opened_at: Instant::now(),
            }),
            failures_to_open,
            cool_down,
        }
    }

    /// Asks for a call at `now`. Open past the cool-down turns half-open and grants one probe.
    pub fn permit(&self, now: Instant) -> Permit {
        let mut inner = self.inner.lock().expect("breaker lock");
        match inner.state {
            State::Closed => Permit::Call,
            State::Open if now.duration_since(inner.opened_at) >= self.cool_down => {
                inner.state = State::HalfOpen;
                Permit::Probe
            }
            State::Open | State::HalfOpen => Permit::Refused,
        }
    }

    /// Records a call's outcome (answered within the budget or not); returns the new state.
    pub fn record(&self, success: bool, now: Instant) -> State {
        let mut inner = self.inner.lock().expect("breaker lock");
        if success {
            inner.consecutive_failures = 0;
            inner.state = State::Closed;
        } else {
            inner.consecutive_failures = inner.consecutive_failures.saturating_add(1);
            let trips = inner.state == State::HalfOpen
                || (inner.state == State::Closed
                    && inner.consecutive_failures >= self.failures_to_open);
            if trips {
                inner.state = State::Open;
                inner.opened_at = now;
            }
        }
        inner.state
    }

    pub fn state(&self) -> State {
        self.inner.lock().expect("breaker lock").state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_consecutive_failures_and_recovers_through_a_probe() {
        let b = Breaker::new(3, Duration::from_secs(5));
        let t0 = Instant::now();
        assert_eq!(b.permit(t0), Permit::Call);
        b.record(false, t0);
        b.record(true, t0);
        for _ in 0..3 {
            b.record(false, t0);
        }
        assert_eq!(b.state(), State::Open);
        assert_eq!(b.permit(t0 + Duration::from_secs(1)), Permit::Refused);
        let later = t0 + Duration::from_secs(5);
        assert_eq!(b.permit(later), Permit::Probe);
        assert_eq!(b.permit(later), Permit::Refused, "one probe at a time");
        assert_eq!(b.record(false, later), State::Open);
        let later = later + Duration::from_secs(5);
        assert_eq!(b.permit(later), Permit::Probe);
        assert_eq!(b.record(true, later), State::Closed);
        assert_eq!(b.permit(later), Permit::Call);
    }
}
