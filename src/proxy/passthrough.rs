//! The streamed passthrough: everything that is not a listing page or a reshelf endpoint goes
//! to the origin and back as it came, bodies streamed in both directions, WebSocket upgrades
//! tunneled.

use std::time::Instant;

use http::{header, HeaderValue, Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;

use super::body::{boxed, Body, IdleTimeoutBody};
use super::headers::{self, APP_TOKEN, X_REQUEST_ID};
use super::{AppState, ProxyError, RequestContext};

/// Forwards the request to the origin and streams the response back.
pub async fn forward(
    state: &AppState,
    ctx: &RequestContext,
    mut req: Request<Incoming>,
) -> Result<Response<Body>, ProxyError> {
    let client_upgrade = headers::is_upgrade(req.headers()).then(|| hyper::upgrade::on(&mut req));
    let upstream = upstream_request(state, ctx, req.map(boxed), client_upgrade.is_some());
    let mut resp = send_to_origin(state, ctx, upstream).await?;
    if let Some(client_upgrade) = client_upgrade {
        if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
            let origin_upgrade = hyper::upgrade::on(&mut resp);
            tokio::spawn(tunnel(
                client_upgrade,
                origin_upgrade,
                ctx.request_id.clone(),
            ));
            return Ok(switching_protocols(resp));
        }
    }
    Ok(downstream_response(state, resp))
}

/// Sends a prepared request to the origin, recording the origin latency.
pub async fn send_to_origin(
    state: &AppState,
    ctx: &RequestContext,
    upstream: Request<Body>,
) -> Result<Response<Incoming>, ProxyError> {
    let started = Instant::now();
    let result = state.origin.send(upstream).await;
    state
        .metrics
        .origin_duration
        .with_label_values(&[ctx.route.label()])
        .observe(started.elapsed().as_secs_f64());
    if let Err(e) = &result {
        state
            .metrics
            .origin_errors
            .with_label_values(&[e.kind()])
            .inc();
    }
    Ok(result?)
}

/// The request the origin sees: hop-by-hop headers and any client-sent app token removed,
/// `X-Forwarded-*` and `X-Request-Id` set, the client's `Host` kept.
pub fn upstream_request(
    state: &AppState,
    ctx: &RequestContext,
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
    let trusted = state.peer_is_trusted(ctx.peer.ip());
    headers::set_forwarded(headers, ctx.peer.ip(), trusted, host.as_ref());
    Request::from_parts(parts, body)
}

/// The origin's response as the client gets it, body streamed with an idle timeout.
pub fn downstream_response(state: &AppState, resp: Response<Incoming>) -> Response<Body> {
    let (mut parts, body) = resp.into_parts();
    headers::remove_hop_by_hop(&mut parts.headers);
    parts.headers.remove(APP_TOKEN);
    let body = boxed(IdleTimeoutBody::new(body, state.origin.timeout()));
    Response::from_parts(parts, body)
}

fn switching_protocols(resp: Response<Incoming>) -> Response<Body> {
    let (mut parts, _) = resp.into_parts();
    parts.headers.remove(APP_TOKEN);
    Response::from_parts(parts, super::body::empty())
}

/// Copies bytes both ways between the upgraded client and origin connections until either
/// side closes.
async fn tunnel(
    client: hyper::upgrade::OnUpgrade,
    origin: hyper::upgrade::OnUpgrade,
    request_id: HeaderValue,
) {
    let request_id = request_id.to_str().unwrap_or("-").to_owned();
    let (client, origin) = match tokio::try_join!(client, origin) {
        Ok(pair) => pair,
        Err(e) => {
            tracing::warn!(request_id, error = %e, "upgrade failed");
            return;
        }
    };
    let mut client = TokioIo::new(client);
    let mut origin = TokioIo::new(origin);
    match tokio::io::copy_bidirectional(&mut client, &mut origin).await {
        Ok((up, down)) => tracing::debug!(request_id, up, down, "tunnel closed"),
        Err(e) => tracing::debug!(request_id, error = %e, "tunnel ended with an error"),
    }
}
