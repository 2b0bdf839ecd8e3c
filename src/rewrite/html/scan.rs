//! One streaming pass of lol_html over the document that records where the tiles are: byte
//! ranges of each outermost tile (with its companions), its parent, where its product id,
//! class and slot attributes sit. Nothing is copied; every record is an offset into the input.
//!
//! lol_html keeps a stack of open elements for selector matching; the handlers here follow it
//! with a few counters: the open tile, open `<template>`s and the open parent candidates.
//! What each handler does is a method of [`Scan`] (`record`), so that the streaming engine
//! (`stream`), whose handlers must be `Send`, records exactly what this pass records.

use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

use lol_html::html_content::{Element, EndTag};
use lol_html::{
    AsciiCompatibleEncoding, ElementContentHandlers, EndTagHandler, HandlerResult, HtmlRewriter,
    MemorySettings, Selector, Settings,
};

use super::record::Doc;
use super::Rules;

/// Cap on lol_html's own buffers (a tag split across reads, the open-element stack), in bytes.
/// Well above any real page's needs; a document that exceeds it is left unchanged.
pub(super) const MEMORY_LIMIT: usize = 16 << 20;

/// Marks a tile whose end tag has not been seen.
pub(super) const OPEN: usize = usize::MAX;

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
    pub(super) open: Option<(usize, bool)>,
    /// Start offsets of the open elements that could be a tile's parent.
    pub(super) parents: Vec<usize>,
    /// Open `<template>` elements: their content is inert and never holds tiles.
    pub(super) templates: usize,
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
    let doc = Doc::whole(input);
    let state: Shared = Rc::new(RefCell::new(Scan::with_capacity(
        rules.slot_attributes.len(),
    )));
    let mut settings = Settings::new()
        .with_encoding(encoding.unwrap_or_else(AsciiCompatibleEncoding::utf_8))
        .with_memory_settings(MemorySettings::new().with_max_allowed_memory_usage(MEMORY_LIMIT));

    let s = state.clone();
    let templates = move |el: &mut Element<'_, '_>| {
        s.borrow_mut().template_start();
        let s = s.clone();
        on_end(el, move |_| s.borrow_mut().template_end())
    };

    let s = state.clone();
    let tiles = move |el: &mut Element<'_, '_>| {
        let open = s.borrow_mut().tile_start(doc, rules, el);
        match open {
            Some(index) => close_unit(el, &s, index),
            None => Ok(()),
        }
    };

    let s = state.clone();
    let companions = move |el: &mut Element<'_, '_>| {
        let open = s.borrow_mut().companion_start(doc, el);
        match open {
            Some(index) => close_unit(el, &s, index),
            None => Ok(()),
        }
    };

    let s = state.clone();
    let parents = move |el: &mut Element<'_, '_>| {
        if !el.can_have_content() {
            return Ok(());
        }
        let depth = s
            .borrow_mut()
            .parent_start(el.source_location().bytes().start);
        let s = s.clone();
        on_end(el, move |_| s.borrow_mut().parent_end(depth))
    };

    let s = state.clone();
    let id_carriers = move |el: &mut Element<'_, '_>| {
        s.borrow_mut().carrier(doc, rules, el);
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

/// Registers the end tag handler that closes tile `index` (or its companion).
fn close_unit(el: &mut Element<'_, '_>, s: &Shared, index: usize) -> HandlerResult {
    let s = s.clone();
    let start = el.source_location().bytes().start;
    on_end(el, move |end: &mut EndTag<'_>| {
        s.borrow_mut()
            .unit_end(index, start, end.source_location().bytes())
    })
}

fn on_end(el: &mut Element<'_, '_>, f: impl FnOnce(&mut EndTag<'_>) + 'static) -> HandlerResult {
    let handler: EndTagHandler<'static> = Box::new(move |end: &mut EndTag<'_>| {
        f(end);
        Ok(())
    });
    el.on_end_tag(handler)
}
