//! The holdout experiment: which arm a session is in, what a session already did (the signed
//! experiment cookie), which passthrough requests are conversion goals, and the statistics of
//! the readout. Everything here is pure: no I/O, no clock, no shared state, so every replica
//! agrees on a session's arm and counts from the cookie alone.
//!
//! - `assign`: the arm, a pure function of the experiment's name and the session id.
//! - `cookie`: the HMAC-signed first-party cookie carrying first exposure and goals reached.
//! - `goals`: a goal's route pattern (`POST /api/cart/{any}`).
//! - `stats`: two-proportion z-test, Welch's t, the sample-ratio-mismatch χ² check.
//! - `readout`: the per-goal report of `GET /experiment` (JSON and the merchant's HTML page).
//!
//! May depend on: `kit` (nothing else in the crate). `config` builds a [`Plan`] from the
//! `[experiment]` section; the flows (`proxy`, `admin`) use it.

pub mod assign;
pub mod cookie;
pub mod goals;
pub mod readout;
mod readout_html;
pub mod stats;

pub use assign::{assign, bucket, Arm, BUCKETS};
pub use cookie::{CookieKey, Journey};
pub use goals::GoalPattern;

/// `[experiment] mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The treatment arm gets the personalized order.
    Live,
    /// The treatment arm gets the native page; reshelf reorders it on the side and counts what
    /// would have moved.
    Shadow,
}

impl Mode {
    pub fn label(self) -> &'static str {
        match self {
            Mode::Live => "live",
            Mode::Shadow => "shadow",
        }
    }
}

/// One `[[experiment.goals]]` block, validated.
#[derive(Debug, Clone)]
pub struct Goal {
    /// `[a-z0-9_-]`, 1 to 32 characters: a metric label and a cookie token.
    pub name: String,
    pub method: http::Method,
    pub path: GoalPattern,
    /// Response header whose number is the order value (revenue).
    pub value_header: Option<http::HeaderName>,
}

/// The validated `[experiment]` section: what every request needs to take part.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Salt of the assignment hash.
    pub name: String,
    /// Share of sessions held out, in percent (0 to 50).
    pub holdout_percent: u32,
    pub mode: Mode,
    /// Name of the experiment cookie.
    pub cookie: String,
    /// The cookie's HMAC key; present whenever the experiment is on.
    pub key: Option<CookieKey>,
    pub goals: Vec<Goal>,
}

impl Plan {
    /// No experiment: everyone personalized, nothing counted.
    pub fn off() -> Self {
        Plan {
            name: String::new(),
            holdout_percent: 0,
            mode: Mode::Live,
            cookie: "reshelf_exp".into(),
            key: None,
            goals: Vec::new(),
        }
    }

    /// The experiment runs: a holdout, or shadow mode (which measures even without one).
    pub fn is_on(&self) -> bool {
        self.key.is_some() && (self.holdout_percent > 0 || self.mode == Mode::Shadow)
    }

    /// The arm of `session`, or `None` when the experiment is off.
    pub fn arm(&self, session: &str) -> Option<Arm> {
        self.is_on()
            .then(|| assign(&self.name, session, self.holdout_percent))
    }

    /// The goals a request reaches: those whose method and path pattern match.
    pub fn goals_matching<'a>(
        &'a self,
        method: &'a http::Method,
        path: &'a str,
    ) -> impl Iterator<Item = (usize, &'a Goal)> + 'a {
        self.goals
            .iter()
            .enumerate()
            .filter(move |(_, g)| g.method == method && g.path.matches(path))
    }

    /// The configured share of sessions in `arm` (0 to 1).
    pub fn expected_share(&self, arm: Arm) -> f64 {
        let holdout = f64::from(self.holdout_percent) / 100.0;
        match arm {
            Arm::Holdout => holdout,
            Arm::Treatment => 1.0 - holdout,
        }
    }
}
