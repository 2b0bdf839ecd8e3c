//! Finding a page's listings: from the elements that hold known product ids (the repeated
//! siblings of one parent, one id each), or without ids from the page's shape (repeated
//! siblings with links and images); and the tile selectors that could name them.
//!
//! May depend on `dom` and `ids`; nothing else in the crate.

use std::collections::{BTreeMap, BTreeSet};

use super::dom::{is_plain, Dom};
use super::ids::Hit;

/// One listing: a parent and its children that hold one product id each.
#[derive(Debug, Clone)]
pub struct Listing {
    pub parent: usize,
    /// Element indices, in document order.
    pub tiles: Vec<usize>,
}

/// The listings the hits form: below the hits' common ancestor, the first element whose
/// children each hold exactly one distinct id (and at least two of them do).
pub fn listings_from_hits(dom: &Dom, hits: &[Hit]) -> Vec<Listing> {
    let Some(first) = hits.first() else {
        return Vec::new();
    };
    let chain: Vec<usize> = std::iter::once(first.node)
        .chain(dom.ancestors(first.node))
        .collect();
    // The hits' common ancestor; `None` when they sit under different top-level elements.
    let lca = hits.iter().skip(1).try_fold(first.node, |lca, hit| {
        let up: BTreeSet<usize> = std::iter::once(hit.node)
            .chain(dom.ancestors(hit.node))
            .collect();
        chain
            .iter()
            .copied()
            .skip_while(|&n| n != lca)
            .find(|n| up.contains(n))
    });
    let mut out = Vec::new();
    descend(dom, lca, hits, &mut out);
    out
}

/// The child of `node` (of the document when `None`) on the way to `target`.
fn child_of(dom: &Dom, node: Option<usize>, target: usize) -> Option<usize> {
    match node {
        Some(node) => dom.child_towards(node, target),
        None => std::iter::once(target).chain(dom.ancestors(target)).last(),
    }
}

fn descend(dom: &Dom, node: Option<usize>, hits: &[Hit], out: &mut Vec<Listing>) {
    let mut by_child: BTreeMap<usize, BTreeSet<&str>> = BTreeMap::new();
    for hit in hits {
        if let Some(child) = child_of(dom, node, hit.node) {
            by_child.entry(child).or_default().insert(hit.id.as_str());
        }
    }
    let singles: Vec<usize> = by_child
        .iter()
        .filter(|(_, ids)| ids.len() == 1)
        .map(|(&c, _)| c)
        .collect();
    let multis: Vec<usize> = by_child
        .iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|(&c, _)| c)
        .collect();
    if let Some(parent) = node.filter(|_| singles.len() >= 2 && multis.is_empty()) {
        out.push(Listing {
            parent,
            tiles: singles,
        });
        return;
    }
    let before = out.len();
    for child in multis {
        descend(dom, Some(child), hits, out);
    }
    // A child holding a single id beside listings found: another listing of the same shape
    // with only one of the given ids in it (two grids, ids given mostly from one).
    let shapes: Vec<String> = out[before..]
        .iter()
        .map(|l| dom.nodes[l.parent].describe(3))
        .collect();
    for child in singles {
        let Some(hit) = hits.iter().find(|h| dom.within(h.node, child)) else {
            continue;
        };
        let parent = std::iter::once(hit.node)
            .chain(dom.ancestors(hit.node))
            .take_while(|&n| Some(n) != node)
            .find(|&n| shapes.contains(&dom.nodes[n].describe(3)));
        if let Some(parent) = parent {
            if let Some(tile) = dom.child_towards(parent, hit.node) {
                out.push(Listing {
                    parent,
                    tiles: vec![tile],
                });
            }
        }
    }
}

/// Repeated siblings that look like product tiles (most with a link, many with an image),
/// best first: `(parent, tiles)`.
pub fn repeated_groups(dom: &Dom) -> Vec<Listing> {
    let mut groups: Vec<(usize, Listing)> = Vec::new();
    for (index, node) in dom.nodes.iter().enumerate() {
        if node.inert || node.children.len() < 3 || matches!(node.tag.as_str(), "nav" | "select") {
            continue;
        }
        let mut by_shape: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
        for &child in &node.children {
            let c = &dom.nodes[child];
            let class = c
                .classes()
                .next()
                .unwrap_or("")
                .trim_end_matches(|ch: char| ch.is_ascii_digit())
                .to_owned();
            by_shape
                .entry((c.tag.clone(), class))
                .or_default()
                .push(child);
        }
        for tiles in by_shape.into_values().filter(|t| t.len() >= 3) {
            let has = |tile: usize, tag: &str| {
                dom.subtree(tile)
                    .into_iter()
                    .any(|n| dom.nodes[n].tag == tag)
            };
            let linked = tiles.iter().filter(|&&t| has(t, "a")).count();
            let pictured = tiles.iter().filter(|&&t| has(t, "img")).count();
            if linked * 5 < tiles.len() * 4 || pictured * 2 < tiles.len() {
                continue;
            }
            let score = tiles.len() * 2 + pictured;
            groups.push((
                score,
                Listing {
                    parent: index,
                    tiles,
                },
            ));
        }
    }
    groups.sort_by_key(|(score, l)| (std::cmp::Reverse(*score), l.parent));
    groups.into_iter().map(|(_, l)| l).collect()
}

