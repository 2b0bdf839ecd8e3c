//! The tiles of a document as the engine sees them, for diagnostics (`reshelf probe`): where
//! each outermost tile and its companions sit, which listing it belongs to and the id read.
//! The same scan and id reading as [`super::reorder`]; nothing is rewritten.

use super::{find, HtmlRules, Unchanged};

/// One tile, offsets into the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileSpan {
    /// Index of its listing (listings in order of their parents' start).
    pub listing: usize,
    /// Start of the tile's start tag.
    pub start: usize,
    /// End of the tile's start tag.
    pub tag_end: usize,
    /// End of the tile's own end tag (its element alone).
    pub own_end: usize,
    /// End of its last companion, or `own_end` without companions.
    pub end: usize,
    /// Start of the tile's parent element's start tag.
    pub parent: usize,
    /// The id read (`None`: the tile stays pinned in its slot).
    pub id: Option<String>,
    /// Start of the element inside the tile that carried the id attribute, if not the tile.
    pub carrier: Option<usize>,
}

/// Every outermost tile of `input` grouped by listing, in document order within each; `Err`
/// carries the reason a rewrite would give.
pub fn tiles(
    input: &[u8],
    charset: Option<&str>,
    rules: &HtmlRules,
) -> Result<Vec<Vec<TileSpan>>, Unchanged> {
    let found = find(input, usize::MAX, charset, &rules.compiled)
        .map_err(|why| Unchanged::NotListing(why.to_string()))?;
    Ok(found
        .listings()
        .into_iter()
        .enumerate()
        .map(|(listing, members)| {
            members
                .into_iter()
                .map(|i| {
                    let tile = &found.scan.tiles[i];
                    TileSpan {
                        listing,
                        start: tile.start,
                        tag_end: tile.tag_end,
                        own_end: own_end(input, tile.content_end, tile.tag_end, tile.end),
                        end: tile.end,
                        parent: tile.parent,
                        id: found.ids[i].as_deref().map(str::to_owned),
                        carrier: tile.carrier,
                    }
                })
                .collect()
        })
        .collect())
}

/// End of the tile's own end tag: the `>` after `content_end`, or `tag_end` for a void tile.
fn own_end(input: &[u8], content_end: usize, tag_end: usize, end: usize) -> usize {
    if content_end <= tag_end {
        return tag_end.min(end);
    }
    input[content_end..end]
        .iter()
        .position(|&b| b == b'>')
        .map_or(end, |i| content_end + i + 1)
}
