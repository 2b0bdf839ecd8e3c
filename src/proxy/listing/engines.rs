//! The reorder engines behind the streamed listing body ([`super::stream::Reorder`]).
//!
//! [`Whole`] holds the document until its end and reorders it with the whole-document engine:
//! the shopper gets the response head at once, and the body when the page is complete.

use std::sync::Arc;

use bytes::Bytes;

use super::stream::{Applied, Reorder};
use crate::config::PageFormat;
use crate::ranked::Ranking;
use crate::rewrite::{self, Outcome, Unchanged};

/// A document held whole, reordered at its end; past `limit` bytes it streams native.
pub(super) struct Whole {
    format: PageFormat,
    charset: Option<String>,
    limit: usize,
    held: Vec<u8>,
    /// Native bytes that may go out now (all of them once the document is too large).
    ready: Vec<u8>,
    too_large: bool,
    ranking: Option<Arc<Ranking>>,
}

impl Whole {
    pub fn new(format: PageFormat, charset: Option<String>, limit: usize) -> Self {
        Self {
            format,
            charset,
            limit,
            held: Vec::new(),
            ready: Vec::new(),
            too_large: false,
            ranking: None,
        }
    }
}

impl Reorder for Whole {
    fn push(&mut self, chunk: &[u8]) {
        if self.too_large {
            self.ready.extend_from_slice(chunk);
            return;
        }
        self.held.extend_from_slice(chunk);
        if self.held.len() > self.limit {
            self.too_large = true;
            self.ready = std::mem::take(&mut self.held);
        }
    }

    fn decide(&mut self, ranking: Option<Arc<Ranking>>) {
        self.ranking = ranking;
    }

    fn take_ready(&mut self) -> Bytes {
        Bytes::from(std::mem::take(&mut self.ready))
    }

    fn held(&self) -> usize {
        self.held.len()
    }

    fn waiting(&self) -> bool {
        false
    }

    fn finish(self: Box<Self>) -> (Bytes, Applied) {
        if self.too_large {
            return (Bytes::from(self.ready), Applied::TooLarge);
        }
        let Some(ranking) = &self.ranking else {
            return (Bytes::from(self.held), Applied::Ordered);
        };
        let rewritten = match &self.format {
            PageFormat::Html(rules) => {
                rewrite::html::reorder(&self.held, self.charset.as_deref(), rules, ranking)
            }
            PageFormat::Json(rules) => rewrite::json::reorder(&self.held, rules, ranking),
        };
        let applied = match rewritten.outcome {
            Outcome::Reordered(_) | Outcome::Unchanged(Unchanged::SameOrder) => Applied::Ordered,
            Outcome::Unchanged(Unchanged::EmptyRanking) => Applied::EmptyRanking,
            Outcome::Unchanged(Unchanged::NotListing(_)) => Applied::NotListing,
        };
        (Bytes::from(rewritten.body.into_owned()), applied)
    }
}
