//! The buffered listing page (`listen.stream_listings = false`): the whole body is read
//! (within the origin timeout and `origin.max_rewrite_bytes`), decoded, reordered by the
//! ranking decided by the deadline, and sent with its exact length and `X-Reshelf` in the
//! head.

use std::time::Instant;

use bytes::Bytes;
use http::header;
use http::Response;
use http_body_util::BodyExt;

use super::respond::{charset_of, finish, set_coding};
use super::View;
use crate::app::AppState;
use crate::config::{Page, PageFormat};
use crate::kit::body::{boxed, full, Body, BoxError};
use crate::kit::codec::{self, CodecError, Coding};
use crate::kit::verdict::{Reason, Verdict};
use crate::origin::OriginError;
use crate::proxy::ProxyError;
use crate::ranking::{Decision, Pending};
use crate::rewrite::{self, Outcome, Unchanged};

/// Reads, decodes and reorders the page, then answers it whole.
pub(super) async fn page(
    state: &AppState,
    view: &View,
    resp: Response<Body>,
    page: &Page,
    pending: Pending,
) -> Result<Response<Body>, ProxyError> {
    let (parts, wire) = match read_body(state, resp).await? {
        Read::Whole(parts, wire) => (parts, wire),
        Read::Oversize(resp) => {
            return Ok(finish(state, view, resp, Verdict::Native(Reason::TooLarge)))
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
            return Ok(finish(state, view, native, Verdict::Native(reason)));
        }
    };
    let decision = pending.decide(view.deadline).await;
    // `Bytes` clones share the buffer: the decoded view may borrow it while the native answer
    // keeps it.
    let (resp, verdict) = reorder(state, page, view, parts, wire.clone(), &decoded, decision);
    Ok(finish(state, view, resp, verdict))
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
