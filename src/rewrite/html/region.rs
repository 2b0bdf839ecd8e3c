//! One listing region of a streamed page (`stream`), once complete: its tiles' id carriers
//! made exact without the page (a stream cannot read it again), then its bytes reordered as
//! the buffered engine reorders them.
//!
//! The stream's single lol_html pass reads carriers as the rules' learned plan says (see
//! `carriers`): with the exact selector, the narrowed one, or none (`direct`). Where the
//! buffered engine would read the whole page again, each doubtful tile is read on its own
//! instead: from its bytes by `direct` when that reader is sure, else by a lol_html pass over
//! the tile alone. That pass sees what the page's pass sees: the tile is an HTML element whose
//! content starts in the data state, and lol_html's parse of it then depends on the page
//! around it only through an end tag that leaves an SVG or MathML integration point, which is
//! refused here. Only when neither is sure does the region stay as it is.

use std::borrow::Cow;
use std::cell::Cell;
use std::sync::Arc;

use encoding_rs::Encoding;
use lol_html::html_content::Element;
use lol_html::{AsciiCompatibleEncoding, ElementContentHandlers, HtmlRewriter, Settings};
use lol_html::{MemorySettings, Selector};

use crate::ranked::Ranking;

use super::carriers::Learned;
use super::direct::{self, Carrier};
use super::scan::{Scan, Tile, MEMORY_LIMIT, OPEN};
use super::{check_closed, placement, read_ids, splice, Found, NotListing, Rules};
use crate::rewrite::Stats;

/// How the stream's pass read carriers.
pub(super) enum Pass {
    /// With the exact selector: nothing to check; what it found is learned.
    Exact,
    /// With the narrowed selector of `Learned` (`None`: tiles only), to be checked per tile.
    Narrowed(Arc<Learned>),
    /// Without a carrier selector: carriers are read from the tiles' bytes.
    Direct,
}

/// What a region became.
#[derive(Debug)]
pub(super) struct Rewrite {
    /// The reordered bytes; `None` when no tile moved.
    pub body: Option<Vec<u8>>,
    /// Tiles in the region, with an id or not.
    pub tiles: usize,
    pub stats: Stats,
}

/// The page's settings a region is read with.
pub(super) struct Context<'a> {
    pub rules: &'a Rules,
    pub pass: &'a Pass,
    pub encoding: AsciiCompatibleEncoding,
    /// The Content-Type charset, if any.
    pub header: Option<&'static Encoding>,
    /// The document's `<meta>` charset, looked up when asked.
    pub meta: &'a dyn Fn() -> Option<&'static Encoding>,
}

/// Reorders the region `input` (its first tile starts at 0; `scan` holds its tiles, offsets
/// into `input`) by `ranking`.
pub(super) fn rewrite(
    input: &[u8],
    mut scan: Scan,
    cx: &Context<'_>,
    ranking: &Ranking,
) -> Result<Rewrite, NotListing> {
    resolve_carriers(input, &mut scan, cx)?;
    check_closed(input, &scan)?;
    let ids = read_ids(input, &scan, cx.header, cx.meta, cx.rules);
    let found = Found { scan, ids };
    let (placement, stats) = placement(&found, ranking);
    let moved = placement.iter().enumerate().any(|(slot, &t)| slot != t);
    Ok(Rewrite {
        body: moved.then(|| splice::splice(input, &found.scan, &placement, cx.rules)),
        tiles: found.scan.tiles.len(),
        stats,
    })
}

/// Makes every tile's carrier the one lol_html's exact carrier selector would find.
fn resolve_carriers(input: &[u8], scan: &mut Scan, cx: &Context<'_>) -> Result<(), NotListing> {
    let carriers = &cx.rules.carriers;
    let attr = cx.rules.product_id.as_bytes();
    match cx.pass {
        Pass::Exact => carriers.learn(input, scan, None),
        Pass::Narrowed(learned) => {
            let doubtful = |t: &Tile| t.end != OPEN && !carriers.tile_complete(input, t);
            if scan.tiles.iter().any(doubtful) {
                let narrowed = Scan {
                    tiles: scan.tiles.clone(),
                    ..Scan::default()
                };
                for tile in scan.tiles.iter_mut().filter(|t| doubtful(t)) {
                    read_exactly(input, tile, attr, cx)?;
                }
                carriers.learn(input, scan, Some((learned, &narrowed)));
            }
        }
        Pass::Direct => {
            for tile in &mut scan.tiles {
                if tile.id.is_none() && tile.end != OPEN {
                    read_exactly(input, tile, attr, cx)?;
                }
            }
        }
    }
    Ok(())
}

