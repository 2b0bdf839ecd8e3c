//! The JSON reorder as a stream: bytes before the listing array go out as they are read, the
//! array (from its `[` to its `]`) is held until it is complete and the ranking is decided,
//! then goes out reordered (or as it came), and the rest streams again.
//!
//! The document is validated as it arrives (`track`), so an invalid body found before the
//! array is released comes out exactly as it came in, as the buffered engine leaves it. What
//! follows a released array cannot be known in advance: if it turns out invalid, or a later
//! duplicate member replaces the array, after the array went out reordered, that array stays
//! reordered and [`StreamOutcome::FailedLate`] says so.

use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};

use crate::ranked::Ranking;
use crate::rewrite::ready::Ready;
use crate::rewrite::{ranked_order, Outcome, Stats, StreamOutcome, Unchanged};

use super::scan::{self, Kind, ScanError};
use super::track::{Event, Track};
use super::{splice, JsonRules};

/// A streaming [`super::reorder`]: see the module documentation.
pub struct JsonStream {
    rules: JsonRules,
    max_held: usize,
    /// The body from `base` on: the held array and what `track` has not read yet.
    held: BytesMut,
    base: usize,
    track: Track,
    /// Where `track` goes on from.
    at: usize,
    ready: Ready,
    /// The target array being held: its start, and its end once read.
    region: Option<(usize, Option<usize>)>,
    /// What the pointer names so far.
    target: Option<Kind>,
    decision: Decision,
    /// The array went out reordered, with these figures.
    moved: Option<Stats>,
    done: bool,
    /// The array is the body's root.
    root: bool,
    /// Set once everything passes through untouched, with why.
    stopped: Option<Stop>,
    passthrough: bool,
}

enum Decision {
    Pending,
    Native,
    Rank(Arc<Ranking>),
}

enum Stop {
    TooLarge,
    Failed(ScanError),
    /// No ranking, or an empty one: nothing to report beyond the decision.
    Decided,
}

impl JsonStream {
    /// A stream for one body; `max_held`: bytes it may hold at once (an array that grows past
    /// it goes out as it came, and so does the rest).
    pub fn new(rules: &JsonRules, max_held: usize) -> Self {
        Self {
            rules: rules.clone(),
            max_held,
            held: BytesMut::new(),
            base: 0,
            track: Track::new(),
            at: 0,
            ready: Ready::default(),
            region: None,
            target: None,
            decision: Decision::Pending,
            moved: None,
            done: false,
            root: false,
            stopped: None,
            passthrough: false,
        }
    }

    /// Feeds the next bytes of the body, in any pieces.
    pub fn push(&mut self, chunk: &[u8]) {
        if self.passthrough {
            self.ready.push_copy(chunk);
            return;
        }
        self.held.extend_from_slice(chunk);
        self.run(false);
    }

    /// The ranking is decided: `Some` reorders the array by it, `None` leaves the body as it
    /// is. Only the first call counts.
    pub fn decide(&mut self, ranking: Option<Arc<Ranking>>) {
        if !matches!(self.decision, Decision::Pending) {
            return;
        }
        match ranking {
            Some(ranking) if !ranking.is_empty() => {
                self.decision = Decision::Rank(ranking);
                if !self.passthrough {
                    self.run(self.done);
                }
            }
            Some(_) => {
                self.decision = Decision::Rank(Arc::default());
                self.stop(Stop::Decided);
            }
            None => {
                self.decision = Decision::Native;
                self.stop(Stop::Decided);
            }
        }
    }

    /// The next bytes that may go to the client, in order (`None`: none now); never any of an
    /// array still open or waiting for [`JsonStream::decide`]. Bytes that pass untouched come
    /// in the pieces the stream holds them in, without another copy.
    pub fn take_ready(&mut self) -> Option<Bytes> {
        self.ready.pop()
    }

    /// Whether the complete array waits for [`JsonStream::decide`].
    pub fn waiting(&self) -> bool {
        matches!(self.decision, Decision::Pending) && matches!(self.region, Some((_, Some(_))))
    }

    /// Bytes held now.
    pub fn held(&self) -> usize {
        self.held.len()
    }

    /// The end of the body: how it ended, its remaining bytes left for
    /// [`JsonStream::take_ready`]. Without a [`JsonStream::decide`] before, the body is left
    /// as it is. Called once; bytes pushed after it pass through untouched.
    pub fn finish(&mut self) -> StreamOutcome {
        if !self.passthrough && !self.done {
            self.run(true);
        }
        if matches!(self.decision, Decision::Pending) {
            self.decision = Decision::Native;
        }
        self.stop(Stop::Decided);
        self.outcome()
    }

