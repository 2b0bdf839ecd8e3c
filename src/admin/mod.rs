//! The admin listener: `/metrics`, `/healthz`, `/readyz`, the experiment readout
//! `GET /experiment` (see [`experiment`]), and the admin-only `GET /profiles/email/{email}`
//! (bearer token; see [`profile`]). It binds to loopback by
//! default and is never reachable through the public listener.
//!
//! May depend on: `app`, `endpoints` (the profile lookup runs on their machinery), `kit`,
//! `metrics`, `experiment`. Only `server` calls in.

pub mod experiment;
pub mod profile;

use std::convert::Infallible;
use std::sync::Arc;

use http::{header, HeaderValue, Method, Request, Response, StatusCode};

use crate::app::AppState;
use crate::kit::body::{full, Body};

/// Answers one admin request.
pub async fn handle(
    state: Arc<AppState>,
    req: Request<Body>,
) -> Result<Response<Body>, Infallible> {
    if req.uri().path().starts_with(profile::PATH_PREFIX) {
        return Ok(profile::serve(&state.services(), &req).await);
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
        experiment::PATH => experiment::serve(&state, &req),
        "/healthz" => text(StatusCode::OK, "ok\n"),
        "/readyz" => readiness(&state).await,
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    })
}

/// Ready when the config is loaded (it is, or we would not be serving) and the origin accepts
/// a TCP connection within the connect timeout.
async fn readiness(state: &AppState) -> Response<Body> {
    let url = &state.config.origin.url;
    let host = url.host().unwrap_or_default();
    let port = url.port_u16().unwrap_or(80);
    let authority = url.authority().map(|a| a.as_str()).unwrap_or_default();
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
