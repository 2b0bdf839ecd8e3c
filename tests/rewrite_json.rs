//! `rewrite::json` on the real listing APIs of `../shared/fixtures/storefronts` and on small
//! listings written here, one per rule. serde_json is the independent oracle throughout: it
//! finds the original items (as `RawValue`s, whose offsets locate them in the input) and reads
//! the ids back out of the output. Generated listings are in `common/json_props.rs`.

#[path = "common/json_props.rs"]
mod json_props;
#[path = "common/json_stream.rs"]
mod json_stream;

use std::collections::HashMap;
use std::path::PathBuf;

use reshelf::ranked::Ranking;
use reshelf::rewrite::json::{reorder, JsonRules};
use reshelf::rewrite::{Outcome, Stats, Unchanged};
use serde_json::value::RawValue;
use serde_json::Value;

/// Byte ranges of the items of the array at `pointer`, found by serde_json.
pub fn raw_item_ranges(input: &[u8], pointer: &str) -> Vec<(usize, usize)> {
    let mut raw: &RawValue = serde_json::from_slice(input).expect("valid JSON");
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        raw = if raw.get().starts_with('{') {
            let members: HashMap<String, &RawValue> = serde_json::from_str(raw.get()).unwrap();
            members[&token]
        } else {
            let items: Vec<&RawValue> = serde_json::from_str(raw.get()).unwrap();
            items[token.parse::<usize>().unwrap()]
        };
    }
    let items: Vec<&RawValue> = serde_json::from_str(raw.get()).expect("an array");
    let base = input.as_ptr() as usize;
    items
        .iter()
        .map(|item| {
            let start = item.get().as_ptr() as usize - base;
            (start, start + item.get().len())
        })
        .collect()
}

/// An id as the ranking spells it: a string's value, a number's JSON text.
fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The ids of the array at `pointer` in `body`, read by serde_json.
fn ids_at(body: &[u8], pointer: &str, member: &str) -> Vec<Option<String>> {
    let doc: Value = serde_json::from_slice(body).expect("output parses");
    let items = doc
        .pointer(pointer)
        .and_then(Value::as_array)
        .expect("array");
    items
        .iter()
        .map(|item| item.get(member).and_then(id_text))
        .collect()
}

/// The input with the items at `ranges` placed in `order` (`order[slot]` = item index), every
/// other byte kept: what a reorder must produce.
pub fn permuted(input: &[u8], ranges: &[(usize, usize)], order: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0;
    for (slot, &from) in ranges.iter().zip(order) {
        out.extend_from_slice(&input[at..slot.0]);
        out.extend_from_slice(&input[ranges[from].0..ranges[from].1]);
        at = slot.1;
    }
    out.extend_from_slice(&input[at..]);
    out
}

/// The order the spec asks for, computed without `ranked_order`: items with an id sorted
/// stably by where the ranking first names it (unnamed ones last), pinned items in place.
pub fn expected_order(ids: &[Option<String>], ranking: &[&str]) -> Vec<usize> {
    let rank = |id: &str| ranking.iter().position(|r| *r == id).unwrap_or(usize::MAX);
    let mut movable: Vec<usize> = (0..ids.len()).filter(|&i| ids[i].is_some()).collect();
    let slots = movable.clone();
    movable.sort_by_key(|&i| rank(ids[i].as_deref().unwrap()));
    let mut order: Vec<usize> = (0..ids.len()).collect();
    for (slot, item) in slots.into_iter().zip(movable) {
        order[slot] = item;
    }
    order
}

fn fixtures_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/storefronts");
    if dir.join("manifest.json").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is absent under CI",
        dir.display()
    );
    eprintln!("skipped: {} is absent", dir.display());
    None
}

