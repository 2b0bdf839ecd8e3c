//! What every endpoint answer shares: the endpoint and outcome labels of the metrics, and the
//! `{"products": [...]}` response with its private caching, session cookie and `X-Reshelf`.

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::Response;

use super::Services;
use crate::identity::{self, Shopper};
use crate::kit::body::{full, Body};
use crate::kit::headers::forwarded_https;
use crate::kit::verdict::{Reason, Verdict, X_RESHELF};

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
pub enum EndpointOutcome {
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

impl EndpointOutcome {
    pub fn label(self) -> &'static str {
        match self {
            EndpointOutcome::Ok => "ok",
            EndpointOutcome::Empty => "empty",
            EndpointOutcome::Timeout => "timeout",
            EndpointOutcome::Error => "error",
            EndpointOutcome::BadRequest => "bad_request",
            EndpointOutcome::Unauthorized => "unauthorized",
            EndpointOutcome::NotFound => "not_found",
            EndpointOutcome::RateLimited => "rate_limited",
        }
    }

    /// What the shopper got, for `X-Reshelf`: products from Fashion.AI, or why not.
    pub fn verdict(self) -> Verdict {
        match self {
            EndpointOutcome::Ok => Verdict::Personalized,
            EndpointOutcome::Empty => Verdict::Native(Reason::Empty),
            EndpointOutcome::Timeout => Verdict::Native(Reason::Timeout),
            EndpointOutcome::Error
            | EndpointOutcome::BadRequest
            | EndpointOutcome::Unauthorized
            | EndpointOutcome::NotFound
            | EndpointOutcome::RateLimited => Verdict::Native(Reason::Error),
        }
    }

    /// `Ok` or `Empty` by whether there is anything to show.
    pub fn of_products(count: usize) -> Self {
        if count == 0 {
            EndpointOutcome::Empty
        } else {
            EndpointOutcome::Ok
        }
    }
}

/// Counts one request in `reshelf_endpoint_requests_total`.
pub fn count(state: &Services<'_>, endpoint: Endpoint, outcome: EndpointOutcome) {
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
    state: &Services<'_>,
    request: &HeaderMap,
    shopper: &Shopper,
    json: Vec<u8>,
    outcome: EndpointOutcome,
) -> Response<Body> {
    let mut resp = private_json(json.into());
    let headers = resp.headers_mut();
    let https = forwarded_https(request);
    identity::set_cookie_if_minted(headers, shopper, &state.config.identity, https);
    if state.config.listen.debug_header {
        headers.insert(X_RESHELF, outcome.verdict().header_value());
    }
    resp
}
