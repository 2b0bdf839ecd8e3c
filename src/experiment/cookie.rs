//! The experiment cookie: what a session already did, carried by the shopper's browser so any
//! replica counts a session's first exposure and first conversion per goal exactly once, with
//! no shared state and no per-session memory in reshelf.
//!
//! Value: `x[.goal[:cents]]...~tag`. `x` marks the first exposure; each goal the session has
//! reached follows with its revenue so far in cents. `tag` is the first 128 bits of
//! HMAC-SHA-256 over the experiment's name, the session id and the payload (URL-safe base64),
//! so a cookie forged, edited, or carried to another session or experiment is rejected and
//! the session starts afresh. Goal names are `[a-z0-9_-]` (checked by `config`), so the value
//! needs no escaping.

use base64::Engine;
use hmac::{Hmac, Mac};
use http::header::{HeaderMap, HeaderValue};
use sha2::Sha256;

use crate::kit::headers;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the tag kept (128 bits).
const TAG_BYTES: usize = 16;

/// The cookie's HMAC key (from the environment). Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct CookieKey(Vec<u8>);

impl CookieKey {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// Length in bytes (safe to print).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for CookieKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// What a session did in the experiment so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Journey {
    /// The session has seen a listing page in its arm (and was counted once).
    pub exposed: bool,
    /// Goals reached, in the order first reached, with revenue so far in cents.
    pub goals: Vec<(String, u64)>,
}

/// The cookie as read from a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    /// No experiment cookie.
    Absent,
    /// A cookie whose tag does not verify (tampered, or another session's or experiment's):
    /// ignored, so the session starts afresh.
    Invalid,
    Valid(Journey),
}

impl Read {
    /// The journey, a fresh one when the cookie was absent or invalid.
    pub fn journey(self) -> Journey {
        match self {
            Read::Valid(j) => j,
            Read::Absent | Read::Invalid => Journey::default(),
        }
    }
}

impl Journey {
    /// Reads the cookie `name` from a request's headers and verifies it for this experiment
    /// and session.
    pub fn read(
        headers: &HeaderMap,
        name: &str,
        key: &CookieKey,
        exp: &str,
        session: &str,
    ) -> Read {
        match headers::request_cookie(headers, name) {
            None => Read::Absent,
            Some(v) => Self::decode(&v, key, exp, session).map_or(Read::Invalid, Read::Valid),
        }
    }

    /// The journey of a cookie value, if its tag verifies.
    pub fn decode(value: &str, key: &CookieKey, exp: &str, session: &str) -> Option<Journey> {
        let (payload, tag) = value.rsplit_once('~')?;
        let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(tag)
            .ok()?;
        if tag.len() != TAG_BYTES {
            return None;
        }
        mac(key, exp, session, payload)
            .verify_truncated_left(&tag)
            .ok()?;
        let mut parts = payload.split('.');
        let exposed = match parts.next()? {
            "x" => true,
            "-" => false,
            _ => return None,
        };
        let mut goals = Vec::new();
        for part in parts {
            let (name, cents) = match part.split_once(':') {
                Some((name, cents)) => (name, cents.parse().ok()?),
                None => (part, 0),
            };
            goals.push((name.to_owned(), cents));
        }
        Some(Journey { exposed, goals })
    }

    /// The signed cookie value.
    pub fn encode(&self, key: &CookieKey, exp: &str, session: &str) -> String {
        let mut payload = String::from(if self.exposed { "x" } else { "-" });
        for (name, cents) in &self.goals {
            payload.push('.');
            payload.push_str(name);
            if *cents > 0 {
                payload.push(':');
                payload.push_str(&cents.to_string());
            }
        }
        let tag = mac(key, exp, session, &payload).finalize().into_bytes();
        let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&tag[..TAG_BYTES]);
        format!("{payload}~{tag}")
    }

    /// Revenue so far for `goal`, in cents, if the session reached it.
    pub fn reached(&self, goal: &str) -> Option<u64> {
        self.goals.iter().find(|(g, _)| g == goal).map(|(_, c)| *c)
    }

    /// Records `goal` (with `cents` more revenue); returns whether it is the session's first.
    pub fn reach(&mut self, goal: &str, cents: u64) -> bool {
        match self.goals.iter_mut().find(|(g, _)| g == goal) {
            Some((_, total)) => {
                *total = total.saturating_add(cents);
                false
            }
            None => {
                self.goals.push((goal.to_owned(), cents));
                true
            }
        }
    }
}

/// The `Set-Cookie` value: `HttpOnly; SameSite=Lax; Path=/` like the session cookie it
/// belongs to (no expiry: it lives as long as the session cookie), `Secure` over HTTPS.
pub fn set_cookie(name: &str, value: &str, https: bool) -> Option<HeaderValue> {
    let cookie = cookie::Cookie::build((name, value))
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .path("/")
        .secure(https)
        .build();
    HeaderValue::try_from(cookie.to_string()).ok()
}

fn mac(key: &CookieKey, exp: &str, session: &str, payload: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(&key.0).expect("HMAC takes a key of any length");
    for part in ["reshelf-experiment-v1", exp, session, payload] {
        // Length-prefixed, so no two different inputs give the same bytes.
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part.as_bytes());
    }
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CookieKey {
        CookieKey::new(*b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn round_trip() {
        let mut j = Journey {
            exposed: true,
            goals: Vec::new(),
        };
        assert!(j.reach("cart", 0));
        assert!(j.reach("order", 12_999));
        assert!(!j.reach("order", 1));
        let value = j.encode(&key(), "exp", "s1");
        assert!(value.starts_with("x.cart.order:13000~"), "{value}");
        assert_eq!(Journey::decode(&value, &key(), "exp", "s1"), Some(j));
    }

    #[test]
    fn tampered_or_moved_cookies_are_rejected() {
        let j = Journey {
            exposed: true,
            goals: vec![("cart".into(), 0)],
        };
        let value = j.encode(&key(), "exp", "s1");
        let forged = value.replacen("x.cart", "x.cart.order:99999", 1);
        assert_eq!(Journey::decode(&forged, &key(), "exp", "s1"), None);
        assert_eq!(
            Journey::decode(&value, &key(), "exp", "s2"),
            None,
            "another session"
        );
        assert_eq!(
            Journey::decode(&value, &key(), "exp2", "s1"),
            None,
            "another experiment"
        );
        assert_eq!(
            Journey::decode(&value, &CookieKey::new(*b"other"), "exp", "s1"),
            None
        );
        assert_eq!(Journey::decode("x~", &key(), "exp", "s1"), None);
        assert_eq!(Journey::decode("garbage", &key(), "exp", "s1"), None);
    }

    #[test]
    fn key_never_prints() {
        assert_eq!(format!("{:?}", key()), "[redacted]");
    }
}
