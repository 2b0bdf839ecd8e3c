//! `reshelf suggest`: a `[[pages]]` block proposed from the page itself. With a few of the
//! catalog's product ids it finds the attributes holding them, the repeated siblings that hold
//! one each (the tiles), a selector naming exactly those, the markup bound to positions and
//! the siblings that travel; every proposal is run through the engine before it is offered.
//! Without ids it ranks the repeated, product-like siblings and says it is unsure.
//!
//! May depend on `dom`, `ids`, `tiles`, `slots` and the engine (`rewrite`, `ranked`).

use std::collections::BTreeSet;

use serde::Serialize;

use super::dom::Dom;
use super::ids::{self, IdRule};
use super::slots;
use super::tiles::{self, Listing};
use crate::ranked::Ranking;
use crate::rewrite::html::{self, HtmlRules, HtmlSpec};
use crate::rewrite::Outcome;

/// A proposed block, with a comment per choice.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Block {
    pub tiles: String,
    pub product_id: String,
    pub product_id_pattern: String,
    pub companions: String,
    pub slot_classes: Vec<String>,
    pub slot_attributes: Vec<String>,
    /// `(key, why)`, in the block's order.
    pub comments: Vec<(String, String)>,
}

impl Block {
    pub fn spec(&self) -> HtmlSpec<'_> {
        HtmlSpec {
            tiles: &self.tiles,
            product_id: &self.product_id,
            product_id_pattern: &self.product_id_pattern,
            companions: &self.companions,
            slot_classes: &self.slot_classes,
            slot_attributes: &self.slot_attributes,
        }
    }
}

/// What the engine said about a block on this page.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Verified {
    pub listings: usize,
    pub tiles: usize,
    pub ids_read: usize,
    pub pinned: usize,
    /// Of the ids given, how many the block reads.
    pub given_read: usize,
    pub given: usize,
}

/// `suggest`'s answer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Suggestion {
    /// The block offered (verified), if any.
    pub block: Option<Block>,
    pub verified: Option<Verified>,
    /// False when the choice among candidates was a guess, or ids were missing.
    pub sure: bool,
    /// Other verified blocks, when there is a choice.
    pub candidates: Vec<Block>,
    /// What was found or not, for people.
    pub notes: Vec<String>,
}

/// Proposes a block for `input`; `ids` are a few product ids of the page, as the catalog
/// spells them (may be empty).
pub fn suggest(input: &[u8], charset: Option<&str>, ids: &[String]) -> Suggestion {
    let dom = Dom::parse(input);
    let mut out = Suggestion::default();
    let mut found: Vec<(Block, Verified)> = Vec::new();
    if ids.is_empty() {
        out.notes.push(
            "no --ids given: the block below is a guess among the candidates; pass a few \
             product ids as the catalog spells them to choose for sure"
                .into(),
        );
        for listing in tiles::repeated_groups(&dom).into_iter().take(4) {
            for (rule, _) in ids::rules_without_ids(&dom, &listing.tiles)
                .into_iter()
                .take(2)
            {
                if let Some(v) = attempt(&dom, input, charset, &rule, vec![listing.clone()], ids) {
                    found.push(v);
                }
            }
        }
    } else {
        let rules = ids::rules_for_ids(&dom, ids);
        if rules.is_empty() {
            out.notes.push(format!(
                "none of the ids ({}) appears in an attribute of the page: are they the ids \
                 the catalog uses for this page's products?",
                ids.join(", ")
            ));
        }
        for (rule, hits) in rules.into_iter().take(6) {
            let listings = expand(&dom, &rule, tiles::listings_from_hits(&dom, &hits));
            if listings.is_empty() {
                continue;
            }
            if let Some(v) = attempt(&dom, input, charset, &rule, listings, ids) {
                found.push(v);
            }
        }
    }
    // Different blocks reading the same ids from the same tiles are the same choice.
    let mut seen = BTreeSet::new();
    found.retain(|(b, _)| {
        seen.insert((
            b.tiles.clone(),
            b.product_id.clone(),
            b.product_id_pattern.clone(),
        ))
    });
    // Stable: among blocks reading as many of the given ids, the better rule (a whole
    // attribute before a pattern) stays first.
    found.sort_by_key(|(_, v)| std::cmp::Reverse(v.given_read));
    let Some((block, verified)) = found.first().cloned() else {
        out.notes.push(
            "no listing found: no repeated elements that hold product ids and that a selector \
             can name; this page would not be personalized"
                .into(),
        );
        return out;
    };
    out.sure = !ids.is_empty() && verified.given_read == ids.len();
    if !ids.is_empty() && verified.given_read < ids.len() {
        out.notes.push(format!(
            "only {} of the {} ids given are read from this page's tiles",
            verified.given_read,
            ids.len()
        ));
    }
    let equally_good: Vec<Block> = found[1..]
        .iter()
        .filter(|(_, v)| v.given_read == verified.given_read && v.tiles != verified.tiles)
        .map(|(b, _)| b.clone())
        .collect();
    if !equally_good.is_empty() {
        out.sure = false;
        out.notes.push(
            "other blocks read the given ids from a different set of tiles; see the candidates"
                .into(),
        );
    }
    out.candidates = found[1..].iter().map(|(b, _)| b.clone()).take(3).collect();
    out.block = Some(block);
    out.verified = Some(verified);
    out
}

