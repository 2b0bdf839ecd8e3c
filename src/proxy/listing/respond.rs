//! The response side of a listing: the headers that keep a per-shopper page private, the
//! content coding of a reordered body, and the verdict (`X-Reshelf`, metrics).

use http::header::{self, HeaderMap, HeaderValue};
use http::Response;

use super::View;
use crate::app::AppState;
use crate::identity;
use crate::kit::body::Body;
use crate::kit::codec::Coding;
use crate::kit::verdict::{Reason, Verdict, VerdictCell, X_RESHELF};
use crate::ranking::NoRanking;

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

/// The coding of a body reshelf encoded, and its exact length when known (a streamed body
/// has none: HTTP/1.1 sends it chunked).
pub(super) fn set_coding(headers: &mut HeaderMap, coding: Coding, len: Option<usize>) {
    match coding {
        Coding::Identity => headers.remove(header::CONTENT_ENCODING),
        c => headers.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static(c.token()),
        ),
    };
    match len {
        Some(len) => headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len)),
        None => headers.remove(header::CONTENT_LENGTH),
    };
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

/// The headers every listing response gets: for a shopper's page, private caching without
/// validators (so no cache serves one shopper's order to another, and no conditional request
/// gets a 304 for different bytes) and the minted session cookie; `X-Reshelf` and the listing
/// metrics when the view reports its verdict.
pub(super) fn finish(
    state: &AppState,
    view: &View,
    mut resp: Response<Body>,
    verdict: Verdict,
) -> Response<Body> {
    if is_private_page(verdict) {
        private_page(state, view, resp.headers_mut());
    }
    if view.report {
        if state.config.listen.debug_header {
            resp.headers_mut().insert(X_RESHELF, verdict.header_value());
        }
        state.metrics.listing_page(verdict);
        let cell = VerdictCell::default();
        cell.set(verdict);
        resp.extensions_mut().insert(cell);
        view.exposure.tag(resp.extensions_mut());
    }
    resp
}

/// Private caching without validators and the minted session cookie, for a shopper's page
/// (a crawler's page keeps the origin's caching).
pub(super) fn private_page(state: &AppState, view: &View, headers: &mut HeaderMap) {
    let Some(shopper) = &view.shopper else {
        return;
    };
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
    identity::set_cookie_if_minted(headers, shopper, &state.config.identity, view.https);
    view.exposure.apply(state, headers);
}

/// Every 200 listing page may differ per shopper; an origin error page does not.
fn is_private_page(verdict: Verdict) -> bool {
    verdict != Verdict::Native(Reason::OriginStatus)
}
