//! Reading each tile's product id from the bytes the scan located: decoded from the
//! document's encoding, cut by the pattern, trimmed.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8};
use regex::Regex;

use super::{scan, Rules};

/// Each tile's product id, decoded from the document's encoding and cut by the pattern.
///
/// The encoding is the header's, else (looked up only when an id is not ASCII) the `<meta>`
/// one `meta` gives, else UTF-8.
pub(super) fn read_ids<'a>(
    input: &'a [u8],
    scan: &scan::Scan,
    header: Option<&'static Encoding>,
    meta: impl FnOnce() -> Option<&'static Encoding>,
    rules: &Rules,
) -> Vec<Option<Cow<'a, str>>> {
    let ascii = scan
        .tiles
        .iter()
        .all(|t| t.id.clone().is_none_or(|r| input[r].is_ascii()));
    let encoding = match header {
        Some(encoding) => encoding,
        None if ascii => UTF_8,
        None => meta().unwrap_or(UTF_8),
    };
    let pattern = rules.pattern.as_ref();
    let mut locations = pattern.map(Regex::capture_locations);
    scan.tiles
        .iter()
        .map(|tile| {
            let raw = &input[tile.id.clone()?];
            let text = encoding.decode_without_bom_handling_and_without_replacement(raw)?;
            let id = match (pattern, locations.as_mut()) {
                (Some(re), Some(locs)) => {
                    re.captures_read(locs, &text)?;
                    let (start, end) = locs.get(1)?;
                    cut(text, start..end)
                }
                _ => text,
            };
            let trimmed = id.trim_matches(|c: char| c.is_ascii_whitespace());
            if trimmed.is_empty() {
                None
            } else if trimmed.len() == id.len() {
                Some(id)
            } else {
                Some(Cow::Owned(trimmed.to_owned()))
            }
        })
        .collect()
}

/// `text[range]`, borrowing when `text` does.
fn cut(text: Cow<'_, str>, range: std::ops::Range<usize>) -> Cow<'_, str> {
    match text {
        Cow::Borrowed(s) => Cow::Borrowed(&s[range]),
        Cow::Owned(s) => Cow::Owned(s[range].to_owned()),
    }
}
