//! The public listener's router: where a request goes, top to bottom.
//!
//! [`handle`] is the outer function of every public request: it classifies the request
//! ([`classify`]), runs the matching flow — a listing page ([`listing`]), a same-origin
//! endpoint (`endpoints`), or the streamed passthrough ([`passthrough`]) — turns an error into
//! a response, and, through the body observer, writes the access log line and records the
//! request metrics once the body is sent. The flows return `Result` and never log errors
//! themselves.
//!
//! May depend on: `app`, `origin`, `endpoints`, `kit`, `config`, `identity`, `ranking`,
//! `rewrite`, `experiment`, `metrics`, `telemetry`. The experiment's part in the flows (a
//! listing view's arm, goals on passthrough requests) is in `experiment`. Only `server` calls in.

mod error;
mod experiment;
mod listing;
mod passthrough;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use http::{Request, Response};

pub use error::ProxyError;

use crate::app::AppState;
use crate::config::Page;
use crate::kit::admission::Admitted;
use crate::kit::body::{self, Body, ObservedBody, Transfer};
use crate::kit::context::{RequestContext, RouteKind};
use crate::kit::headers;
use crate::kit::verdict::{Verdict, VerdictCell};

/// Where a request goes.
#[derive(Debug)]
pub enum Target<'a> {
    /// A listing page of `page` for `category` (GET or HEAD only).
    Listing {
        page: &'a Page,
        category: String,
    },
    /// A same-origin Fashion.AI endpoint under `endpoints.prefix`.
    Endpoint,
    Passthrough,
}

impl Target<'_> {
    /// The route kind of the metrics.
    pub fn route(&self) -> RouteKind {
        match self {
            Target::Listing { .. } => RouteKind::Listing,
            Target::Endpoint => RouteKind::Endpoint,
            Target::Passthrough => RouteKind::Passthrough,
        }
    }
}

/// Decides where a request goes, before anything is sent anywhere.
pub fn classify<'a, B>(state: &'a AppState, req: &Request<B>) -> Target<'a> {
    let path = req.uri().path();
    let under_prefix = path
        .strip_prefix(state.config.endpoints.prefix.as_str())
        .is_some_and(|rest| rest.starts_with('/'));
    if under_prefix {
        return Target::Endpoint;
    }
    let listing_method = req.method() == http::Method::GET || req.method() == http::Method::HEAD;
    if listing_method && !headers::is_upgrade(req.headers()) {
        if let Some((page, category)) = state.config.match_page(path, req.uri().query()) {
            return Target::Listing { page, category };
        }
    }
    Target::Passthrough
}

/// The outer function of every public request.
pub async fn handle(
    state: Arc<AppState>,
    peer: SocketAddr,
    req: Request<Body>,
) -> Result<Response<Body>, Infallible> {
    let target = classify(&state, &req);
    let ctx = RequestContext {
        request_id: headers::request_id(req.headers()),
        peer,
        method: req.method().clone(),
        path: req.uri().path().to_owned(),
        route: target.route(),
        started: Instant::now(),
    };
    state.metrics.inflight_requests.inc();
    let admitted = state.requests.admit();
    let overloaded = admitted.is_none();
    // Records the request even when the client leaves before the response head (hyper then
    // drops this future): counted with `status_class="none"` and `complete="false"`.
    let mut pending = Unanswered(Some(Finish {
        state: state.clone(),
        ctx,
        _admitted: admitted,
    }));
    let ctx = &pending.0.as_ref().expect("set above").ctx;
    // The listing and endpoint flows are boxed: this future lives in every connection's task
    // (hyper keeps it inline), and an idle keep-alive connection should not carry the state
    // of the largest flow.
    let result = match target {
        _ if overloaded => Err(ProxyError::Overloaded(state.requests.limit())),
        Target::Listing { page, category } => {
            Box::pin(listing::serve(&state, ctx, req, page, &category)).await
        }
        Target::Endpoint => {
            Ok(Box::pin(crate::endpoints::serve(&state.services(), ctx, req)).await)
        }
        Target::Passthrough => experiment::passthrough(&state, ctx, req).await,
    };
    let mut response = result.unwrap_or_else(|e| {
        if let Some(reason) = e.shed() {
            // Under overload one warning per request would add to the load: the metric and
            // the access log line (status 503) carry each of them.
            state.metrics.request_shed(reason);
            return e.into_response(ctx.request_id_str());
        }
        tracing::warn!(
            request_id = ctx.request_id_str(),
            method = %ctx.method,
            path = %ctx.path,
            error = %crate::telemetry::error_line(&e),
            "answered with an error page"
        );
        e.into_response(ctx.request_id_str())
    });
    response
        .headers_mut()
        .insert(headers::X_REQUEST_ID, ctx.request_id.clone());
    let finish = pending.0.take().expect("taken once, here");
    Ok(observe(finish, response))
}

/// What is recorded once a request is over: the in-flight gauge, the request metrics and the
/// access log line.
struct Finish {
    state: Arc<AppState>,
    ctx: RequestContext,
    /// The request's place under `listen.max_requests`, given back when it is over.
    _admitted: Option<Admitted>,
}

impl Finish {
    /// `status` is `None` when no response head was sent.
    /// `arm`: the experiment arm of a listing view, whose outcome the experiment counts.
    fn record(
        self,
        status: Option<http::StatusCode>,
        verdict: Option<Verdict>,
        arm: Option<experiment::ArmTag>,
        transfer: Transfer,
    ) {
        let Finish { state, ctx, .. } = self;
        let elapsed = ctx.started.elapsed();
        let m = &state.metrics;
        m.inflight_requests.dec();
        m.request_done(ctx.route, status, transfer.complete, elapsed);
        if let Some(experiment::ArmTag(arm)) = arm {
            let outcome = verdict.map_or("aborted", Verdict::outcome_label);
            m.experiment.view(arm.label(), outcome);
        }
        tracing::info!(
            target: "reshelf::access",
            method = %ctx.method,
            path = %ctx.path,
            status = status.map(|s| s.as_u16()),
            duration_ms = elapsed.as_secs_f64() * 1000.0,
            bytes = transfer.bytes,
            complete = transfer.complete,
            route = ctx.route.label(),
            outcome = verdict.map(Verdict::outcome_label),
            reason = verdict.map(Verdict::reason_label),
            request_id = ctx.request_id_str(),
        );
    }
}

/// A request whose handler has not answered yet; dropped with it, it records the request as
/// unanswered.
struct Unanswered(Option<Finish>);

impl Drop for Unanswered {
    fn drop(&mut self) {
        if let Some(finish) = self.0.take() {
            let gone = Transfer {
                bytes: 0,
                complete: false,
            };
            finish.record(None, None, None, gone);
        }
    }
}

/// Wraps the response body so that, once it is sent (or the client goes away), the access log
/// line is written and the request metrics recorded.
fn observe(finish: Finish, response: Response<Body>) -> Response<Body> {
    let status = response.status();
    let (parts, body) = response.into_parts();
    let verdict = parts.extensions.get::<VerdictCell>().cloned();
    let arm = parts.extensions.get::<experiment::ArmTag>().copied();
    let on_done = move |transfer: Transfer| {
        let verdict = verdict.and_then(|cell| cell.get());
        finish.record(Some(status), verdict, arm, transfer);
    };
    Response::from_parts(parts, body::boxed(ObservedBody::new(body, on_done)))
}
