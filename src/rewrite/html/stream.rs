//! The HTML reorder as a stream: bytes go out as soon as lol_html has read them, except a
//! listing's *region* (from its first tile's start tag to the end of its last tile and that
//! tile's companions), which is held until it is complete and the ranking is decided.
//!
//! One lol_html pass with the buffered engine's handlers (`scan`), made `Send`, records tiles
//! as they come; its output sink only counts bytes, which says how far lol_html has read (it
//! hands a tag to the sink after its handlers ran, so no tile can start below that mark). A
//! region opens at a tile's start tag when none is open and is complete when the end tag of
//! that tile's parent is read (or the document ends): every tile of every listing inside it
//! is then known, since a listing's parent lies inside the first tile's parent. A complete,
//! decided region is reordered on its own (`region`) and what follows streams again.
//!
//! Fails open as the buffered engine does, per region: a region it would not reorder goes out
//! as it came and the rest of the document streams untouched. Only when an earlier region has
//! already gone out reordered does the output differ from the buffered engine's (which leaves
//! the whole page alone); [`StreamOutcome::FailedLate`] says so.

use std::cell::OnceCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::{Buf, Bytes, BytesMut};
use encoding_rs::Encoding;
use lol_html::html_content::EndTag;
use lol_html::send::{Element, ElementContentHandlers, EndTagHandler, HtmlRewriter, Settings};
use lol_html::{AsciiCompatibleEncoding, HandlerResult, MemorySettings, OutputSink};

use crate::ranked::Ranking;
use crate::rewrite::ready::Ready;
use crate::rewrite::{Outcome, Stats, StreamOutcome, Unchanged};

use super::record::Doc;
use super::region::{self, rebased, Context, Pass};
use super::scan::{Scan, MEMORY_LIMIT, OPEN};
use super::{carriers, header_encoding, meta, HtmlRules, NotListing, Rules};

/// A streaming [`super::reorder`]: see the module documentation.
///
/// `Send`, so a response body can own it across awaits.
pub struct HtmlStream {
    rules: HtmlRules,
    /// `None` once everything passes through untouched.
    parser: Option<Parser>,
    /// Bytes for the client, in order.
    ready: Ready,
    max_held: usize,
    pass: Pass,
    header: Option<&'static Encoding>,
    encoding: AsciiCompatibleEncoding,
    /// Without a header charset, the pieces released before the first tile, up to
    /// `meta::WINDOW` bytes, where a `<meta>` may declare one: views of bytes already handed
    /// out, joined and read only if an id is not ASCII.
    head: Vec<Bytes>,
    head_len: usize,
    /// Its declaration, once read.
    meta: OnceCell<Option<&'static Encoding>>,
    /// Where the document's first tile starts, once a region is released.
    first_tile: Option<usize>,
    decision: Decision,
    /// Sums over the regions reordered so far.
    stats: Stats,
    tiles: usize,
    moved: bool,
    /// Why the stream stopped reordering, if it did.
    stopped: Option<Stop>,
}

enum Decision {
    Pending,
    Native,
    Rank(Arc<Ranking>),
}

enum Stop {
    TooLarge,
    Failed(NotListing),
}

/// The lol_html pass and what its handlers share with the stream.
struct Parser {
    /// `None` after the document's end.
    rewriter: Option<HtmlRewriter<'static, Sink>>,
    shared: Arc<Mutex<Shared>>,
    /// Bytes lol_html has finished reading.
    read: Arc<AtomicUsize>,
}

/// What the handlers record, beside the bytes not yet released.
struct Shared {
    /// The document from `base` on: held regions and what lol_html has not read yet.
    held: BytesMut,
    base: usize,
    scan: Scan,
    /// Regions not yet released, in order; only the last may be open.
    regions: Vec<Region>,
}

struct Region {
    /// Its first tile's index in `scan.tiles`.
    first: usize,
    start: usize,
    /// The first tile's parent key; the region is complete at that element's end.
    parent: usize,
    complete: bool,
}

