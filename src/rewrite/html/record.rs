//! What the scan's handlers record, as methods of [`Scan`]: the buffered pass (`scan`) and
//! the streaming one (`stream`, whose handlers must be `Send`) call the same code, so they
//! record the same tiles.

use std::ops::Range;

use lol_html::html_content::Element;
use lol_html::HandlerTypes;

use super::rules::is_html_space;
use super::scan::{ClassAttr, Scan, Tile, OPEN};
use super::Rules;

/// Tiles a listing page often has (Shopify shows 24-50 per page), for presizing.
const TYPICAL_TILES: usize = 32;

/// What lol_html's `namespace_uri` says of HTML elements.
const HTML_NAMESPACE: &str = "http://www.w3.org/1999/xhtml";

/// The document's bytes a handler reads: `bytes` start at offset `base` of the document and
/// reach at least to the end of the tag being handled (the streaming engine holds no more).
#[derive(Debug, Clone, Copy)]
pub(super) struct Doc<'a> {
    pub bytes: &'a [u8],
    pub base: usize,
}

impl<'a> Doc<'a> {
    /// The whole document.
    pub fn whole(bytes: &'a [u8]) -> Self {
        Self { bytes, base: 0 }
    }

    fn at(&self, range: Range<usize>) -> &'a [u8] {
        &self.bytes[range.start - self.base..range.end - self.base]
    }

    /// From `start` to the end of what is there.
    fn from(&self, start: usize) -> &'a [u8] {
        &self.bytes[start - self.base..]
    }

    fn byte(&self, at: usize) -> Option<u8> {
        at.checked_sub(self.base)
            .and_then(|i| self.bytes.get(i))
            .copied()
    }
}

impl Scan {
    /// Room for a typical listing up front: growing these one push at a time was a visible
    /// share of a small page's time (VTEX's 12 KB shelf).
    pub(super) fn with_capacity(stride: usize) -> Self {
        Scan {
            tiles: Vec::with_capacity(TYPICAL_TILES),
            slot_attrs: Vec::with_capacity(TYPICAL_TILES * stride),
            closings: Vec::with_capacity(2 * TYPICAL_TILES),
            parents: Vec::with_capacity(4),
            ..Scan::default()
        }
    }

    /// A `<template>` opened: tiles inside it are inert until its end.
    pub(super) fn template_start(&mut self) {
        self.templates += 1;
    }

    pub(super) fn template_end(&mut self) {
        self.templates = self.templates.saturating_sub(1);
    }

    /// A tile's start tag: records it (unless it is inert or nested in a tile); returns the
    /// tile's index when its end tag must be handled ([`Scan::unit_end`]).
    pub(super) fn tile_start<H: HandlerTypes>(
        &mut self,
        doc: Doc<'_>,
        rules: &Rules,
        el: &Element<'_, '_, H>,
    ) -> Option<usize> {
        if self.templates > 0 || self.open.is_some() {
            // Inert template content, or a tile nested in a tile (only outermost ones move).
            return None;
        }
        let stride = rules.slot_attributes.len();
        let loc = el.source_location().bytes();
        let mut tile = Tile {
            start: loc.start,
            tag_end: loc.end,
            end: OPEN,
            content_end: loc.end,
            parent: self.parents.last().copied().unwrap_or(OPEN),
            self_closing: el.is_self_closing(),
            id: None,
            carrier: None,
            class: None,
            readable: el.namespace_uri() == HTML_NAMESPACE
                && super::direct::readable_content(super::tag_name(doc.from(loc.start + 1))),
        };
        let slots = self.slot_attrs.len();
        self.slot_attrs.resize(slots + stride, None);
        for attr in el.attributes() {
            let Some(name) = attr.name_source_location().map(|l| l.bytes()) else {
                continue;
            };
            let value = attr.value_source_location().map(|l| l.bytes());
            let name_bytes = doc.at(name.clone());
            if tile.id.is_none() && name_bytes.eq_ignore_ascii_case(rules.product_id.as_bytes()) {
                tile.id = Some(value.clone().unwrap_or(name.end..name.end));
            }
            if tile.class.is_none() && name_bytes.eq_ignore_ascii_case(b"class") {
                let quoted = value.as_ref().is_some_and(|v| is_quoted(doc, v));
                tile.class = Some(ClassAttr {
                    name: name.clone(),
                    value: value.clone(),
                    quoted,
                });
            }
            for (k, slot_name) in rules.slot_attributes.iter().enumerate() {
                let cell = &mut self.slot_attrs[slots + k];
                if cell.is_none() && name_bytes.eq_ignore_ascii_case(slot_name.as_bytes()) {
                    let end = match &value {
                        Some(v) if is_quoted(doc, v) => v.end + 1,
                        Some(v) => v.end,
                        None => name.end,
                    };
                    *cell = Some(name.start..end);
                }
            }
        }
        let index = self.tiles.len();
        if !el.can_have_content() {
            tile.end = loc.end;
        } else if let Some(end) = closed_at_once(doc, loc.start, loc.end) {
            tile.end = end;
            self.closings.push((loc.start, loc.end));
        }
        let closed = tile.end != OPEN;
        self.tiles.push(tile);
        if closed {
            return None;
        }
        self.open = Some((index, true));
        Some(index)
    }

