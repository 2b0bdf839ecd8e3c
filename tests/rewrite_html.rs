//! `rewrite::html`: each rule on small hand-written documents with the exact expected output
//! (here, in `common/html_failopen.rs` and `common/html_learning.rs`), the real storefront
//! pages (`common/html_pages.rs`, read independently by `common/html_reading.rs`) and
//! generated listings (`common/html_props.rs`).

#[path = "common/html_failopen.rs"]
mod failopen;
#[path = "common/html_learning.rs"]
mod learning;
#[path = "common/html_pages.rs"]
mod pages;
#[path = "common/html_props.rs"]
mod props;
#[path = "common/html_reading.rs"]
mod reading;
#[path = "common/html_stream.rs"]
mod stream;

use reshelf::ranked::Ranking;
use reshelf::rewrite::html::{self, HtmlRules, HtmlSpec};
use reshelf::rewrite::{Outcome, Stats, Unchanged};

fn rules(tiles: &str, product_id: &str) -> HtmlRules {
    HtmlRules::new(&HtmlSpec {
        tiles,
        product_id,
        ..HtmlSpec::default()
    })
    .unwrap()
}

/// Rewrites `input` (whole, then one byte at a time, which must agree) and returns the body
/// as text plus the outcome.
fn run(input: &str, rules: &HtmlRules, ranking: &[&str]) -> (String, Outcome) {
    let ranking = Ranking::new(ranking);
    let whole = html::reorder(input.as_bytes(), None, rules, &ranking);
    let bytewise = html::reorder_chunked(input.as_bytes(), 1, None, rules, &ranking);
    assert_eq!(whole.body, bytewise.body, "one-byte chunks differ");
    assert_eq!(whole.outcome, bytewise.outcome);
    stream::assert_same_as_buffered(
        input.as_bytes(),
        None,
        rules,
        &ranking,
        &[1, 3, 1 << 20],
        input,
    );
    (
        String::from_utf8(whole.body.into_owned()).unwrap(),
        whole.outcome,
    )
}

fn reordered(listings: usize, tiles: usize, ranked: usize) -> Outcome {
    Outcome::Reordered(Stats {
        listings,
        tiles,
        ranked,
    })
}

fn not_listing(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Unchanged(Unchanged::NotListing(_)))
}

const GRID: &str = r#"<html><body><h1>Shirts</h1>
<ul class="grid">
  <li class="tile" data-id="a"><a href="/p/a">A</a></li>
  <li class="tile" data-id="b"><a href="/p/b">B</a></li>
  <li class="tile promo"><a href="/sale">Sale!</a></li>
  <li class="tile" data-id="c"><a href="/p/c">C</a></li>
</ul></body></html>"#;

#[test]
fn ranked_tiles_lead_the_rest_keep_order_promo_stays_pinned() {
    let (out, outcome) = run(
        GRID,
        &rules("ul.grid > li.tile", "data-id"),
        &["c", "zz", "b"],
    );
    assert_eq!(outcome, reordered(1, 3, 2));
    assert_eq!(
        out,
        r#"<html><body><h1>Shirts</h1>
<ul class="grid">
  <li class="tile" data-id="c"><a href="/p/c">C</a></li>
  <li class="tile" data-id="b"><a href="/p/b">B</a></li>
  <li class="tile promo"><a href="/sale">Sale!</a></li>
  <li class="tile" data-id="a"><a href="/p/a">A</a></li>
</ul></body></html>"#
    );
}

#[test]
fn empty_identity_and_absent_rankings_leave_the_input() {
    let r = rules("ul.grid > li.tile", "data-id");
    let input = GRID.as_bytes();
    for (ranking, reason) in [
        (Ranking::new(Vec::<String>::new()), Unchanged::EmptyRanking),
        (Ranking::new(["a", "b", "c"]), Unchanged::SameOrder),
        (Ranking::new(["x", "y"]), Unchanged::SameOrder),
    ] {
        let out = html::reorder(input, None, &r, &ranking);
        assert!(matches!(out.body, std::borrow::Cow::Borrowed(b) if b == input));
        assert_eq!(out.outcome, Outcome::Unchanged(reason));
    }
    // Empty ranking: not even parsed, so not even a listing is required.
    let out = html::reorder(b"<p>no tiles", None, &r, &Ranking::default());
    assert_eq!(out.outcome, Outcome::Unchanged(Unchanged::EmptyRanking));
}

