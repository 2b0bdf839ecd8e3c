//! HTML listing reorder on lol_html's streaming parser: tiles' byte ranges are permuted, every
//! other byte is kept.
//!
//! One lol_html pass (no DOM) records each outermost tile's byte range, its parent, where its
//! product id, class and slot attributes sit; the output is then spliced from the original
//! bytes, so it stays in the document's own encoding and is byte-identical outside the tiles.
//!
//! Rules, in the words of the config (`[[pages]]`):
//! - a *listing* is the set of tiles sharing a parent element; each is reordered on its own;
//! - the id is the `product_id` attribute of the tile, else of its first descendant carrying
//!   it (raw attribute text, character references not decoded, surrounding whitespace
//!   trimmed), then the first capture group of `product_id_pattern`; a tile without one keeps
//!   its slot;
//! - `companions` elements that follow a tile with only whitespace between travel with it;
//! - `slot_classes` tokens and `slot_attributes` on the tile's own start tag stay with the
//!   position: the tile moved into slot i takes those of the tile that was in slot i (a slot
//!   token replaces the moved tile's k-th slot token in place; surplus ones are dropped, their
//!   whitespace kept; missing ones are appended; a slot attribute is swapped, added before the
//!   tag's `>` or removed as a whole);
//! - tiles inside `<template>` content, nested inside another tile, in comments or in script
//!   text are not tiles;
//! - a tile or companion that lol_html closes implicitly (by an ancestor's end tag, or never)
//!   makes the page not a listing: such markup is too ambiguous to cut.
//!
//! Speed: the tile selector is used as written; selectors derived from it find the tiles'
//! parents, the companions (scoped to children of those parents) and the id carriers inside
//! tiles (narrowed to the places and tag names learned from earlier pages, see `carriers`).
//! Where earlier pages had their carriers close to the tiles' start tags, the carriers are
//! read from the tiles' bytes after the pass instead (see `direct`), and lol_html's carrier
//! selector is used only when the markup leaves what that reader is certain of.
//! Every handler lol_html calls costs it a re-lexed tag and boxed closures, so a tile or
//! companion closed right after its start tag gets no end tag handler (see `scan`). Writing
//! tiles as `parent > tile` keeps the parent selector narrow; a bare `tile` selector makes
//! every element a parent candidate, which is correct but slower.

mod carriers;
mod direct;
mod ids;
mod inspect;
mod meta;
mod paths;
mod read;
mod record;
mod region;
mod rules;
mod scan;
mod splice;
mod stream;

pub use super::StreamOutcome;
pub use stream::HtmlStream;

use std::borrow::Cow;
use std::sync::Arc;

use encoding_rs::Encoding;
use lol_html::{AsciiCompatibleEncoding, Selector};
use regex::Regex;

use crate::ranked::Ranking;

use ids::read_ids;

use super::{ranked_order, Outcome, Rewritten, Stats, Unchanged};

pub use inspect::{tiles, TileSpan};

/// The settings of one HTML `[[pages]]` block, compiled once at config load.
///
/// A cheap handle (`Send + Sync`; clones share the compiled rules and what they learn about
/// the pages they read, see `carriers`).
#[derive(Debug, Clone)]
pub struct HtmlRules {
    compiled: Arc<Rules>,
}

/// What [`HtmlRules`] holds.
#[derive(Debug)]
struct Rules {
    tiles: Selector,
    /// Elements inside tiles that may carry the id, and what was learned about them.
    carriers: carriers::Carriers,
    /// Elements that may be a tile's parent.
    parents: Selector,
    companions: Option<Selector>,
    /// ASCII-lowercased attribute name.
    product_id: Box<str>,
    pattern: Option<Regex>,
    slot_classes: Box<[Box<str>]>,
    /// ASCII-lowercased attribute names.
    slot_attributes: Box<[Box<str>]>,
    meta: Selector,
    template: Selector,
}

/// The `[[pages]]` keys an HTML page uses, as written in the config.
#[derive(Debug, Clone, Default)]
pub struct HtmlSpec<'a> {
    pub tiles: &'a str,
    pub product_id: &'a str,
    /// `""` = none.
    pub product_id_pattern: &'a str,
    /// `""` = none.
    pub companions: &'a str,
    pub slot_classes: &'a [String],
    pub slot_attributes: &'a [String],
}

/// A key of [`HtmlSpec`] that does not compile, with why.
#[derive(Debug, thiserror::Error)]
#[error("{key}: {message}")]
pub struct HtmlRuleError {
    /// `tiles`, `product_id`, `product_id_pattern`, `companions`, ...
    pub key: &'static str,
    pub message: String,
}

