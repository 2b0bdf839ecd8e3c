//! One streaming pass of lol_html over the document that records where the tiles are: byte
//! ranges of each outermost tile (with its companions), its parent, where its product id,
//! class and slot attributes sit. Nothing is copied; every record is an offset into the input.
//!
//! lol_html keeps a stack of open elements for selector matching; the handlers here follow it
//! with a few counters: the open tile, open `<template>`s and the open parent candidates.

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use lol_html::html_content::{Element, EndTag};
use lol_html::{
    AsciiCompatibleEncoding, ElementContentHandlers, EndTagHandler, HandlerResult, HtmlRewriter,
    MemorySettings, Selector, Settings,
};

use super::rules::is_html_space;
use super::Rules;

/// Cap on lol_html's own buffers (a tag split across reads, the open-element stack), in bytes.
/// Well above any real page's needs; a document that exceeds it is left unchanged.
pub(super) const MEMORY_LIMIT: usize = 16 << 20;

/// Tiles a listing page often has (Shopify shows 24-50 per page), for presizing.
const TYPICAL_TILES: usize = 32;

/// What lol_html's `namespace_uri` says of HTML elements.
const HTML_NAMESPACE: &str = "http://www.w3.org/1999/xhtml";

/// Marks a tile whose end tag has not been seen.
const OPEN: usize = usize::MAX;

/// An outermost tile, offsets into the input.
#[derive(Debug, Clone)]
pub(super) struct Tile {
    /// Start of the start tag (`<`).
    pub start: usize,
    /// End of the start tag (after `>`).
    pub tag_end: usize,
    /// End of the tile's end tag, or of its last companion's.
    pub end: usize,
    /// Start of the tile's own end tag (= `tag_end` for a void tile).
    pub content_end: usize,
    /// Start offset of the parent element: tiles with the same key form one listing.
    pub parent: usize,
    /// The start tag ends in `/>`.
    pub self_closing: bool,
    /// Raw value of the product id attribute (on the tile or its first carrier inside).
    pub id: Option<Range<usize>>,
    /// Start of the element inside the tile that carried the id; `None` when the tile itself
    /// carries it or none was found.
    pub carrier: Option<usize>,
    /// The tile's own `class` attribute.
    pub class: Option<ClassAttr>,
    /// An HTML element whose own name leaves its content in the tokenizer's data state, a
    /// precondition for reading its carrier from its bytes (`direct` checks the rest).
    pub readable: bool,
}

/// Where a tile's `class` attribute sits.
#[derive(Debug, Clone)]
pub(super) struct ClassAttr {
    /// The attribute name.
    pub name: Range<usize>,
    /// The value without quotes; `None` for a bare `class`.
    pub value: Option<Range<usize>>,
    /// Whether the value is in quotes.
    pub quoted: bool,
}

/// What the scan found.
#[derive(Debug, Default)]
pub(super) struct Scan {
    /// Outermost tiles in document order.
    pub tiles: Vec<Tile>,
    /// `slot_attributes.len()` entries per tile: each attribute's whole span (name to closing
    /// quote), `None` when the tile's start tag lacks it.
    pub slot_attrs: Vec<Option<Range<usize>>>,
    /// Start of each tile's or companion's start tag and of the end tag that closed it; the
    /// names must agree, or lol_html closed the element implicitly.
    pub closings: Vec<(usize, usize)>,
    /// Tile (or its companion) currently open, and whether it is the tile itself.
    open: Option<(usize, bool)>,
    /// Start offsets of the open elements that could be a tile's parent.
    parents: Vec<usize>,
    /// Open `<template>` elements: their content is inert and never holds tiles.
    templates: usize,
}

type Shared = Rc<RefCell<Scan>>;

