//! The real storefront pages of `../shared/fixtures/storefronts/manifest.json`, reordered with
//! a ranking derived here and checked against an independent reading of the page
//! (`html_reading.rs`).

use std::ops::Range;
use std::path::PathBuf;

use regex::bytes::Regex;
use reshelf::ranked::Ranking;
use reshelf::rewrite::html::{self, HtmlRules, HtmlSpec, StreamOutcome};
use reshelf::rewrite::{Outcome, Stats};

use crate::reading::{
    class_tokens, regex_ids, slot_data, start_tag, strip_slots, units, RunLengths,
};

/// One HTML entry of the manifest.
pub struct Page {
    pub name: String,
    pub input: Vec<u8>,
    pub tiles: String,
    pub companions: String,
    pub slot_classes: Vec<String>,
    pub slot_attributes: Vec<String>,
    pub rules: HtmlRules,
}

/// The manifest's HTML pages, or `None` (after saying so) when `../shared` is absent.
pub fn pages() -> Option<Vec<Page>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/storefronts");
    let Ok(text) = std::fs::read_to_string(dir.join("manifest.json")) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "storefront fixtures missing under CI: {}",
            dir.display()
        );
        eprintln!("skipped: no storefront fixtures at {}", dir.display());
        return None;
    };
    let manifest: serde_json::Value = serde_json::from_str(&text).expect("manifest.json");
    let mut out = Vec::new();
    for entry in manifest.as_array().expect("manifest is an array") {
        if entry["format"] != "html" {
            continue;
        }
        let text = |key: &str| entry[key].as_str().unwrap_or("").to_owned();
        let list = |key: &str| -> Vec<String> {
            entry[key]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|v| v.as_str().expect("string").to_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        let (slot_classes, slot_attributes) = (list("slot_classes"), list("slot_attributes"));
        let (tiles, companions, product_id, pattern) = (
            text("tiles"),
            text("companions"),
            text("product_id"),
            text("product_id_pattern"),
        );
        let rules = HtmlRules::new(&HtmlSpec {
            tiles: &tiles,
            product_id: &product_id,
            product_id_pattern: &pattern,
            companions: &companions,
            slot_classes: &slot_classes,
            slot_attributes: &slot_attributes,
        })
        .unwrap_or_else(|e| panic!("{}: rules: {e:?}", text("name")));
        out.push(Page {
            name: text("name"),
            input: std::fs::read(dir.join(text("file"))).expect("fixture file"),
            tiles,
            companions,
            slot_classes,
            slot_attributes,
            rules,
        });
    }
    assert_eq!(out.len(), 8, "the manifest lists eight HTML pages");
    Some(out)
}

/// What the test asserts for one page and one ranking, given the expected order
/// (`expected[slot]` = native index of the tile that lands there).
fn check(page: &Page, ranking: &Ranking, expected: &[usize]) -> Vec<u8> {
    let native = regex_ids(&page.name, &page.input);
    let engine = html::listing_ids(&page.input, None, &page.rules).unwrap();
    let engine: Vec<String> = engine.concat().into_iter().map(|id| id.unwrap()).collect();
    assert_eq!(
        engine, native,
        "{}: engine and regex disagree on the ids",
        page.name
    );

    let out = html::reorder(&page.input, None, &page.rules, ranking);
    let ranked = ranking
        .iter()
        .filter(|id| native.iter().any(|n| n == id))
        .count();
    assert_eq!(
        out.outcome,
        Outcome::Reordered(Stats {
            listings: 1,
            tiles: native.len(),
            ranked
        }),
        "{}",
        page.name
    );
    let body = out.body.into_owned();
    let want: Vec<&String> = expected.iter().map(|&i| &native[i]).collect();
    let got = regex_ids(&page.name, &body);
    assert_eq!(got.iter().collect::<Vec<_>>(), want, "{}: order", page.name);

    let (u, v) = (
        units(&page.input, &page.tiles, &page.companions),
        units(&body, &page.tiles, &page.companions),
    );
    assert_eq!(u.len(), native.len(), "{}: tiles", page.name);
    assert_eq!(v.len(), u.len(), "{}: tiles in output", page.name);
    // Outside the tiles, byte for byte.
    assert_eq!(
        body[..v[0].start],
        page.input[..u[0].start],
        "{}: prefix",
        page.name
    );
    assert_eq!(
        body[v[v.len() - 1].end..],
        page.input[u[u.len() - 1].end..],
        "{}: suffix",
        page.name
    );
    for k in 1..u.len() {
        assert_eq!(
            body[v[k - 1].end..v[k].start],
            page.input[u[k - 1].end..u[k].start],
            "{}: gap {k}",
            page.name
        );
    }
    for (slot, &from) in expected.iter().enumerate() {
        let (placed, source, native_slot) = (
            &body[v[slot].clone()],
            &page.input[u[from].clone()],
            &page.input[u[slot].clone()],
        );
        // The tile's own bytes travel, the slot's bound markup stays.
        assert_eq!(
            strip_slots(page, placed),
            strip_slots(page, source),
            "{}: slot {slot} content",
            page.name
        );
        assert_eq!(
            slot_data(page, placed),
            slot_data(page, native_slot),
            "{}: slot {slot} data",
            page.name
        );
    }
    // Every chunking gives the same bytes.
    for chunk in [13, 4096] {
        let chunked = html::reorder_chunked(&page.input, chunk, None, &page.rules, ranking);
        assert!(
            chunked.body[..] == body[..],
            "{}: chunks of {chunk}",
            page.name
        );
    }
    body
}

