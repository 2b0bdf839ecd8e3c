//! The listing flow: a category page or listing API request, reordered by the shopper's
//! ranking. In order: name the shopper and fire `categoryView`; fetch the origin's page while
//! the ranking is under way; decide whether the body can be rewritten; read and decode it;
//! take the ranking (or the reason there is none) by the deadline; reorder; encode for the
//! client; mark the response private.

use std::time::Instant;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::BodyExt;

use super::ProxyError;
use crate::app::AppState;
use crate::kit::body::{boxed, full, Body, BoxError};
use crate::kit::codec::{self, CodecError, Coding, StreamDecoder, StreamEncoder};
use crate::kit::context::RequestContext;
use crate::kit::verdict::{Reason, Verdict, VerdictCell};
use crate::origin::{self, OriginError};
mod engines;
mod respond;
mod shadow;
mod stream;

use respond::{charset_of, finish, private_page, set_coding};

use crate::config::{Page, PageFormat};
use crate::identity::{self, Shopper};
use crate::ranking::{Decision, Pending};
use crate::rewrite::{self, Outcome, Unchanged};

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
    if is_bot(state, req.headers()) {
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
        return Ok(streamed(state, &view, resp, page, pending));
    }
    let (parts, wire) = match read_body(state, resp).await? {
        Read::Whole(parts, wire) => (parts, wire),
        Read::Oversize(resp) => {
            return Ok(finish(
                state,
                &view,
                resp,
                Verdict::Native(Reason::TooLarge),
            ))
        }
    };
    let coding = Coding::of_response(&parts.headers).expect("checked by rewritable");
    let decoded = match codec::decode(coding, &wire, state.config.origin.max_rewrite_bytes) {
        Ok(decoded) => decoded,
        Err(e) => {
            let reason = match e {
                CodecError::TooLarge { .. } => Reason::TooLarge,
                CodecError::Corrupt { .. } | CodecError::Unsupported(_) => Reason::Error,
            };
            let native = Response::from_parts(parts, full(wire));
            return Ok(finish(state, &view, native, Verdict::Native(reason)));
        }
    };
    let decision = pending.decide(view.deadline).await;
    // `Bytes` clones share the buffer: the decoded view may borrow it while the native answer
    // keeps it.
    let (resp, verdict) = reorder(state, page, &view, parts, wire.clone(), &decoded, decision);
    Ok(finish(state, &view, resp, verdict))
}

/// The page streamed: the head goes out now, with reshelf's own framing and coding; the body
/// follows as the origin sends it, only the listing region held (see `stream`).
fn streamed(
    state: &AppState,
    view: &View,
    resp: Response<Body>,
    page: &Page,
    pending: Pending,
) -> Response<Body> {
    let (mut parts, origin_body) = resp.into_parts();
    let limit = state.config.origin.max_rewrite_bytes;
    let coding = Coding::of_response(&parts.headers).expect("checked by rewritable");
    let decoder = match StreamDecoder::new(coding, decode_limit(limit)) {
        Ok(decoder) => decoder,
        Err(e) => {
            tracing::debug!(error = %crate::telemetry::error_line(&e), "no decoder");
            let native = Response::from_parts(parts, origin_body);
            return finish(state, view, native, Verdict::Native(Reason::Error));
        }
    };
    let client_coding = codec::choose_for_client(&view.client_headers);
    set_coding(&mut parts.headers, client_coding, None);
    for stale in [header::ACCEPT_RANGES, header::CONTENT_LOCATION] {
        parts.headers.remove(stale);
    }
    let trailer = view.trailers && state.config.listen.debug_header;
    if trailer {
        parts
            .headers
            .insert(header::TRAILER, HeaderValue::from_static("x-reshelf"));
    }
    private_page(state, view, &mut parts.headers);
    let cell = VerdictCell::default();
    parts.extensions.insert(cell.clone());
    view.exposure.tag(&mut parts.extensions);
    let engine = Box::new(engines::Whole::new(
        page.format.clone(),
        charset_of(&parts.headers),
        limit,
    ));
    let report = stream::Report::new(state.metrics.clone(), cell, trailer);
    let flow = stream::Flow::new(
        origin_body,
        decoder,
        engine,
        StreamEncoder::new(client_coding),
        pending,
        view.deadline,
        report,
    );
    Response::from_parts(parts, flow.into_body())
}

