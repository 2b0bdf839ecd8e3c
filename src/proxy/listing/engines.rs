//! The reorder engines behind the streamed listing body ([`super::stream::Reorder`]): the
//! HTML and JSON engines' streaming forms, which hold only the listing region (the tiles of a
//! listing, or the JSON array) and let every other byte through as soon as it is read.

use std::sync::Arc;

use bytes::Bytes;

use super::stream::{Applied, Reorder};
use crate::config::PageFormat;
use crate::ranked::Ranking;
use crate::rewrite::html::HtmlStream;
use crate::rewrite::json::JsonStream;
use crate::rewrite::{Outcome, StreamOutcome, Unchanged};

/// The engine for a page of `format`, holding at most `max_held` bytes at once.
pub(super) fn for_page(
    format: &PageFormat,
    charset: Option<&str>,
    max_held: usize,
) -> Box<dyn Reorder> {
    match format {
        PageFormat::Html(rules) => Box::new(HtmlStream::new(rules, charset, max_held)),
        PageFormat::Json(rules) => Box::new(JsonStream::new(rules, max_held)),
    }
}

/// What a ranking did to the page, from the engine's account of the whole stream.
fn applied(outcome: StreamOutcome) -> Applied {
    match outcome {
        StreamOutcome::Done(Outcome::Reordered(_) | Outcome::Unchanged(Unchanged::SameOrder)) => {
            Applied::Ordered
        }
        StreamOutcome::Done(Outcome::Unchanged(Unchanged::EmptyRanking)) => Applied::EmptyRanking,
        StreamOutcome::TooLarge { .. } => Applied::TooLarge,
        // No region ever waited for a ranking, or the markup turned out too ambiguous to cut
        // (regions already sent stay as sent; the rest went out as it came).
        StreamOutcome::Done(Outcome::Unchanged(Unchanged::NotListing(_)))
        | StreamOutcome::NoRanking
        | StreamOutcome::FailedLate { .. } => Applied::NotListing,
    }
}

/// Both engines have the same streaming shape; this forwards the trait to it.
macro_rules! reorder_for {
    ($engine:ty) => {
        impl Reorder for $engine {
            fn push(&mut self, chunk: &[u8]) {
                <$engine>::push(self, chunk)
            }

            fn decide(&mut self, ranking: Option<Arc<Ranking>>) {
                <$engine>::decide(self, ranking)
            }

            fn take_ready(&mut self) -> Option<Bytes> {
                <$engine>::take_ready(self)
            }

            fn held(&self) -> usize {
                <$engine>::held(self)
            }

            fn waiting(&self) -> bool {
                <$engine>::waiting(self)
            }

            fn finish(&mut self) -> Applied {
                applied(<$engine>::finish(self))
            }
        }
    };
}

reorder_for!(HtmlStream);
reorder_for!(JsonStream);
