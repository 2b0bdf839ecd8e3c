//! The streamed listing body: the origin's page goes to the shopper as it arrives, decoded,
//! run through the reorder engine and re-encoded, with only the listing region held until it
//! is complete and the ranking is decided (the deadline still counts from the request's
//! arrival). The verdict is known when the body ends: it goes into the metrics, the access
//! log (through the response's [`VerdictCell`]) and, where the client takes them, an
//! `X-Reshelf` trailer.
//!
//! An origin that fails after the head went out aborts the shopper's response (HTTP/1.1: no
//! final chunk; HTTP/2: a reset stream), never a truncated page that looks complete.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use futures_util::FutureExt;
use http::header::{self, HeaderMap, HeaderValue};
use http::Response;
use http_body::Frame;
use http_body_util::BodyExt;
use sync_wrapper::SyncWrapper;

use super::respond::{charset_of, finish, private_page, set_coding};
use super::View;
use crate::app::AppState;
use crate::config::Page;
use crate::kit::body::{Body, BoxError};
use crate::kit::codec::{self, CodecError, Coding, StreamDecoder, StreamEncoder};
use crate::kit::verdict::{Reason, Verdict, VerdictCell, X_RESHELF};
use crate::metrics::Metrics;
use crate::ranked::Ranking;
use crate::ranking::{Decision, Pending};

