//! The proxy: where a request goes, top to bottom.
//!
//! [`handle`] is the outer function of every public request: it classifies the request, runs
//! the matching flow, turns an error into a response, and — through the body observer — writes
//! the access log line and the request metrics once the body is sent. The flows return
//! `Result` and never log errors themselves.

pub mod body;
// Public only for `benches/codec.rs`; not part of the interface.
#[doc(hidden)]
pub mod codec;
mod error;
pub mod headers;
mod lifecycle;
mod listing;
mod origin;
mod passthrough;
mod server;
mod state;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use http::{HeaderValue, Request, Response};
use hyper::body::Incoming;

pub use error::ProxyError;
pub use lifecycle::{serve_until_signal, start, Running, Signals, SHUTDOWN_GRACE};
pub use origin::{OriginClient, OriginError};
pub use state::AppState;

use crate::config::Page;
use crate::metrics::status_class;
use body::{Body, ObservedBody, Transfer};

/// The kind of route a request took; the `route` label of the request metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteKind {
    Passthrough,
    Listing,
    Endpoint,
}

impl RouteKind {
    pub fn label(self) -> &'static str {
        match self {
            RouteKind::Passthrough => "passthrough",
            RouteKind::Listing => "listing",
            RouteKind::Endpoint => "endpoint",
        }
    }
}

/// Per-request facts every step may read.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: HeaderValue,
    pub peer: SocketAddr,
    pub method: http::Method,
    /// Path without the query, for logs.
    pub path: String,
    pub route: RouteKind,
    pub started: Instant,
}

/// Where a request goes.
enum Target<'a> {
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
    fn route(&self) -> RouteKind {
        match self {
            Target::Listing { .. } => RouteKind::Listing,
            Target::Endpoint => RouteKind::Endpoint,
            Target::Passthrough => RouteKind::Passthrough,
        }
    }
}

/// Decides where a request goes, before anything is sent anywhere.
fn classify<'a>(state: &'a AppState, req: &Request<Incoming>) -> Target<'a> {
    let path = req.uri().path();
    let under_prefix = path
        .strip_prefix(state.config.endpoints.prefix.as_str())
        .is_some_and(|rest| rest.starts_with('/'));
    if under_prefix {
        return Target::Endpoint;
    }
    let listing_method = req.method() == http::Method::GET || req.method() == http::Method::HEAD;
    if listing_method && !headers::is_upgrade(req.headers()) {
        if let Some((page, category)) = state.config.match_page(req.uri().path(), req.uri().query())
        {
            return Target::Listing { page, category };
        }
    }
    Target::Passthrough
}

/// The outer function of every public request.
pub async fn handle(
    state: Arc<AppState>,
    peer: SocketAddr,
    req: Request<Incoming>,
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
    let result = match target {
        Target::Listing { page, category } => {
            listing::serve(&state, &ctx, req, page, &category).await
        }
        Target::Endpoint => crate::endpoints::serve(&state, &ctx, req)
            .await
            .map_err(ProxyError::from),
        Target::Passthrough => passthrough::forward(&state, &ctx, req).await,
    };
    let mut response = result.unwrap_or_else(|e| {
        tracing::warn!(
            request_id = ctx.request_id.to_str().unwrap_or("-"),
            method = %ctx.method,
            path = %ctx.path,
            error = %crate::telemetry::error_line(&e),
            "answered with an error page"
        );
        e.into_response(ctx.request_id.to_str().unwrap_or("-"))
    });
    response
        .headers_mut()
        .insert(headers::X_REQUEST_ID, ctx.request_id.clone());
    Ok(observe(state, ctx, response))
}

/// Wraps the response body so that, once it is sent (or the client goes away), the access log
/// line is written and the request metrics recorded.
fn observe(state: Arc<AppState>, ctx: RequestContext, response: Response<Body>) -> Response<Body> {
    let status = response.status();
    let (parts, body) = response.into_parts();
    let on_done = move |transfer: Transfer| {
        let elapsed = ctx.started.elapsed();
        let m = &state.metrics;
        m.inflight_requests.dec();
        m.requests
            .with_label_values(&[ctx.route.label(), status_class(status)])
            .inc();
        m.request_duration
            .with_label_values(&[ctx.route.label()])
            .observe(elapsed.as_secs_f64());
        tracing::info!(
            target: "reshelf::access",
            method = %ctx.method,
            path = %ctx.path,
            status = status.as_u16(),
            duration_ms = elapsed.as_secs_f64() * 1000.0,
            bytes = transfer.bytes,
            complete = transfer.complete,
            route = ctx.route.label(),
            request_id = ctx.request_id.to_str().unwrap_or("-"),
        );
    };
    Response::from_parts(parts, body::boxed(ObservedBody::new(body, on_done)))
}