/// Runs lol_html over `input`, fed in pieces of `chunk` bytes; `carriers` selects the
/// elements inside tiles that may carry the id (`None`: read ids from tiles only).
///
/// lol_html's encoding matters little here: every encoding it supports is ASCII-compatible,
/// so tags sit at the same bytes in all of them. It is told the header's charset when there
/// is one; a `<meta>` charset is only looked up when an id needs decoding (`meta`).
pub(super) fn scan(
    input: &[u8],
    chunk: usize,
    encoding: Option<AsciiCompatibleEncoding>,
    rules: &Rules,
    carriers: Option<&Selector>,
) -> Result<Scan, lol_html::errors::RewritingError> {
    let stride = rules.slot_attributes.len();
    // Room for a typical listing up front: growing these one push at a time was a visible
    // share of a small page's time (VTEX's 12 KB shelf).
    let state: Shared = Rc::new(RefCell::new(Scan {
        tiles: Vec::with_capacity(TYPICAL_TILES),
        slot_attrs: Vec::with_capacity(TYPICAL_TILES * stride),
        closings: Vec::with_capacity(2 * TYPICAL_TILES),
        parents: Vec::with_capacity(4),
        ..Scan::default()
    }));
    let mut settings = Settings::new()
        .with_encoding(encoding.unwrap_or_else(AsciiCompatibleEncoding::utf_8))
        .with_memory_settings(MemorySettings::new().with_max_allowed_memory_usage(MEMORY_LIMIT));

    let s = state.clone();
    let templates = move |el: &mut Element<'_, '_>| {
        s.borrow_mut().templates += 1;
        let s = s.clone();
        on_end(el, move |_| {
            let mut s = s.borrow_mut();
            s.templates = s.templates.saturating_sub(1);
        })
    };

    let s = state.clone();
    let tiles = move |el: &mut Element<'_, '_>| {
        let mut scan = s.borrow_mut();
        if scan.templates > 0 || scan.open.is_some() {
            // Inert template content, or a tile nested in a tile (only outermost ones move).
            return Ok(());
        }
        let loc = el.source_location().bytes();
        let mut tile = Tile {
            start: loc.start,
            tag_end: loc.end,
            end: OPEN,
            content_end: loc.end,
            parent: scan.parents.last().copied().unwrap_or(OPEN),
            self_closing: el.is_self_closing(),
            id: None,
            carrier: None,
            class: None,
            readable: el.namespace_uri() == HTML_NAMESPACE
                && super::direct::readable_content(super::tag_name(&input[loc.start + 1..])),
        };
        let slots = scan.slot_attrs.len();
        scan.slot_attrs.resize(slots + stride, None);
        for attr in el.attributes() {
            let Some(name) = attr.name_source_location().map(|l| l.bytes()) else {
                continue;
            };
            let value = attr.value_source_location().map(|l| l.bytes());
            let name_bytes = &input[name.clone()];
            if tile.id.is_none() && name_bytes.eq_ignore_ascii_case(rules.product_id.as_bytes()) {
                tile.id = Some(value.clone().unwrap_or(name.end..name.end));
            }
            if tile.class.is_none() && name_bytes.eq_ignore_ascii_case(b"class") {
                let quoted = value.as_ref().is_some_and(|v| is_quoted(input, v));
                tile.class = Some(ClassAttr {
                    name: name.clone(),
                    value: value.clone(),
                    quoted,
                });
            }
            for (k, slot_name) in rules.slot_attributes.iter().enumerate() {
                let cell = &mut scan.slot_attrs[slots + k];
                if cell.is_none() && name_bytes.eq_ignore_ascii_case(slot_name.as_bytes()) {
                    let end = match &value {
                        Some(v) if is_quoted(input, v) => v.end + 1,
                        Some(v) => v.end,
                        None => name.end,
                    };
                    *cell = Some(name.start..end);
                }
            }
        }
        let index = scan.tiles.len();
        let open = el.can_have_content();
        if !open {
            tile.end = loc.end;
        } else if let Some(end) = closed_at_once(input, loc.start, loc.end) {
            tile.end = end;
            scan.closings.push((loc.start, loc.end));
        }
        let closed = tile.end != OPEN;
        scan.tiles.push(tile);
        drop(scan);
        if !closed {
            s.borrow_mut().open = Some((index, true));
            return close_unit(el, &s, index, loc.start);
        }
        Ok(())
    };

    let s = state.clone();
    let companions = move |el: &mut Element<'_, '_>| {
        let mut scan = s.borrow_mut();
        if scan.templates > 0 || scan.open.is_some() {
            return Ok(());
        }
        let loc = el.source_location().bytes();
        let index = scan.tiles.len().wrapping_sub(1);
        let Some(last) = scan.tiles.last_mut() else {
            return Ok(());
        };
        // The element is a tile itself, or something other than whitespace separates it from
        // the tile (or from the tile's previous companion).
        if last.start == loc.start
            || last.end > loc.start
            || !input[last.end..loc.start].iter().all(|&b| is_html_space(b))
        {
            return Ok(());
        }
        if !el.can_have_content() {
            last.end = loc.end;
            return Ok(());
        }
        if let Some(end) = closed_at_once(input, loc.start, loc.end) {
            last.end = end;
            scan.closings.push((loc.start, loc.end));
            return Ok(());
        }
        scan.open = Some((index, false));
        drop(scan);
        close_unit(el, &s, index, loc.start)
    };

    let s = state.clone();
    let parents = move |el: &mut Element<'_, '_>| {
        if !el.can_have_content() {
            return Ok(());
        }
        let mut scan = s.borrow_mut();
        let depth = scan.parents.len();
        scan.parents.push(el.source_location().bytes().start);
        drop(scan);
        let s = s.clone();
        // lol_html pops every element above this one with the same end tag, so the stack is
        // cut back to this element's depth.
        on_end(el, move |_| s.borrow_mut().parents.truncate(depth))
    };

    let s = state.clone();
    let id_carriers = move |el: &mut Element<'_, '_>| {
        let mut scan = s.borrow_mut();
        let Some((index, true)) = scan.open else {
            return Ok(());
        };
        if scan.tiles[index].id.is_some() {
            return Ok(());
        }
        for attr in el.attributes() {
            let Some(name) = attr.name_source_location().map(|l| l.bytes()) else {
                continue;
            };
            if input[name.clone()].eq_ignore_ascii_case(rules.product_id.as_bytes()) {
                let value = attr.value_source_location().map(|l| l.bytes());
                let tile = &mut scan.tiles[index];
                tile.id = Some(value.unwrap_or(name.end..name.end));
                tile.carrier = Some(el.source_location().bytes().start);
                break;
            }
        }
        Ok(())
    };

    use std::borrow::Cow::Borrowed;
    settings = settings
        .append_element_content_handler((
            Borrowed(&rules.template),
            ElementContentHandlers::default().element(templates),
        ))
        .append_element_content_handler((
            Borrowed(&rules.tiles),
            ElementContentHandlers::default().element(tiles),
        ));
    if let Some(selector) = &rules.companions {
        settings = settings.append_element_content_handler((
            Borrowed(selector),
            ElementContentHandlers::default().element(companions),
        ));
    }
    settings = settings.append_element_content_handler((
        Borrowed(&rules.parents),
        ElementContentHandlers::default().element(parents),
    ));
    if let Some(selector) = carriers {
        settings = settings.append_element_content_handler((
            Borrowed(selector),
            ElementContentHandlers::default().element(id_carriers),
        ));
    }

    // The output is not needed: the caller splices the original bytes.
    let mut rewriter = HtmlRewriter::new(settings, |_: &[u8]| {});
    for piece in input.chunks(chunk.max(1)) {
        rewriter.write(piece)?;
    }
    rewriter.end()?;
    let scan = std::mem::take(&mut *state.borrow_mut());
    Ok(scan)
}