#[test]
fn every_page_reversed() {
    let Some(pages) = pages() else { return };
    for page in &pages {
        let native = regex_ids(&page.name, &page.input);
        let n = native.len();
        assert!(n >= 5, "{}: only {n} tiles", page.name);
        let ranking = Ranking::new(native.iter().rev());
        let expected: Vec<usize> = (0..n).rev().collect();
        check(page, &ranking, &expected);
    }
}

#[test]
fn every_page_partial_ranking_with_strangers() {
    let Some(pages) = pages() else { return };
    for page in &pages {
        let native = regex_ids(&page.name, &page.input);
        let n = native.len();
        // The last tile, an id the page lacks, the third: those two lead, the rest keep order.
        let ranking = Ranking::new([
            native[n - 1].as_str(),
            "not-on-this-page",
            native[2].as_str(),
        ]);
        let mut expected = vec![n - 1, 2];
        expected.extend((0..n).filter(|&i| i != n - 1 && i != 2));
        check(page, &ranking, &expected);
    }
}

/// What makes each page hard, asserted after reversing it.
#[test]
fn page_specifics_after_reversal() {
    let Some(pages) = pages() else { return };
    let helpers = Regex::new(r#"data-product-id="(\d+)"|id="helperComplement_(\d+)""#).unwrap();
    for page in &pages {
        let native = regex_ids(&page.name, &page.input);
        let n = native.len();
        let body = check(
            page,
            &Ranking::new(native.iter().rev()),
            &(0..n).rev().collect::<Vec<_>>(),
        );
        let text = String::from_utf8_lossy(&body);
        let input = String::from_utf8_lossy(&page.input);
        let (u, v) = (
            units(&page.input, &page.tiles, &page.companions),
            units(&body, &page.tiles, &page.companions),
        );
        let tokens = |b: &[u8], r: &Range<usize>| class_tokens(start_tag(&b[r.clone()]));
        let has =
            |b: &[u8], r: &Range<usize>, t: &str| tokens(b, r).iter().any(|x| x == t.as_bytes());
        match page.name.as_str() {
            "woo_woostify" | "woo_oceanwp" => {
                for slot in 0..n {
                    for token in ["first", "last"] {
                        assert_eq!(
                            has(&body, &v[slot], token),
                            has(&page.input, &u[slot], token),
                            "{} slot {slot} {token}",
                            page.name
                        );
                    }
                }
                assert!(has(&body, &v[0], "first"));
            }
            "shopify_horizon" => {
                for (slot, unit) in v.iter().enumerate() {
                    let want = format!("product-grid__item--{slot}");
                    assert!(has(&body, unit, &want), "slot {slot} lacks {want}");
                }
                // The script inside the grid, before the first tile, is where it was.
                let grid = input.find("<ul class=\"product-grid").unwrap();
                let script = input[grid..].find("<script>").unwrap() + grid;
                assert!(script < u[0].start);
                assert_eq!(text[grid..v[0].start], input[grid..u[0].start]);
            }
            "shopify_dawn" => {
                for (slot, unit) in v.iter().enumerate() {
                    let want = format!("style=\"--animation-order: {};\"", slot + 1);
                    assert!(
                        start_tag(&body[unit.clone()])
                            .windows(want.len())
                            .any(|w| w == want.as_bytes()),
                        "slot {slot}"
                    );
                }
            }
            "vtex_shelf" => {
                // Each tile is still followed by its own helper, and the last slot keeps `last`.

                let seq: Vec<Vec<u8>> = helpers
                    .captures_iter(&body)
                    .map(|c| c.get(1).or(c.get(2)).unwrap().as_bytes().to_vec())
                    .collect();
                let mut expected = Vec::new();
                for id in native.iter().rev() {
                    expected.extend(std::iter::repeat_n(id.as_bytes().to_vec(), 3));
                }
                assert_eq!(seq.dedup_by_key_count(), expected.dedup_by_key_count());
                assert!(has(&body, &v[n - 1], "last") && !has(&body, &v[0], "last"));
            }
            "magento2_grand" => {
                // Decoy lists (compare, wishlist sidebars) are byte-identical, in place.
                for decoy in [
                    "<ol id=\"compare-items\"",
                    "<ol class=\"product-items no-display\"",
                ] {
                    let at = input.find(decoy).unwrap();
                    let end = at + input[at..].find("</ol>").unwrap();
                    assert_eq!(text.find(decoy), Some(at));
                    assert_eq!(text[at..end], input[at..end]);
                }
            }
            _ => {}
        }
    }
}

/// lol_html fed one byte at a time finds and moves the same tiles on the smaller pages (the
/// large ones get 13-byte and 4 KiB chunks in `check`).
#[test]
fn small_pages_in_one_byte_chunks() {
    let Some(pages) = pages() else { return };
    for page in pages.iter().filter(|p| p.input.len() < 100_000) {
        let native = regex_ids(&page.name, &page.input);
        let ranking = Ranking::new(native.iter().rev());
        let whole = html::reorder(&page.input, None, &page.rules, &ranking);
        let bytewise = html::reorder_chunked(&page.input, 1, None, &page.rules, &ranking);
        assert!(matches!(whole.outcome, Outcome::Reordered(_)));
        assert!(whole.body == bytewise.body, "{}", page.name);
    }
}

/// Each page streamed (`HtmlStream`) gives the buffered engine's bytes and outcome: with rules
/// that have read nothing (the stream's pass uses the exact carrier selector and learns), then
/// with what the rules learned, in pieces of 7, 64 and 16 KiB and whole, deciding before the
/// first piece, midway and after the last; and one byte at a time, deciding midway.
#[test]
fn every_page_streamed() {
    let (Some(pages), Some(fresh)) = (pages(), pages()) else {
        return;
    };
    for (page, fresh) in pages.iter().zip(&fresh) {
        let native = regex_ids(&page.name, &page.input);
        let n = native.len();
        let reversed = Ranking::new(native.iter().rev());
        let partial = Ranking::new([native[n - 1].as_str(), "not-on-this-page", &native[2]]);
        for ranking in [&reversed, &partial] {
            let buffered = html::reorder(&page.input, None, &page.rules, ranking);
            let cold = crate::stream::stream(
                &page.input,
                None,
                &fresh.rules,
                Some(ranking),
                16 << 10,
                Some(0),
            );
            assert!(cold.body == buffered.body[..], "{}: fresh rules", page.name);
            assert_eq!(
                cold.outcome,
                StreamOutcome::Done(buffered.outcome.clone()),
                "{}",
                page.name
            );
            let chunks = [7, 64, 16 << 10, page.input.len()];
            crate::stream::assert_same_as_buffered(
                &page.input,
                None,
                &page.rules,
                ranking,
                &chunks,
                &page.name,
            );
        }
        let buffered = html::reorder(&page.input, None, &page.rules, &reversed);
        let pushes = page.input.len();
        let bytewise = crate::stream::stream(
            &page.input,
            None,
            &page.rules,
            Some(&reversed),
            1,
            Some(pushes / 2),
        );
        assert!(
            bytewise.body == buffered.body[..],
            "{}: one byte at a time",
            page.name
        );
        assert_eq!(
            bytewise.outcome,
            StreamOutcome::Done(buffered.outcome),
            "{}",
            page.name
        );
    }
}