/// Reorders one real listing by `ranking` and checks everything a shopper or the shop could
/// notice: the order, the exact bytes, the counts.
fn check_real(name: &str, input: &[u8], pointer: &str, member: &str, ranking: &[&str]) {
    let rules = JsonRules::new(pointer, member).unwrap();
    let ranges = raw_item_ranges(input, pointer);
    let ids = ids_at(input, pointer, member);
    let order = expected_order(&ids, ranking);
    let out = reorder(input, &rules, &Ranking::new(ranking));
    let chunks = [1, 7, 64, 16 << 10, input.len()];
    json_stream::assert_same_as_buffered(input, &rules, &Ranking::new(ranking), &chunks, name);
    let named = ids
        .iter()
        .filter(|id| id.as_deref().is_some_and(|id| ranking.contains(&id)))
        .count();
    let stats = Stats {
        listings: 1,
        tiles: ids.iter().flatten().count(),
        ranked: named,
    };
    assert_eq!(out.outcome, Outcome::Reordered(stats), "{name}");
    let expected_ids: Vec<_> = order.iter().map(|&i| ids[i].clone()).collect();
    assert_eq!(ids_at(&out.body, pointer, member), expected_ids, "{name}");
    assert!(
        out.body[..] == permuted(input, &ranges, &order)[..],
        "{name}: output is not the input with its items permuted"
    );
    for needle in [&b"\\u003c"[..], b"\\/", b"1.0000"] {
        let count = |hay: &[u8]| hay.windows(needle.len()).filter(|w| *w == needle).count();
        assert_eq!(count(&out.body), count(input), "{name}: {needle:?}");
    }
}

#[test]
fn real_listing_apis_reorder_byte_exact() {
    let Some(dir) = fixtures_dir() else { return };
    let manifest: Vec<Value> =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let mut seen = 0;
    for page in manifest.iter().filter(|p| p["format"] == "json") {
        let name = page["name"].as_str().unwrap();
        let (pointer, member) = (
            page["array"].as_str().unwrap(),
            page["product_id"].as_str().unwrap(),
        );
        let input = std::fs::read(dir.join(page["file"].as_str().unwrap())).unwrap();
        let ids: Vec<String> = ids_at(&input, pointer, member)
            .into_iter()
            .flatten()
            .collect();
        assert!(ids.len() >= 3, "{name}: too few items to test with");
        let reversed: Vec<&str> = ids.iter().rev().map(String::as_str).collect();
        check_real(name, &input, pointer, member, &reversed);
        // Two named ids (one from the middle) and one the page lacks; the rest keep their order.
        let partial = [
            ids[ids.len() - 1].as_str(),
            "no-such-product",
            ids[1].as_str(),
        ];
        check_real(name, &input, pointer, member, &partial);
        seen += 1;
    }
    assert_eq!(seen, 4, "the manifest's JSON listings");
}

#[test]
fn integer_ids_match_the_rankings_strings() {
    let Some(dir) = fixtures_dir() else { return };
    let input = std::fs::read(dir.join("json/woocommerce_storeapi_hichamwootest_products.json"));
    let input = input.unwrap();
    let doc: Value = serde_json::from_slice(&input).unwrap();
    let last = doc.as_array().unwrap().last().unwrap()["id"].clone();
    assert!(last.is_u64(), "WooCommerce ids are JSON numbers");
    let rules = JsonRules::new("", "id").unwrap();
    let out = reorder(&input, &rules, &Ranking::new([last.to_string()]));
    let first = &serde_json::from_slice::<Value>(&out.body).unwrap()[0];
    assert_eq!(first["id"], last);
}

/// Reorders a small listing (root array, member `id`) and returns the body as text.
fn run(input: &str, pointer: &str, ranking: &[&str]) -> (String, Outcome) {
    let rules = JsonRules::new(pointer, "id").unwrap();
    let out = reorder(input.as_bytes(), &rules, &Ranking::new(ranking));
    let chunks = [1, 3, 1 << 20];
    json_stream::assert_same_as_buffered(
        input.as_bytes(),
        &rules,
        &Ranking::new(ranking),
        &chunks,
        input,
    );
    (
        String::from_utf8(out.body.into_owned()).unwrap(),
        out.outcome,
    )
}

fn not_listing(input: &[u8], pointer: &str) -> String {
    let rules = JsonRules::new(pointer, "id").unwrap();
    let out = reorder(input, &rules, &Ranking::new(["a"]));
    assert_eq!(&out.body[..], input, "an unreadable body passes unchanged");
    let what = String::from_utf8_lossy(input);
    json_stream::assert_same_as_buffered(
        input,
        &rules,
        &Ranking::new(["a"]),
        &[1, 3, 1 << 20],
        &what,
    );
    match out.outcome {
        Outcome::Unchanged(Unchanged::NotListing(detail)) => detail,
        other => panic!(
            "{:?}: expected not-listing, got {other:?}",
            String::from_utf8_lossy(input)
        ),
    }
}

