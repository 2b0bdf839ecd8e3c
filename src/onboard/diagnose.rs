//! `probe`'s problems and the fixes it proposes for an html block: a selector matching no
//! element (and where the elements carrying the id attribute sit instead), tiles without ids
//! (and the attribute or pattern that would read them), and markup that looks bound to
//! positions or to follow each tile but is not configured so.
//!
//! May depend on the engine (`rewrite`), `config`'s raw page, and `dom`, `ids`, `tiles`,
//! `slots`, `suggest` and `probe` (the report it fills).

use std::collections::BTreeSet;

use super::dom::Dom;
use super::ids::{self, Hit, IdRule};
use super::probe::ProbeReport;
use super::slots;
use super::suggest::read_in;
use super::tiles::{self, Listing};
use crate::config::RawPage;
use crate::rewrite::html::{self, HtmlRules, HtmlSpec, TileSpan};

fn spec_with<'a>(raw: &'a RawPage, tiles: &'a str) -> HtmlSpec<'a> {
    HtmlSpec {
        tiles,
        product_id: &raw.product_id,
        product_id_pattern: &raw.product_id_pattern,
        companions: &raw.companions,
        slot_classes: &raw.slot_classes,
        slot_attributes: &raw.slot_attributes,
    }
}

fn rule_of(raw: &RawPage) -> IdRule {
    IdRule {
        attr: raw.product_id.to_ascii_lowercase(),
        pattern: raw.product_id_pattern.clone(),
    }
}

/// Why the engine found no listing, and what to try.
pub(super) fn not_listing(
    dom: &Dom,
    input: &[u8],
    charset: Option<&str>,
    raw: &RawPage,
    reason: &str,
    report: &mut ProbeReport,
) {
    if reason.contains("no element matches the tile selector") {
        report.find(
            format!("tiles = {:?} matches 0 elements", raw.tiles),
            where_ids_sit(dom, input, charset, raw),
        );
    } else if reason.contains("none with a readable product id") {
        let tiles = tiles_by_selector(dom, raw);
        report.find(
            format!("{reason} (product_id = {:?})", raw.product_id),
            id_fix(dom, raw, &tiles),
        );
    } else if reason.contains("closed implicitly") || reason.contains("never closed") {
        report.find(
            reason.to_owned(),
            "choose tile elements closed by their own end tag (usually the grid's direct \
             children, such as `ul.grid > li`)",
        );
    } else {
        report.find(reason.to_owned(), "the engine leaves such a page alone");
    }
}

/// Where the elements carrying the id attribute sit, with a selector that names them.
fn where_ids_sit(dom: &Dom, input: &[u8], charset: Option<&str>, raw: &RawPage) -> String {
    let rule = rule_of(raw);
    let hits: Vec<Hit> = dom
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.inert)
        .filter_map(|(i, n)| {
            let id = rule.read(n.attr(&rule.attr)?)?;
            Some(Hit { node: i, id })
        })
        .collect();
    if hits.is_empty() {
        return format!(
            "no element carries `{}` either; run `reshelf suggest` on this page with a few \
             product ids (--ids)",
            raw.product_id
        );
    }
    let listings = tiles::listings_from_hits(dom, &hits);
    let Some(first) = listings.first() else {
        return format!(
            "{} element(s) carry `{}` but not as repeated siblings; run `reshelf suggest`",
            hits.len(),
            raw.product_id
        );
    };
    let place = format!(
        "{} > {}",
        dom.path(first.parent, 1),
        dom.nodes[first.tiles[0]].describe(2)
    );
    let verified = tiles::selector_candidates(dom, &listings, &raw.slot_classes)
        .into_iter()
        .find(|selector| {
            HtmlRules::new(&spec_with(raw, selector))
                .ok()
                .and_then(|r| html::listing_ids(input, charset, &r).ok())
                .is_some()
        });
    match verified {
        Some(selector) => format!(
            "elements with `{}` sit under `{place}`; try tiles = {selector:?} (checked: it \
             finds them)",
            raw.product_id
        ),
        None => format!(
            "elements with `{}` sit under `{place}`; name those elements in tiles",
            raw.product_id
        ),
    }
}

