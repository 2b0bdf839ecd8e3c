//! Reading a tile's first id carrier straight from its bytes, where the markup between the
//! tile's start tag and the carrier is plain enough to be certain of it.
//!
//! lol_html finds carriers with a selector (`{tiles} [attr]`, narrowed by `carriers`), and
//! every element it hands a handler costs it a re-lexed tag and boxed closures: on VTEX's
//! 12 KB shelf the carrier selector alone was ~1.5 µs of a ~30 µs rewrite. After the scan has
//! found the tiles, the carrier is the first start tag in the tile's content that carries the
//! attribute, and inside a tile that is HTML, the content is in the tokenizer's data state:
//! a few rules of the HTML tokenizer (tags and their attributes, end tags, comments, the text
//! of `<style>`, `<textarea>` and their kin) say where every start tag is. Anything outside
//! that subset (a `<script>`, `<svg>` or `<math>` element, `<!DOCTYPE` or CDATA, `<?`, an end
//! tag that may leave an SVG or MathML integration point, a tag that runs past the tile) is
//! [`Carrier::Unsure`], and the caller reads the page with lol_html's
//! carrier selector instead. Tested against lol_html's own reading (`direct_tests`).

use std::ops::Range;

use memchr::memchr;

use super::rules::is_html_space;
use super::scan::Scan;

/// What the bytes say about a tile's first carrier.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Carrier {
    /// The carrier's start tag begins at `start`; `value` is the attribute's raw value
    /// (without quotes; empty, at the name's end, for a bare attribute).
    Found { start: usize, value: Range<usize> },
    /// No element in the tile carries the attribute.
    Absent,
    /// The markup leaves the subset this reader is certain of.
    Unsure,
}

/// Elements whose content the tokenizer reads as text up to their own end tag (RCDATA and
/// RAWTEXT, as lol_html switches them).
const TEXT_ELEMENTS: [&[u8]; 8] = [
    b"title",
    b"textarea",
    b"style",
    b"iframe",
    b"xmp",
    b"noembed",
    b"noframes",
    b"noscript",
];

/// Elements whose content follows other rules: script data (with its escapes), plaintext
/// (never ends), foreign content (CDATA sections, no text elements).
const OTHER_RULES: [&[u8]; 4] = [b"script", b"plaintext", b"svg", b"math"];

/// Elements whose end tag leaves an SVG or MathML integration point (lol_html's
/// `check_integration_point_exit`).
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

/// Whether the content of an HTML element named `name` is in the data state, so that
/// [`first_carrier`] can read it.
pub(super) fn readable_content(name: &[u8]) -> bool {
    !is_one_of(name, &TEXT_ELEMENTS) && !is_one_of(name, &OTHER_RULES)
}

/// The first start tag in `input[from..to]` (in the data state) with the attribute `attr`
/// (ASCII-lowercase), as lol_html would tokenize those bytes.
pub(super) fn first_carrier(input: &[u8], from: usize, to: usize, attr: &[u8]) -> Carrier {
    let bytes = &input[..to];
    let mut at = from;
    while let Some(offset) = memchr(b'<', &bytes[at..]) {
        let open = at + offset;
        at = match bytes.get(open + 1) {
            Some(b) if b.is_ascii_alphabetic() => {
                let Some(tag) = tag(bytes, open + 1, attr) else {
                    return Carrier::Unsure;
                };
                if let Some(value) = tag.found {
                    return Carrier::Found { start: open, value };
                }
                let name = &bytes[tag.name];
                if is_one_of(name, &OTHER_RULES) {
                    return Carrier::Unsure;
                }
                if is_one_of(name, &TEXT_ELEMENTS) {
                    // lol_html leaves such a tag in the data state or in the element's text
                    // state depending on how it lexed it.
                    if tag.value_cut {
                        return Carrier::Unsure;
                    }
                    match text_end(bytes, tag.end, name) {
                        Some(end_tag) => end_tag,
                        None => return Carrier::Unsure,
                    }
                } else {
                    tag.end
                }
            }
            Some(b'/') => match bytes.get(open + 2) {
                Some(b) if b.is_ascii_alphabetic() => match tag(bytes, open + 2, attr) {
                    // Ending one of these can take lol_html back into foreign content when
                    // the tile sits in an SVG or MathML integration point.
                    Some(tag) if is_one_of(&bytes[tag.name.clone()], &INTEGRATION_POINTS) => {
                        return Carrier::Unsure
                    }
                    Some(tag) => tag.end,
                    None => return Carrier::Unsure,
                },
                // `</>` is dropped; anything else is a bogus comment, left to lol_html.
                Some(b'>') => open + 3,
                _ => return Carrier::Unsure,
            },
            Some(b'!') if bytes[open..].starts_with(b"<!--") => {
                match comment_end(bytes, open + 4) {
                    Some(end) => end,
                    None => return Carrier::Unsure,
                }
            }
            // Doctypes, CDATA and bogus comments are too rare inside tiles to be worth it.
            Some(b'!' | b'?') | None => return Carrier::Unsure,
            Some(_) => open + 1,
        };
    }
    Carrier::Absent
}