#[test]
fn no_tiles_or_no_ids_is_not_a_listing() {
    let r = rules("ul.grid > li.tile", "data-id");
    let (out, outcome) = run(
        "<ul class=other><li class=tile data-id=a>A</li></ul>",
        &r,
        &["a"],
    );
    assert!(not_listing(&outcome), "{outcome:?}");
    assert_eq!(out, "<ul class=other><li class=tile data-id=a>A</li></ul>");
    let (_, outcome) = run(
        "<ul class=grid><li class=tile>A</li><li class=tile>B</li></ul>",
        &r,
        &["a"],
    );
    assert!(not_listing(&outcome), "{outcome:?}");
}

#[test]
fn each_listing_is_reordered_on_its_own() {
    let input = "<div class=row><div class=card data-id=1>1</div><div class=card data-id=2>2</div></div>\
                 <p>between</p>\
                 <div class=row><div class=card data-id=3>3</div><div class=card data-id=4>4</div></div>";
    let r = rules("div.row > div.card", "data-id");
    let (out, outcome) = run(input, &r, &["4", "2"]);
    assert_eq!(outcome, reordered(2, 4, 2));
    assert_eq!(
        out,
        "<div class=row><div class=card data-id=2>2</div><div class=card data-id=1>1</div></div>\
         <p>between</p>\
         <div class=row><div class=card data-id=4>4</div><div class=card data-id=3>3</div></div>"
    );
    // A bare tile selector (every element a parent candidate) finds the same two listings.
    let (bare, _) = run(input, &rules("div.card", "data-id"), &["4", "2"]);
    assert_eq!(bare, out);
    // A descendant selector too.
    let (desc, _) = run(input, &rules("div div.card", "data-id"), &["4", "2"]);
    assert_eq!(desc, out);
}

#[test]
fn nested_tiles_move_with_their_outer_tile() {
    let input = "<ul class=g><li class=t data-id=a>A<ul class=g><li class=t data-id=x>X</li>\
                 <li class=t data-id=y>Y</li></ul></li><li class=t data-id=b>B</li></ul>";
    let r = rules("ul.g > li.t", "data-id");
    assert_eq!(
        html::listing_ids(input.as_bytes(), None, &r).unwrap(),
        vec![vec![Some("a".to_owned()), Some("b".to_owned())]]
    );
    let (out, outcome) = run(input, &r, &["y", "b"]);
    assert_eq!(outcome, reordered(1, 2, 1));
    assert_eq!(
        out,
        "<ul class=g><li class=t data-id=b>B</li><li class=t data-id=a>A<ul class=g><li class=t data-id=x>X</li>\
         <li class=t data-id=y>Y</li></ul></li></ul>"
    );
}

#[test]
fn tiles_in_templates_scripts_and_comments_are_not_tiles() {
    let input = r#"<ul class=g><li class=t data-id=a>A</li>
<!-- <li class=t data-id=z>commented</li> -->
<script>document.write('<li class=t data-id=s>in a string</li>');</script>
<template><li class=t data-id=m>inert</li></template>
<li class=t data-id=b>B</li></ul>
<template><ul class=g><li class=t data-id=p>P</li><li class=t data-id=q>Q</li></ul></template>"#;
    let r = rules("ul.g > li.t", "data-id");
    assert_eq!(
        html::listing_ids(input.as_bytes(), None, &r).unwrap(),
        vec![vec![Some("a".to_owned()), Some("b".to_owned())]]
    );
    let (out, outcome) = run(input, &r, &["q", "s", "z", "m", "b"]);
    assert_eq!(outcome, reordered(1, 2, 1));
    assert_eq!(
        out,
        input.replacen("data-id=a>A", "data-id=b>B", 1).replacen(
            "data-id=b>B</li></ul>",
            "data-id=a>A</li></ul>",
            1
        )
    );
}

