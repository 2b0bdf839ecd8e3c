//! Talking to the shop's origin, in one place: the request the origin sees
//! ([`upstream_request`]), sending it with its timeouts behind the [`Forward`] trait (the real
//! [`OriginClient`], or a scripted origin in tests), and the client-facing response head
//! ([`client_head`]) that passthrough, listing and bot pages all go through.
//!
//! May depend on: `kit`, `config`, `metrics`. The flows (`proxy`) stand on it.

mod client;
mod pool;

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use http::{header, HeaderValue, Request, Response};

pub use client::{OriginClient, OriginError};

use crate::kit::body::Body;
use crate::kit::context::RequestContext;
use crate::kit::headers::{self, APP_TOKEN, X_REQUEST_ID};
use crate::metrics::Metrics;

/// A response on its way from the origin.
pub type Sending<'a> =
    Pin<Box<dyn Future<Output = Result<Response<Body>, OriginError>> + Send + 'a>>;

/// Sends a prepared request to the origin and gives back its response head with the body
/// streaming behind it. [`OriginClient`] is the real one; tests put a scripted origin in (the
/// way rust-rpxy separates its handler from its forwarder).
pub trait Forward: Send + Sync + 'static {
    /// Sends `req` (its URI's path and query name the resource; the origin is the
    /// forwarder's). Waits at most the origin timeout for the response head; the body's
    /// frames arrive with at most that pause between them.
    fn send(&self, req: Request<Body>) -> Sending<'_>;
}

/// Sends `upstream` through `origin`, recording the origin latency and errors for `ctx`'s
/// route.
pub async fn send(
    origin: &dyn Forward,
    metrics: &Metrics,
    ctx: &RequestContext,
    upstream: Request<Body>,
) -> Result<Response<Body>, OriginError> {
    let started = Instant::now();
    let result = origin.send(upstream).await;
    metrics.origin_answered(
        ctx.route,
        started.elapsed(),
        result.as_ref().err().map(OriginError::kind),
    );
    result
}

/// The request the origin sees: hop-by-hop headers and any client-sent app token removed,
/// `X-Forwarded-*` and `X-Request-Id` set, the client's `Host` kept. With `keep_upgrade`, the
/// client's `Upgrade` (a WebSocket handshake) is passed on.
pub fn upstream_request(
    ctx: &RequestContext,
    peer_trusted: bool,
    req: Request<Body>,
    keep_upgrade: bool,
) -> Request<Body> {
    let (mut parts, body) = req.into_parts();
    let upgrade = keep_upgrade
        .then(|| parts.headers.get(header::UPGRADE).cloned())
        .flatten();
    let host = parts.headers.get(header::HOST).cloned().or_else(|| {
        parts
            .uri
            .authority()
            .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
    });
    let headers = &mut parts.headers;
    headers::remove_hop_by_hop(headers);
    headers.remove(APP_TOKEN);
    if let Some(upgrade) = upgrade {
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(header::UPGRADE, upgrade);
    }
    if let Some(host) = &host {
        headers.insert(header::HOST, host.clone());
    }
    headers.insert(X_REQUEST_ID, ctx.request_id.clone());
    headers::set_forwarded(headers, ctx.peer.ip(), peer_trusted, host.as_ref());
    Request::from_parts(parts, body)
}

/// The origin's response as the client gets it: hop-by-hop headers (the origin's framing
/// among them: the client's framing is decided by the body reshelf sends) and the app token
/// removed, and the origin's HTTP version dropped (an HTTP/1.0 origin must not make the
/// client's connection HTTP/1.0: no keep-alive, no chunks, no trailers). Every response
/// relayed from the origin goes through here.
pub fn client_head(resp: Response<Body>) -> Response<Body> {
    let (mut parts, body) = resp.into_parts();
    parts.version = http::Version::default();
    headers::remove_hop_by_hop(&mut parts.headers);
    parts.headers.remove(APP_TOKEN);
    Response::from_parts(parts, body)
}