/// Every child of each listing's parent that yields an id under `rule` (the hits only name the
/// tiles of the ids given).
fn expand(dom: &Dom, rule: &IdRule, listings: Vec<Listing>) -> Vec<Listing> {
    listings
        .into_iter()
        .map(|l| {
            let tag = dom.nodes[l.tiles[0]].tag.clone();
            let tiles = dom.nodes[l.parent]
                .children
                .iter()
                .copied()
                .filter(|&c| dom.nodes[c].tag == tag)
                .filter(|&c| l.tiles.contains(&c) || read_in(dom, rule, c).is_some())
                .collect();
            Listing {
                parent: l.parent,
                tiles,
            }
        })
        .collect()
}

/// The id `rule` reads from `tile` the way the engine does: the tile, else its first
/// descendant carrying the attribute.
pub fn read_in(dom: &Dom, rule: &IdRule, tile: usize) -> Option<String> {
    let carrier = dom
        .subtree(tile)
        .into_iter()
        .find_map(|n| dom.nodes[n].attr(&rule.attr))?;
    rule.read(carrier)
}

/// Builds the block for `rule` and `listings` and keeps it if the engine agrees: it must read
/// an id from exactly the listings' tiles (other tiles it finds must be pinned ones under the
/// same parents) and reorder them.
fn attempt(
    dom: &Dom,
    input: &[u8],
    charset: Option<&str>,
    rule: &IdRule,
    listings: Vec<Listing>,
    given: &[String],
) -> Option<(Block, Verified)> {
    let classes = slots::slot_classes(dom, &listings);
    let class_names: Vec<String> = classes.iter().map(|m| m.name.clone()).collect();
    let attributes = slots::slot_attributes(dom, &listings, &rule.attr);
    let companion = slots::companions(dom, &listings);
    let expected: BTreeSet<usize> = listings
        .iter()
        .flat_map(|l| l.tiles.iter().map(|&t| dom.nodes[t].start))
        .collect();
    let parents: BTreeSet<usize> = listings.iter().map(|l| dom.nodes[l.parent].start).collect();
    for selector in tiles::selector_candidates(dom, &listings, &class_names) {
        let mut block = Block {
            tiles: selector.clone(),
            product_id: rule.attr.clone(),
            product_id_pattern: rule.pattern.clone(),
            companions: companion
                .as_ref()
                .map(|(c, _)| c.clone())
                .unwrap_or_default(),
            slot_classes: class_names.clone(),
            slot_attributes: attributes.iter().map(|m| m.name.clone()).collect(),
            comments: Vec::new(),
        };
        let Ok(rules) = HtmlRules::new(&block.spec()) else {
            continue;
        };
        let Ok(found) = html::tiles(input, charset, &rules) else {
            continue;
        };
        let all: Vec<&html::TileSpan> = found.iter().flatten().collect();
        let with_ids: BTreeSet<usize> = all
            .iter()
            .filter(|t| t.id.is_some())
            .map(|t| t.start)
            .collect();
        let stray = all
            .iter()
            .any(|t| t.id.is_none() && !parents.contains(&t.parent));
        if with_ids != expected || stray {
            continue;
        }
        let read: Vec<String> = all.iter().filter_map(|t| t.id.clone()).collect();
        let distinct: BTreeSet<&String> = read.iter().collect();
        if distinct.len() != read.len() {
            continue;
        }
        let ranking = Ranking::new(read.iter().rev());
        if !matches!(
            html::reorder(input, charset, &rules, &ranking).outcome,
            Outcome::Reordered(_)
        ) {
            continue;
        }
        let pinned = all.len() - read.len();
        let verified = Verified {
            listings: found.len(),
            tiles: all.len(),
            ids_read: read.len(),
            pinned,
            given_read: given.iter().filter(|g| distinct.contains(g)).count(),
            given: given.len(),
        };
        block.comments = comments(
            dom,
            rule,
            &listings,
            &verified,
            &classes,
            &attributes,
            &companion,
        );
        return Some((block, verified));
    }
    None
}

