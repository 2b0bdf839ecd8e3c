//! [`RequestContext`]: the facts about one public request that every step may read, and the
//! [`RouteKind`] it took.

use std::net::SocketAddr;
use std::time::Instant;

use http::HeaderValue;

/// The kind of route a request took; the `route` label of the request metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteKind {
    Passthrough,
    Listing,
    Endpoint,
}

impl RouteKind {
    /// The metric label.
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
    /// The client's `X-Request-Id` when sane, else a fresh one; echoed in the response.
    pub request_id: HeaderValue,
    pub peer: SocketAddr,
    pub method: http::Method,
    /// Path without the query, for logs.
    pub path: String,
    pub route: RouteKind,
    /// When the request arrived; a listing's ranking deadline counts from here.
    pub started: Instant,
}

impl RequestContext {
    /// The request id as text, for logs and error pages.
    pub fn request_id_str(&self) -> &str {
        self.request_id.to_str().unwrap_or("-")
    }
}
