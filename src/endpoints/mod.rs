//! Same-origin Fashion.AI endpoints under `endpoints.prefix`: the storefront's frontend calls
//! these on the shop's own domain and reshelf adds the app token and the shopper's ids.

use http::{header, HeaderValue, Request, Response, StatusCode};
use hyper::body::Incoming;

use crate::proxy::body::{full, Body};
use crate::proxy::{AppState, RequestContext};

/// Why an endpoint request was refused; each maps to one status and a small JSON error.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("no such endpoint")]
    NotFound,
}

impl EndpointError {
    pub fn status(&self) -> StatusCode {
        match self {
            EndpointError::NotFound => StatusCode::NOT_FOUND,
        }
    }

    /// `{"error": "..."}` with the status.
    pub fn into_response(&self) -> Response<Body> {
        let body = serde_json::json!({ "error": self.to_string() }).to_string();
        let mut resp = Response::new(full(body));
        *resp.status_mut() = self.status();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        resp
    }
}

/// Serves a request under the endpoints prefix.
pub async fn serve(
    state: &AppState,
    ctx: &RequestContext,
    req: Request<Incoming>,
) -> Result<Response<Body>, EndpointError> {
    let _ = (state, ctx, req);
    Err(EndpointError::NotFound)
}
