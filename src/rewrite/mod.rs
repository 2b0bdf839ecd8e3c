//! Reorder engines: pure functions from a listing body and a ranking to the reordered body.
//!
//! Both engines fail open: on anything unexpected they hand back the input, byte for byte, with
//! the reason. Neither does I/O.
//!
//! Depends on nothing else in the crate but `ranked` (the [`Ranking`](crate::ranked::Ranking)
//! to apply).

pub mod html;
pub mod json;
mod order;
mod ready;

use std::borrow::Cow;

pub use order::ranked_order;

/// What a rewriter produced.
#[derive(Debug)]
pub struct Rewritten<'a> {
    /// The new body, or the input itself when unchanged.
    pub body: Cow<'a, [u8]>,
    pub outcome: Outcome,
}

impl<'a> Rewritten<'a> {
    /// The input untouched, for the given reason.
    pub fn unchanged(input: &'a [u8], reason: Unchanged) -> Self {
        Self {
            body: Cow::Borrowed(input),
            outcome: Outcome::Unchanged(reason),
        }
    }
}

/// Whether the body was reordered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Reordered(Stats),
    Unchanged(Unchanged),
}

/// Figures about a reordered body, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Listings (groups of tiles sharing a parent, or the one JSON array) seen.
    pub listings: usize,
    /// Tiles or items with a readable product id.
    pub tiles: usize,
    /// Of those, how many the ranking named.
    pub ranked: usize,
}

/// Why a body was left as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unchanged {
    /// The ranking was empty.
    EmptyRanking,
    /// No listing was found (no tiles matched, the array is missing, or the markup or JSON could
    /// not be read); the detail is for logs only.
    NotListing(String),
    /// Tiles were found but the ranking named none of them, or the order was already right.
    SameOrder,
}

/// How a streamed document ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamOutcome {
    /// What the engine's buffered `reorder` reports for the same body and ranking; the bytes
    /// are its bytes.
    Done(Outcome),
    /// No ranking: `decide` got `None`, or was never called. The bytes are the input's.
    NoRanking,
    /// A region outgrew `max_held` (whether or not a ranking came): it and everything after
    /// it went out as it came.
    /// `released`: what earlier regions reordered, if any.
    TooLarge { released: Stats },
    /// The body turned out not to be a listing (`why`) after earlier regions had gone
    /// out reordered (`released`); the buffered engine would have left all of it alone. From
    /// the failing region on, the bytes are the input's.
    FailedLate { released: Stats, why: String },
}

impl From<Outcome> for StreamOutcome {
    fn from(outcome: Outcome) -> Self {
        StreamOutcome::Done(outcome)
    }
}