#[test]
fn root_array_ranked_first_rest_native() {
    let (body, outcome) = run(
        r#"[{"id":"a"},{"id":"b"},{"id":"c"},{"id":"d"}]"#,
        "",
        &["c", "a"],
    );
    assert_eq!(body, r#"[{"id":"c"},{"id":"a"},{"id":"b"},{"id":"d"}]"#);
    let stats = Stats {
        listings: 1,
        tiles: 4,
        ranked: 2,
    };
    assert_eq!(outcome, Outcome::Reordered(stats));
}

#[test]
fn pretty_printing_stays_with_the_slots() {
    let input = "{\n  \"items\": [\n    {\"id\": \"a\", \"p\": 1.0000},\n\t{ \"id\":\"b\" } ,\r\n    {\"id\": \"c\"}\n  ]\n}\n";
    let (body, _) = run(input, "/items", &["c", "b"]);
    let expected = "{\n  \"items\": [\n    {\"id\": \"c\"},\n\t{ \"id\":\"b\" } ,\r\n    {\"id\": \"a\", \"p\": 1.0000}\n  ]\n}\n";
    assert_eq!(body, expected);
}

#[test]
fn nested_pointer_with_escapes_and_indexes() {
    let input = r#"{"data":{"a/b":[{"list":[]},{"m~n":{"list":[{"id":"x"},{"id":"y"}]}}],"list":[{"id":"y"},{"id":"x"}]}}"#;
    let (body, _) = run(input, "/data/a~1b/1/m~0n/list", &["y"]);
    assert_eq!(
        body,
        input.replacen(r#"{"id":"x"},{"id":"y"}"#, r#"{"id":"y"},{"id":"x"}"#, 1)
    );
    // Indexes are canonical decimals: "01" and "-" name nothing.
    assert!(not_listing(input.as_bytes(), "/data/a~1b/01/m~0n/list").contains("nothing"));
    assert!(not_listing(input.as_bytes(), "/data/a~1b/-").contains("nothing"));
    // Member names are compared decoded; a later duplicate wins, as in serde_json.
    let (body, _) = run(
        r#"{"l\u0069st":[1],"list":[{"id":"a"},{"id":"b"}]}"#,
        "/list",
        &["b"],
    );
    assert_eq!(body, r#"{"l\u0069st":[1],"list":[{"id":"b"},{"id":"a"}]}"#);
    assert!(not_listing(br#"{"list":[{"id":"a"}],"list":{}}"#, "/list").contains("not an array"));
}

#[test]
fn items_without_an_id_keep_their_slot() {
    let input = r#"[{"id":"a"},"promo",{"id":"b"},null,{"sku":"x"},{"id":true},{"id":{"v":1}},[1],{"id":"c"}]"#;
    let (body, outcome) = run(input, "", &["c", "b"]);
    assert_eq!(
        body,
        r#"[{"id":"c"},"promo",{"id":"b"},null,{"sku":"x"},{"id":true},{"id":{"v":1}},[1],{"id":"a"}]"#
    );
    let stats = Stats {
        listings: 1,
        tiles: 3,
        ranked: 2,
    };
    assert_eq!(outcome, Outcome::Reordered(stats));
}

#[test]
fn duplicates_keep_their_relative_order() {
    let (body, _) = run(
        r#"[{"id":"a","n":1},{"id":"b"},{"id":"a","n":2}]"#,
        "",
        &["a"],
    );
    assert_eq!(body, r#"[{"id":"a","n":1},{"id":"a","n":2},{"id":"b"}]"#);
    // A duplicate member inside an item: the last one is the id.
    let (body, _) = run(r#"[{"id":"b"},{"id":"a","id":"c"}]"#, "", &["c"]);
    assert_eq!(body, r#"[{"id":"a","id":"c"},{"id":"b"}]"#);
}

#[test]
fn ids_compare_by_text() {
    let input = r#"[{"id":1.0},{"id":-23},{"id":"a\/b"},{"id":"\u00e9\ud83d\ude00"},{"id":"\ud800"},{"id":23}]"#;
    let (body, _) = run(input, "", &["23", "é😀", "a/b", "1"]);
    // 23 is the number 23 only, never -23; 1.0 is not "1"; a lone surrogate is no id.
    assert_eq!(
        body,
        r#"[{"id":23},{"id":"\u00e9\ud83d\ude00"},{"id":"a\/b"},{"id":1.0},{"id":"\ud800"},{"id":-23}]"#
    );
}

#[test]
fn nothing_to_move_is_same_order() {
    let same = Outcome::Unchanged(Unchanged::SameOrder);
    let input = r#"[{"id":"a"},{"id":"b"}]"#;
    assert_eq!(run(input, "", &["zz"]), (input.into(), same.clone()));
    assert_eq!(
        run(input, "", &["a", "zz", "b"]),
        (input.into(), same.clone())
    );
    assert_eq!(run("[]", "", &["a"]), ("[]".into(), same.clone()));
    assert_eq!(run(r#"{"list": [ ]}"#, "/list", &["a"]).1, same);
    let (body, _) = run(input, "", &["zz", "b"]);
    assert_eq!(body, r#"[{"id":"b"},{"id":"a"}]"#);
    let empty = Outcome::Unchanged(Unchanged::EmptyRanking);
    assert_eq!(run(input, "", &[]), (input.into(), empty));
}

#[test]
fn malformed_json_is_not_a_listing() {
    let cases: [&[u8]; 22] = [
        br#"[{"id":"a"},{"id":"b"}"#,
        br#"[{"id":"a"},]"#,
        br#"[{'id':"a"}]"#,
        br#"[{id:"a"}]"#,
        br#"[{"id":"a"} {"id":"b"}]"#,
        br#"[{"id" "a"}]"#,
        br#"[{"id":"a",}]"#,
        b"[NaN]",
        b"[01]",
        b"[1.]",
        b"[-]",
        b"[tru]",
        b"[\"tab\tin string\"]",
        br#"["\x"]"#,
        br#"["\u12"]"#,
        b"[\"\xff\"]",
        b"[\"\xc3\"]",
        b"[\xc3\xa9]",
        b"",
        b"   ",
        b"[}",
        b"{]",
    ];
    for input in cases {
        not_listing(input, "");
    }
    assert!(not_listing(br#"[1,2]"#, "/0").contains("not an array"));
}

#[test]
fn trailing_garbage_is_not_a_listing() {
    for input in [
        &br#"[{"id":"a"}] x"#[..],
        br#"[{"id":"a"}][]"#,
        br#"[{"id":"a"}]}"#,
        b"[]\0",
    ] {
        assert!(not_listing(input, "").contains("trailing"), "{input:?}");
    }
    let (_, outcome) = run("[{\"id\":\"b\"},{\"id\":\"a\"}] \r\n\t", "", &["a"]);
    assert!(
        matches!(outcome, Outcome::Reordered(_)),
        "trailing whitespace is fine"
    );
}

#[test]
fn pointer_to_something_else_is_not_a_listing() {
    let input = br#"{"products":{"id":"a"},"count":2,"list":[]}"#;
    assert!(not_listing(input, "/products").contains("an object, not an array"));
    assert!(not_listing(input, "/count").contains("a number, not an array"));
    assert!(not_listing(input, "/missing").contains("nothing at the array pointer"));
    assert!(not_listing(input, "/list/0").contains("nothing"));
    assert!(not_listing(input, "").contains("an object, not an array"));
}

#[test]
fn a_byte_order_mark_is_kept() {
    let input = "\u{feff}[{\"id\":\"a\"},{\"id\":\"b\"}]";
    let (body, outcome) = run(input, "", &["b"]);
    assert_eq!(body, "\u{feff}[{\"id\":\"b\"},{\"id\":\"a\"}]");
    assert!(matches!(outcome, Outcome::Reordered(_)));
    // Only at the very start.
    not_listing(" \u{feff}[]".as_bytes(), "");
}

#[test]
fn deep_nesting_neither_overflows_nor_misleads() {
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    for input in [
        "[".repeat(1_000_000),
        format!("{}{}", "{\"a\":".repeat(200_000), "1"),
    ] {
        not_listing(input.as_bytes(), "");
    }
    // Deeper than serde_json's limit, inside an item: read, kept byte for byte.
    let nested = deep(100_000);
    let input = format!(r#"[{{"id":"a","x":{nested}}},{{"id":"b"}}]"#);
    let (body, _) = run(&input, "", &["b"]);
    assert_eq!(body, format!(r#"[{{"id":"b"}},{{"id":"a","x":{nested}}}]"#));
}
