//! The problem collector of the validation pass, and the checks of `[listen]`, `[origin]`,
//! `[log]` and `[cache]`. Each section check returns the typed section, or `None` after
//! recording at least one [`Problem`]; `[fashionai]`/`[admin]` are in `services`,
//! `[endpoints]`/`[identity]` in `frontend`, `[[pages]]` in `pages`.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use reqwest::Url;

use super::raw::{RawCache, RawListen, RawLog, RawOrigin};
use super::validate::{Cache, Listen, Log, LogFormat, Origin, Problem};

/// The problems found so far, in the order of the file's sections.
#[derive(Debug, Default)]
pub(super) struct Problems(Vec<Problem>);

impl Problems {
    pub(super) fn add(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            key: key.into(),
            message: message.into(),
        });
    }

    /// True when a problem is already recorded for exactly `key` (to avoid saying it twice).
    pub(super) fn has(&self, key: &str) -> bool {
        self.0.iter().any(|p| p.key == key)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn into_vec(self) -> Vec<Problem> {
        self.0
    }

    /// `Some(value)` when no problem was added since `before` problems were counted.
    pub(super) fn unless_new<T>(&self, before: usize, value: T) -> Option<T> {
        (self.0.len() == before).then_some(value)
    }

    pub(super) fn count(&self) -> usize {
        self.0.len()
    }
}

pub(super) fn listen(raw: &RawListen, p: &mut Problems) -> Option<Listen> {
    let public = socket_addr(&raw.public, "listen.public", p);
    let admin = socket_addr(&raw.admin, "listen.admin", p);
    let (public, admin) = (public?, admin?);
    // Port 0 asks the kernel for a fresh port each time, so two such listeners never collide.
    let overlap =
        public.ip() == admin.ip() || public.ip().is_unspecified() || admin.ip().is_unspecified();
    if public.port() != 0 && public.port() == admin.port() && overlap {
        p.add(
            "listen.admin",
            format!(
                "{admin} collides with listen.public ({public}); the admin listener must be a \
                 separate address so that it is never exposed with the storefront"
            ),
        );
        return None;
    }
    Some(Listen {
        public,
        admin,
        debug_header: raw.debug_header,
    })
}

fn socket_addr(text: &str, key: &str, p: &mut Problems) -> Option<SocketAddr> {
    match SocketAddr::from_str(text) {
        Ok(addr) => Some(addr),
        Err(e) => {
            p.add(key, format!("{text:?} is not an IP:port address ({e})"));
            None
        }
    }
}

pub(super) fn origin(raw: &RawOrigin, p: &mut Problems) -> Option<Origin> {
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
    let url = url?;
    p.unless_new(
        before,
        Origin {
            url,
            connect_timeout: Duration::from_millis(raw.connect_timeout_ms),
            timeout: Duration::from_millis(raw.timeout_ms),
            max_rewrite_bytes,
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
pub(super) fn log(raw: &RawLog, p: &mut Problems) -> Option<Log> {
    let format = match raw.format.as_str() {
        "text" => LogFormat::Text,
        "json" => LogFormat::Json,
        other => {
            p.add(
                "log.format",
                format!("{other:?} is not \"text\" or \"json\""),
            );
            return None;
        }
    };
    Some(Log { format })
}

pub(super) fn cache(raw: &RawCache, p: &mut Problems) -> Option<Cache> {
    let before = p.count();
    positive(raw.ttl_seconds, "cache.ttl_seconds", p);
    positive(raw.max_bytes, "cache.max_bytes", p);
    p.unless_new(
        before,
        Cache {
            ttl: Duration::from_secs(raw.ttl_seconds),
            max_bytes: raw.max_bytes,
        },
    )
}

pub(super) fn positive(value: u64, key: &str, p: &mut Problems) {
    if value == 0 {
        p.add(key, "must be at least 1");
    }
}

pub(super) fn in_range(
    value: u64,
    range: std::ops::RangeInclusive<u64>,
    key: &str,
    p: &mut Problems,
) {
    if !range.contains(&value) {
        p.add(
            key,
            format!(
                "{value} is out of range {}..={}",
                range.start(),
                range.end()
            ),
        );
    }
}