fn comments(
    dom: &Dom,
    rule: &IdRule,
    listings: &[Listing],
    v: &Verified,
    classes: &[slots::SlotMark],
    attributes: &[slots::SlotMark],
    companion: &Option<(String, usize)>,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let parent = dom.path(listings[0].parent, 2);
    let pinned = match v.pinned {
        0 => String::new(),
        n => format!("; {n} tile(s) without an id (promos) match too and stay pinned"),
    };
    out.push((
        "tiles".into(),
        format!(
            "{} tiles in {} listing(s) under `{parent}`, each holding one product id{pinned}",
            v.tiles - v.pinned,
            v.listings
        ),
    ));
    let first = listings[0].tiles[0];
    let carrier = dom
        .subtree(first)
        .into_iter()
        .find(|&n| dom.nodes[n].attr(&rule.attr).is_some());
    let place = match carrier {
        Some(n) if n == first => "on the tile itself".to_owned(),
        Some(n) => format!("on `{}` inside the tile", dom.nodes[n].describe(2)),
        None => "in the tile".to_owned(),
    };
    let given = if v.given > 0 {
        format!("; reads {} of the {} ids given", v.given_read, v.given)
    } else {
        String::new()
    };
    out.push((
        "product_id".into(),
        format!("`{}` {place}{given}", rule.attr),
    ));
    if !rule.pattern.is_empty() {
        let sample = carrier
            .and_then(|n| dom.nodes[n].attr(&rule.attr))
            .map(|s| s.chars().take(60).collect::<String>())
            .unwrap_or_default();
        out.push((
            "product_id_pattern".into(),
            format!("the id is part of the value (`{sample}`)"),
        ));
    }
    if let Some((selector, count)) = companion {
        out.push((
            "companions".into(),
            format!("`{selector}` follows {count} tiles and must travel with them"),
        ));
    }
    for (key, marks) in [("slot_classes", classes), ("slot_attributes", attributes)] {
        if !marks.is_empty() {
            let shown: Vec<String> = marks
                .iter()
                .take(3)
                .map(|m| format!("`{}` {}", m.name, m.why))
                .collect();
            let more = if marks.len() > 3 {
                format!("; {} more", marks.len() - 3)
            } else {
                String::new()
            };
            out.push((key.into(), format!("{}{more}", shown.join("; "))));
        }
    }
    out
}
