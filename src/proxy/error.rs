//! [`ProxyError`]: why a request got no origin response, and the one mapping from each cause
//! to the status and small error page the client sees.

use http::{header, Response, StatusCode};

use crate::kit::body::{full, Body};
use crate::origin::OriginError;

/// Why reshelf answered a request itself instead of relaying the origin.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("origin request failed")]
    Origin(#[from] OriginError),
}

impl ProxyError {
    /// The status for this error: 504 for an origin that timed out, 502 for one that failed.
    pub fn status(&self) -> StatusCode {
        match self {
            ProxyError::Origin(OriginError::Timeout(_)) => StatusCode::GATEWAY_TIMEOUT,
            ProxyError::Origin(
                OriginError::Connect(_)
                | OriginError::Protocol(_)
                | OriginError::Body(_)
                | OriginError::Uri(_),
            ) => StatusCode::BAD_GATEWAY,
        }
    }

    /// A small plain-text error page; never includes internal detail beyond the request id.
    pub fn into_response(&self, request_id: &str) -> Response<Body> {
        let status = self.status();
        let text = format!(
            "{} {}\nThe shop could not answer this request. Request id: {}\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or(""),
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
        resp
    }
}
