//! `GET /profiles/email/{email}` on the admin listener: the Fashion.AI CRM profile for an
//! address, passed on byte for byte (Portuguese keys intact) to a caller holding the admin
//! bearer token. Answers are cached for `endpoints::PROFILE_TTL` by the SHA-256 of the
//! normalised address. The address itself is never logged nor used as a label: at most
//! [`email_tag`]. It runs on the same machinery as the public endpoints (in-flight bound,
//! budget, metrics, JSON errors).

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{self, HeaderMap};
use http::{Method, Request, Response, StatusCode};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::endpoints::{
    call_upstream, count, private_json, Endpoint, EndpointError, EndpointOutcome, Services,
    UpstreamError,
};
use crate::kit::body::Body;
use crate::ranking::client::ApiError;

/// Path prefix of the endpoint on the admin listener.
pub const PATH_PREFIX: &str = "/profiles/email/";
/// Budget of one profile call: 3 s (an operator's tool waits; a shopper does not).
pub const PROFILE_TIMEOUT: Duration = Duration::from_secs(3);

/// Answers one profile request of the admin listener (whose path starts with
/// [`PATH_PREFIX`]), counting it in the endpoint metrics.
pub async fn serve<B>(state: &Services<'_>, req: &Request<B>) -> Response<Body> {
    let started = Instant::now();
    let (result, tag) = lookup(state, req).await;
    let (resp, outcome) = match result {
        Ok(resp) => (resp, EndpointOutcome::Ok),
        Err(e) => {
            let outcome = e.outcome();
            (e.into_response(), outcome)
        }
    };
    count(state, Endpoint::Profile, outcome);
    tracing::info!(
        email_sha256 = tag.as_deref().unwrap_or("-"),
        outcome = outcome.label(),
        status = resp.status().as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        "profile lookup"
    );
    resp
}

/// The answer, and the address's log tag once the address is known.
async fn lookup<B>(
    state: &Services<'_>,
    req: &Request<B>,
) -> (Result<Response<Body>, EndpointError>, Option<String>) {
    if req.method() != Method::GET {
        return (Err(EndpointError::MethodNotAllowed), None);
    }
    if !authorized(state, req.headers()) {
        return (Err(EndpointError::Unauthorized), None);
    }
    let raw = req.uri().path().strip_prefix(PATH_PREFIX).unwrap_or("");
    if raw.contains('/') {
        return (Err(EndpointError::NotFound), None);
    }
    let Some(email) = normalise(raw) else {
        return (Err(EndpointError::InvalidEmail), None);
    };
    let key: [u8; 32] = Sha256::digest(email.as_bytes()).into();
    let tag = email_tag(&key);
    let cached = state.endpoints.profiles.get(&key).await;
    let body = match cached {
        Some(body) => body,
        None => match fetch(state, &email).await {
            Ok(body) => {
                state.endpoints.profiles.insert(key, body.clone()).await;
                body
            }
            Err(e) => {
                tracing::warn!(
                    email_sha256 = %tag,
                    error = %crate::telemetry::error_chain(&e),
                    "profile lookup failed"
                );
                return (Err(e), Some(tag));
            }
        },
    };
    // Personal data: no cache between the operator's tool and us may keep it.
    (Ok(private_json(body)), Some(tag))
}

/// Calls the profile API; the answer must be a JSON object.
async fn fetch(state: &Services<'_>, email: &str) -> Result<Bytes, EndpointError> {
    let call = state.fashionai.profile(email);
    match call_upstream(state, Endpoint::Profile, PROFILE_TIMEOUT, call).await {
        Ok(body) => {
            match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&body) {
                Ok(_) => Ok(body),
                Err(e) => Err(EndpointError::Upstream(UpstreamError::Api(ApiError::Body(
                    e,
                )))),
            }
        }
        Err(UpstreamError::Api(ApiError::Status(StatusCode::NOT_FOUND))) => {
            Err(EndpointError::ProfileNotFound)
        }
        Err(UpstreamError::Api(ApiError::Status(StatusCode::BAD_REQUEST))) => {
            Err(EndpointError::InvalidEmail)
        }
        Err(UpstreamError::Timeout(budget)) => Err(EndpointError::UpstreamTimeout(budget)),
        Err(UpstreamError::Busy) => Err(EndpointError::Busy),
        Err(e @ UpstreamError::Api(_)) => Err(EndpointError::Upstream(e)),
    }
}

/// `Authorization: Bearer <admin token>`, compared in constant time (over SHA-256 digests, so
/// not even the token's length shows in the timing). No configured token: nobody is.
fn authorized(state: &Services<'_>, headers: &HeaderMap) -> bool {
    let Some(expected) = &state.config.admin.token else {
        return false;
    };
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let Some(sent) = sent else {
        return false;
    };
    let sent = Sha256::digest(sent.as_bytes());
    let expected = Sha256::digest(expected.expose().as_bytes());
    bool::from(sent.ct_eq(&expected))
}

/// A short tag of an address for logs: the first 12 hex digits of its SHA-256.
pub fn email_tag(digest: &[u8; 32]) -> String {
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// The percent-decoded, lower-cased address, when it is a plausible one: one `@`, a local part
/// of 1–64 characters without spaces, quotes or brackets, not starting, ending or doubling
/// `.`, and a domain of two or more labels of letters, digits and inner hyphens; 254 bytes at
/// most.
pub fn normalise(raw: &str) -> Option<String> {
    let email = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()?;
    if email.is_empty() || email.len() > 254 {
        return None;
    }
    let (local, domain) = email.split_once('@')?;
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-=?^_`{|}~.".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.chars().count() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    (local_ok && domain_ok).then(|| email.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_addresses_are_decoded_and_lower_cased() {
        assert_eq!(normalise("Ana@Example.com").unwrap(), "ana@example.com");
        assert_eq!(
            normalise("ana.souza%2Bvip%40loja.com.br").unwrap(),
            "ana.souza+vip@loja.com.br"
        );
        assert_eq!(
            normalise("jos%C3%A9@exemplo.com.br").unwrap(),
            "josé@exemplo.com.br"
        );
    }

    #[test]
    fn implausible_addresses_are_refused() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long = format!("a@{}.com", "b".repeat(250));
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "ana@@example.com",
            "a@b@example.com",
            "ana@example..com",
            "ana@-example.com",
            ".ana@example.com",
            "an..a@example.com",
            "ana%20x@example.com",
            "ana%0A@example.com",
            "%FF@example.com",
            "\"ana\"@example.com",
            "ana@exa_mple.com",
            &long_local,
            &long,
        ] {
            assert_eq!(normalise(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn tag_is_short_hex() {
        let digest: [u8; 32] = Sha256::digest(b"ana@example.com").into();
        let tag = email_tag(&digest);
        assert_eq!(tag.len(), 12);
        assert!(tag.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
