//! [`ProxyError`]: why a request got no origin response, and the one mapping from each cause
//! to the status, the shed reason and the small error page the client sees.

use http::{header, Response, StatusCode};

use crate::kit::body::{full, Body};
use crate::metrics::Shed;
use crate::origin::OriginError;

/// Why reshelf answered a request itself instead of relaying the origin.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("origin request failed")]
    Origin(#[from] OriginError),
    /// `listen.max_requests` requests were already in progress.
    #[error("{0} requests already in progress")]
    Overloaded(usize),
}

impl ProxyError {
    /// The status for this error: 504 for an origin that timed out, 502 for one that failed,
    /// 503 for a request shed under load.
    pub fn status(&self) -> StatusCode {
        match self {
            ProxyError::Origin(OriginError::Timeout(_)) => StatusCode::GATEWAY_TIMEOUT,
            ProxyError::Overloaded(_) | ProxyError::Origin(OriginError::Saturated(_)) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ProxyError::Origin(
                OriginError::Connect(_) | OriginError::Protocol(_) | OriginError::Body(_),
            ) => StatusCode::BAD_GATEWAY,
        }
    }

    /// Why the request was shed, when it was: refused quickly under load rather than left to
    /// wait, the client told to retry.
    pub fn shed(&self) -> Option<Shed> {
        match self {
            ProxyError::Overloaded(_) => Some(Shed::Requests),
            ProxyError::Origin(OriginError::Saturated(_)) => Some(Shed::OriginConnections),
            ProxyError::Origin(
                OriginError::Timeout(_)
                | OriginError::Connect(_)
                | OriginError::Protocol(_)
                | OriginError::Body(_),
            ) => None,
        }
    }

    /// A small plain-text error page; never includes internal detail beyond the request id.
    pub fn into_response(&self, request_id: &str) -> Response<Body> {
        let status = self.status();
        let text = format!(
            "{} {}\n{} Request id: {}\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or(""),
            if self.shed().is_some() {
                "The shop is busy; please retry in a moment."
            } else {
                "The shop could not answer this request."
            },
            request_id
        );
        let mut resp = Response::new(full(text));
        *resp.status_mut() = status;
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        headers.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        if self.shed().is_some() {
            headers.insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        }
        resp
    }
}
