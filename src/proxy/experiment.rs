//! The experiment in the public flows. A listing view by a shopper is an exposure: its arm
//! decides whether the page is personalized, and the session's first exposure is counted
//! once, where the signed experiment cookie is set. A passthrough request matching a goal
//! counts for the session's arm when the cookie says the session was exposed, and the
//! session's first time at the goal updates the cookie. Every listing view is counted by arm
//! and outcome when its response ends (the router reads the [`ArmTag`]).

use http::header::{HeaderMap, HeaderValue, SET_COOKIE};
use http::{Extensions, Request, Response};

use super::ProxyError;
use crate::app::AppState;
use crate::experiment::{cookie, Arm, Journey, Mode};
use crate::identity::{self, Shopper};
use crate::kit::body::Body;
use crate::kit::context::RequestContext;
use crate::kit::headers;

/// A listing view's place in the experiment.
#[derive(Debug, Default)]
pub(super) struct Exposure {
    /// `None`: the experiment is off, or the view is not an exposure (HEAD, crawler).
    arm: Option<Arm>,
    mode: Option<Mode>,
    /// The session's first exposure (counted when the cookie is set).
    first: bool,
    /// The experiment cookie to set: at the first exposure, or to replace an invalid one.
    set_cookie: Option<HeaderValue>,
}

/// The arm of a listing view, in the response's extensions until its body ends.
#[derive(Debug, Clone, Copy)]
pub(super) struct ArmTag(pub Arm);

/// The exposure of a shopper's listing view (a GET with its `categoryView` sent).
pub(super) fn expose(
    state: &AppState,
    shopper: &Shopper,
    headers: &HeaderMap,
    https: bool,
) -> Exposure {
    let plan = &state.config.experiment;
    let (Some(arm), Some(key)) = (plan.arm(&shopper.session_id), plan.key.as_ref()) else {
        return Exposure::default();
    };
    let read = Journey::read(headers, &plan.cookie, key, &plan.name, &shopper.session_id);
    let mut journey = read.clone().journey();
    let first = !journey.exposed;
    journey.exposed = true;
    let set_cookie = (read != cookie::Read::Valid(journey.clone()))
        .then(|| journey.encode(key, &plan.name, &shopper.session_id))
        .and_then(|value| cookie::set_cookie(&plan.cookie, &value, https));
    Exposure {
        arm: Some(arm),
        mode: Some(plan.mode),
        first,
        set_cookie,
    }
}

impl Exposure {
    /// The page goes out native, `reason=holdout`.
    pub(super) fn holdout(&self) -> bool {
        self.arm == Some(Arm::Holdout)
    }

    /// The page goes out native while the reorder is counted on the side.
    pub(super) fn shadow(&self) -> bool {
        self.arm == Some(Arm::Treatment) && self.mode == Some(Mode::Shadow)
    }

    /// On the head of the shopper's page: the experiment cookie, and the first exposure
    /// counted with it (so it is counted once: the next view carries the cookie).
    pub(super) fn apply(&self, state: &AppState, headers: &mut HeaderMap) {
        let Some(arm) = self.arm else { return };
        if let Some(value) = &self.set_cookie {
            headers.append(SET_COOKIE, value.clone());
        }
        if self.first {
            state.metrics.experiment.session(arm.label());
        }
    }

    /// Marks the response with its arm, for the view count when its body ends.
    pub(super) fn tag(&self, extensions: &mut Extensions) {
        if let Some(arm) = self.arm {
            extensions.insert(ArmTag(arm));
        }
    }
}

/// A passthrough request, counted when it reaches a goal of an exposed session.
pub(super) async fn passthrough(
    state: &AppState,
    ctx: &RequestContext,
    req: Request<Body>,
) -> Result<Response<Body>, ProxyError> {
    let plan = &state.config.experiment;
    let goals: Vec<usize> = match plan.key.as_ref() {
        Some(_) if plan.is_on() => plan
            .goals_matching(req.method(), req.uri().path())
            .map(|(i, _)| i)
            .collect(),
        _ => Vec::new(),
    };
    if goals.is_empty() || state.is_bot(req.headers()) {
        return super::passthrough::forward(state, ctx, req).await;
    }
    // Only a session that came with its cookie can have been exposed.
    let shopper = identity::identify(req.headers(), &state.config.identity);
    let key = plan.key.as_ref().expect("checked above");
    let journey = match Journey::read(
        req.headers(),
        &plan.cookie,
        key,
        &plan.name,
        &shopper.session_id,
    ) {
        cookie::Read::Valid(j) if j.exposed && !shopper.minted => j,
        _ => return super::passthrough::forward(state, ctx, req).await,
    };
    let arm = plan.arm(&shopper.session_id).expect("the experiment is on");
    let https = headers::forwarded_https(req.headers());
    let mut resp = super::passthrough::forward(state, ctx, req).await?;
    // A refused or failed request reached no goal.
    if resp.status().is_client_error() || resp.status().is_server_error() {
        return Ok(resp);
    }
    let mut updated = journey.clone();
    for i in goals {
        let goal = &plan.goals[i];
        let cents = goal
            .value_header
            .as_ref()
            .and_then(|h| resp.headers().get(h))
            .and_then(order_value_cents);
        let before = updated.reached(&goal.name).unwrap_or(0);
        let first = updated.reach(&goal.name, cents.unwrap_or(0));
        let value = cents.map(|c| (before as f64 / 100.0, c as f64 / 100.0));
        state
            .metrics
            .experiment
            .goal(arm.label(), &goal.name, first, value);
    }
    if updated != journey {
        let value = updated.encode(key, &plan.name, &shopper.session_id);
        if let Some(v) = cookie::set_cookie(&plan.cookie, &value, https) {
            resp.headers_mut().append(SET_COOKIE, v);
        }
    }
    Ok(resp)
}

/// An order value header (`129.90`) in cents; `None` when it is not a plain non-negative
/// number below a billion.
fn order_value_cents(value: &HeaderValue) -> Option<u64> {
    let text = value.to_str().ok()?.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let v: f64 = text.parse().ok()?;
    (v.is_finite() && (0.0..1e9).contains(&v)).then(|| (v * 100.0).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_values() {
        let v = |s: &str| order_value_cents(&HeaderValue::from_str(s).unwrap());
        assert_eq!(v("129.90"), Some(12990));
        assert_eq!(v(" 7 "), Some(700));
        for bad in ["", "-3", "1e3", "12,50", "NaN", "EUR 12", "1000000000"] {
            assert_eq!(v(bad), None, "{bad}");
        }
    }
}