impl HtmlRules {
    /// Compiles the selectors and pattern; every bad key is reported.
    ///
    /// Rejected: selectors lol_html cannot match on a stream (`+`, `~`, `:has`, ...), an empty
    /// tile selector or attribute name, a pattern without a capture group, slot classes that
    /// are not single class tokens, and `class` in `slot_attributes` together with
    /// `slot_classes`.
    pub fn new(spec: &HtmlSpec<'_>) -> Result<Self, Vec<HtmlRuleError>> {
        Ok(Self {
            compiled: Arc::new(rules::compile(spec)?),
        })
    }
}

/// Reorders every listing in `input` by `ranking`.
///
/// `charset` is the `charset` parameter of the response's Content-Type, if any; without it the
/// document's `<meta charset>` (or `http-equiv` Content-Type) decides, else UTF-8. Fails open:
/// anything unexpected returns the input itself with the reason.
pub fn reorder<'a>(
    input: &'a [u8],
    charset: Option<&str>,
    rules: &HtmlRules,
    ranking: &Ranking,
) -> Rewritten<'a> {
    reorder_chunked(input, usize::MAX, charset, rules, ranking)
}

/// [`reorder`], with lol_html fed the input in pieces of `chunk_size` bytes (at least 1) as if
/// it arrived in that many reads. The result is the same for every chunk size; this exists to
/// prove that.
pub fn reorder_chunked<'a>(
    input: &'a [u8],
    chunk_size: usize,
    charset: Option<&str>,
    rules: &HtmlRules,
    ranking: &Ranking,
) -> Rewritten<'a> {
    if ranking.is_empty() {
        return Rewritten::unchanged(input, Unchanged::EmptyRanking);
    }
    let rules = &*rules.compiled;
    match plan(input, chunk_size, charset, rules, ranking) {
        Ok(Plan::Reorder {
            placement,
            stats,
            scan,
        }) => Rewritten {
            body: Cow::Owned(splice::splice(input, &scan, &placement, rules)),
            outcome: Outcome::Reordered(stats),
        },
        Ok(Plan::Same) => Rewritten::unchanged(input, Unchanged::SameOrder),
        Err(why) => Rewritten::unchanged(input, Unchanged::NotListing(why.to_string())),
    }
}

/// The product ids of each listing in `input`, in document order (`None`: a pinned tile
/// without a readable id), as [`reorder`] sees them; listings are in order of their parent
/// elements. For diagnostics and tests. `Err` carries the reason a rewrite would give.
pub fn listing_ids(
    input: &[u8],
    charset: Option<&str>,
    rules: &HtmlRules,
) -> Result<Vec<Vec<Option<String>>>, Unchanged> {
    let found = find(input, usize::MAX, charset, &rules.compiled)
        .map_err(|why| Unchanged::NotListing(why.to_string()))?;
    Ok(found
        .listings()
        .into_iter()
        .map(|listing| {
            listing
                .into_iter()
                .map(|i| found.ids[i].as_deref().map(str::to_owned))
                .collect()
        })
        .collect())
}

/// Why a document was not treated as a listing.
#[derive(Debug, thiserror::Error)]
enum NotListing {
    #[error("charset {0:?} is not ASCII-compatible; lol_html cannot parse it")]
    Charset(String),
    #[error("lol_html stopped: {0}")]
    Parse(#[source] lol_html::errors::RewritingError),
    #[error("tile or companion at byte {start} is closed implicitly by the end tag at byte {end}")]
    Misnested { start: usize, end: usize },
    #[error("tile at byte {0} is never closed")]
    Unclosed(usize),
    #[error("no element matches the tile selector")]
    NoTiles,
    #[error("{0} tiles found, none with a readable product id")]
    NoIds(usize),
    #[error("the id carrier of the tile at byte {0} cannot be read exactly from its bytes")]
    Carrier(usize),
    #[error("the stream released bytes of the tile at byte {0} before seeing it")]
    Lost(usize),
}

impl NotListing {
    /// The same reason with its byte offsets moved `by` further (from a region's offsets to
    /// the document's).
    fn shifted(self, by: usize) -> Self {
        match self {
            NotListing::Misnested { start, end } => NotListing::Misnested {
                start: start + by,
                end: end + by,
            },
            NotListing::Unclosed(at) => NotListing::Unclosed(at + by),
            NotListing::Carrier(at) => NotListing::Carrier(at + by),
            other => other,
        }
    }
}

enum Plan {
    Same,
    Reorder {
        scan: scan::Scan,
        placement: Vec<usize>,
        stats: Stats,
    },
}

/// A scanned document: its tiles and their ids (index for index).
struct Found<'a> {
    scan: scan::Scan,
    ids: Vec<Option<Cow<'a, str>>>,
}