/// Sets `tile`'s carrier (or none) as the exact selector would, from its bytes alone.
fn read_exactly(
    input: &[u8],
    tile: &mut Tile,
    attr: &[u8],
    cx: &Context<'_>,
) -> Result<(), NotListing> {
    let mut found = Carrier::Unsure;
    if tile.readable {
        found = direct::first_carrier(input, tile.tag_end, tile.content_end, attr);
        if found == Carrier::Unsure {
            // The rules stop trusting bytes-only reads, as the buffered engine does.
            cx.rules.carriers.not_direct();
            let bytes = &input[tile.start..tile.content_end];
            found = match alone(bytes, attr, &cx.rules.carriers.any, cx.encoding) {
                Carrier::Found { start, value } => Carrier::Found {
                    start: tile.start + start,
                    value: tile.start + value.start..tile.start + value.end,
                },
                other => other,
            };
        }
    }
    match found {
        Carrier::Found { start, value } => {
            tile.id = Some(value);
            tile.carrier = Some(start);
        }
        Carrier::Absent => {
            tile.id = None;
            tile.carrier = None;
        }
        Carrier::Unsure => return Err(NotListing::Carrier(tile.start)),
    }
    Ok(())
}

/// Names of elements whose end tag can take lol_html out of an SVG or MathML integration
/// point, which the page around a tile decides.
const INTEGRATION_POINTS: [&[u8]; 9] = [
    b"title",
    b"desc",
    b"foreignobject",
    b"mi",
    b"mo",
    b"mn",
    b"ms",
    b"mtext",
    b"annotation-xml",
];

/// The first carrier in `tile` (its start tag and content, without its end tag), read by a
/// lol_html pass of its own with `any` (`[attr]`); offsets into `tile`.
fn alone(tile: &[u8], attr: &[u8], any: &Selector, encoding: AsciiCompatibleEncoding) -> Carrier {
    // Any `</name` of those names, whatever follows it: cheaper than knowing, and rare.
    let leaves = memchr::memmem::find_iter(tile, b"</").any(|at| {
        let name = &tile[at + 2..];
        INTEGRATION_POINTS
            .iter()
            .any(|n| name.len() >= n.len() && name[..n.len()].eq_ignore_ascii_case(n))
    });
    if leaves {
        return Carrier::Unsure;
    }
    let found = Cell::new(None);
    let settings = Settings::new()
        .with_encoding(encoding)
        .with_memory_settings(MemorySettings::new().with_max_allowed_memory_usage(MEMORY_LIMIT))
        .append_element_content_handler((
            Cow::Borrowed(any),
            ElementContentHandlers::default().element(|el: &mut Element<'_, '_>| {
                let start = el.source_location().bytes().start;
                if start == 0 {
                    // The tile itself (which has no id of its own).
                    return Ok(());
                }
                // The first attribute of that name, as the page's pass takes it.
                let value = el.attributes().iter().find_map(|a| {
                    let name = a.name_source_location()?.bytes();
                    tile[name.clone()].eq_ignore_ascii_case(attr).then(|| {
                        a.value_source_location()
                            .map_or(name.end..name.end, |v| v.bytes())
                    })
                });
                found.set(value.map(|v| (start, v)));
                Err(Stop.into())
            }),
        ));
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    let result = rewriter.write(tile).and_then(|()| rewriter.end());
    match (found.take(), result) {
        (Some((start, value)), _) => Carrier::Found { start, value },
        (None, Ok(())) => Carrier::Absent,
        // A match whose attribute could not be placed, or markup lol_html gave up on.
        (None, Err(_)) => Carrier::Unsure,
    }
}

/// The handler's way to stop [`alone`]'s pass at the first carrier.
#[derive(Debug, thiserror::Error)]
#[error("carrier found")]
struct Stop;

/// The tiles `tiles` of `scan` (with their slot attributes and closings) as a scan of the
/// region `bytes`, offsets from its start.
pub(super) fn rebased(
    scan: &Scan,
    tiles: std::ops::Range<usize>,
    bytes: std::ops::Range<usize>,
    stride: usize,
) -> Scan {
    let by = bytes.start;
    let shift = |r: &std::ops::Range<usize>| r.start - by..r.end - by;
    let mut out = Scan {
        tiles: scan.tiles[tiles.clone()].to_vec(),
        slot_attrs: scan.slot_attrs[tiles.start * stride..tiles.end * stride]
            .iter()
            .map(|r| r.as_ref().map(shift))
            .collect(),
        closings: scan
            .closings
            .iter()
            .filter(|(start, _)| bytes.contains(start))
            .map(|&(start, end)| (start - by, end - by))
            .collect(),
        ..Scan::default()
    };
    for tile in &mut out.tiles {
        tile.start -= by;
        tile.tag_end -= by;
        tile.end -= by;
        tile.content_end -= by;
        tile.id = tile.id.as_ref().map(shift);
        tile.carrier = tile.carrier.map(|c| c - by);
        if let Some(class) = &mut tile.class {
            class.name = shift(&class.name);
            class.value = class.value.as_ref().map(shift);
        }
    }
    out
}
