//! [`EndpointError`]: why an endpoint request got no product answer, and the one mapping from
//! each cause to its status, headers and small JSON error body.

use std::time::Duration;

use http::{header, HeaderValue, Response, StatusCode};

use super::reply::EndpointOutcome;
use super::upstream::UpstreamError;
use crate::kit::body::{full, Body};

/// Longest search query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Longest size filter accepted, in characters.
pub const MAX_SIZE_CHARS: usize = 16;

/// Why an endpoint request was refused; each maps to one status and a small JSON error.
/// Messages are safe to show to anyone: no token, no address, no upstream detail.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    /// 404: no endpoint at this path.
    #[error("no such endpoint")]
    NotFound,
    /// 405 with `Allow: GET`.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 400: `query` absent or blank.
    #[error("query is required")]
    MissingQuery,
    /// 400: `query` longer than [`MAX_QUERY_CHARS`].
    #[error("query is longer than 200 characters")]
    QueryTooLong,
    /// 400: `size` longer than [`MAX_SIZE_CHARS`].
    #[error("size is longer than 16 characters")]
    SizeTooLong,
    /// 400: a control character in `query` or `size`.
    #[error("query and size must not contain control characters")]
    ControlCharacters,
    /// 400: the product id segment is empty, too long, or not UTF-8 text.
    #[error("product id is missing or malformed")]
    BadProductId,
    /// 400: the profile path does not hold a plausible e-mail address.
    #[error("not a valid e-mail address")]
    InvalidEmail,
    /// 429 with `Retry-After` in whole seconds (at least 1).
    #[error("too many requests")]
    RateLimited { retry_after: Duration },
    /// 401 with `WWW-Authenticate: Bearer`: no, a wrong, or no configured admin token.
    #[error("a valid admin bearer token is required")]
    Unauthorized,
    /// 404: Fashion.AI has no profile for the address.
    #[error("no profile for this address")]
    ProfileNotFound,
    /// 503 with `Retry-After: 1`: too many Fashion.AI calls are in flight.
    #[error("too many Fashion.AI calls in flight")]
    Busy,
    /// 504: Fashion.AI did not answer within the budget.
    #[error("Fashion.AI gave no answer in time")]
    UpstreamTimeout(Duration),
    /// 502: Fashion.AI failed or answered something unusable.
    #[error("Fashion.AI gave no usable answer")]
    Upstream(#[source] UpstreamError),
}

impl EndpointError {
    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            EndpointError::NotFound | EndpointError::ProfileNotFound => StatusCode::NOT_FOUND,
            EndpointError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            EndpointError::MissingQuery
            | EndpointError::QueryTooLong
            | EndpointError::SizeTooLong
            | EndpointError::ControlCharacters
            | EndpointError::BadProductId
            | EndpointError::InvalidEmail => StatusCode::BAD_REQUEST,
            EndpointError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            EndpointError::Unauthorized => StatusCode::UNAUTHORIZED,
            EndpointError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            EndpointError::UpstreamTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
            EndpointError::Upstream(_) => StatusCode::BAD_GATEWAY,
        }
    }

    /// The `outcome` label of `reshelf_endpoint_requests_total` for this error.
    pub fn outcome(&self) -> EndpointOutcome {
        match self {
            EndpointError::NotFound | EndpointError::ProfileNotFound => EndpointOutcome::NotFound,
            EndpointError::MethodNotAllowed
            | EndpointError::MissingQuery
            | EndpointError::QueryTooLong
            | EndpointError::SizeTooLong
            | EndpointError::ControlCharacters
            | EndpointError::BadProductId
            | EndpointError::InvalidEmail => EndpointOutcome::BadRequest,
            EndpointError::RateLimited { .. } => EndpointOutcome::RateLimited,
            EndpointError::Unauthorized => EndpointOutcome::Unauthorized,
            EndpointError::UpstreamTimeout(_) => EndpointOutcome::Timeout,
            EndpointError::Busy | EndpointError::Upstream(_) => EndpointOutcome::Error,
        }
    }

    /// `{"error": "..."}` with the status, `Cache-Control: no-store`, and the header the
    /// status calls for (`Allow`, `Retry-After`, `WWW-Authenticate`).
    pub fn into_response(&self) -> Response<Body> {
        let body = serde_json::json!({ "error": self.to_string() }).to_string();
        let mut resp = Response::new(full(body));
        *resp.status_mut() = self.status();
        let headers = resp.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        match self {
            EndpointError::MethodNotAllowed => {
                headers.insert(header::ALLOW, HeaderValue::from_static("GET"));
            }
            EndpointError::RateLimited { retry_after } => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(whole_seconds(*retry_after)),
                );
            }
            EndpointError::Busy => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            EndpointError::Unauthorized => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"reshelf-admin\""),
                );
            }
            _ => {}
        }
        resp
    }
}

/// Seconds to wait, rounded up so a client that waits exactly this long is let through; at
/// least 1 (`Retry-After: 0` would invite an immediate retry).
pub fn whole_seconds(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_and_is_never_zero() {
        assert_eq!(whole_seconds(Duration::ZERO), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_secs(20)), 20);
        assert_eq!(whole_seconds(Duration::from_millis(19_001)), 20);
    }

    #[test]
    fn headers_that_go_with_the_status() {
        let limited = EndpointError::RateLimited {
            retry_after: Duration::from_millis(2500),
        }
        .into_response();
        assert_eq!(limited.status(), 429);
        assert_eq!(limited.headers()[header::RETRY_AFTER], "3");
        let denied = EndpointError::Unauthorized.into_response();
        assert!(denied.headers()[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Bearer"));
        assert_eq!(
            EndpointError::MethodNotAllowed.into_response().headers()[header::ALLOW],
            "GET"
        );
    }
}