impl Found<'_> {
    /// Tile indices grouped by listing (same parent), in document order within each; listings
    /// in order of their parents' start.
    fn listings(&self) -> Vec<Vec<usize>> {
        let mut by_parent: Vec<usize> = (0..self.scan.tiles.len()).collect();
        by_parent.sort_by_key(|&i| self.scan.tiles[i].parent);
        let tiles = &self.scan.tiles;
        by_parent
            .chunk_by(|&a, &b| tiles[a].parent == tiles[b].parent)
            .map(<[usize]>::to_vec)
            .collect()
    }
}

fn find<'a>(
    input: &'a [u8],
    chunk_size: usize,
    charset: Option<&str>,
    rules: &Rules,
) -> Result<Found<'a>, NotListing> {
    let (header, lol_encoding) = header_encoding(charset)?;
    let scan = read::read(
        read::Page {
            input,
            chunk_size,
            encoding: lol_encoding,
            rules,
        },
        rules.carriers.plan(),
    )?;
    check_closed(input, &scan)?;
    if scan.tiles.is_empty() {
        return Err(NotListing::NoTiles);
    }
    let ids = read_ids(
        input,
        &scan,
        header,
        || meta::document_charset(input, scan.tiles[0].start, &rules.meta),
        rules,
    );
    if ids.iter().all(Option::is_none) {
        return Err(NotListing::NoIds(scan.tiles.len()));
    }
    Ok(Found { scan, ids })
}

/// The encoding the Content-Type's `charset` names, and lol_html's view of it.
///
/// An unknown label is ignored, as a browser would; a known one lol_html cannot parse ends
/// the attempt.
#[allow(clippy::type_complexity)]
fn header_encoding(
    charset: Option<&str>,
) -> Result<(Option<&'static Encoding>, Option<AsciiCompatibleEncoding>), NotListing> {
    let header = charset.and_then(|label| Encoding::for_label(label.trim().as_bytes()));
    match header {
        Some(enc) => match AsciiCompatibleEncoding::new(enc) {
            Some(lol) => Ok((header, Some(lol))),
            None => Err(NotListing::Charset(enc.name().into())),
        },
        None => Ok((None, None)),
    }
}

fn plan(
    input: &[u8],
    chunk_size: usize,
    charset: Option<&str>,
    rules: &Rules,
    ranking: &Ranking,
) -> Result<Plan, NotListing> {
    let found = find(input, chunk_size, charset, rules)?;
    let (placement, stats) = placement(&found, ranking);
    if placement
        .iter()
        .enumerate()
        .all(|(slot, &tile)| slot == tile)
    {
        return Ok(Plan::Same);
    }
    Ok(Plan::Reorder {
        scan: found.scan,
        placement,
        stats,
    })
}

/// Where each tile goes (`placement[slot] = tile`, each listing ordered on its own) and the
/// figures for metrics.
fn placement(found: &Found<'_>, ranking: &Ranking) -> (Vec<usize>, Stats) {
    let mut placement: Vec<usize> = (0..found.ids.len()).collect();
    let mut stats = Stats {
        tiles: found.ids.iter().filter(|id| id.is_some()).count(),
        ..Stats::default()
    };
    let mut listing_ids = Vec::new();
    for listing in found.listings() {
        listing_ids.clear();
        listing_ids.extend(listing.iter().map(|&i| found.ids[i].as_deref()));
        let (order, ranked) = ranked_order(&listing_ids, ranking);
        for (slot, item) in order.into_iter().enumerate() {
            placement[listing[slot]] = listing[item];
        }
        stats.listings += 1;
        stats.ranked += ranked;
    }
    (placement, stats)
}

/// Every recorded tile must have been closed by its own end tag: lol_html closes elements
/// implicitly when an ancestor's end tag comes first, and such markup is too ambiguous to cut.
fn check_closed(input: &[u8], scan: &scan::Scan) -> Result<(), NotListing> {
    if let Some(tile) = scan.tiles.iter().find(|t| t.end == usize::MAX) {
        return Err(NotListing::Unclosed(tile.start));
    }
    for &(start, end) in &scan.closings {
        let open = tag_name(&input[start + 1..]);
        let close = tag_name(&input[end + 2..]);
        if !open.eq_ignore_ascii_case(close) {
            return Err(NotListing::Misnested { start, end });
        }
    }
    Ok(())
}

/// The tag name at the start of `tag` (after `<` or `</`).
fn tag_name(tag: &[u8]) -> &[u8] {
    let end = tag
        .iter()
        .position(|&b| rules::is_html_space(b) || b == b'/' || b == b'>')
        .unwrap_or(tag.len());
    &tag[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync_clone<T: Send + Sync + Clone>() {}

    #[test]
    fn rules_can_be_shared_across_threads() {
        assert_send_sync_clone::<HtmlRules>();
    }
}