/// The page streamed: the head goes out now, with reshelf's own framing and coding; the body
/// follows as the origin sends it, only the listing region held (see `stream`).
pub(super) fn page(
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
    let engine =
        super::engines::for_page(&page.format, charset_of(&parts.headers).as_deref(), limit);
    let report = Report::new(state.metrics.clone(), cell, trailer);
    let flow = Flow::new(
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

/// A reorder engine fed a document chunk by chunk (HTML tiles or a JSON array).
pub(super) trait Reorder: Send {
    /// The next decoded bytes of the document.
    fn push(&mut self, chunk: &[u8]);
    /// The ranking is decided: reorder by it, or keep the native order (`None`).
    fn decide(&mut self, ranking: Option<Arc<Ranking>>);
    /// The next bytes that may go to the client (`None`: none now).
    fn take_ready(&mut self) -> Option<Bytes>;
    /// Bytes held back now.
    fn held(&self) -> usize;
    /// A complete listing region waits for [`Reorder::decide`].
    fn waiting(&self) -> bool;
    /// The end of the document: what became of the page when a ranking was applied; the
    /// last bytes are left for [`Reorder::take_ready`].
    fn finish(&mut self) -> Applied;
}

/// What the engine did with a ranking it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Applied {
    /// The page was reordered, or its order already was the ranking's.
    Ordered,
    /// The ranking named no product (never reordered).
    EmptyRanking,
    /// No listing was found, or the markup was too ambiguous to cut.
    NotListing,
    /// A region grew past the bound; it and the rest went out native.
    TooLarge,
}

/// Where the verdict goes when the body ends.
pub(super) struct Report {
    pub metrics: Metrics,
    pub cell: VerdictCell,
    /// Send the verdict as an `X-Reshelf` trailer.
    pub trailer: bool,
    reported: bool,
}

impl Report {
    pub fn new(metrics: Metrics, cell: VerdictCell, trailer: bool) -> Self {
        Self {
            metrics,
            cell,
            trailer,
            reported: false,
        }
    }

    fn done(&mut self, verdict: Verdict) {
        self.reported = true;
        self.cell.set(verdict);
        self.metrics.listing_page(verdict);
    }
}

impl Drop for Report {
    /// A body dropped before its end (client gone, origin failed) was not a page served.
    fn drop(&mut self) {
        if !self.reported {
            self.metrics.listing_page_aborted();
        }
    }
}

/// One streamed listing body in progress.
pub(super) struct Flow {
    origin: Body,
    decoder: Option<StreamDecoder>,
    /// Only ever used through `&mut`: the wrapper lets a `Send`-only engine (lol_html's
    /// rewriter) live in a body that must be `Sync`.
    engine: SyncWrapper<Box<dyn Reorder>>,
    encoder: Option<StreamEncoder>,
    pending: Option<Pending>,
    deadline: Instant,
    report: Report,
    /// The decision once made (its reason is the verdict's when the page stays native).
    decision: Option<Decision>,
    /// The encoder holds output not yet flushed to the client.
    dirty: bool,
    /// The trailers to send after the last data frame.
    trailers: Option<HeaderMap>,
    ended: bool,
}

impl Flow {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        origin: Body,
        decoder: StreamDecoder,
        engine: Box<dyn Reorder>,
        encoder: StreamEncoder,
        pending: Pending,
        deadline: Instant,
        report: Report,
    ) -> Self {
        Self {
            origin,
            decoder: Some(decoder),
            engine: SyncWrapper::new(engine),
            encoder: Some(encoder),
            pending: Some(pending),
            deadline,
            report,
            decision: None,
            dirty: false,
            trailers: None,
            ended: false,
        }
    }

    /// The flow as a response body.
    pub fn into_body(self) -> Body {
        let frames = futures_util::stream::unfold(self, |mut flow| async move {
            let frame = flow.next_frame().await?;
            Some((frame, flow))
        });
        crate::kit::body::boxed(http_body_util::StreamBody::new(frames))
    }

    /// The next frame for the client; `None` at the end.
    async fn next_frame(&mut self) -> Option<Result<Frame<Bytes>, BoxError>> {
        loop {
            if self.ended {
                return self.trailers.take().map(|t| Ok(Frame::trailers(t)));
            }
            while let Some(ready) = self.engine_mut().take_ready() {
                let out = self.encoder().push(ready);
                self.dirty = true;
                if !out.is_empty() {
                    return Some(Ok(Frame::data(out)));
                }
            }
            if self.decoder.is_none() {
                // The origin's body has ended and the engine is drained.
                self.ended = true;
                let last = self.encoder.take().expect("present until the end").finish();
                if !last.is_empty() {
                    return Some(Ok(Frame::data(last)));
                }
                continue;
            }
            if self.engine_mut().waiting() && self.pending.is_some() {
                // Everything before the region reaches the client before we wait.
                if let Some(flushed) = self.flush() {
                    return Some(Ok(Frame::data(flushed)));
                }
                self.decide().await;
                continue;
            }
            let frame = match self.origin.frame().now_or_never() {
                Some(frame) => frame,
                None => {
                    // The origin is slow: what the client may have goes out before we wait.
                    if let Some(flushed) = self.flush() {
                        return Some(Ok(Frame::data(flushed)));
                    }
                    self.origin.frame().await
                }
            };
            match frame {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        let decoder = self.decoder.as_mut().expect("present until the end");
                        match decoder.push(data) {
                            Ok(decoded) => self.engine_mut().push(&decoded),
                            Err(e) => return Some(Err(abort(e))),
                        }
                    }
                }
                Some(Err(e)) => return Some(Err(e)),
                None => {
                    if let Err(e) = self.end().await {
                        return Some(Err(e));
                    }
                }
            }
        }
    }

    /// The origin's body ended: the last decoded bytes, the ranking if a region still waits
    /// for it, and the verdict; the engine's last bytes are left for the caller to drain.
    async fn end(&mut self) -> Result<(), BoxError> {
        let decoder = self.decoder.take().expect("present until the end");
        // A coded body cut short: what went out so far must not look whole.
        let rest = decoder.finish().map_err(abort)?;
        self.engine_mut().push(&rest);
        if self.engine_mut().held() > 0 && self.pending.is_some() {
            self.decide().await;
        }
        let applied = self.engine_mut().finish();
        let verdict = self.verdict(applied);
        self.report.done(verdict);
        if self.report.trailer {
            let mut trailers = HeaderMap::new();
            trailers.insert(X_RESHELF, verdict.header_value());
            self.trailers = Some(trailers);
        }
        Ok(())
    }

    async fn decide(&mut self) {
        let pending = self.pending.take().expect("checked by the caller");
        let decision = pending.decide(self.deadline).await;
        let ranking = match &decision {
            Decision::Ranked(ranking) => Some(ranking.clone()),
            Decision::Native(_) => None,
        };
        self.engine_mut().decide(ranking);
        self.decision = Some(decision);
    }

    /// The verdict: the ranking's reason when there was none to apply, else what the engine
    /// made of it. A page without a listing region never waited for a ranking.
    fn verdict(&self, applied: Applied) -> Verdict {
        match (&self.decision, applied) {
            (_, Applied::TooLarge) => Verdict::Native(Reason::TooLarge),
            (Some(Decision::Native(no)), _) => Verdict::Native((*no).into()),
            (None, _) | (Some(Decision::Ranked(_)), Applied::NotListing) => {
                Verdict::Native(Reason::NotListing)
            }
            (Some(Decision::Ranked(_)), Applied::Ordered) => Verdict::Personalized,
            (Some(Decision::Ranked(_)), Applied::EmptyRanking) => Verdict::Native(Reason::Empty),
        }
    }

    fn flush(&mut self) -> Option<Bytes> {
        if !std::mem::take(&mut self.dirty) {
            return None;
        }
        Some(self.encoder().flush()).filter(|b| !b.is_empty())
    }

    fn encoder(&mut self) -> &mut StreamEncoder {
        self.encoder.as_mut().expect("present until the end")
    }

    fn engine_mut(&mut self) -> &mut Box<dyn Reorder> {
        self.engine.get_mut()
    }
}

/// The error that aborts the client's response when the origin's coding breaks mid-body.
fn abort(e: CodecError) -> BoxError {
    Box::new(e)
}
