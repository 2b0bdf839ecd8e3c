//! The readout of one replica (`GET /experiment` on the admin listener): per arm, sessions
//! and listing views; per goal, conversion rate and revenue per session in each arm, the
//! uplift with its 95 % interval, and a verdict, withheld while the sample-ratio check fails.
//! Built from counts the caller reads from the metrics; rendered as JSON, or as an HTML page
//! with an inline SVG chart (`readout_html`).

use serde::Serialize;

use super::stats::{self, MeanTest, Moments, ProportionTest, Srm, SrmStatus};
use super::{Arm, Plan};

/// One arm's counters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArmCounts {
    /// Sessions exposed (first listing view in the arm).
    pub sessions: u64,
    pub views: Views,
    /// One entry per goal of the plan, in its order.
    pub goals: Vec<GoalCounts>,
}

/// Listing views by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Views {
    pub personalized: u64,
    pub native: u64,
    pub aborted: u64,
}

/// One goal's counters in one arm.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GoalCounts {
    /// Exposed sessions that reached the goal.
    pub sessions: u64,
    /// Goal requests of exposed sessions.
    pub events: u64,
    /// Sum of the order values.
    pub revenue: f64,
    /// Sum over sessions of the square of each session's revenue.
    pub revenue_squares: f64,
}

/// Shadow mode: pages the ranking would have reordered, and tiles that would have moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ShadowCounts {
    pub pages: u64,
    pub pages_moved: u64,
    pub tiles: u64,
    pub tiles_moved: u64,
}

/// Everything the readout is computed from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    pub treatment: ArmCounts,
    pub holdout: ArmCounts,
    pub shadow: ShadowCounts,
}

impl Counts {
    fn arm(&self, arm: Arm) -> &ArmCounts {
        match arm {
            Arm::Treatment => &self.treatment,
            Arm::Holdout => &self.holdout,
        }
    }
}

/// The readout, as served in JSON.
#[derive(Debug, Clone, Serialize)]
pub struct Readout {
    pub experiment: String,
    pub on: bool,
    pub mode: &'static str,
    pub holdout_percent: u32,
    pub confidence: f64,
    pub arms: Vec<ArmReport>,
    /// `None` before any session, or without a holdout.
    pub srm: Option<Srm>,
    pub goals: Vec<GoalReport>,
    /// Shadow mode only.
    pub shadow: Option<ShadowReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArmReport {
    pub arm: &'static str,
    pub sessions: u64,
    pub expected_share: f64,
    pub observed_share: Option<f64>,
    pub views: Views,
}

#[derive(Debug, Clone, Serialize)]
pub struct GoalReport {
    pub name: String,
    pub method: String,
    pub path: String,
    pub arms: Vec<GoalArmReport>,
    /// Treatment against holdout; `None` while not computable.
    pub conversion: Option<ProportionTest>,
    /// Revenue per session (goals with a `value_header` only).
    pub revenue: Option<MeanTest>,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, Serialize)]
pub struct GoalArmReport {
    pub arm: &'static str,
    pub converting_sessions: u64,
    pub events: u64,
    pub conversion_rate: Option<f64>,
    pub revenue: f64,
    pub revenue_per_session: Option<f64>,
}

/// What the conversion test says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The treatment converts better (the interval is above zero).
    Uplift,
    /// The treatment converts worse.
    Downlift,
    NoSignificantDifference,
    /// The sample-ratio check fails (p < 0.01): the arms are not comparable.
    WithheldSrm,
    NotEnoughData,
}

impl Verdict {
    pub fn text(self) -> &'static str {
        match self {
            Verdict::Uplift => "personalized order converts better",
            Verdict::Downlift => "personalized order converts worse",
            Verdict::NoSignificantDifference => "no significant difference yet",
            Verdict::WithheldSrm => "no verdict: the sample-ratio check fails",
            Verdict::NotEnoughData => "not enough data",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct ShadowReport {
    #[serde(flatten)]
    pub counts: ShadowCounts,
    pub pages_moved_share: Option<f64>,
    pub tiles_moved_share: Option<f64>,
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Computes the readout of `plan` from `counts`.
pub fn readout(plan: &Plan, counts: &Counts) -> Readout {
    let total = counts.treatment.sessions + counts.holdout.sessions;
    let arms = Arm::ALL
        .iter()
        .map(|&arm| ArmReport {
            arm: arm.label(),
            sessions: counts.arm(arm).sessions,
            expected_share: plan.expected_share(arm),
            observed_share: share(counts.arm(arm).sessions, total),
            views: counts.arm(arm).views,
        })
        .collect();
    let srm = stats::srm(
        &[counts.treatment.sessions, counts.holdout.sessions],
        &[
            plan.expected_share(Arm::Treatment),
            plan.expected_share(Arm::Holdout),
        ],
    );
    let srm_fails = srm.is_some_and(|s| s.status != SrmStatus::Ok);
    let goals = plan
        .goals
        .iter()
        .enumerate()
        .map(|(i, goal)| {
            let of = |arm: Arm| counts.arm(arm).goals.get(i).copied().unwrap_or_default();
            let (t, c) = (of(Arm::Treatment), of(Arm::Holdout));
            let (nt, nc) = (counts.treatment.sessions, counts.holdout.sessions);
            let conversion = stats::two_proportion(t.sessions, nt, c.sessions, nc);
            let moments = |g: GoalCounts, n: u64| Moments {
                n,
                sum: g.revenue,
                sum_squares: g.revenue_squares,
            };
            let revenue = goal
                .value_header
                .as_ref()
                .and_then(|_| stats::welch(moments(t, nt), moments(c, nc)));
            let verdict = match conversion {
                _ if srm_fails => Verdict::WithheldSrm,
                None => Verdict::NotEnoughData,
                Some(test) if test.absolute.low > 0.0 => Verdict::Uplift,
                Some(test) if test.absolute.high < 0.0 => Verdict::Downlift,
                Some(_) => Verdict::NoSignificantDifference,
            };
            let arms = Arm::ALL
                .iter()
                .map(|&arm| {
                    let g = of(arm);
                    let n = counts.arm(arm).sessions;
                    GoalArmReport {
                        arm: arm.label(),
                        converting_sessions: g.sessions,
                        events: g.events,
                        conversion_rate: share(g.sessions, n),
                        revenue: g.revenue,
                        revenue_per_session: (n > 0).then(|| g.revenue / n as f64),
                    }
                })
                .collect();
            GoalReport {
                name: goal.name.clone(),
                method: goal.method.to_string(),
                path: goal.path.to_string(),
                arms,
                conversion,
                revenue,
                verdict,
            }
        })
        .collect();
    let shadow = (plan.mode == super::Mode::Shadow).then(|| ShadowReport {
        counts: counts.shadow,
        pages_moved_share: share(counts.shadow.pages_moved, counts.shadow.pages),
        tiles_moved_share: share(counts.shadow.tiles_moved, counts.shadow.tiles),
    });
    Readout {
        experiment: plan.name.clone(),
        on: plan.is_on(),
        mode: plan.mode.label(),
        holdout_percent: plan.holdout_percent,
        confidence: stats::CONFIDENCE,
        arms,
        srm,
        goals,
        shadow,
    }
}

impl Readout {
    /// The HTML page a merchant reads.
    pub fn to_html(&self) -> String {
        super::readout_html::render(self)
    }
}
