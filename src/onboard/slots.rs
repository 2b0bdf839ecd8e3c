//! Markup that belongs to a tile's position, not its product, and siblings that travel with
//! a tile: class tokens such as `first`/`last` (every k-th tile) or `item--N` (N following the
//! position), attributes whose number follows the position (`style="--animation-order: N"`),
//! and the element that follows every tile (VTEX's `li.helperComplement`).
//!
//! May depend on `dom` and `tiles` (the listings it looks at); nothing else in the crate.

use std::collections::BTreeMap;

use super::dom::{is_plain, Dom};
use super::tiles::Listing;

/// Class tokens named for a position in a row or grid.
const POSITION_NAMES: &[&str] = &[
    "first",
    "last",
    "first-in-row",
    "last-in-row",
    "alpha",
    "omega",
    "odd",
    "even",
    "end",
    "clear",
    "row-first",
    "row-last",
];

/// A class token or attribute that follows position, with why it looks so.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SlotMark {
    pub name: String,
    pub why: String,
}

/// Class tokens of the tiles that follow their position rather than their product.
pub fn slot_classes(dom: &Dom, listings: &[Listing]) -> Vec<SlotMark> {
    let mut out: Vec<SlotMark> = Vec::new();
    let push = |name: &str, why: String, out: &mut Vec<SlotMark>| {
        if !out.iter().any(|m| m.name == name) {
            out.push(SlotMark {
                name: name.to_owned(),
                why,
            });
        }
    };
    for listing in listings {
        let n = listing.tiles.len();
        let mut positions: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (slot, &tile) in listing.tiles.iter().enumerate() {
            for token in dom.nodes[tile].classes() {
                positions.entry(token).or_default().push(slot);
            }
        }
        // Numbered tokens: one per tile, the number = slot + a constant.
        let mut numbered: BTreeMap<&str, Vec<(usize, i64, &str)>> = BTreeMap::new();
        for (&token, slots) in &positions {
            let stem = token.trim_end_matches(|c: char| c.is_ascii_digit());
            if stem.len() < token.len() && !stem.is_empty() && slots.len() == 1 {
                if let Ok(number) = token[stem.len()..].parse::<i64>() {
                    numbered
                        .entry(stem)
                        .or_default()
                        .push((slots[0], number, token));
                }
            }
        }
        for (stem, found) in numbered {
            let offset = found[0].1 - found[0].0 as i64;
            if found.len() == n && n >= 2 && found.iter().all(|(s, v, _)| v - *s as i64 == offset) {
                for (_, _, token) in found {
                    push(
                        token,
                        format!("`{stem}N` numbers the tiles by position"),
                        &mut out,
                    );
                }
            }
        }
        for (&token, slots) in &positions {
            if slots.len() == n || !is_plain(token) {
                continue;
            }
            if POSITION_NAMES.contains(&token) {
                push(
                    token,
                    format!("on tiles {} of {n}: a position's name", list(slots)),
                    &mut out,
                );
            } else if let Some(period) = periodic(slots, n) {
                push(
                    token,
                    format!(
                        "on every {period}th tile (tiles {}), whatever the product",
                        list(slots)
                    ),
                    &mut out,
                );
            }
        }
    }
    out
}

/// The period when `slots` are exactly one residue class modulo it (at least 3 of them).
fn periodic(slots: &[usize], n: usize) -> Option<usize> {
    if slots.len() < 3 {
        return None;
    }
    let period = slots[1] - slots[0];
    let expected: Vec<usize> = (0..n).filter(|s| s % period == slots[0] % period).collect();
    (period >= 2 && expected == slots).then_some(period)
}

fn list(slots: &[usize]) -> String {
    let shown: Vec<String> = slots.iter().take(6).map(|s| (s + 1).to_string()).collect();
    let more = if slots.len() > 6 { ", ..." } else { "" };
    format!("{}{more}", shown.join(", "))
}

/// Attributes of the tiles' own start tags whose numbers follow the position while the rest
/// of the value stays the same (`style="--animation-order: N;"`). `skip` is the id attribute.
pub fn slot_attributes(dom: &Dom, listings: &[Listing], skip: &str) -> Vec<SlotMark> {
    let mut out: Vec<SlotMark> = Vec::new();
    let Some(first) = listings.first().and_then(|l| l.tiles.first()) else {
        return out;
    };
    for (name, _) in &dom.nodes[*first].attrs {
        if matches!(name.as_str(), "class" | "href") || name == skip {
            continue;
        }
        let follows = listings.iter().all(|l| {
            let values: Vec<Option<&str>> =
                l.tiles.iter().map(|&t| dom.nodes[t].attr(name)).collect();
            let Some(values) = values.into_iter().collect::<Option<Vec<&str>>>() else {
                return false;
            };
            let shapes: Vec<String> = values.iter().map(|v| shape(v)).collect();
            let numbers: Vec<Option<i64>> = values.iter().map(|v| first_number(v)).collect();
            let offset = numbers[0];
            values.len() >= 2
                && shapes.iter().all(|s| *s == shapes[0])
                && offset.is_some()
                && numbers
                    .iter()
                    .enumerate()
                    .all(|(i, n)| n.zip(offset).is_some_and(|(n, o)| n - o == i as i64))
        });
        if follows {
            out.push(SlotMark {
                name: name.clone(),
                why: format!(
                    "its number follows the position ({name}=\"{}\" on the first tile)",
                    dom.nodes[*first].attr(name).unwrap_or("")
                ),
            });
        }
    }
    out
}

/// `value` with every run of digits replaced by `#`.
fn shape(value: &str) -> String {
    let mut out = String::new();
    let mut in_digits = false;
    for c in value.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
}

fn first_number(value: &str) -> Option<i64> {
    let start = value.find(|c: char| c.is_ascii_digit())?;
    let digits: String = value[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The sibling that follows most tiles (not a tile itself): its selector (`li.helperComplement`).
pub fn companions(dom: &Dom, listings: &[Listing]) -> Option<(String, usize)> {
    let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
    let mut total = 0;
    for l in listings {
        let children = &dom.nodes[l.parent].children;
        for &tile in &l.tiles {
            total += 1;
            let at = children.iter().position(|&c| c == tile)?;
            if let Some(&next) = children.get(at + 1) {
                if l.tiles.contains(&next) {
                    continue;
                }
                let node = &dom.nodes[next];
                let selector = match node.classes().find(|c| is_plain(c)) {
                    Some(class) => format!("{}.{class}", node.tag),
                    None => continue,
                };
                *shapes.entry(selector).or_default() += 1;
            }
        }
    }
    shapes
        .into_iter()
        .max_by_key(|(_, count)| *count)
        .filter(|(_, count)| *count * 2 > total && *count >= 2)
}
