//! The experiment's metrics: sessions, listing views, goal events, converting sessions and
//! revenue per arm, the shadow mode's would-be moves, and the configured split (for the
//! fleet's sample-ratio check in PromQL). Labels are bounded: `arm` is `treatment` or
//! `holdout`, `goal` a name from the config, `outcome` as in `reshelf_listing_pages_total`.

use prometheus::{CounterVec, Gauge, IntCounterVec, Opts, Registry};

/// The `reshelf_experiment_*` metrics.
#[derive(Clone)]
pub struct ExperimentMetrics {
    /// `arm`: sessions at their first listing view in the arm.
    pub sessions: IntCounterVec,
    /// `arm`, `outcome` = personalized | native | aborted: every listing view.
    pub views: IntCounterVec,
    /// `arm`, `goal`: goal requests of exposed sessions.
    pub goal_events: IntCounterVec,
    /// `arm`, `goal`: exposed sessions at their first request of the goal.
    pub goal_sessions: IntCounterVec,
    /// `arm`, `goal`: sum of order values.
    pub revenue: CounterVec,
    /// `arm`, `goal`: sum over sessions of the square of each session's revenue (grows by
    /// `(r + v)² − r²` when a session with revenue `r` adds `v`), for Welch's t.
    pub revenue_squares: CounterVec,
    /// `moved` = true | false: shadow-mode pages whose order the ranking would have changed.
    pub shadow_pages: IntCounterVec,
    /// `moved` = true | false: their tiles.
    pub shadow_tiles: IntCounterVec,
    /// The configured share of sessions in the holdout (0 to 0.5).
    pub holdout_ratio: Gauge,
}

impl ExperimentMetrics {
    pub(super) fn register(registry: &Registry) -> Self {
        let int = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
            registry
                .register(Box::new(c.clone()))
                .expect("unique metric");
            c
        };
        let float = |name: &str, help: &str| {
            let c = CounterVec::new(Opts::new(name, help), &["arm", "goal"]).expect("valid metric");
            registry
                .register(Box::new(c.clone()))
                .expect("unique metric");
            c
        };
        let holdout_ratio = Gauge::new(
            "reshelf_experiment_holdout_ratio",
            "Configured share of sessions in the holdout arm (0 when the experiment is off).",
        )
        .expect("valid metric");
        registry
            .register(Box::new(holdout_ratio.clone()))
            .expect("unique metric");
        ExperimentMetrics {
            sessions: int(
                "reshelf_experiment_sessions_total",
                "Sessions exposed to the experiment (first listing view), by arm.",
                &["arm"],
            ),
            views: int(
                "reshelf_experiment_views_total",
                "Listing views of sessions in the experiment, by arm and outcome.",
                &["arm", "outcome"],
            ),
            goal_events: int(
                "reshelf_experiment_goal_events_total",
                "Goal requests of exposed sessions, by arm and goal.",
                &["arm", "goal"],
            ),
            goal_sessions: int(
                "reshelf_experiment_goal_sessions_total",
                "Exposed sessions that reached a goal (counted once per session), by arm and goal.",
                &["arm", "goal"],
            ),
            revenue: float(
                "reshelf_experiment_revenue_total",
                "Sum of order values of exposed sessions, by arm and goal.",
            ),
            revenue_squares: float(
                "reshelf_experiment_revenue_squares_total",
                "Sum over exposed sessions of their revenue squared, by arm and goal.",
            ),
            shadow_pages: int(
                "reshelf_experiment_shadow_pages_total",
                "Shadow mode: native pages the ranking was applied to on the side, by whether their order would have changed.",
                &["moved"],
            ),
            shadow_tiles: int(
                "reshelf_experiment_shadow_tiles_total",
                "Shadow mode: tiles of those pages, by whether they would have moved.",
                &["moved"],
            ),
            holdout_ratio,
        }
    }

    /// A session's first listing view in `arm`.
    pub fn session(&self, arm: &str) {
        self.sessions.with_label_values(&[arm]).inc();
    }

    /// A listing view in `arm` with its outcome (`personalized`, `native`, `aborted`).
    pub fn view(&self, arm: &str, outcome: &str) {
        self.views.with_label_values(&[arm, outcome]).inc();
    }

    /// A goal request of an exposed session; `first` when the session reaches the goal for
    /// the first time; `value` the order value added to a session revenue of `before`.
    pub fn goal(&self, arm: &str, goal: &str, first: bool, value: Option<(f64, f64)>) {
        self.goal_events.with_label_values(&[arm, goal]).inc();
        if first {
            self.goal_sessions.with_label_values(&[arm, goal]).inc();
        }
        if let Some((before, value)) = value {
            self.revenue.with_label_values(&[arm, goal]).inc_by(value);
            let after = before + value;
            self.revenue_squares
                .with_label_values(&[arm, goal])
                .inc_by(after * after - before * before);
        }
    }

    /// A shadow-mode page: `moved` of its `tiles` would have moved.
    pub fn shadow_page(&self, tiles: u64, moved: u64) {
        let page_moved = if moved > 0 { "true" } else { "false" };
        self.shadow_pages.with_label_values(&[page_moved]).inc();
        self.shadow_tiles.with_label_values(&["true"]).inc_by(moved);
        self.shadow_tiles
            .with_label_values(&["false"])
            .inc_by(tiles.saturating_sub(moved));
    }
}
