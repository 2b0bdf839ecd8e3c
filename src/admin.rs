//! The admin listener: `/metrics`, `/healthz`, `/readyz`, and the admin-only
//! `GET /profiles/email/{email}` (bearer token; see `endpoints::profile`). It binds to loopback
//! by default and is never reachable through the public listener.

use std::convert::Infallible;
use std::sync::Arc;

use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use hyper::body::Incoming;

use crate::proxy::body::{full, Body};
use crate::proxy::AppState;

/// Answers one admin request.
pub async fn handle(
    state: Arc<AppState>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    if req
        .uri()
        .path()
        .starts_with(crate::endpoints::profile::PATH_PREFIX)
    {
        return Ok(crate::endpoints::profile::serve(&state, &req).await);
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Ok(text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n"));
    }
    Ok(match req.uri().path() {
        "/metrics" => {
            // Gauges read at scrape time rather than kept current on every request.
            let (bytes, entries) = state.ranking.cache().usage().await;
            state
                .metrics
                .ranking_cache_bytes
                .set(i64::try_from(bytes).unwrap_or(i64::MAX));
            state
                .metrics
                .ranking_cache_entries
                .set(i64::try_from(entries).unwrap_or(i64::MAX));
            let mut resp = Response::new(full(state.metrics.encode()));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            resp
        }
        "/healthz" => text(StatusCode::OK, "ok\n"),
        "/readyz" => readiness(&state).await,
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    })
}

/// Ready when the config is loaded (it is, or we would not be serving) and the origin accepts
/// a TCP connection within the connect timeout.
async fn readiness(state: &AppState) -> Response<Body> {
    let authority = state.origin.authority();
    let host = authority.host();
    let port = authority.port_u16().unwrap_or(80);
    let timeout = state.config.origin.connect_timeout;
    let connect = tokio::net::TcpStream::connect((host, port));
    match tokio::time::timeout(timeout, connect).await {
        Ok(Ok(_)) => text(StatusCode::OK, "ready\n"),
        Ok(Err(e)) => {
            tracing::warn!(origin = %authority, error = %e, "not ready: origin unreachable");
            text(StatusCode::SERVICE_UNAVAILABLE, "origin unreachable\n")
        }
        Err(_) => {
            tracing::warn!(origin = %authority, ?timeout, "not ready: origin connect timed out");
            text(StatusCode::SERVICE_UNAVAILABLE, "origin unreachable\n")
        }
    }
}

fn text(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut resp = Response::new(full(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    resp
}
