//! `suggest` on every real page of the fixtures, given a handful of the page's ids and never
//! the manifest's block: the block it proposes reads the same ids from the same tiles and
//! reorders the page to the same bytes (same tiles moved, same slot marks kept) as the
//! manifest's. Then small pages of our own: promo tiles in a grid, nested grids, two
//! listings, no listing.

mod common;
#[path = "common/manifest.rs"]
mod manifest;

use reshelf::onboard::suggest::{suggest, Suggestion};
use reshelf::ranked::Ranking;
use reshelf::rewrite::html::{self, HtmlRules};

fn rules(s: &Suggestion) -> HtmlRules {
    let block = s.block.as_ref().expect("a block");
    HtmlRules::new(&block.spec()).expect("the block compiles")
}

/// A handful of the page's ids: first, second, a middle one, the last.
fn handful(ids: &[String]) -> Vec<String> {
    let n = ids.len();
    let mut picked = vec![
        ids[0].clone(),
        ids[1].clone(),
        ids[n / 2].clone(),
        ids[n - 1].clone(),
    ];
    picked.dedup();
    picked
}

#[test]
fn suggest_matches_the_manifest_on_every_real_page() {
    let Some(dir) = common::storefront_fixtures() else {
        return;
    };
    let mut failures = Vec::new();
    for entry in manifest::html_entries(&dir) {
        let theirs = entry.rules();
        let listings = html::listing_ids(&entry.input, None, &theirs).expect("manifest reads");
        let ids: Vec<String> = listings.concat().into_iter().flatten().collect();
        let s = suggest(&entry.input, None, &handful(&ids));
        let Some(block) = &s.block else {
            failures.push(format!("{}: no block: {:?}", entry.name, s.notes));
            continue;
        };
        let ours = rules(&s);
        let mine = html::listing_ids(&entry.input, None, &ours).expect("suggested block reads");
        if mine != listings {
            failures.push(format!("{}: ids differ with {block:?}", entry.name));
            continue;
        }
        let ranking = Ranking::new(ids.iter().rev());
        let a = html::reorder(&entry.input, None, &ours, &ranking);
        let b = html::reorder(&entry.input, None, &theirs, &ranking);
        if a.outcome != b.outcome || a.body != b.body {
            failures.push(format!("{}: reorder differs with {block:?}", entry.name));
            continue;
        }
        assert!(s.sure, "{}: {:?}", entry.name, s.notes);
        eprintln!(
            "{}: {} {:?} {:?}",
            entry.name,
            block.tiles,
            block.product_id,
            block.slot_classes.len()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
