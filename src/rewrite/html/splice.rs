//! Building the output: the input with tiles' byte ranges permuted, each moved tile's start
//! tag taking the slot-bound classes and attributes of the tile that held its new slot.

use std::ops::Range;

use super::rules::is_html_space;
use super::scan::{ClassAttr, Scan, Tile};
use super::Rules;

/// `placement[slot] = tile` for every tile (identity for tiles that stay).
pub(super) fn splice(input: &[u8], scan: &Scan, placement: &[usize], rules: &Rules) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() + 64);
    let mut cursor = 0;
    let mut edits = Vec::new();
    for (slot, &moved) in placement.iter().enumerate() {
        let here = &scan.tiles[slot];
        out.extend_from_slice(&input[cursor..here.start]);
        cursor = here.end;
        let tile = &scan.tiles[moved];
        if moved == slot {
            out.extend_from_slice(&input[tile.start..tile.end]);
            continue;
        }
        edits.clear();
        slot_edits(input, scan, rules, moved, slot, &mut edits);
        // Edits are within the start tag, in order, never overlapping.
        edits.sort_by_key(|e| e.at.start);
        let mut at = tile.start;
        for edit in &edits {
            out.extend_from_slice(&input[at..edit.at.start]);
            out.extend_from_slice(&edit.with);
            at = edit.at.end;
        }
        out.extend_from_slice(&input[at..tile.end]);
    }
    out.extend_from_slice(&input[cursor..]);
    out
}

/// Replace `at` (possibly empty: an insertion) by `with`.
struct Edit {
    at: Range<usize>,
    with: Vec<u8>,
}

/// The edits to tile `moved`'s start tag so that it carries slot `slot`'s bound markup.
fn slot_edits(
    input: &[u8],
    scan: &Scan,
    rules: &Rules,
    moved: usize,
    slot: usize,
    edits: &mut Vec<Edit>,
) {
    let (m, o) = (&scan.tiles[moved], &scan.tiles[slot]);
    let insert_at = insertion_point(input, m);
    if !rules.slot_classes.is_empty() {
        if let Some(edit) = class_edit(input, m, o, &rules.slot_classes, insert_at) {
            edits.push(edit);
        }
    }
    let stride = rules.slot_attributes.len();
    for k in 0..stride {
        let mine = scan.slot_attrs[moved * stride + k].clone();
        let theirs = scan.slot_attrs[slot * stride + k].clone();
        match (mine, theirs) {
            (Some(mine), Some(theirs)) if input[mine.clone()] != input[theirs.clone()] => {
                edits.push(Edit {
                    at: mine,
                    with: input[theirs].to_vec(),
                });
            }
            (None, Some(theirs)) => {
                let mut with = Vec::with_capacity(theirs.len() + 1);
                with.push(b' ');
                with.extend_from_slice(&input[theirs]);
                edits.push(Edit {
                    at: insert_at..insert_at,
                    with,
                });
            }
            (Some(mine), None) => {
                // Take the whitespace that separated it from what precedes.
                let mut start = mine.start;
                while start > m.start && is_html_space(input[start - 1]) {
                    start -= 1;
                }
                edits.push(Edit {
                    at: start..mine.end,
                    with: Vec::new(),
                });
            }
            _ => {}
        }
    }
}

/// Where new attributes go: before the `>` (or `/>`) closing the start tag.
fn insertion_point(input: &[u8], tile: &Tile) -> usize {
    let mut at = tile.tag_end.saturating_sub(1);
    if tile.self_closing && at > tile.start && input[at - 1] == b'/' {
        at -= 1;
    }
    at
}

/// Class tokens of `value` that are slot classes, in order.
fn slot_tokens(input: &[u8], value: &Range<usize>, slot_classes: &[Box<str>]) -> Vec<Range<usize>> {
    tokens(&input[value.clone()])
        .filter(|t| {
            let token = &input[value.start + t.start..value.start + t.end];
            slot_classes.iter().any(|c| c.as_bytes() == token)
        })
        .map(|t| value.start + t.start..value.start + t.end)
        .collect()
}

/// Ranges of the whitespace-separated tokens of `value`.
fn tokens(value: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < value.len() && is_html_space(value[i]) {
            i += 1;
        }
        if i == value.len() {
            return None;
        }
        let start = i;
        while i < value.len() && !is_html_space(value[i]) {
            i += 1;
        }
        Some(start..i)
    })
}

/// Swaps the moved tile's slot classes for those of the slot's own tile: the k-th slot token
/// is replaced in place, extra ones are dropped (the whitespace around them stays), missing ones
/// are appended. The rest of the attribute is kept byte for byte.
fn class_edit(
    input: &[u8],
    m: &Tile,
    o: &Tile,
    slot_classes: &[Box<str>],
    insert_at: usize,
) -> Option<Edit> {
    let value_of = |t: &Tile| t.class.as_ref().and_then(|c| c.value.clone());
    let mine = value_of(m).map_or_else(Vec::new, |v| slot_tokens(input, &v, slot_classes));
    let theirs = value_of(o).map_or_else(Vec::new, |v| slot_tokens(input, &v, slot_classes));
    if mine.len() == theirs.len()
        && mine
            .iter()
            .zip(&theirs)
            .all(|(a, b)| input[a.clone()] == input[b.clone()])
    {
        return None;
    }
    let theirs: Vec<&[u8]> = theirs.iter().map(|r| &input[r.clone()]).collect();
    match &m.class {
        Some(ClassAttr {
            value: Some(value),
            quoted,
            ..
        }) => {
            let new = rewrite_value(input, value, &mine, &theirs);
            let needs_quotes = !quoted && (new.is_empty() || new.iter().any(|&b| is_html_space(b)));
            let with = if needs_quotes {
                [&b"\""[..], &new, b"\""].concat()
            } else {
                new
            };
            Some(Edit {
                at: value.clone(),
                with,
            })
        }
        Some(ClassAttr {
            name, value: None, ..
        }) => Some(Edit {
            at: name.end..name.end,
            with: [&b"=\""[..], &theirs.join(&b' '), b"\""].concat(),
        }),
        None => Some(Edit {
            at: insert_at..insert_at,
            with: [&b" class=\""[..], &theirs.join(&b' '), b"\""].concat(),
        }),
    }
}

/// `value` with `mine` (token ranges inside it) replaced by `theirs`: the k-th by the k-th,
/// the surplus of `mine` dropped (their whitespace stays), the surplus of `theirs` appended.
fn rewrite_value(
    input: &[u8],
    value: &Range<usize>,
    mine: &[Range<usize>],
    theirs: &[&[u8]],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 16);
    let mut at = value.start;
    for (k, token) in mine.iter().enumerate() {
        out.extend_from_slice(&input[at..token.start]);
        if let Some(replacement) = theirs.get(k) {
            out.extend_from_slice(replacement);
        }
        at = token.end;
    }
    out.extend_from_slice(&input[at..value.end]);
    for extra in theirs.iter().skip(mine.len()) {
        if out.last().is_some_and(|&b| !is_html_space(b)) {
            out.push(b' ');
        }
        out.extend_from_slice(extra);
    }
    out
}
