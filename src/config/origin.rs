//! `[origin]`: the shop's existing site. Holds the typed [`Origin`] and its check (a plain
//! `http://host[:port]` URL and the timeouts and size bound).
//!
//! May depend on `problems` and `raw`.

use std::str::FromStr;
use std::time::Duration;

use reqwest::Url;

use super::problems::{in_range, positive, Problems};
use super::raw::RawOrigin;

/// `[origin]`.
#[derive(Debug, Clone)]
pub struct Origin {
    /// `http://host:port/`, the port always explicit (80 when the file omits it); requests
    /// keep their own path and query.
    pub url: http::Uri,
    /// TCP connect timeout. Default 1 s.
    pub connect_timeout: Duration,
    /// Whole origin response. Default 15 s.
    pub timeout: Duration,
    /// Listing bodies larger than this many bytes pass through untouched. Default 4 MiB.
    pub max_rewrite_bytes: usize,
    /// Origin requests in progress at once; `None` = no bound. Default 1024 (Envoy's
    /// circuit-breaker default).
    pub max_connections: Option<usize>,
    /// How long a request waits for a free origin slot before its 503. Default 500 ms.
    pub queue_timeout: Duration,
}

/// The typed `[origin]`, or `None` after recording at least one problem.
pub(super) fn check(raw: &RawOrigin, p: &mut Problems) -> Option<Origin> {
    let before = p.count();
    let url = match raw.url.as_deref() {
        None | Some("") => {
            p.add(
                "origin.url",
                "required: the shop's existing site, e.g. \"http://127.0.0.1:3000\"",
            );
            None
        }
        Some(text) => origin_url(text, p),
    };
    positive(raw.connect_timeout_ms, "origin.connect_timeout_ms", p);
    positive(raw.timeout_ms, "origin.timeout_ms", p);
    if raw.connect_timeout_ms > raw.timeout_ms && raw.timeout_ms > 0 {
        p.add(
            "origin.connect_timeout_ms",
            format!(
                "{} ms exceeds origin.timeout_ms ({} ms), which bounds the whole response \
                 including the connect",
                raw.connect_timeout_ms, raw.timeout_ms
            ),
        );
    }
    positive(raw.max_rewrite_bytes, "origin.max_rewrite_bytes", p);
    let max_rewrite_bytes = match usize::try_from(raw.max_rewrite_bytes) {
        Ok(n) => n,
        Err(_) => {
            p.add(
                "origin.max_rewrite_bytes",
                "too large for this platform's memory",
            );
            0
        }
    };
    in_range(
        raw.max_connections,
        0..=1_000_000,
        "origin.max_connections",
        p,
    );
    in_range(
        raw.queue_timeout_ms,
        0..=60_000,
        "origin.queue_timeout_ms",
        p,
    );
    let url = url?;
    p.unless_new(
        before,
        Origin {
            url,
            connect_timeout: Duration::from_millis(raw.connect_timeout_ms),
            timeout: Duration::from_millis(raw.timeout_ms),
            max_rewrite_bytes,
            max_connections: (raw.max_connections > 0)
                .then(|| usize::try_from(raw.max_connections).unwrap_or(usize::MAX)),
            queue_timeout: Duration::from_millis(raw.queue_timeout_ms),
        },
    )
}

fn origin_url(text: &str, p: &mut Problems) -> Option<http::Uri> {
    const KEY: &str = "origin.url";
    let url = match Url::parse(text) {
        Ok(url) => url,
        Err(e) => {
            p.add(KEY, format!("{text:?} is not a URL ({e})"));
            return None;
        }
    };
    match url.scheme() {
        "http" => {}
        "https" => {
            p.add(
                KEY,
                format!(
                    "{text:?}: https origins are not supported yet; point reshelf at the \
                     origin's plain http:// address (the app server behind the TLS terminator)"
                ),
            );
            return None;
        }
        other => {
            p.add(
                KEY,
                format!("{text:?} is not an http:// URL (scheme {other:?})"),
            );
            return None;
        }
    }
    // One problem for the key, listing every reason.
    let mut reasons = Vec::new();
    let host = url.host_str().unwrap_or_default();
    if host.is_empty() {
        reasons.push("it has no host".to_owned());
    }
    if !url.username().is_empty() || url.password().is_some() {
        reasons.push("credentials in the URL are not supported".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() {
        reasons.push("it must not have a query or fragment".to_owned());
    }
    if url.path() != "/" {
        reasons.push(format!(
            "it must not have a path ({:?}): requests keep their own path",
            url.path()
        ));
    }
    if !reasons.is_empty() {
        p.add(KEY, format!("{text:?}: {}", reasons.join("; ")));
        return None;
    }
    let port = url.port_or_known_default().unwrap_or(80);
    // `host_str` keeps the brackets of an IPv6 literal, as an authority needs.
    match http::Uri::from_str(&format!("http://{host}:{port}/")) {
        Ok(uri) => Some(uri),
        Err(e) => {
            p.add(KEY, format!("{text:?} is not a usable origin ({e})"));
            None
        }
    }
}
