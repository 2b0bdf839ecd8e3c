//! `GET /experiment`: this replica's experiment readout, JSON when the request's `Accept`
//! names `application/json`, else the HTML page a merchant reads. Computed at request time
//! from the `reshelf_experiment_*` counters (since this process started).

use http::{header, HeaderValue, Request, Response};

use crate::app::AppState;
use crate::experiment::readout::{self, ArmCounts, Counts, GoalCounts, ShadowCounts, Views};
use crate::experiment::Arm;
use crate::kit::body::{full, Body};
use crate::metrics::experiment::ExperimentMetrics;

pub const PATH: &str = "/experiment";

pub fn serve<B>(state: &AppState, req: &Request<B>) -> Response<Body> {
    let plan = &state.config.experiment;
    let counts = counts(&state.metrics.experiment, plan);
    let report = readout::readout(plan, &counts);
    let wants_json = req
        .headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("application/json"));
    let (body, content_type) = if wants_json {
        let json = serde_json::to_vec_pretty(&report).expect("the readout serializes");
        (json, "application/json")
    } else {
        (report.to_html().into_bytes(), "text/html; charset=utf-8")
    };
    let mut resp = Response::new(full(body));
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    resp
}

/// The counters of `plan`'s arms and goals.
pub fn counts(m: &ExperimentMetrics, plan: &crate::experiment::Plan) -> Counts {
    let arm = |arm: Arm| {
        let label = arm.label();
        let views = |outcome: &str| m.views.with_label_values(&[label, outcome]).get();
        ArmCounts {
            sessions: m.sessions.with_label_values(&[label]).get(),
            views: Views {
                personalized: views("personalized"),
                native: views("native"),
                aborted: views("aborted"),
            },
            goals: plan
                .goals
                .iter()
                .map(|g| {
                    let labels = [label, g.name.as_str()];
                    GoalCounts {
                        sessions: m.goal_sessions.with_label_values(&labels).get(),
                        events: m.goal_events.with_label_values(&labels).get(),
                        revenue: m.revenue.with_label_values(&labels).get(),
                        revenue_squares: m.revenue_squares.with_label_values(&labels).get(),
                    }
                })
                .collect(),
        }
    };
    let moved = |c: &prometheus::IntCounterVec, v: &str| c.with_label_values(&[v]).get();
    let (pages_moved, tiles_moved) = (
        moved(&m.shadow_pages, "true"),
        moved(&m.shadow_tiles, "true"),
    );
    Counts {
        treatment: arm(Arm::Treatment),
        holdout: arm(Arm::Holdout),
        shadow: ShadowCounts {
            pages: pages_moved + moved(&m.shadow_pages, "false"),
            pages_moved,
            tiles: tiles_moved + moved(&m.shadow_tiles, "false"),
            tiles_moved,
        },
    }
}