#[test]
fn id_comes_from_the_tile_else_its_first_carrier_then_the_pattern() {
    let r = HtmlRules::new(&HtmlSpec {
        tiles: "div.grid > div.item",
        product_id: "href",
        product_id_pattern: "/products/([^/.?#]+)",
        ..HtmlSpec::default()
    })
    .unwrap();
    let input = r#"<div class="grid">
<div class="item"><a href="/products/red-cap?v=1">Red</a><a href="/products/other">x</a></div>
<div class="item" href="/products/own"><a href="/products/inner">Own</a></div>
<div class="item"><a href="/pages/gift-card">No id: pinned</a><a href="/products/late">y</a></div>
<div class="item"><span HREF="/products/blue.html">Blue</span></div>
</div>"#;
    assert_eq!(
        html::listing_ids(input.as_bytes(), None, &r).unwrap(),
        vec![vec![
            Some("red-cap".into()),
            Some("own".into()),
            None,
            Some("blue".into())
        ]]
    );
    let (out, outcome) = run(input, &r, &["blue", "late", "inner"]);
    assert_eq!(outcome, reordered(1, 3, 1));
    assert_eq!(
        out,
        r#"<div class="grid">
<div class="item"><span HREF="/products/blue.html">Blue</span></div>
<div class="item"><a href="/products/red-cap?v=1">Red</a><a href="/products/other">x</a></div>
<div class="item"><a href="/pages/gift-card">No id: pinned</a><a href="/products/late">y</a></div>
<div class="item" href="/products/own"><a href="/products/inner">Own</a></div>
</div>"#
    );
}

#[test]
fn carriers_learned_on_one_page_do_not_hide_others_on_the_next() {
    let r = rules("ul > li", "data-id");
    // The first page teaches the rules that ids sit on links.
    let first = "<ul><li><a data-id=1>1</a></li><li><a data-id=2>2</a></li></ul>";
    let (out, _) = run(first, &r, &["2"]);
    assert_eq!(
        out,
        "<ul><li><a data-id=2>2</a></li><li><a data-id=1>1</a></li></ul>"
    );
    // The next one has a span before the link, an upper-case <i>, and a commented-out
    // carrier before a link.
    let next = "<ul><li><span data-id=s></span><a data-id=no>a</a></li><li><I DATA-ID=i></I></li>\
                <li><!-- <b data-id=zz> --><a data-id=a>a</a></li></ul>";
    let ids = html::listing_ids(next.as_bytes(), None, &r).unwrap();
    assert_eq!(
        ids,
        vec![vec![Some("s".into()), Some("i".into()), Some("a".into())]]
    );
    let (out, outcome) = run(next, &r, &["a", "i", "s"]);
    assert_eq!(outcome, reordered(1, 3, 3));
    assert_eq!(
        out,
        "<ul><li><!-- <b data-id=zz> --><a data-id=a>a</a></li><li><I DATA-ID=i></I></li>\
         <li><span data-id=s></span><a data-id=no>a</a></li></ul>"
    );
    // A clone shares what was learned, and reads the same.
    assert_eq!(
        html::listing_ids(next.as_bytes(), None, &r.clone()).unwrap(),
        ids
    );
}

#[test]
fn duplicates_keep_their_relative_order() {
    let input = "<ol><li data-id=a>a1</li><li data-id=b>b</li><li data-id=a>a2</li><li data-id=c>c</li></ol>";
    let (out, _) = run(input, &rules("ol > li", "data-id"), &["c", "a"]);
    assert_eq!(out, "<ol><li data-id=c>c</li><li data-id=a>a1</li><li data-id=a>a2</li><li data-id=b>b</li></ol>");
}

