//! What every endpoint answer shares: the endpoint and outcome labels of the metrics, and the
//! `{"products": [...]}` response with its private caching, session cookie and `X-Reshelf`.

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::Response;

use crate::identity::{self, Shopper};
use crate::proxy::body::{full, Body};
use crate::proxy::AppState;

const X_RESHELF: HeaderName = HeaderName::from_static("x-reshelf");

/// Which endpoint a request was for: the `endpoint` label of the endpoint metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    ShopTheLook,
    Search,
    Profile,
}

impl Endpoint {
    pub fn label(self) -> &'static str {
        match self {
            Endpoint::ShopTheLook => "shop_the_look",
            Endpoint::Search => "search",
            Endpoint::Profile => "profile",
        }
    }
}

/// How an endpoint request ended: the `outcome` label of `reshelf_endpoint_requests_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Fashion.AI answered with at least one product (or a profile).
    Ok,
    /// Fashion.AI answered, with no products.
    Empty,
    Timeout,
    /// Fashion.AI failed, answered garbage, or too many calls were in flight.
    Error,
    BadRequest,
    Unauthorized,
    NotFound,
    RateLimited,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Empty => "empty",
            Outcome::Timeout => "timeout",
            Outcome::Error => "error",
            Outcome::BadRequest => "bad_request",
            Outcome::Unauthorized => "unauthorized",
            Outcome::NotFound => "not_found",
            Outcome::RateLimited => "rate_limited",
        }
    }

    /// `Ok` or `Empty` by whether there is anything to show.
    pub fn of_products(count: usize) -> Self {
        if count == 0 {
            Outcome::Empty
        } else {
            Outcome::Ok
        }
    }
}

/// Counts one request in `reshelf_endpoint_requests_total`.
pub fn count(state: &AppState, endpoint: Endpoint, outcome: Outcome) {
    state
        .metrics
        .endpoint_requests
        .with_label_values(&[endpoint.label(), outcome.label()])
        .inc();
}

/// A 200 JSON answer meant for one person (a shopper's products, a profile): no cache on the
/// way may store it, and browsers must not sniff it as anything but JSON.
pub fn private_json(body: Bytes) -> Response<Body> {
    let mut resp = Response::new(full(body));
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// A 200 `{"products": ...}` answer for `shopper`: never stored by any cache (it is this
/// shopper's), the session cookie when it was minted, and `X-Reshelf` saying whether the
/// products came from Fashion.AI (`personalized`) or why not (`native; reason=...`).
pub fn products(
    state: &AppState,
    request: &HeaderMap,
    shopper: &Shopper,
    json: Vec<u8>,
    outcome: Outcome,
) -> Response<Body> {
    let mut resp = private_json(json.into());
    let headers = resp.headers_mut();
    if shopper.minted {
        let https = crate::proxy::headers::forwarded_https(request);
        let cookie = identity::session_cookie(shopper, &state.config.identity, https);
        headers.append(header::SET_COOKIE, cookie);
    }
    if state.config.listen.debug_header {
        let value = match outcome {
            Outcome::Ok => HeaderValue::from_static("personalized"),
            Outcome::Empty => HeaderValue::from_static("native; reason=empty"),
            Outcome::Timeout => HeaderValue::from_static("native; reason=timeout"),
            _ => HeaderValue::from_static("native; reason=error"),
        };
        headers.insert(X_RESHELF, value);
    }
    resp
}
