//! Same-origin Fashion.AI endpoints: the storefront's frontend calls these on the shop's own
//! domain and reshelf adds the app token and the shopper's ids, so the token never reaches a
//! browser and no CORS is needed.
//!
//! | endpoint | listener | module |
//! | --- | --- | --- |
//! | `GET {prefix}/shop-the-look/{productId}` | public | [`shop_the_look`] |
//! | `GET {prefix}/search?query=Q[&size=S]` | public | [`search`] |
//! | `GET /profiles/email/{email}` (admin bearer token) | admin | [`profile`] |
//!
//! The public endpoints share: a per-client rate limit ([`limit`]), one bound on Fashion.AI
//! calls in flight ([`upstream`]), the optional CORS allowlist ([`cors`]), and the metrics
//! `reshelf_endpoint_requests_total{endpoint,outcome}`,
//! `reshelf_endpoint_upstream_duration_seconds{endpoint}` and
//! `reshelf_rate_limited_total{endpoint}`. Unknown paths under the prefix are 404, methods
//! other than GET 405, both as small JSON errors.

pub mod answer;
pub mod cors;
mod error;
pub mod limit;
pub mod profile;
pub mod search;
pub mod shop_the_look;
pub mod upstream;

use std::time::Instant;

use http::{Method, Request, Response};
use hyper::body::Incoming;
use tokio::sync::Semaphore;

pub use answer::{Endpoint, Outcome};
pub use error::{EndpointError, MAX_QUERY_CHARS, MAX_SIZE_CHARS};

use crate::config;
use crate::proxy::body::Body;
use crate::proxy::{AppState, RequestContext};

/// What the endpoints keep between requests: rate-limit buckets, the in-flight bound, and the
/// look and profile caches. One per proxy, in [`AppState`].
pub struct EndpointState {
    limiter: limit::RateLimiter,
    in_flight: Semaphore,
    looks: shop_the_look::LookCache,
    profiles: profile::ProfileCache,
}

impl EndpointState {
    pub fn new(cfg: &config::Endpoints) -> Self {
        Self {
            limiter: limit::RateLimiter::new(cfg.rate_limit_per_minute),
            in_flight: upstream::in_flight_bound(),
            looks: shop_the_look::cache(),
            profiles: profile::cache(),
        }
    }
}

/// A public endpoint, by path below the prefix.
enum Route<'a> {
    ShopTheLook(&'a str),
    Search,
}

impl Route<'_> {
    fn endpoint(&self) -> Endpoint {
        match self {
            Route::ShopTheLook(_) => Endpoint::ShopTheLook,
            Route::Search => Endpoint::Search,
        }
    }
}

/// Serves a request under the endpoints prefix on the public listener. Every refusal is
/// answered here as a JSON error (with the CORS headers the origin earned, so the frontend can
/// read it), so the result is always `Ok`.
pub async fn serve(
    state: &AppState,
    ctx: &RequestContext,
    req: Request<Incoming>,
) -> Result<Response<Body>, EndpointError> {
    let cors = cors::Cors::check(&state.config.endpoints.cors_origins, req.headers());
    if let Some(preflight) = cors.preflight(req.method(), req.headers()) {
        return Ok(preflight);
    }
    let path = req.uri().path();
    let below = path
        .strip_prefix(state.config.endpoints.prefix.as_str())
        .unwrap_or("");
    let route = match below {
        "/search" => Some(Route::Search),
        other => other
            .strip_prefix("/shop-the-look/")
            .filter(|id| !id.contains('/'))
            .map(Route::ShopTheLook),
    };
    let mut resp = match route {
        None => EndpointError::NotFound.into_response(),
        Some(route) => {
            let endpoint = route.endpoint();
            let (resp, outcome) = match answer(state, ctx, &req, route).await {
                Ok(answered) => answered,
                Err(e) => {
                    tracing::debug!(endpoint = endpoint.label(), error = %e, "endpoint refused");
                    let outcome = e.outcome();
                    (e.into_response(), outcome)
                }
            };
            answer::count(state, endpoint, outcome);
            resp
        }
    };
    cors.decorate(&mut resp);
    Ok(resp)
}

/// Method, rate limit, then the endpoint itself.
async fn answer(
    state: &AppState,
    ctx: &RequestContext,
    req: &Request<Incoming>,
    route: Route<'_>,
) -> Result<(Response<Body>, Outcome), EndpointError> {
    if req.method() != Method::GET {
        return Err(EndpointError::MethodNotAllowed);
    }
    let endpoint = route.endpoint();
    let client = limit::client_ip(ctx.peer.ip(), req.headers(), |ip| state.peer_is_trusted(ip));
    if let Err(retry_after) = state.endpoints.limiter.check(client, Instant::now()).await {
        state
            .metrics
            .rate_limited
            .with_label_values(&[endpoint.label()])
            .inc();
        return Err(EndpointError::RateLimited { retry_after });
    }
    match route {
        Route::ShopTheLook(raw_id) => shop_the_look::answer(state, req.headers(), raw_id).await,
        Route::Search => search::answer(state, req.headers(), req.uri().query()).await,
    }
}