impl HtmlStream {
    /// A stream for one document; `charset` as for [`super::reorder`]; `max_held`: bytes the
    /// stream may hold at once (a region that grows past it goes out as it came, and so does
    /// the rest of the document).
    pub fn new(rules: &HtmlRules, charset: Option<&str>, max_held: usize) -> Self {
        let compiled = &rules.compiled;
        let pass = match compiled.carriers.plan() {
            carriers::Plan::Exact => Pass::Exact,
            carriers::Plan::Narrowed(learned) => Pass::Narrowed(learned),
            carriers::Plan::Direct(_) => Pass::Direct,
        };
        let mut stream = Self {
            rules: rules.clone(),
            parser: None,
            ready: Ready::default(),
            max_held,
            pass,
            header: None,
            encoding: AsciiCompatibleEncoding::utf_8(),
            head: Vec::new(),
            head_len: 0,
            meta: OnceCell::new(),
            first_tile: None,
            decision: Decision::Pending,
            stats: Stats::default(),
            tiles: 0,
            moved: false,
            stopped: None,
        };
        match header_encoding(charset) {
            Ok((header, encoding)) => {
                stream.header = header;
                stream.encoding = encoding.unwrap_or_else(AsciiCompatibleEncoding::utf_8);
                stream.parser = Some(stream.parser());
            }
            Err(why) => stream.stopped = Some(Stop::Failed(why)),
        }
        stream
    }

    /// Feeds the next bytes of the document, in any pieces.
    pub fn push(&mut self, chunk: &[u8]) {
        let Some(parser) = &mut self.parser else {
            self.ready.push_copy(chunk);
            return;
        };
        lock(&parser.shared).held.extend_from_slice(chunk);
        let written = match &mut parser.rewriter {
            Some(rewriter) => rewriter.write(chunk),
            None => Ok(()),
        };
        match written {
            Ok(()) => self.advance(),
            Err(e) => self.stop(Stop::Failed(NotListing::Parse(e))),
        }
    }

    /// The ranking is decided: `Some` reorders held and later regions by it, `None` leaves
    /// the document as it is from here on. Only the first call counts.
    pub fn decide(&mut self, ranking: Option<Arc<Ranking>>) {
        if !matches!(self.decision, Decision::Pending) {
            return;
        }
        match ranking {
            Some(ranking) if !ranking.is_empty() => {
                self.decision = Decision::Rank(ranking);
                self.advance();
            }
            Some(_) => {
                self.decision = Decision::Rank(Arc::default());
                self.passthrough();
            }
            None => {
                self.decision = Decision::Native;
                self.passthrough();
            }
        }
    }

    /// The next bytes that may go to the client, in order (`None`: none now); never any of a
    /// region still open or waiting for [`HtmlStream::decide`]. Bytes that pass untouched come
    /// in the pieces the stream holds them in, without another copy.
    pub fn take_ready(&mut self) -> Option<Bytes> {
        self.ready.pop()
    }

    /// Whether a complete region waits for [`HtmlStream::decide`].
    pub fn waiting(&self) -> bool {
        matches!(self.decision, Decision::Pending)
            && self
                .parser
                .as_ref()
                .is_some_and(|p| lock(&p.shared).regions.first().is_some_and(|r| r.complete))
    }

    /// Bytes held now: regions and what follows them, and what lol_html has not yet read.
    pub fn held(&self) -> usize {
        self.parser
            .as_ref()
            .map_or(0, |p| lock(&p.shared).held.len())
    }

    /// The end of the document: how it ended, its remaining bytes left for
    /// [`HtmlStream::take_ready`]. Without a [`HtmlStream::decide`] before, the document is
    /// left as it is. Called once; bytes pushed after it pass through untouched.
    pub fn finish(&mut self) -> StreamOutcome {
        if let Some(rewriter) = self.parser.as_mut().and_then(|p| p.rewriter.take()) {
            if let Err(e) = rewriter.end() {
                self.stop(Stop::Failed(NotListing::Parse(e)));
            }
        }
        if let Some(parser) = &self.parser {
            if let Some(open) = lock(&parser.shared).regions.last_mut() {
                open.complete = true;
            }
        }
        if matches!(self.decision, Decision::Pending) {
            self.decision = Decision::Native;
            self.passthrough();
        }
        self.advance();
        self.passthrough();
        self.outcome()
    }