/// The elements the tile selector names, from the dom (for a page the engine rejected).
fn tiles_by_selector(dom: &Dom, raw: &RawPage) -> Vec<usize> {
    let Some(last) = raw.tiles.rsplit('>').next() else {
        return Vec::new();
    };
    let last = last.trim();
    let tag = last
        .split(['.', '#', '[', ':'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let classes: Vec<&str> = last
        .split('.')
        .skip(1)
        .map(|c| c.split(['#', '[', ':']).next().unwrap_or(""))
        .collect();
    dom.nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.inert && (tag.is_empty() || n.tag == tag))
        .filter(|(_, n)| classes.iter().all(|c| n.classes().any(|x| x == *c)))
        .map(|(i, _)| i)
        .collect()
}

/// The attribute (and pattern) that would read an id from `tiles`.
fn id_fix(dom: &Dom, raw: &RawPage, tiles: &[usize]) -> String {
    let rule = rule_of(raw);
    if !rule.pattern.is_empty() {
        let sample = tiles.iter().find_map(|&t| {
            dom.subtree(t)
                .into_iter()
                .find_map(|n| dom.nodes[n].attr(&rule.attr).map(str::to_owned))
        });
        if let Some(sample) = sample {
            return format!(
                "product_id_pattern {:?} does not match `{}` values such as {:?}; fix the \
                 pattern (its first group is the id)",
                raw.product_id_pattern,
                raw.product_id,
                sample.chars().take(80).collect::<String>()
            );
        }
    }
    match ids::rules_without_ids(dom, tiles).first() {
        Some((rule, _)) if rule.pattern.is_empty() => {
            format!(
                "the id seems to be in `{}`: try product_id = {:?}",
                rule.attr, rule.attr
            )
        }
        Some((rule, _)) => format!(
            "the id seems to be in `{}`: try product_id = {:?}, product_id_pattern = {:?}",
            rule.attr, rule.attr, rule.pattern
        ),
        None => "no attribute of these tiles holds a distinct value per tile; run `reshelf \
                 suggest` on this page with a few product ids (--ids)"
            .to_owned(),
    }
}

/// Hints on a page the engine reads: tiles without ids, slot-like markup not configured as
/// such, siblings following every tile that are not companions.
pub(super) fn listing_hints(
    dom: &Dom,
    raw: &RawPage,
    found: &[Vec<TileSpan>],
    report: &mut ProbeReport,
) {
    let listings: Vec<Listing> = found
        .iter()
        .filter_map(|l| {
            let tiles: Vec<usize> = l.iter().filter_map(|t| dom.at(t.start)).collect();
            let parent = dom.at(l.first()?.parent)?;
            Some(Listing { parent, tiles })
        })
        .collect();
    let all: Vec<&TileSpan> = found.iter().flatten().collect();
    let missing: Vec<usize> = all
        .iter()
        .filter(|t| t.id.is_none())
        .filter_map(|t| dom.at(t.start))
        .collect();
    if !missing.is_empty() {
        if missing.len() * 4 >= all.len() {
            report.find(
                format!("{} of {} tiles have no id", missing.len(), all.len()),
                id_fix(dom, raw, &missing),
            );
        } else {
            report.find(
                format!(
                    "{} of {} tiles have no id and stay pinned in their slots",
                    missing.len(),
                    all.len()
                ),
                "fine for promo tiles; otherwise check product_id on those tiles",
            );
        }
    }
    let with_ids: Vec<Listing> = listings
        .iter()
        .map(|l| Listing {
            parent: l.parent,
            tiles: l
                .tiles
                .iter()
                .copied()
                .filter(|&t| {
                    read_in(dom, &rule_of(raw), t).is_some() || raw.product_id_pattern.is_empty()
                })
                .collect(),
        })
        .collect();
    let configured: BTreeSet<&str> = raw.slot_classes.iter().map(String::as_str).collect();
    for mark in slots::slot_classes(dom, &with_ids) {
        if !configured.contains(mark.name.as_str()) {
            report.find(
                format!("class `{}` is {}: a slot class?", mark.name, mark.why),
                format!(
                    "add {:?} to slot_classes so it stays with the position",
                    mark.name
                ),
            );
        }
    }
    for mark in slots::slot_attributes(dom, &with_ids, &raw.product_id.to_ascii_lowercase()) {
        if !raw
            .slot_attributes
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&mark.name))
        {
            report.find(
                format!("attribute `{}`: {}: a slot attribute?", mark.name, mark.why),
                format!("add {:?} to slot_attributes", mark.name),
            );
        }
    }
    if raw.companions.is_empty() {
        if let Some((selector, count)) = slots::companions(dom, &listings) {
            report.find(
                format!("`{selector}` follows {count} tiles but stays behind when they move"),
                format!("set companions = {selector:?} if it belongs to the tile before it"),
            );
        }
    }
}