/// The end of the end tag, when the element whose start tag spans `start..tag_end` is closed
/// by its own end tag right after it (`<li class=x></li>`, as VTEX's companions are).
///
/// Such an element needs no end tag handler, each of which costs lol_html a re-lexed end tag
/// and a boxed closure. Exact: after a start tag lol_html is in the data, RCDATA, RAWTEXT or
/// script data state, and in each `</name>` for the element's own name ends it (in the last
/// three it is the appropriate end tag; in data it pops the element, being the innermost open
/// element of that name). PLAINTEXT never ends, hence excluded; names are limited to ASCII
/// letters, digits and `-` so that a byte comparison is lol_html's name comparison.
fn closed_at_once(input: &[u8], start: usize, tag_end: usize) -> Option<usize> {
    let name = super::tag_name(&input[start + 1..tag_end]);
    let plain = name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-');
    if name.is_empty() || !plain || name.eq_ignore_ascii_case(b"plaintext") {
        return None;
    }
    let after = &input[tag_end..];
    let end = 2 + name.len() + 1;
    let closes = after.len() >= end
        && after.starts_with(b"</")
        && after[2..2 + name.len()].eq_ignore_ascii_case(name)
        && after[end - 1] == b'>';
    closes.then_some(tag_end + end)
}

/// Registers the end tag handler that closes tile `index` (or its companion).
fn close_unit(el: &mut Element<'_, '_>, s: &Shared, index: usize, start: usize) -> HandlerResult {
    let s = s.clone();
    on_end(el, move |end: &mut EndTag<'_>| {
        let at = end.source_location().bytes();
        let mut scan = s.borrow_mut();
        let tile = &mut scan.tiles[index];
        if tile.start == start {
            tile.content_end = at.start;
        }
        tile.end = at.end;
        scan.closings.push((start, at.start));
        scan.open = None;
    })
}

fn on_end(el: &mut Element<'_, '_>, f: impl FnOnce(&mut EndTag<'_>) + 'static) -> HandlerResult {
    let handler: EndTagHandler<'static> = Box::new(move |end: &mut EndTag<'_>| {
        f(end);
        Ok(())
    });
    el.on_end_tag(handler)
}

/// True if the byte before the value is the quote that also follows it.
fn is_quoted(input: &[u8], value: &Range<usize>) -> bool {
    value.start > 0
        && matches!(input[value.start - 1], b'"' | b'\'')
        && input.get(value.end) == Some(&input[value.start - 1])
}
