//! Same-origin Fashion.AI endpoints: the storefront's frontend calls these on the shop's own
//! domain and reshelf adds the app token and the shopper's ids, so the token never reaches a
//! browser and no CORS is needed.
//!
//! | endpoint | listener | module |
//! | --- | --- | --- |
//! | `GET {prefix}/shop-the-look/{productId}` | public | [`shop_the_look`] |
//! | `GET {prefix}/search?query=Q[&size=S]` | public | [`search`] |
//! | `GET /profiles/email/{email}` (admin bearer token) | admin | `admin::profile`, on this machinery |
//!
//! The public endpoints share: a per-client rate limit ([`limit`]), one bound on Fashion.AI
//! calls in flight ([`upstream`]), the optional CORS allowlist ([`cors`]), and the metrics
//! `reshelf_endpoint_requests_total{endpoint,outcome}`,
//! `reshelf_endpoint_upstream_duration_seconds{endpoint}` and
//! `reshelf_rate_limited_total{endpoint}`. Unknown paths under the prefix are 404, methods
//! other than GET 405, both as small JSON errors.
//!
//! May depend on: `kit`, `config`, `metrics`, `identity`, `ranking` (the Fashion.AI client).
//! What it reads of the application state comes in as [`Services`]; `app` holds
//! [`EndpointState`], and the router (`proxy`) and `admin` call in.

pub mod cors;
mod error;
pub mod limit;
pub mod reply;
pub mod search;
pub mod shop_the_look;
pub mod upstream;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request, Response};
use tokio::sync::Semaphore;

pub use error::{EndpointError, MAX_QUERY_CHARS, MAX_SIZE_CHARS};
pub use reply::{count, private_json, Endpoint, EndpointOutcome};
pub use upstream::{call as call_upstream, UpstreamError};

use crate::config::{self, Config};
use crate::kit::body::Body;
use crate::kit::context::RequestContext;
use crate::kit::headers;
use crate::metrics::Metrics;
use crate::ranking::client::FashionAiClient;

/// Profile JSON by SHA-256 of the normalised address (the admin listener's profile lookups).
pub type ProfileCache = moka::future::Cache<[u8; 32], Bytes>;

/// How long a profile is reused: 5 minutes.
pub const PROFILE_TTL: Duration = Duration::from_secs(300);
/// Memory bound of the profile cache, in bytes of profile JSON: 32 MiB.
pub const PROFILE_CACHE_BYTES: u64 = 32 * 1024 * 1024;

fn profile_cache() -> ProfileCache {
    moka::future::Cache::builder()
        .max_capacity(PROFILE_CACHE_BYTES)
        .weigher(|_, v: &Bytes| u32::try_from(v.len()).unwrap_or(u32::MAX))
        .time_to_live(PROFILE_TTL)
        .build()
}

/// What the endpoints keep between requests: rate-limit buckets, the in-flight bound, and the
/// look and profile caches. One per proxy, in the application state.
pub struct EndpointState {
    limiter: limit::RateLimiter,
    in_flight: Semaphore,
    looks: shop_the_look::LookCache,
    /// Filled and read by `admin::profile`.
    pub profiles: ProfileCache,
}

impl EndpointState {
    pub fn new(cfg: &config::Endpoints) -> Self {
        Self {
            limiter: limit::RateLimiter::new(cfg.rate_limit_per_minute),
            in_flight: upstream::in_flight_bound(),
            looks: shop_the_look::cache(),
            profiles: profile_cache(),
        }
    }
}

/// What an endpoint may use of the application state, lent for one request.
pub struct Services<'a> {
    pub config: &'a Config,
    pub metrics: &'a Metrics,
    pub fashionai: &'a FashionAiClient,
    pub endpoints: &'a EndpointState,
}

impl Services<'_> {
    /// Whether `X-Forwarded-*` from this peer is believed (`endpoints.trusted_proxies`).
    pub fn peer_is_trusted(&self, ip: IpAddr) -> bool {
        headers::is_trusted(&self.config.endpoints.trusted_proxies, ip)
    }
}

/// A public endpoint call, by path below the prefix.
enum EndpointCall<'a> {
    ShopTheLook(&'a str),
    Search,
}

impl EndpointCall<'_> {
    fn endpoint(&self) -> Endpoint {
        match self {
            EndpointCall::ShopTheLook(_) => Endpoint::ShopTheLook,
            EndpointCall::Search => Endpoint::Search,
        }
    }
}

/// Serves a request under the endpoints prefix on the public listener. Every refusal is
/// answered here as a JSON error, with the CORS headers the origin earned so the frontend can
/// read it.
pub async fn serve<B>(
    state: &Services<'_>,
    ctx: &RequestContext,
    req: Request<B>,
) -> Response<Body> {
    let cors = cors::Cors::check(&state.config.endpoints.cors_origins, req.headers());
    if let Some(preflight) = cors.preflight(req.method(), req.headers()) {
        return preflight;
    }
    let path = req.uri().path();
    let below = path
        .strip_prefix(state.config.endpoints.prefix.as_str())
        .unwrap_or("");
    let route = match below {
        "/search" => Some(EndpointCall::Search),
        other => other
            .strip_prefix("/shop-the-look/")
            .filter(|id| !id.contains('/'))
            .map(EndpointCall::ShopTheLook),
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
            reply::count(state, endpoint, outcome);
            resp
        }
    };
    cors.decorate(&mut resp);
    resp
}

/// Method, rate limit, then the endpoint itself.
async fn answer<B>(
    state: &Services<'_>,
    ctx: &RequestContext,
    req: &Request<B>,
    route: EndpointCall<'_>,
) -> Result<(Response<Body>, EndpointOutcome), EndpointError> {
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
        EndpointCall::ShopTheLook(raw_id) => {
            shop_the_look::answer(state, req.headers(), raw_id).await
        }
        EndpointCall::Search => search::answer(state, req.headers(), req.uri().query()).await,
    }
}