#[test]
fn companions_right_after_a_tile_travel_with_it() {
    let input = "<ul><li class=p data-id=1>one</li> <li class=help id=h1></li>\n\
                 <li class=p data-id=2>two</li><li class=help id=h2></li><li class=help id=h2b></li>\
                 <li class=p data-id=3>three</li>text<li class=help id=stays></li></ul>";
    let r = HtmlRules::new(&HtmlSpec {
        tiles: "ul > li.p",
        product_id: "data-id",
        companions: "li.help",
        ..HtmlSpec::default()
    })
    .unwrap();
    let (out, _) = run(input, &r, &["3", "2"]);
    assert_eq!(
        out,
        "<ul><li class=p data-id=3>three</li>\n\
         <li class=p data-id=2>two</li><li class=help id=h2></li><li class=help id=h2b></li>\
         <li class=p data-id=1>one</li> <li class=help id=h1></li>text<li class=help id=stays></li></ul>"
    );
}

#[test]
fn slot_classes_and_slot_attributes_stay_with_the_position() {
    let slot_classes = ["first".to_owned(), "last".to_owned()];
    let slot_attributes = ["style".to_owned(), "data-pos".to_owned()];
    let r = HtmlRules::new(&HtmlSpec {
        tiles: "ul.products > li",
        product_id: "data-id",
        slot_classes: &slot_classes,
        slot_attributes: &slot_attributes,
        ..HtmlSpec::default()
    })
    .unwrap();
    let input = "<ul class=products>\
<li class=\"product first in\" data-id=a style=\"--order: 1\" data-pos=1>A</li>\
<li class=\"product  in\" data-id=b style='--order: 2'>B</li>\
<li data-id=c />C</li>\
<li class=last data-id=d style=\"--order: 4\" data-pos=4>D</li></ul>";
    let (out, outcome) = run(input, &r, &["d", "c", "b", "a"]);
    assert_eq!(outcome, reordered(1, 4, 4));
    assert_eq!(
        out,
        "<ul class=products>\
<li class=first data-id=d style=\"--order: 1\" data-pos=1>D</li>\
<li data-id=c  style='--order: 2'/>C</li>\
<li class=\"product  in\" data-id=b>B</li>\
<li class=\"product last in\" data-id=a style=\"--order: 4\" data-pos=4>A</li></ul>"
    );
    let (out, _) = run(input, &r, &["b", "c", "a"]);
    assert_eq!(
        out,
        "<ul class=products>\
<li class=\"product  in first\" data-id=b style=\"--order: 1\" data-pos=1>B</li>\
<li data-id=c  style='--order: 2'/>C</li>\
<li class=\"product  in\" data-id=a>A</li>\
<li class=last data-id=d style=\"--order: 4\" data-pos=4>D</li></ul>"
    );
    // A bare or unquoted class attribute: quotes are added where the value needs them.
    let input = "<ul class=products><li class=last data-id=x>X</li><li data-id=y>Y</li><li class data-id=z>Z</li></ul>";
    let (out, _) = run(input, &r, &["z", "y", "x"]);
    assert_eq!(
        out,
        "<ul class=products><li class=\"last\" data-id=z>Z</li><li data-id=y>Y</li><li class=\"\" data-id=x>X</li></ul>"
    );
}

#[test]
fn bad_rules_are_all_reported() {
    let classes = ["ok".to_owned(), "two words".to_owned()];
    let attrs = ["class".to_owned()];
    let errors = HtmlRules::new(&HtmlSpec {
        tiles: "ul + li",
        product_id: "",
        product_id_pattern: "no-group-(",
        companions: "li:has(a)",
        slot_classes: &classes,
        slot_attributes: &attrs,
    })
    .unwrap_err();
    let keys: Vec<&str> = errors.iter().map(|e| e.key).collect();
    assert_eq!(
        keys,
        [
            "tiles",
            "product_id",
            "product_id_pattern",
            "companions",
            "slot_classes",
            "slot_attributes"
        ]
    );
    let no_group = HtmlRules::new(&HtmlSpec {
        tiles: "li",
        product_id: "href",
        product_id_pattern: "/products/.+",
        ..HtmlSpec::default()
    });
    assert_eq!(no_group.unwrap_err()[0].key, "product_id_pattern");
}