/// How much a streamed listing body may decode to in all: the page streams, so this only
/// stops a decompression bomb, far above any real page.
fn decode_limit(max_rewrite_bytes: usize) -> usize {
    max_rewrite_bytes.saturating_mul(16).max(256 << 20)
}

fn is_bot(state: &AppState, headers: &HeaderMap) -> bool {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ua| state.bots.is_bot(ua))
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

enum Read {
    Whole(http::response::Parts, Bytes),
    /// Past the byte limit: what was read, then the rest, streamed.
    Oversize(Response<Body>),
}

/// Reads the body up to `origin.max_rewrite_bytes`, within the origin timeout.
async fn read_body(state: &AppState, resp: Response<Body>) -> Result<Read, ProxyError> {
    let limit = state.config.origin.max_rewrite_bytes;
    let timeout = state.config.origin.timeout;
    let (parts, mut body) = resp.into_parts();
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut total = 0usize;
    let read = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(OriginError::Body)?;
            if let Ok(data) = frame.into_data() {
                total += data.len();
                chunks.push(data);
                if total > limit {
                    return Ok(false);
                }
            }
        }
        Ok::<bool, OriginError>(true)
    };
    let complete = tokio::time::timeout(timeout, read)
        .await
        .map_err(|_| OriginError::Timeout(timeout))??;
    if !complete {
        use futures_util::StreamExt;
        let prefix = futures_util::stream::iter(
            chunks
                .into_iter()
                .map(|c| Ok::<_, BoxError>(hyper::body::Frame::data(c))),
        );
        let rest = http_body_util::BodyStream::new(body);
        let joined = boxed(http_body_util::StreamBody::new(prefix.chain(rest)));
        return Ok(Read::Oversize(Response::from_parts(parts, joined)));
    }
    let wire = if chunks.len() == 1 {
        chunks.pop().expect("one chunk")
    } else {
        let mut all = Vec::with_capacity(total);
        chunks.iter().for_each(|c| all.extend_from_slice(c));
        Bytes::from(all)
    };
    Ok(Read::Whole(parts, wire))
}

/// Reorders the decoded body; returns the response and its verdict.
fn reorder(
    state: &AppState,
    page: &Page,
    view: &View,
    mut parts: http::response::Parts,
    wire: Bytes,
    decoded: &[u8],
    decision: Decision,
) -> (Response<Body>, Verdict) {
    let ranking = match decision {
        Decision::Ranked(r) => r,
        Decision::Native(no) => {
            return (
                Response::from_parts(parts, full(wire)),
                Verdict::Native(no.into()),
            )
        }
    };
    let started = Instant::now();
    let (rewritten, format) = match &page.format {
        PageFormat::Html(rules) => {
            let charset = charset_of(&parts.headers);
            (
                rewrite::html::reorder(decoded, charset.as_deref(), rules, &ranking),
                "html",
            )
        }
        PageFormat::Json(rules) => (rewrite::json::reorder(decoded, rules, &ranking), "json"),
    };
    let m = &state.metrics;
    m.rewrite_duration
        .with_label_values(&[format])
        .observe(started.elapsed().as_secs_f64());
    m.rewrite_bytes
        .with_label_values(&[format])
        .inc_by(decoded.len() as u64);
    match rewritten.outcome {
        Outcome::Reordered(stats) => {
            if stats.tiles > 0 {
                m.ranking_coverage
                    .observe(stats.ranked as f64 / stats.tiles as f64);
            }
            let coding = codec::choose_for_client(&view.client_headers);
            let body = codec::encode(coding, &rewritten.body);
            set_coding(&mut parts.headers, coding, Some(body.len()));
            for stale in [header::ACCEPT_RANGES, header::CONTENT_LOCATION] {
                parts.headers.remove(stale);
            }
            (
                Response::from_parts(parts, full(body)),
                Verdict::Personalized,
            )
        }
        // The ranking was applied; the native order already satisfied it.
        Outcome::Unchanged(Unchanged::SameOrder) => (
            Response::from_parts(parts, full(wire)),
            Verdict::Personalized,
        ),
        Outcome::Unchanged(Unchanged::EmptyRanking) => (
            Response::from_parts(parts, full(wire)),
            Verdict::Native(Reason::Empty),
        ),
        Outcome::Unchanged(Unchanged::NotListing(detail)) => {
            tracing::debug!(detail, "listing body not reordered");
            (
                Response::from_parts(parts, full(wire)),
                Verdict::Native(Reason::NotListing),
            )
        }
    }
}
