//! The listing flow: a category page or listing API request, reordered by the shopper's
//! ranking. In order: crawlers pass through native; name the shopper and fire `categoryView`;
//! fetch the origin's page while the ranking is under way; decide whether the body can be
//! rewritten (else answer native with the reason, final at the head); then either stream the
//! page, holding only the listing region until the ranking is decided ([`stream`]), or read it
//! whole and answer it reordered ([`buffered`]). [`respond`] marks every shopper's page
//! private and reports the verdict.

use std::time::Instant;

use http::header::{self, HeaderMap};
use http::{Method, Request, Response, StatusCode};

use super::ProxyError;
use crate::app::AppState;
use crate::config::{Page, PageFormat};
use crate::identity::{self, Shopper};
use crate::kit::body::Body;
use crate::kit::codec::{self, Coding};
use crate::kit::context::RequestContext;
use crate::kit::verdict::{Reason, Verdict};
use crate::origin;
use crate::ranking::Pending;

mod buffered;
mod engines;
mod respond;
mod shadow;
mod stream;

use respond::finish;

/// One listing view: who asked, and what the response reports.
pub(super) struct View {
    /// The shopper, whose page is private; `None` for a crawler (no cookie, caches
    /// untouched).
    shopper: Option<Shopper>,
    /// The page reports its verdict (`X-Reshelf`, metrics): a GET by a shopper, whose
    /// `categoryView` was sent, or a crawler's. HEAD shows no order and reports none.
    report: bool,
    deadline: Instant,
    https: bool,
    client_headers: HeaderMap,
    /// The client takes trailers: HTTP/2, or HTTP/1.1 with `TE: trailers`.
    trailers: bool,
    /// The view's arm in the experiment, and the experiment cookie to set.
    exposure: super::experiment::Exposure,
}

/// Serves a listing page for `category`.
pub async fn serve(
    state: &AppState,
    ctx: &RequestContext,
    req: Request<Body>,
    page: &Page,
    category: &str,
) -> Result<Response<Body>, ProxyError> {
    if state.is_bot(req.headers()) {
        return bot_page(state, ctx, req).await;
    }
    let (view, pending) = begin(state, ctx, &req, category);
    let upstream = listing_request(state, ctx, req);
    // The client-facing head is shaped once, as for passthrough: hop-by-hop headers (the
    // origin's `Transfer-Encoding` among them) never reach the client, whose framing is
    // decided by the body reshelf sends.
    let resp =
        origin::client_head(origin::send(&*state.origin, &state.metrics, ctx, upstream).await?);
    let Some(pending) = pending else {
        // HEAD: the headers a GET would get, without a body or an event.
        let mut head = resp;
        head.headers_mut().remove(header::CONTENT_LENGTH);
        return Ok(finish(state, &view, head, Verdict::Personalized));
    };
    if let Err(reason) = rewritable(state, &resp, page) {
        return Ok(finish(state, &view, resp, Verdict::Native(reason)));
    }
    if view.exposure.holdout() {
        return Ok(finish(state, &view, resp, Verdict::Native(Reason::Holdout)));
    }
    if view.exposure.shadow() {
        return Ok(shadow::serve(state, &view, resp, page, pending));
    }
    if state.config.listen.stream_listings {
        return Ok(stream::page(state, &view, resp, page, pending));
    }
    buffered::page(state, &view, resp, page, pending).await
}

/// Crawlers get the native page as a passthrough: no event, no cookie, caches untouched.
async fn bot_page(
    state: &AppState,
    ctx: &RequestContext,
    req: Request<Body>,
) -> Result<Response<Body>, ProxyError> {
    let view = View {
        shopper: None,
        report: true,
        deadline: ctx.started,
        https: false,
        client_headers: HeaderMap::new(),
        trailers: false,
        exposure: Default::default(),
    };
    let resp = super::passthrough::forward(state, ctx, req).await?;
    Ok(finish(state, &view, resp, Verdict::Native(Reason::Bot)))
}

/// Names the shopper and fires `categoryView` (not for HEAD, which shows no order).
fn begin(
    state: &AppState,
    ctx: &RequestContext,
    req: &Request<Body>,
    category: &str,
) -> (View, Option<Pending>) {
    let shopper = identity::identify(req.headers(), &state.config.identity);
    let pending = (req.method() != Method::HEAD).then(|| state.ranking.start(&shopper, category));
    let mut client_headers = HeaderMap::new();
    for value in req.headers().get_all(header::ACCEPT_ENCODING) {
        client_headers.append(header::ACCEPT_ENCODING, value.clone());
    }
    let https = crate::kit::headers::forwarded_https(req.headers());
    let exposure = match pending {
        Some(_) => super::experiment::expose(state, &shopper, req.headers(), https),
        None => Default::default(),
    };
    let view = View {
        shopper: Some(shopper),
        report: pending.is_some(),
        deadline: ctx.started + state.ranking.budget(),
        https,
        client_headers,
        trailers: takes_trailers(req),
        exposure,
    };
    (view, pending)
}

/// Whether the client reads trailers: always over HTTP/2; over HTTP/1.1 only when it said
/// so with `TE: trailers` (RFC 9110 §10.1.4).
fn takes_trailers(req: &Request<Body>) -> bool {
    req.version() == http::Version::HTTP_2
        || req
            .headers()
            .get_all(header::TE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case("trailers"))
}

/// The origin request of a listing: as a passthrough, but never conditional or partial (the
/// origin must send the whole page for us to reorder), and in a coding we can decode.
fn listing_request(state: &AppState, ctx: &RequestContext, req: Request<Body>) -> Request<Body> {
    let accept = codec::origin_accept_encoding(req.headers());
    let trusted = state.peer_is_trusted(ctx.peer.ip());
    let mut upstream = origin::upstream_request(ctx, trusted, req, false);
    let headers = upstream.headers_mut();
    for name in [
        header::IF_NONE_MATCH,
        header::IF_MODIFIED_SINCE,
        header::IF_MATCH,
        header::IF_UNMODIFIED_SINCE,
        header::IF_RANGE,
        header::RANGE,
    ] {
        headers.remove(name);
    }
    headers.insert(header::ACCEPT_ENCODING, accept);
    upstream
}

/// Whether the origin's answer is a listing body we may rewrite.
fn rewritable(state: &AppState, resp: &Response<Body>, page: &Page) -> Result<(), Reason> {
    if resp.status() != StatusCode::OK {
        return Err(Reason::OriginStatus);
    }
    let content_type = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let matches = match page.format {
        PageFormat::Html(_) => essence == "text/html" || essence == "application/xhtml+xml",
        PageFormat::Json(_) => essence == "application/json" || essence.ends_with("+json"),
    };
    if !matches || Coding::of_response(resp.headers()).is_err() {
        return Err(Reason::NotListing);
    }
    let declared = resp
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > state.config.origin.max_rewrite_bytes as u64) {
        return Err(Reason::TooLarge);
    }
    Ok(())
}
