//! Shadow mode's listing page: the shopper gets the origin's page as it came (native, byte
//! for byte, streamed at the origin's pace), while a copy of the body, once complete, is
//! decoded and reordered on the side by the ranking the page would have waited for. Only
//! what would have changed is counted (`reshelf_experiment_shadow_*`): the shopper never
//! waits for it.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::Response;
use http_body::{Body as HttpBody, Frame, SizeHint};

use super::respond::{charset_of, finish};
use super::View;
use crate::app::AppState;
use crate::config::{Page, PageFormat};
use crate::kit::body::{boxed, Body, BoxError};
use crate::kit::codec::{self, Coding};
use crate::kit::verdict::{Reason, Verdict};
use crate::metrics::Metrics;
use crate::ranked::Ranking;
use crate::ranking::{Decision, Pending};
use crate::rewrite;

/// Serves the native page and counts, once its body is complete, what the ranking would have
/// moved.
pub(super) fn serve(
    state: &AppState,
    view: &View,
    resp: Response<Body>,
    page: &Page,
    pending: Pending,
) -> Response<Body> {
    let (parts, body) = resp.into_parts();
    let job = Job {
        pending,
        deadline: view.deadline,
        coding: Coding::of_response(&parts.headers).expect("checked by rewritable"),
        charset: charset_of(&parts.headers),
        format: page.format.clone(),
        limit: state.config.origin.max_rewrite_bytes,
        metrics: state.metrics.clone(),
    };
    let tee = Tee {
        inner: body,
        copy: Vec::new(),
        over: false,
        job: Some(Mutex::new(job)),
    };
    let native = Response::from_parts(parts, boxed(tee));
    finish(state, view, native, Verdict::Native(Reason::Shadow))
}

/// What the reorder on the side needs.
struct Job {
    pending: Pending,
    deadline: Instant,
    coding: Coding,
    charset: Option<String>,
    format: PageFormat,
    limit: usize,
    metrics: Metrics,
}

impl Job {
    /// The ranking the page would have had, applied to the complete body.
    async fn run(self, wire: Bytes) {
        let decision = self.pending.decide(self.deadline).await;
        let Ok(decoded) = codec::decode(self.coding, &wire, self.limit) else {
            return;
        };
        let listings = match &self.format {
            PageFormat::Html(rules) => {
                rewrite::html::listing_ids(&decoded, self.charset.as_deref(), rules)
            }
            PageFormat::Json(rules) => {
                rewrite::json::item_ids(&decoded, rules).map(|ids| vec![ids])
            }
        };
        // No listing on the page: a live page would have gone out native, nothing to move.
        let Ok(listings) = listings else { return };
        // Without a ranking the live page would have stayed native: its tiles count, unmoved.
        let ranking = match decision {
            Decision::Ranked(ranking) => ranking,
            Decision::Native(_) => Arc::new(Ranking::new(std::iter::empty::<&str>())),
        };
        let (mut tiles, mut moved) = (0u64, 0u64);
        for ids in &listings {
            let ids: Vec<Option<&str>> = ids.iter().map(Option::as_deref).collect();
            let (order, _) = rewrite::ranked_order(&ids, &ranking);
            tiles += ids.iter().filter(|id| id.is_some()).count() as u64;
            moved += order
                .iter()
                .enumerate()
                .filter(|(slot, &item)| *slot != item)
                .count() as u64;
        }
        self.metrics.experiment.shadow_page(tiles, moved);
    }
}

/// The origin's body passed through unchanged while a copy (up to the rewrite limit) is
/// kept; at its end the copy goes to the job. A body cut short counts nothing.
struct Tee {
    inner: Body,
    copy: Vec<u8>,
    /// Past the limit: nothing to reorder (a live page would have gone out native too).
    over: bool,
    /// `Mutex` only so the body is `Sync`; taken once, at the end.
    job: Option<Mutex<Job>>,
}

impl Tee {
    /// The body is complete: the copy goes to the job, once.
    fn end(&mut self) {
        if let Some(job) = self.job.take().and_then(|j| j.into_inner().ok()) {
            if !self.over {
                let wire = Bytes::from(std::mem::take(&mut self.copy));
                tokio::spawn(job.run(wire));
            }
        }
    }
}

impl HttpBody for Tee {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        let frame = ready!(Pin::new(&mut this.inner).poll_frame(cx));
        match &frame {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    let limit = this
                        .job
                        .as_ref()
                        .map_or(0, |j| j.lock().map_or(0, |j| j.limit));
                    if !this.over && this.copy.len() + data.len() <= limit {
                        this.copy.extend_from_slice(data);
                    } else {
                        this.over = true;
                        this.copy = Vec::new();
                    }
                }
                // A body of known length ends with its last bytes: the server may not poll
                // for the end, so the end is seen here.
                if this.inner.is_end_stream() {
                    this.end();
                }
            }
            Some(Err(_)) => this.job = None,
            None => this.end(),
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.job.is_none() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
