//! The real origin: a client to the shop's site with pooled keep-alive HTTP/1.1 connections,
//! connect and response timeouts, a bound on origin requests in progress (`origin.max_connections`,
//! README "Configuration"), and errors that say which of those failed.

use std::sync::Arc;
use std::time::Duration;

use http::{header, HeaderValue, Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use tokio::sync::Semaphore;

use super::pool::{OriginBody, Pool};
use super::{Forward, Sending};
use crate::config;
use crate::kit::body::{boxed, Body, BoxError};

/// Why the origin gave no response.
#[derive(Debug, thiserror::Error)]
pub enum OriginError {
    /// The connector's error (refused, unresolvable, connect timeout) or the HTTP/1.1
    /// handshake's.
    #[error("cannot connect to the origin")]
    Connect(#[source] BoxError),
    #[error("origin sent no response headers within {0:?}")]
    Timeout(Duration),
    /// Every one of `origin.max_connections` was busy for the whole queue timeout.
    #[error("all origin connections stayed busy for {0:?}")]
    Saturated(Duration),
    #[error("origin connection failed")]
    Protocol(#[source] hyper::Error),
    #[error("origin body failed")]
    Body(#[source] BoxError),
}

impl OriginError {
    /// The `kind` label of `reshelf_origin_errors_total`.
    pub fn kind(&self) -> &'static str {
        match self {
            OriginError::Connect(_) => "connect",
            OriginError::Timeout(_) => "timeout",
            OriginError::Saturated(_) => "saturated",
            OriginError::Protocol(_) | OriginError::Body(_) => "protocol",
        }
    }
}

/// A pooled client bound to one origin.
#[derive(Clone)]
pub struct OriginClient {
    pool: Arc<Pool>,
    /// The origin's `Host`, for a request that brought none (as hyper-util's client set it:
    /// the port only when it is not the scheme's default).
    host: HeaderValue,
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
        let parts = origin.url.clone().into_parts();
        let scheme = parts.scheme.unwrap_or(http::uri::Scheme::HTTP);
        let authority = parts
            .authority
            .expect("config validation guarantees an origin host");
        let default_port = if scheme == http::uri::Scheme::HTTPS {
            443
        } else {
            80
        };
        let host = match authority.port_u16() {
            Some(port) if port != default_port => format!("{}:{port}", authority.host()),
            _ => authority.host().to_owned(),
        };
        let target = Uri::builder()
            .scheme(scheme)
            .authority(authority)
            .path_and_query("/")
            .build()
            .expect("a scheme and authority from a valid URI");
        Self {
            pool: Pool::new(connector, target),
            host: HeaderValue::try_from(host).expect("a URI's host is a valid header value"),
            timeout: origin.timeout,
            slots: origin.max_connections.map(|n| Arc::new(Semaphore::new(n))),
            queue_timeout: origin.queue_timeout,
        }
    }

    /// Sends `req` to the origin (keeping its path and query); waits at most the configured
    /// timeout for the response headers, and as long between body frames.
    async fn request(&self, mut req: Request<Body>) -> Result<Response<Body>, OriginError> {
        // Origin-form, as HTTP/1.1 sends it.
        let path = req
            .uri()
            .path_and_query()
            .cloned()
            .unwrap_or_else(|| http::uri::PathAndQuery::from_static("/"));
        *req.uri_mut() = Uri::from(path);
        *req.version_mut() = http::Version::HTTP_11;
        req.headers_mut()
            .entry(header::HOST)
            .or_insert_with(|| self.host.clone());
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
        match tokio::time::timeout(self.timeout, self.pool.send(req)).await {
            Err(_) => Err(OriginError::Timeout(self.timeout)),
            Ok(Err(e)) => Err(e),
            Ok(Ok((resp, lease))) => {
                // An upgraded connection belongs to the tunnel now, never to the pool.
                let lease = (resp.status() != StatusCode::SWITCHING_PROTOCOLS).then_some(lease);
                let idle = self.timeout;
                Ok(resp.map(|body| boxed(OriginBody::new(body, idle, lease, slot))))
            }
        }
    }
}

impl Forward for OriginClient {
    fn send(&self, req: Request<Body>) -> Sending<'_> {
        Box::pin(self.request(req))
    }
}
