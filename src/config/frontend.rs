//! Checks of `[endpoints]` (the same-origin API) and `[identity]` (where shopper ids come
//! from).

use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use reqwest::Url;

use super::checks::{in_range, positive, Problems};
use super::raw::{RawEndpoints, RawIdentity};
use super::validate::{Endpoints, Identity};

pub(super) fn endpoints(raw: &RawEndpoints, p: &mut Problems) -> Option<Endpoints> {
    let before = p.count();
    let prefix = &raw.prefix;
    let prefix_ok = prefix.starts_with('/')
        && prefix.len() > 1
        && !prefix.ends_with('/')
        && prefix
            .chars()
            .all(|c| c.is_ascii_graphic() && !"?#{}".contains(c));
    if !prefix_ok {
        p.add(
            "endpoints.prefix",
            format!("{prefix:?} must start with \"/\", not be \"/\" alone, not end with \"/\", and be a plain path"),
        );
    }
    in_range(
        raw.shop_the_look_timeout_ms,
        1..=60_000,
        "endpoints.shop_the_look_timeout_ms",
        p,
    );
    in_range(
        raw.search_timeout_ms,
        1..=60_000,
        "endpoints.search_timeout_ms",
        p,
    );
    positive(
        u64::from(raw.rate_limit_per_minute),
        "endpoints.rate_limit_per_minute",
        p,
    );
    let trusted_proxies = raw
        .trusted_proxies
        .iter()
        .enumerate()
        .filter_map(|(i, text)| {
            let net = ipnet::IpNet::from_str(text)
                .ok()
                .or_else(|| IpAddr::from_str(text).ok().map(ipnet::IpNet::from));
            if net.is_none() {
                p.add(
                    format!("endpoints.trusted_proxies[{i}]"),
                    format!("{text:?} is not a CIDR (\"10.0.0.0/8\") or an IP address"),
                );
            }
            net
        })
        .collect();
    let cors_origins = raw
        .cors_origins
        .iter()
        .enumerate()
        .filter_map(|(i, text)| cors_origin(text, &format!("endpoints.cors_origins[{i}]"), p))
        .collect();
    p.unless_new(
        before,
        Endpoints {
            prefix: prefix.clone(),
            shop_the_look_timeout: Duration::from_millis(raw.shop_the_look_timeout_ms),
            search_timeout: Duration::from_millis(raw.search_timeout_ms),
            rate_limit_per_minute: raw.rate_limit_per_minute,
            trusted_proxies,
            cors_origins,
        },
    )
}

/// An origin as browsers send it in `Origin`: `scheme://host[:port]`, nothing after.
fn cors_origin(text: &str, key: &str, p: &mut Problems) -> Option<String> {
    let url = Url::parse(text).ok().filter(|url| {
        matches!(url.scheme(), "http" | "https")
            && url.username().is_empty()
            && url.password().is_none()
            && url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
            && !text.ends_with('/')
    });
    match url {
        Some(url) => Some(url.origin().ascii_serialization()),
        None => {
            p.add(
                key,
                format!("{text:?} is not an origin of the form scheme://host[:port] (no path, no trailing slash, no wildcard)"),
            );
            None
        }
    }
}

pub(super) fn identity(raw: &RawIdentity, p: &mut Problems) -> Option<Identity> {
    let before = p.count();
    if !is_token(&raw.session_cookie) {
        p.add(
            "identity.session_cookie",
            format!(
                "{:?} is not a cookie name (RFC 6265 token: letters, digits, !#$%&'*+-.^_`|~)",
                raw.session_cookie
            ),
        );
    }
    let user_cookie = (!raw.user_cookie.is_empty()).then(|| raw.user_cookie.clone());
    if user_cookie.is_some() && !is_token(&raw.user_cookie) {
        p.add(
            "identity.user_cookie",
            format!(
                "{:?} is not a cookie name (RFC 6265 token: letters, digits, !#$%&'*+-.^_`|~)",
                raw.user_cookie
            ),
        );
    }
    let user_header = if raw.user_header.is_empty() {
        None
    } else {
        match http::HeaderName::from_str(&raw.user_header) {
            Ok(name) => Some(name),
            Err(e) => {
                p.add(
                    "identity.user_header",
                    format!("{:?} is not a header name ({e})", raw.user_header),
                );
                None
            }
        }
    };
    p.unless_new(
        before,
        Identity {
            session_cookie: raw.session_cookie.clone(),
            user_cookie,
            user_header,
        },
    )
}

/// RFC 9110 `token` (what RFC 6265 requires of a cookie name): one or more `tchar`.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}
