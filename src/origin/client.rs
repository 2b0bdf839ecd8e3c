//! The real origin: a client to the shop's site with pooled keep-alive HTTP/1.1 connections,
//! connect and response timeouts, a bound on origin requests in progress (`origin.max_connections`,
//! README "Configuration"), and errors that say which of those failed.

use std::sync::Arc;
use std::time::Duration;

use http::{Request, Response, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::sync::Semaphore;

use super::{Forward, Sending};
use crate::config;
use crate::kit::body::{boxed, Body, BoxError, IdleTimeoutBody, ObservedBody};

/// Why the origin gave no response.
#[derive(Debug, thiserror::Error)]
pub enum OriginError {
    #[error("cannot connect to the origin")]
    Connect(#[source] hyper_util::client::legacy::Error),
    #[error("origin sent no response headers within {0:?}")]
    Timeout(Duration),
    /// Every one of `origin.max_connections` was busy for the whole queue timeout.
    #[error("all origin connections stayed busy for {0:?}")]
    Saturated(Duration),
    #[error("origin connection failed")]
    Protocol(#[source] hyper_util::client::legacy::Error),
    #[error("origin body failed")]
    Body(#[source] BoxError),
    #[error("cannot build the origin request URI")]
    Uri(#[source] http::Error),
}

impl OriginError {
    /// The `kind` label of `reshelf_origin_errors_total`.
    pub fn kind(&self) -> &'static str {
        match self {
            OriginError::Connect(_) => "connect",
            OriginError::Timeout(_) => "timeout",
            OriginError::Saturated(_) => "saturated",
            OriginError::Protocol(_) | OriginError::Body(_) | OriginError::Uri(_) => "protocol",
        }
    }
}

/// A pooled client bound to one origin.
#[derive(Clone)]
pub struct OriginClient {
    client: Client<HttpConnector, Body>,
    scheme: http::uri::Scheme,
    authority: http::uri::Authority,
    timeout: Duration,
    /// Places for origin requests in progress (`None`: no bound); a place is held until the
    /// response body is read or dropped, since an HTTP/1.1 connection is busy until then.
    slots: Option<Arc<Semaphore>>,
    queue_timeout: Duration,
}

impl OriginClient {
    pub fn new(origin: &config::Origin) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(origin.connect_timeout));
        connector.set_nodelay(true);
        connector.set_keepalive(Some(Duration::from_secs(60)));
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(256)
            .build(connector);
        let parts = origin.url.clone().into_parts();
        Self {
            client,
            scheme: parts.scheme.unwrap_or(http::uri::Scheme::HTTP),
            authority: parts
                .authority
                .expect("config validation guarantees an origin host"),
            timeout: origin.timeout,
            slots: origin.max_connections.map(|n| Arc::new(Semaphore::new(n))),
            queue_timeout: origin.queue_timeout,
        }
    }

    /// Points `req` at the origin (keeping its path and query) and sends it; waits at most the
    /// configured timeout for the response headers, and as long between body frames.
    async fn request(&self, mut req: Request<Body>) -> Result<Response<Body>, OriginError> {
        let path = req
            .uri()
            .path_and_query()
            .cloned()
            .unwrap_or_else(|| http::uri::PathAndQuery::from_static("/"));
        *req.uri_mut() = Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(path)
            .build()
            .map_err(OriginError::Uri)?;
        *req.version_mut() = http::Version::HTTP_11;
        let slot = match &self.slots {
            None => None,
            Some(slots) => {
                let waited =
                    tokio::time::timeout(self.queue_timeout, slots.clone().acquire_owned());
                match waited.await {
                    Ok(Ok(slot)) => Some(slot),
                    // The semaphore is never closed.
                    Ok(Err(_)) | Err(_) => return Err(OriginError::Saturated(self.queue_timeout)),
                }
            }
        };
        match tokio::time::timeout(self.timeout, self.client.request(req)).await {
            Err(_) => Err(OriginError::Timeout(self.timeout)),
            Ok(Err(e)) if e.is_connect() => Err(OriginError::Connect(e)),
            Ok(Err(e)) => Err(OriginError::Protocol(e)),
            Ok(Ok(resp)) => {
                let idle = self.timeout;
                Ok(resp.map(|body| {
                    let body = IdleTimeoutBody::new(body, idle);
                    match slot {
                        None => boxed(body),
                        Some(slot) => boxed(ObservedBody::new(body, move |_| drop(slot))),
                    }
                }))
            }
        }
    }
}

impl Forward for OriginClient {
    fn send(&self, req: Request<Body>) -> Sending<'_> {
        Box::pin(self.request(req))
    }
}