    /// A companion's start tag: extends the last tile if only whitespace separates them;
    /// returns the tile's index when the companion's end tag must be handled.
    pub(super) fn companion_start<H: HandlerTypes>(
        &mut self,
        doc: Doc<'_>,
        el: &Element<'_, '_, H>,
    ) -> Option<usize> {
        if self.templates > 0 || self.open.is_some() {
            return None;
        }
        let loc = el.source_location().bytes();
        let index = self.tiles.len().wrapping_sub(1);
        let last = self.tiles.last_mut()?;
        // The element is a tile itself, or something other than whitespace separates it from
        // the tile (or from the tile's previous companion).
        if last.start == loc.start
            || last.end > loc.start
            || !doc
                .at(last.end..loc.start)
                .iter()
                .all(|&b| is_html_space(b))
        {
            return None;
        }
        if !el.can_have_content() {
            last.end = loc.end;
            return None;
        }
        if let Some(end) = closed_at_once(doc, loc.start, loc.end) {
            last.end = end;
            self.closings.push((loc.start, loc.end));
            return None;
        }
        self.open = Some((index, false));
        Some(index)
    }

    /// The end tag `at` closed tile `index` (or its companion) whose start tag began at
    /// `start`.
    pub(super) fn unit_end(&mut self, index: usize, start: usize, at: Range<usize>) {
        let tile = &mut self.tiles[index];
        if tile.start == start {
            tile.content_end = at.start;
        }
        tile.end = at.end;
        self.closings.push((start, at.start));
        self.open = None;
    }

    /// A parent candidate opened at `start`; returns the depth to cut the stack back to at
    /// its end ([`Scan::parent_end`]).
    pub(super) fn parent_start(&mut self, start: usize) -> usize {
        let depth = self.parents.len();
        self.parents.push(start);
        depth
    }

    /// lol_html pops every element above a closed one with the same end tag, so the stack is
    /// cut back to that element's depth.
    pub(super) fn parent_end(&mut self, depth: usize) {
        self.parents.truncate(depth);
    }

    /// An element inside a tile that may carry the id: the open tile takes the first one.
    pub(super) fn carrier<H: HandlerTypes>(
        &mut self,
        doc: Doc<'_>,
        rules: &Rules,
        el: &Element<'_, '_, H>,
    ) {
        let Some((index, true)) = self.open else {
            return;
        };
        if self.tiles[index].id.is_some() {
            return;
        }
        for attr in el.attributes() {
            let Some(name) = attr.name_source_location().map(|l| l.bytes()) else {
                continue;
            };
            if doc
                .at(name.clone())
                .eq_ignore_ascii_case(rules.product_id.as_bytes())
            {
                let value = attr.value_source_location().map(|l| l.bytes());
                let tile = &mut self.tiles[index];
                tile.id = Some(value.unwrap_or(name.end..name.end));
                tile.carrier = Some(el.source_location().bytes().start);
                break;
            }
        }
    }
}

/// The end of the end tag, when the element whose start tag spans `start..tag_end` is closed
/// by its own end tag right after it (`<li class=x></li>`, as VTEX's companions are).
///
/// Such an element needs no end tag handler, each of which costs lol_html a re-lexed end tag
/// and a boxed closure. Exact: after a start tag lol_html is in the data, RCDATA, RAWTEXT or
/// script data state, and in each `</name>` for the element's own name ends it (in the last
/// three it is the appropriate end tag; in data it pops the element, being the innermost open
/// element of that name). PLAINTEXT never ends, hence excluded; names are limited to ASCII
/// letters, digits and `-` so that a byte comparison is lol_html's name comparison. Bytes not
/// there yet (a stream cut after the start tag) mean `None`: the end tag handler decides.
fn closed_at_once(doc: Doc<'_>, start: usize, tag_end: usize) -> Option<usize> {
    let name = super::tag_name(doc.at(start + 1..tag_end));
    let plain = name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-');
    if name.is_empty() || !plain || name.eq_ignore_ascii_case(b"plaintext") {
        return None;
    }
    let after = doc.from(tag_end);
    let end = 2 + name.len() + 1;
    let closes = after.len() >= end
        && after.starts_with(b"</")
        && after[2..2 + name.len()].eq_ignore_ascii_case(name)
        && after[end - 1] == b'>';
    closes.then_some(tag_end + end)
}

/// True if the byte before the value is the quote that also follows it.
fn is_quoted(doc: Doc<'_>, value: &Range<usize>) -> bool {
    let quote = value.start.checked_sub(1).and_then(|i| doc.byte(i));
    matches!(quote, Some(b'"' | b'\'')) && doc.byte(value.end) == quote
}
