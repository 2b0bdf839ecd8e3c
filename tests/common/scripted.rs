//! A scripted origin behind reshelf's `Forward` trait, and requests handed straight to the
//! router: flows tested the way axum's `oneshot` tests are, with no socket anywhere.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::BodyExt;
use reshelf::app::AppState;
use reshelf::kit::body::{self, Body};
use reshelf::metrics::Metrics;
use reshelf::origin::{Forward, OriginError, Sending};

type Script = dyn Fn(&Request<Body>) -> Result<Response<Body>, OriginError> + Send + Sync;

/// An origin whose answers a closure writes; it records the requests it was sent.
pub struct ScriptedOrigin {
    script: Box<Script>,
    pub seen: Mutex<Vec<http::request::Parts>>,
}

impl ScriptedOrigin {
    pub fn new<F>(script: F) -> Arc<Self>
    where
        F: Fn(&Request<Body>) -> Result<Response<Body>, OriginError> + Send + Sync + 'static,
    {
        Arc::new(Self {
            script: Box::new(script),
            seen: Mutex::new(Vec::new()),
        })
    }

    /// The requests the origin received, as (method, path and query, headers).
    pub fn seen(&self) -> Vec<http::request::Parts> {
        self.seen.lock().unwrap().clone()
    }
}

impl Forward for ScriptedOrigin {
    fn send(&self, req: Request<Body>) -> Sending<'_> {
        let answer = (self.script)(&req);
        let (parts, _) = req.into_parts();
        self.seen.lock().unwrap().push(parts);
        Box::pin(async move { answer })
    }
}

/// A 200 response with `content_type` and `body`.
pub fn page(content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let body = body.into();
    Response::builder()
        .header("content-type", content_type)
        .header("content-length", body.len())
        .header("cache-control", "public, max-age=60")
        .body(body::full(body))
        .unwrap()
}

/// The application state for `toml`, with `origin` in place of the real origin.
pub fn state(toml: &str, origin: Arc<ScriptedOrigin>) -> Arc<AppState> {
    let config = Arc::new(super::config(toml));
    Arc::new(AppState::with_origin(config, Metrics::new(), origin).expect("state builds"))
}

/// A peer on loopback.
pub fn peer() -> SocketAddr {
    "127.0.0.1:40000".parse().unwrap()
}

/// Runs one request through the router; the response and its whole body.
pub async fn oneshot(state: &Arc<AppState>, req: Request<Body>) -> (http::response::Parts, Bytes) {
    let (parts, bytes, _) = oneshot_with_trailers(state, req).await;
    (parts, bytes)
}

/// [`oneshot`], with the trailers that followed the body.
pub async fn oneshot_with_trailers(
    state: &Arc<AppState>,
    req: Request<Body>,
) -> (http::response::Parts, Bytes, Option<http::HeaderMap>) {
    let resp = reshelf::proxy::handle(state.clone(), peer(), req)
        .await
        .unwrap_or_else(|never| match never {});
    let (parts, body) = resp.into_parts();
    let collected = body.collect().await.expect("body");
    let trailers = collected.trailers().cloned();
    (parts, collected.to_bytes(), trailers)
}

/// A request with an empty body.
pub fn get(uri: &str) -> http::request::Builder {
    Request::builder().uri(uri).header("host", "shop.test")
}

/// Finishes a request builder with an empty body.
pub fn empty(builder: http::request::Builder) -> Request<Body> {
    builder.body(body::empty()).unwrap()
}