/// A tag read from its name on.
struct Tag {
    name: Range<usize>,
    /// The value of the first attribute named `attr`.
    found: Option<Range<usize>>,
    /// After its `>`.
    end: usize,
    /// An `=` was followed by the tag's `>` (a missing attribute value).
    value_cut: bool,
}

/// Reads the tag whose name starts at `start` (the tag name, then the before/after attribute
/// name, attribute name and value states of the tokenizer); `None` if it does not end before
/// `bytes` does.
fn tag(bytes: &[u8], start: usize, attr: &[u8]) -> Option<Tag> {
    let delimits = |b: u8| is_html_space(b) || b == b'/' || b == b'>';
    let mut at = start + super::tag_name(&bytes[start..]).len();
    let name = start..at;
    let mut found = None;
    let mut value_cut = false;
    loop {
        // Before attribute name: whitespace and a `/` not followed by `>` are skipped.
        match *bytes.get(at)? {
            b if is_html_space(b) || b == b'/' && bytes.get(at + 1) != Some(&b'>') => {
                at += 1;
                continue;
            }
            // `/>` or `>`.
            b @ (b'/' | b'>') => {
                return Some(Tag {
                    name,
                    found,
                    end: at + if b == b'/' { 2 } else { 1 },
                    value_cut,
                })
            }
            _ => {}
        }
        // Attribute name: its first byte may be `=`.
        let name_start = at;
        at += 1;
        at += bytes[at..].iter().position(|&b| delimits(b) || b == b'=')?;
        let attr_name = name_start..at;
        // After attribute name.
        while is_html_space(*bytes.get(at)?) {
            at += 1;
        }
        let mut value = attr_name.end..attr_name.end;
        if bytes[at] == b'=' {
            at += 1;
            while is_html_space(*bytes.get(at)?) {
                at += 1;
            }
            match bytes[at] {
                quote @ (b'"' | b'\'') => {
                    let close = at + 1 + memchr(quote, &bytes[at + 1..])?;
                    value = at + 1..close;
                    at = close + 1;
                }
                // A missing value (lol_html reports none): the `>` ends the tag.
                b'>' => value_cut = true,
                _ => {
                    let end = at
                        + bytes[at..]
                            .iter()
                            .position(|&b| is_html_space(b) || b == b'>')?;
                    value = at..end;
                    at = end;
                }
            }
        }
        if found.is_none() && bytes[attr_name].eq_ignore_ascii_case(attr) {
            found = Some(value);
        }
    }
}

/// The start of the end tag that closes the text of element `name`, searched from `at`: `</`,
/// the name in any case, then whitespace, `/` or `>`.
fn text_end(bytes: &[u8], mut at: usize, name: &[u8]) -> Option<usize> {
    loop {
        let open = at + memchr(b'<', &bytes[at..])?;
        let after = open + 2 + name.len();
        if bytes.get(open + 1) == Some(&b'/')
            && bytes
                .get(open + 2..after)
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
            && bytes
                .get(after)
                .is_some_and(|&b| is_html_space(b) || b == b'/' || b == b'>')
        {
            return Some(open);
        }
        at = open + 1;
    }
}

/// The end of the comment whose text starts at `at` (after `<!--`): `<!-->` and `<!--->` are
/// empty comments, otherwise the first `-->` or `--!>` ends it.
fn comment_end(bytes: &[u8], at: usize) -> Option<usize> {
    let text = &bytes[at..];
    if text.starts_with(b">") {
        return Some(at + 1);
    }
    if text.starts_with(b"->") {
        return Some(at + 2);
    }
    let mut from = 0;
    loop {
        let gt = from + memchr(b'>', &text[from..])?;
        let before = &text[..gt];
        if before.ends_with(b"--") || before.ends_with(b"--!") {
            return Some(at + gt + 1);
        }
        from = gt + 1;
    }
}

fn is_one_of(name: &[u8], list: &[&[u8]]) -> bool {
    list.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Reads the carrier of every tile of `scan` that has no id of its own; `false` (the scan
/// partly updated) if any tile leaves the subset, and the page must be read with lol_html's
/// carrier selector.
pub(super) fn read_carriers(input: &[u8], scan: &mut Scan, attr: &[u8]) -> bool {
    for tile in &mut scan.tiles {
        // An unclosed tile fails the page anyway (see `check_closed`).
        if tile.id.is_some() || tile.end == usize::MAX {
            continue;
        }
        if !tile.readable {
            return false;
        }
        match first_carrier(input, tile.tag_end, tile.content_end, attr) {
            Carrier::Found { start, value } => {
                tile.id = Some(value);
                tile.carrier = Some(start);
            }
            Carrier::Absent => {}
            Carrier::Unsure => return false,
        }
    }
    true
}

#[cfg(test)]
#[path = "direct_tests.rs"]
mod tests;
