//! The optional CORS allowlist (`endpoints.cors_origins`) for a shop whose frontend runs on
//! another of its own origins. An `Origin` on the list gets `Access-Control-Allow-Origin` with
//! credentials (the session cookie matters) and its preflights answered; any other origin gets
//! no CORS header at all, so the browser keeps the answer from it. Empty list: same-origin only.

use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Response, StatusCode};

use crate::kit::body::{empty, Body};

/// How long a browser may reuse a preflight answer, in seconds.
const PREFLIGHT_MAX_AGE: &str = "600";
/// Request headers a cross-origin caller may send.
const ALLOWED_HEADERS: &str = "Accept, Content-Type, X-Requested-With, X-Request-Id";
/// Response headers a cross-origin caller may read beyond the CORS-safelisted ones.
const EXPOSED_HEADERS: &str = "Retry-After, X-Reshelf, X-Request-Id";

/// The CORS verdict for one request.
pub struct Cors {
    /// The request's `Origin`, when it is on the list.
    allowed: Option<HeaderValue>,
    /// Whether any origin is configured (then every answer varies by `Origin`).
    enabled: bool,
}

impl Cors {
    /// Checks the request's `Origin` against `origins` (ASCII serialisations, as validated).
    pub fn check(origins: &[String], headers: &HeaderMap) -> Self {
        let allowed = headers
            .get(header::ORIGIN)
            .filter(|sent| {
                sent.to_str()
                    .is_ok_and(|sent| origins.iter().any(|o| o.eq_ignore_ascii_case(sent)))
            })
            .cloned();
        Self {
            allowed,
            enabled: !origins.is_empty(),
        }
    }

    /// A preflight from an allowed origin for a GET: `Some(204)` to send as is.
    pub fn preflight(&self, method: &Method, headers: &HeaderMap) -> Option<Response<Body>> {
        if method != Method::OPTIONS {
            return None;
        }
        let requested = headers.get(header::ACCESS_CONTROL_REQUEST_METHOD)?;
        if self.allowed.is_none() || requested != "GET" {
            return None;
        }
        let mut resp = Response::new(empty());
        *resp.status_mut() = StatusCode::NO_CONTENT;
        let h = resp.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOWED_HEADERS),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(PREFLIGHT_MAX_AGE),
        );
        h.insert(
            header::VARY,
            HeaderValue::from_static(
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
            ),
        );
        self.decorate(&mut resp);
        Some(resp)
    }

    /// Adds the CORS headers this request earned to its answer.
    pub fn decorate(&self, resp: &mut Response<Body>) {
        let h = resp.headers_mut();
        if self.enabled && !h.contains_key(header::VARY) {
            h.insert(header::VARY, HeaderValue::from_static("Origin"));
        }
        if let Some(origin) = &self.allowed {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            h.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
            h.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(EXPOSED_HEADERS),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(origin: Option<&str>, preflight: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(o) = origin {
            h.insert(header::ORIGIN, o.parse().unwrap());
        }
        if let Some(m) = preflight {
            h.insert(header::ACCESS_CONTROL_REQUEST_METHOD, m.parse().unwrap());
        }
        h
    }

    #[test]
    fn listed_origin_is_allowed_with_credentials() {
        let list = vec!["https://m.shop.example".to_owned()];
        let h = request(Some("https://m.shop.example"), None);
        let mut resp = Response::new(empty());
        Cors::check(&list, &h).decorate(&mut resp);
        let got = resp.headers();
        assert_eq!(
            got[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://m.shop.example"
        );
        assert_eq!(got[header::ACCESS_CONTROL_ALLOW_CREDENTIALS], "true");
        assert_eq!(got[header::VARY], "Origin");
        assert!(got[header::ACCESS_CONTROL_EXPOSE_HEADERS]
            .to_str()
            .unwrap()
            .contains("Retry-After"));
    }

    #[test]
    fn other_origins_and_an_empty_list_get_nothing() {
        let list = vec!["https://m.shop.example".to_owned()];
        for (list, origin) in [
            (list.clone(), "https://evil.example"),
            (list, "https://m.shop.example.evil.example"),
            (Vec::new(), "https://m.shop.example"),
        ] {
            let h = request(Some(origin), Some("GET"));
            let cors = Cors::check(&list, &h);
            assert!(cors.preflight(&Method::OPTIONS, &h).is_none());
            let mut resp = Response::new(empty());
            cors.decorate(&mut resp);
            assert!(!resp
                .headers()
                .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
        }
    }

    #[test]
    fn preflight_for_get_only() {
        let list = vec!["https://m.shop.example".to_owned()];
        let h = request(Some("https://m.shop.example"), Some("GET"));
        let resp = Cors::check(&list, &h)
            .preflight(&Method::OPTIONS, &h)
            .expect("answered");
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        assert_eq!(resp.headers()[header::ACCESS_CONTROL_ALLOW_METHODS], "GET");
        assert_eq!(resp.headers()[header::ACCESS_CONTROL_MAX_AGE], "600");
        let post = request(Some("https://m.shop.example"), Some("POST"));
        assert!(Cors::check(&list, &post)
            .preflight(&Method::OPTIONS, &post)
            .is_none());
    }
}