    fn outcome(&mut self) -> StreamOutcome {
        let released = self.stats;
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
            Some(Stop::Failed(why)) if self.moved => {
                let why = why.to_string();
                return StreamOutcome::FailedLate { released, why };
            }
            Some(Stop::Failed(why)) => why,
            None if self.tiles == 0 => NotListing::NoTiles,
            None if self.stats.tiles == 0 => NotListing::NoIds(self.tiles),
            None if self.moved => return Outcome::Reordered(self.stats).into(),
            None => return Outcome::Unchanged(Unchanged::SameOrder).into(),
        };
        Outcome::Unchanged(Unchanged::NotListing(why.to_string())).into()
    }

    /// Releases what may go out: bytes lol_html has read up to the first region, and complete
    /// regions once decided.
    fn advance(&mut self) {
        let Some(parser) = &self.parser else {
            return;
        };
        let shared = parser.shared.clone();
        let read = parser.read.load(Ordering::Relaxed);
        let mut s = lock(&shared);
        loop {
            let base = s.base;
            let (start, complete) = match s.regions.first() {
                Some(r) => (r.start, r.complete),
                None => (usize::MAX, false),
            };
            if start < base {
                drop(s);
                return self.stop(Stop::Failed(NotListing::Lost(start)));
            }
            let free = start.min(read).saturating_sub(base);
            if free > 0 {
                let piece = self.ready.take_front(&mut s.held, free);
                s.base += free;
                let before_tiles = self.first_tile.is_none() && self.header.is_none();
                if before_tiles && self.head_len < meta::WINDOW {
                    self.head_len += piece.len();
                    self.head.push(piece);
                }
                continue;
            }
            if start > base || !complete {
                break;
            }
            let Decision::Rank(ranking) = &self.decision else {
                break;
            };
            match self.release(&mut s, &ranking.clone()) {
                Ok(()) => {}
                Err(why) => {
                    drop(s);
                    return self.stop(Stop::Failed(why));
                }
            }
        }
        let over = !s.regions.is_empty() && s.held.len() > self.max_held;
        drop(s);
        if over {
            self.stop(Stop::TooLarge);
        }
    }

    /// Reorders the complete region at the front of `held` into `ready`.
    fn release(&mut self, s: &mut Shared, ranking: &Ranking) -> Result<(), NotListing> {
        let region = s.regions.remove(0);
        let last = s.regions.first().map_or(s.scan.tiles.len(), |r| r.first);
        let tiles = &s.scan.tiles[region.first..last];
        if let Some(open) = tiles.iter().find(|t| t.end == OPEN) {
            return Err(NotListing::Unclosed(open.start));
        }
        let at = region.start;
        let end = tiles.iter().map(|t| t.end).max().unwrap_or(at);
        let scan = rebased(&s.scan, region.first..last, at..end, self.stride());
        let input = &s.held[at - s.base..end - s.base];
        let first_tile = *self.first_tile.get_or_insert(at);
        let rules = &self.rules.compiled;
        let (head, meta) = (&self.head, &self.meta);
        let cx = Context {
            rules,
            pass: &self.pass,
            encoding: self.encoding,
            header: self.header,
            meta: &|| {
                *meta
                    .get_or_init(|| meta::document_charset(&head.concat(), first_tile, &rules.meta))
            },
        };
        let done = region::rewrite(input, scan, &cx, ranking).map_err(|e| e.shifted(at))?;
        let done_with = end - s.base;
        self.moved |= done.body.is_some();
        match done.body {
            Some(body) => {
                self.ready.push(body.into());
                s.held.advance(done_with);
            }
            None => {
                self.ready.take_front(&mut s.held, done_with);
            }
        }
        self.tiles += done.tiles;
        self.stats.listings += done.stats.listings;
        self.stats.tiles += done.stats.tiles;
        self.stats.ranked += done.stats.ranked;
        s.base = end;
        if s.regions.is_empty() {
            // No tile is open when no region is: what was recorded is done with.
            s.scan.tiles.clear();
            s.scan.slot_attrs.clear();
            s.scan.closings.clear();
        }
        Ok(())
    }

    fn stride(&self) -> usize {
        self.rules.compiled.slot_attributes.len()
    }

    /// Everything held goes out as it came, and so does the rest of the document.
    fn passthrough(&mut self) {
        if let Some(parser) = self.parser.take() {
            let mut s = lock(&parser.shared);
            let held = s.held.split();
            self.ready.push(held.freeze());
        }
    }

    fn stop(&mut self, why: Stop) {
        self.stopped.get_or_insert(why);
        self.passthrough();
    }

    /// The lol_html pass with the scan's handlers and the region bookkeeping.
    fn parser(&self) -> Parser {
        let rules = self.rules.compiled.clone();
        let shared: SharedRef = Arc::new(Mutex::new(Shared {
            held: BytesMut::new(),
            base: 0,
            scan: Scan::with_capacity(rules.slot_attributes.len()),
            regions: Vec::new(),
        }));
        let read = Arc::new(AtomicUsize::new(0));
        let carriers = match &self.pass {
            Pass::Exact => Some(&rules.carriers.exact),
            Pass::Narrowed(learned) => learned.selector(),
            Pass::Direct => None,
        };
        let settings = handlers(&rules, &shared, carriers)
            .with_encoding(self.encoding)
            .with_memory_settings(
                MemorySettings::new().with_max_allowed_memory_usage(MEMORY_LIMIT),
            );
        Parser {
            rewriter: Some(HtmlRewriter::new(settings, Sink(read.clone()))),
            shared,
            read,
        }
    }
}

#[path = "stream_handlers.rs"]
mod handlers;
use handlers::{handlers, lock, SharedRef, Sink};
