//! The response side of a listing: the headers that keep a per-shopper page private, the
//! content coding of a reordered body, and `X-Reshelf`.

use http::header::{self, HeaderMap, HeaderValue};
use http::Response;

use super::View;
use crate::identity;
use crate::proxy::body::Body;
use crate::proxy::codec::Coding;
use crate::proxy::AppState;
use crate::ranking::NoRanking;

pub(super) const X_RESHELF: header::HeaderName = header::HeaderName::from_static("x-reshelf");

/// Why a listing page kept its native order: the `reason` of `X-Reshelf` and of the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Empty,
    Timeout,
    Error,
    BreakerOpen,
    TooLarge,
    OriginStatus,
    NotListing,
    Bot,
}

impl Reason {
    pub fn label(self) -> &'static str {
        match self {
            Reason::Empty => "empty",
            Reason::Timeout => "timeout",
            Reason::Error => "error",
            Reason::BreakerOpen => "breaker-open",
            Reason::TooLarge => "too-large",
            Reason::OriginStatus => "origin-status",
            Reason::NotListing => "not-listing",
            Reason::Bot => "bot",
        }
    }
}

impl From<NoRanking> for Reason {
    fn from(r: NoRanking) -> Self {
        match r {
            NoRanking::Empty => Reason::Empty,
            NoRanking::Timeout => Reason::Timeout,
            NoRanking::Error => Reason::Error,
            NoRanking::BreakerOpen => Reason::BreakerOpen,
        }
    }
}

pub(super) fn charset_of(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    ct.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

pub(super) fn set_coding(headers: &mut HeaderMap, coding: Coding, len: usize) {
    match coding {
        Coding::Identity => headers.remove(header::CONTENT_ENCODING),
        c => headers.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(c.token()),
        ),
    };
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    append_vary(headers, "Accept-Encoding");
}

fn append_vary(headers: &mut HeaderMap, name: &str) {
    let current = headers
        .get(header::VARY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let present = current
        .split(',')
        .any(|t| t.trim() == "*" || t.trim().eq_ignore_ascii_case(name));
    if present {
        return;
    }
    let value = if current.trim().is_empty() {
        name.to_owned()
    } else {
        format!("{current}, {name}")
    };
    if let Ok(v) = HeaderValue::try_from(value) {
        headers.insert(header::VARY, v);
    }
}

pub(super) fn native_header(reason: Reason) -> HeaderValue {
    HeaderValue::try_from(format!("native; reason={}", reason.label())).expect("ASCII")
}

/// The headers every listing response gets: private caching without validators (so no cache
/// serves one shopper's order to another, and no conditional request gets a 304 for
/// different bytes), the minted session cookie, `X-Reshelf`; and the listing metrics.
pub(super) fn finish(
    state: &AppState,
    view: &View,
    mut resp: Response<Body>,
    reason: Option<Reason>,
) -> Response<Body> {
    let headers = resp.headers_mut();
    if resp_is_private_page(reason) {
        let no_store = headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("no-store"));
        let cache_control = if no_store {
            "private, no-store"
        } else {
            "private, no-cache"
        };
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control),
        );
        headers.remove(header::ETAG);
        headers.remove(header::LAST_MODIFIED);
        headers.remove(header::EXPIRES);
        append_vary(headers, "Cookie");
        if view.shopper.minted {
            let cookie =
                identity::session_cookie(&view.shopper, &state.config.identity, view.https);
            headers.append(header::SET_COOKIE, cookie);
        }
    }
    if state.config.listen.debug_header && view.fired {
        let value = match reason {
            None => HeaderValue::from_static("personalized"),
            Some(r) => native_header(r),
        };
        headers.insert(X_RESHELF, value);
    }
    if view.fired {
        let (outcome, label) = match reason {
            None => ("personalized", "none"),
            Some(r) => ("native", r.label()),
        };
        state
            .metrics
            .listing_pages
            .with_label_values(&[outcome, label])
            .inc();
    }
    resp
}

/// Every 200 listing page may differ per shopper; an origin error page does not.
fn resp_is_private_page(reason: Option<Reason>) -> bool {
    reason != Some(Reason::OriginStatus)
}