/// Tile selectors naming `listings`' tiles, simplest first: `parent > tile` with the
/// parent's class or id, then with its grandparent. `slot_classes` are never used.
pub fn selector_candidates(
    dom: &Dom,
    listings: &[Listing],
    slot_classes: &[String],
) -> Vec<String> {
    let tiles: Vec<usize> = listings
        .iter()
        .flat_map(|l| l.tiles.iter().copied())
        .collect();
    let parents: Vec<usize> = listings.iter().map(|l| l.parent).collect();
    let tile_parts = element_parts(dom, &tiles, slot_classes, true);
    let parent_parts = element_parts(dom, &parents, slot_classes, false);
    let grand: Vec<usize> = parents
        .iter()
        .filter_map(|&p| dom.nodes[p].parent)
        .collect();
    let grand_parts = if grand.len() == parents.len() {
        element_parts(dom, &grand, slot_classes, false)
    } else {
        Vec::new()
    };
    let mut out = Vec::new();
    // A bare parent tag (`ul`) says little: its grandparent first.
    let bare = |p: &String| !p.contains(['.', '#', '[']);
    for t in &tile_parts {
        for p in &parent_parts {
            if bare(p) {
                for g in grand_parts.iter().filter(|g| !bare(g)).take(2) {
                    out.push(format!("{g} > {p} > {t}"));
                }
            }
            out.push(format!("{p} > {t}"));
        }
    }
    for t in tile_parts.iter().take(2) {
        for p in parent_parts.iter().take(2) {
            for g in grand_parts.iter().take(2) {
                out.push(format!("{g} > {p} > {t}"));
            }
        }
    }
    let mut seen = BTreeSet::new();
    out.retain(|s| seen.insert(s.clone()));
    out
}

/// Ways to name every element of `nodes` (same tag): `tag.class` with a class all share
/// (product-like names first), `tag#id` when there is one element, `tag[attr]`, `tag`.
fn element_parts(dom: &Dom, nodes: &[usize], slot_classes: &[String], tiles: bool) -> Vec<String> {
    let Some(&first) = nodes.first() else {
        return Vec::new();
    };
    let tag = &dom.nodes[first].tag;
    if nodes.iter().any(|&n| &dom.nodes[n].tag != tag) {
        return Vec::new();
    }
    let mut common: Vec<&str> = dom.nodes[first]
        .classes()
        .filter(|c| is_plain(c) && !c.bytes().any(|b| b.is_ascii_digit()))
        .filter(|c| !slot_classes.iter().any(|s| s == c))
        .collect();
    common.retain(|c| {
        nodes
            .iter()
            .all(|&n| dom.nodes[n].classes().any(|x| x == *c))
    });
    let rank = |c: &str| {
        ["product", "item", "card", "grid", "tile"]
            .iter()
            .position(|w| c.contains(w))
            .unwrap_or(9)
    };
    let mut ranked = common.clone();
    ranked.sort_by_key(|c| rank(c));
    let mut out = Vec::new();
    if nodes.len() == 1 {
        if let Some(id) = dom.nodes[first].attr("id").filter(|id| is_plain(id)) {
            out.push(format!("{tag}#{id}"));
        }
    }
    for c in ranked.iter().take(3) {
        out.push(format!("{tag}.{c}"));
    }
    if common.len() >= 2 {
        out.push(format!("{tag}.{}.{}", common[0], common[1]));
    }
    if tiles {
        let attrs: Vec<&str> = dom.nodes[first]
            .attrs
            .iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| !matches!(*n, "class" | "id" | "style") && is_plain(n))
            .filter(|n| nodes.iter().all(|&x| dom.nodes[x].attr(n).is_some()))
            .collect();
        for a in attrs.into_iter().take(2) {
            out.push(format!("{tag}[{a}]"));
        }
    }
    out.push(tag.clone());
    out
}
