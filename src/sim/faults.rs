//! Fault injection: added latency and, with a probability, a failure instead of the answer, per
//! API, switchable while the simulator runs.

use std::sync::Mutex;
use std::time::Duration;

use rand::Rng;

use super::config::Api;

/// What a faulty call does instead of answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Fault {
    /// Answer normally.
    #[default]
    None,
    /// `500` with a JSON error body.
    Error,
    /// `200`, `Content-Type: application/json`, a body that is not JSON.
    Garbage,
    /// No answer: the call waits until the client gives up, the simulator shuts down, or
    /// `SimConfig::hang_limit` passes (then 504).
    Hang,
    /// `401` as if the token were wrong.
    Unauthorized,
}

/// Latency and fault of one API.
///
/// Each call waits `latency` plus a uniform random extra in `0..=jitter`, then fails with
/// `fault` with probability `rate` (0.0–1.0), else answers normally. Latency applies to every
/// call, faulty or not.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultPlan {
    /// Default [`Fault::None`].
    pub fault: Fault,
    /// Probability of `fault` per call, 0.0–1.0. Default 1.0.
    pub rate: f64,
    /// Added delay before answering. Default 0.
    pub latency: Duration,
    /// Random extra delay, up to this much. Default 0.
    pub jitter: Duration,
}

impl Default for FaultPlan {
    fn default() -> Self {
        Self::none()
    }
}

impl FaultPlan {
    /// Answers normally and at once.
    pub const fn none() -> Self {
        Self {
            fault: Fault::None,
            rate: 1.0,
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
        }
    }

    /// `fault` on every call.
    pub const fn always(fault: Fault) -> Self {
        Self {
            fault,
            ..Self::none()
        }
    }

    /// Normal answers after `latency`.
    pub const fn delayed(latency: Duration) -> Self {
        Self {
            latency,
            ..Self::none()
        }
    }

    /// The same plan with another failure probability (clamped to 0.0–1.0).
    pub fn with_rate(mut self, rate: f64) -> Self {
        self.rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        self
    }
}

/// What to do with one call, drawn from a plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Draw {
    pub delay: Duration,
    pub fault: Fault,
}

/// The live plans, one per API.
#[derive(Debug)]
pub(crate) struct FaultTable {
    plans: Mutex<[FaultPlan; 3]>,
}

impl FaultTable {
    pub fn new(plans: [FaultPlan; 3]) -> Self {
        Self {
            plans: Mutex::new(plans),
        }
    }

    pub fn set(&self, api: Api, plan: FaultPlan) {
        self.lock()[api.slot()] = plan;
    }

    pub fn get(&self, api: Api) -> FaultPlan {
        self.lock()[api.slot()]
    }

    pub fn draw(&self, api: Api) -> Draw {
        let plan = self.get(api);
        let mut rng = rand::rng();
        let extra = if plan.jitter.is_zero() {
            Duration::ZERO
        } else {
            rng.random_range(Duration::ZERO..=plan.jitter)
        };
        let fault = if plan.fault != Fault::None && rng.random::<f64>() < plan.rate {
            plan.fault
        } else {
            Fault::None
        };
        Draw {
            delay: plan.latency + extra,
            fault,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, [FaultPlan; 3]> {
        // A panic while holding this lock cannot leave the plans half-written (plain copies).
        self.plans.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_zero_never_fails_and_rate_one_always_does() {
        let table = FaultTable::new([FaultPlan::none(); 3]);
        table.set(Api::Search, FaultPlan::always(Fault::Error).with_rate(0.0));
        table.set(Api::Profile, FaultPlan::always(Fault::Garbage));
        for _ in 0..200 {
            assert_eq!(table.draw(Api::Search).fault, Fault::None);
            assert_eq!(table.draw(Api::Profile).fault, Fault::Garbage);
            assert_eq!(table.draw(Api::Recommendation).fault, Fault::None);
        }
    }

    #[test]
    fn half_rate_fails_sometimes() {
        let table = FaultTable::new([FaultPlan::always(Fault::Hang).with_rate(0.5); 3]);
        let hangs = (0..1000)
            .filter(|_| table.draw(Api::Search).fault == Fault::Hang)
            .count();
        // Binomial(1000, 0.5): outside 350..650 has probability below 1e-20.
        assert!((350..650).contains(&hangs), "{hangs}");
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let plan = FaultPlan {
            jitter: Duration::from_millis(5),
            ..FaultPlan::delayed(Duration::from_millis(10))
        };
        let table = FaultTable::new([plan; 3]);
        for _ in 0..100 {
            let d = table.draw(Api::Profile).delay;
            assert!(d >= Duration::from_millis(10) && d <= Duration::from_millis(15));
        }
    }
}
