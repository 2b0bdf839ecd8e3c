//! `[endpoints]`: the same-origin API served to the storefront's frontend. Holds the typed
//! [`Endpoints`] and its check (prefix, timeouts, rate limit, trusted proxies, CORS origins).
//!
//! May depend on `problems` and `raw`.

use std::net::IpAddr;
use std::str::FromStr;
use std::time::Duration;

use reqwest::Url;

use super::problems::{in_range, positive, Problems};
use super::raw::RawEndpoints;

/// `[endpoints]`.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// Starts with `/`, no trailing slash, not `/` alone. Default `/_reshelf`.
    pub prefix: String,
    /// Default 300 ms (1 ms to 60 s).
    pub shop_the_look_timeout: Duration,
    /// Default 800 ms (1 ms to 60 s).
    pub search_timeout: Duration,
    /// At least 1. Default 120.
    pub rate_limit_per_minute: u32,
    /// Bare addresses become /32 or /128 networks. Default none.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Normalized origins (`https://shop.example`, lowercase host, default port dropped), to
    /// compare with a request's `Origin` header. Default none.
    pub cors_origins: Vec<String>,
}

/// The typed `[endpoints]`, or `None` after recording at least one problem.
pub(super) fn check(raw: &RawEndpoints, p: &mut Problems) -> Option<Endpoints> {
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