    fn outcome(&mut self) -> StreamOutcome {
        let released = self.moved.unwrap_or_default();
        // Too large is the page's own fact, whether or not a ranking ever came.
        if matches!(self.stopped, Some(Stop::TooLarge)) {
            return StreamOutcome::TooLarge { released };
        }
        let ranking = match &self.decision {
            Decision::Rank(ranking) => ranking,
            _ => return StreamOutcome::NoRanking,
        };
        let why = match self.stopped.take() {
            Some(Stop::TooLarge) => return StreamOutcome::TooLarge { released },
            _ if ranking.is_empty() => return Outcome::Unchanged(Unchanged::EmptyRanking).into(),
            Some(Stop::Failed(why)) if self.moved.is_some() => {
                let why = why.to_string();
                return StreamOutcome::FailedLate { released, why };
            }
            Some(Stop::Failed(why)) => why,
            Some(Stop::Decided) | None => match (self.target, self.moved) {
                (None, _) => ScanError::Missing,
                (Some(Kind::Other(what)), _) => ScanError::NotArray(what),
                (Some(Kind::Array), Some(stats)) => return Outcome::Reordered(stats).into(),
                (Some(Kind::Array), None) => {
                    return Outcome::Unchanged(Unchanged::SameOrder).into()
                }
            },
        };
        Outcome::Unchanged(Unchanged::NotListing(why.to_string())).into()
    }

    /// Reads what has arrived; `end`: all of it has.
    fn run(&mut self, end: bool) {
        while !self.passthrough {
            if let Err(why) = self.release_region() {
                return self.stop(Stop::Failed(why));
            }
            if self.done {
                break;
            }
            let (event, resume) =
                self.track
                    .next(&self.held, self.base, self.at, end, &self.rules.path);
            self.at = resume;
            // A new value at the pointer's place replaces the array: fine while it has not gone
            // out reordered.
            let replaced = matches!(event, Event::Target(..) | Event::Reset);
            if replaced && self.moved.is_some() {
                let why = "a later member replaced the listing array after it went out";
                return self.stop(Stop::Failed(ScanError::Syntax(super::lex::Syntax {
                    offset: resume,
                    problem: why,
                })));
            }
            match event {
                Event::More(_) => break,
                Event::Target(start, kind) => {
                    self.target = Some(kind);
                    self.region = matches!(kind, Kind::Array).then_some((start, None));
                }
                Event::Reset => (self.target, self.region) = (None, None),
                Event::ArrayEnd(end) => {
                    if let Some((_, close)) = &mut self.region {
                        *close = Some(end);
                    }
                    // A root array is the whole body: only whitespace may follow, so it waits
                    // for the end, and a body with anything else after it stays untouched.
                    self.root = self.track.depth() == 0;
                }
                Event::Done => self.done = true,
                Event::Invalid(e) => return self.stop(Stop::Failed(ScanError::Syntax(e))),
            }
        }
        if self.passthrough {
            return;
        }
        let free = match self.region {
            Some((start, _)) => start,
            None if self.done => self.base + self.held.len(),
            None => self.at,
        };
        self.release(free);
        if self.region.is_some() && self.held.len() > self.max_held {
            self.stop(Stop::TooLarge);
        }
    }

    /// Bytes up to `to` go out as they came.
    fn release(&mut self, to: usize) {
        let n = to.saturating_sub(self.base).min(self.held.len());
        self.ready.take_front(&mut self.held, n);
        self.base += n;
    }

    /// The complete array, once decided, goes out reordered.
    fn release_region(&mut self) -> Result<(), ScanError> {
        let (Some((start, Some(end))), Decision::Rank(ranking)) = (self.region, &self.decision)
        else {
            return Ok(());
        };
        if self.root && !self.done {
            return Ok(());
        }
        let ranking = ranking.clone();
        self.release(start);
        let array = &self.held[..end - start];
        let items = scan::items(array, &[], &self.rules.product_id)?;
        let ids: Vec<Option<&str>> = items.iter().map(|item| item.id.as_deref()).collect();
        let (order, ranked) = ranked_order(&ids, &ranking);
        if order.iter().enumerate().any(|(slot, &item)| slot != item) {
            self.ready.push(splice(array, &items, &order).into());
            self.moved = Some(Stats {
                listings: 1,
                tiles: ids.iter().filter(|id| id.is_some()).count(),
                ranked,
            });
            drop(items);
            self.held.advance(end - start);
            self.base = end;
        } else {
            drop(items);
            self.release(end);
        }
        self.region = None;
        Ok(())
    }

    /// Everything held goes out as it came, and so does the rest of the body.
    fn stop(&mut self, why: Stop) {
        self.stopped.get_or_insert(why);
        self.passthrough = true;
        let held = self.held.split();
        self.ready.push(held.freeze());
    }
}
