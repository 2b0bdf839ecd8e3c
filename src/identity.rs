//! Who the shopper is: the session id from its cookie (minted when absent) and the optional
//! user id from a cookie or an upstream auth header. Junk values are treated as absent and never
//! forwarded to Fashion.AI.
//!
//! May depend on: `config`.

use base64::Engine;
use http::header::{self, HeaderMap, HeaderValue};

use crate::config;
use crate::kit::headers;

/// Longest session or user id accepted, in bytes.
const MAX_ID_LEN: usize = 128;

/// The shopper behind one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shopper {
    pub session_id: String,
    pub user_id: Option<String>,
    /// The session id was minted for this request: the response must set the cookie.
    pub minted: bool,
}

/// Reads (or mints) the shopper's ids from the request headers.
pub fn identify(headers: &HeaderMap, cfg: &config::Identity) -> Shopper {
    let session = cookie_value(headers, &cfg.session_cookie);
    let user = cfg
        .user_cookie
        .as_deref()
        .and_then(|name| cookie_value(headers, name))
        .or_else(|| {
            cfg.user_header
                .as_ref()
                .and_then(|name| headers.get(name))
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| is_sane_id(v))
                .map(str::to_owned)
        });
    match session {
        Some(session_id) => Shopper {
            session_id,
            user_id: user,
            minted: false,
        },
        None => Shopper {
            session_id: mint_session_id(),
            user_id: user,
            minted: true,
        },
    }
}

/// The `Set-Cookie` value for a minted session: `HttpOnly; SameSite=Lax; Path=/`, and `Secure`
/// when the shopper came over HTTPS.
pub fn session_cookie(shopper: &Shopper, cfg: &config::Identity, https: bool) -> HeaderValue {
    let cookie = cookie::Cookie::build((cfg.session_cookie.as_str(), shopper.session_id.as_str()))
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .path("/")
        .secure(https)
        .build();
    HeaderValue::try_from(cookie.to_string()).expect("cookie names and minted ids are ASCII")
}

/// Adds the `Set-Cookie` of a minted session to a response's `headers`; nothing when the
/// shopper's session came from the request. The one place a session cookie is set.
pub fn set_cookie_if_minted(
    headers: &mut HeaderMap,
    shopper: &Shopper,
    cfg: &config::Identity,
    https: bool,
) {
    if shopper.minted {
        headers.append(header::SET_COOKIE, session_cookie(shopper, cfg, https));
    }
}

/// 128 random bits, URL-safe base64 without padding (22 characters).
pub fn mint_session_id() -> String {
    let bytes: [u8; 16] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers::request_cookie(headers, name).filter(|v| is_sane_id(v))
}

/// Printable ASCII without spaces, quotes or backslashes, 1 to 128 bytes.
fn is_sane_id(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= MAX_ID_LEN
        && v.bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> config::Identity {
        config::Identity {
            session_cookie: "reshelf_sid".into(),
            user_cookie: Some("uid".into()),
            user_header: Some(http::HeaderName::from_static("x-user-id")),
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn reads_session_and_user_cookies() {
        let s = identify(
            &headers(&[("cookie", "a=1; reshelf_sid=abc; uid=90")]),
            &cfg(),
        );
        assert_eq!(s.session_id, "abc");
        assert_eq!(s.user_id.as_deref(), Some("90"));
        assert!(!s.minted);
    }

    #[test]
    fn mints_when_absent_or_junk() {
        let long = "x".repeat(200);
        for h in [
            headers(&[]),
            headers(&[("cookie", &format!("reshelf_sid={long}"))]),
        ] {
            let s = identify(&h, &cfg());
            assert!(s.minted);
            assert_eq!(s.session_id.len(), 22);
        }
        assert_ne!(mint_session_id(), mint_session_id());
    }

    #[test]
    fn user_header_is_the_fallback() {
        let s = identify(&headers(&[("x-user-id", "u-7")]), &cfg());
        assert_eq!(s.user_id.as_deref(), Some("u-7"));
    }

    #[test]
    fn cookie_flags() {
        let s = identify(&headers(&[]), &cfg());
        let v = session_cookie(&s, &cfg(), true);
        let v = v.to_str().unwrap();
        assert!(v.starts_with(&format!("reshelf_sid={}", s.session_id)));
        for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure"] {
            assert!(v.contains(flag), "{v}");
        }
        assert!(!session_cookie(&s, &cfg(), false)
            .to_str()
            .unwrap()
            .contains("Secure"));
    }
}
