//! Property tests for `rewrite::json` on generated listings: pretty or compact, at the root or
//! below a pointer, with pinned items, duplicate and numeric ids, escapes and decoy `id`s nested
//! inside items. serde_json is the oracle for the item ranges, the ids and what is valid JSON.

use proptest::prelude::*;
use reshelf::ranked::Ranking;
use reshelf::rewrite::json::{reorder, JsonRules, StreamOutcome};
use reshelf::rewrite::{Outcome, Unchanged};
use serde_json::Value;

use super::{expected_order, permuted, raw_item_ranges};

/// Member values and non-object items; some hold an `id` that is not the item's own.
const FILLERS: &[&str] = &[
    "1.0000",
    "-0.5e+3",
    r#""<\u003c\/> \"quoted\" é""#,
    "null",
    "true",
    r#"[1, {"id": "p1"}]"#,
    "[]",
    "{}",
    r#"{"sku": 7}"#,
    // Only ever a member value (see `spec`): as an item it would have an id.
    r#"{"id": "p2", "deep": {"id": 3}}"#,
];

/// One element of a generated listing.
#[derive(Debug, Clone)]
enum Spec {
    /// An object with an id: which id (0..6), spelled as `"p3"`, `"\u00703"` or `3` (style
    /// 0, 1, 2), between filler members.
    WithId {
        id: usize,
        style: u8,
        before: Vec<usize>,
        after: Vec<usize>,
    },
    /// A filler as the item itself (no id: pinned).
    Without(usize),
}

fn spec() -> impl Strategy<Value = Spec> {
    let filler = 0..FILLERS.len();
    prop_oneof![
        4 => (0..6usize, 0..3u8, prop::collection::vec(filler.clone(), 0..3),
              prop::collection::vec(filler.clone(), 0..3))
            .prop_map(|(id, style, before, after)| Spec::WithId { id, style, before, after }),
        1 => (0..FILLERS.len() - 1).prop_map(Spec::Without),
    ]
}

/// A generated document and what the test needs to know about it.
#[derive(Debug, Clone)]
struct Listing {
    text: String,
    pointer: &'static str,
    /// Each item's id as the ranking spells it.
    ids: Vec<Option<String>>,
}

/// Renders `specs` with whitespace `ws[k]` (cycled) between tokens; `unique` gives item i the
/// id number i instead of its spec's.
fn render(specs: &[Spec], ws: &[String], nested: bool, unique: bool) -> Listing {
    let mut next_ws = ws.iter().cycle();
    let mut w = || next_ws.next().map_or("", String::as_str).to_owned();
    let mut ids = Vec::new();
    let mut items = Vec::new();
    for (i, spec) in specs.iter().enumerate() {
        match spec {
            Spec::WithId {
                id,
                style,
                before,
                after,
            } => {
                let n = if unique { i } else { *id };
                let (spelled, text) = match style {
                    0 => (format!("\"p{n}\""), format!("p{n}")),
                    1 => (format!("\"\\u0070{n}\""), format!("p{n}")),
                    _ => (n.to_string(), n.to_string()),
                };
                let mut members: Vec<String> = before
                    .iter()
                    .enumerate()
                    .map(|(k, f)| format!("\"b{k}\"{}:{}{}", w(), w(), FILLERS[*f]))
                    .collect();
                members.push(format!("\"id\"{}:{}{spelled}", w(), w()));
                members.extend(
                    after
                        .iter()
                        .enumerate()
                        .map(|(k, f)| format!("\"a{k}\":{}{}", w(), FILLERS[*f])),
                );
                items.push(format!(
                    "{{{}{}{}}}",
                    w(),
                    members.join(&format!("{},{}", w(), w())),
                    w()
                ));
                ids.push(Some(text));
            }
            Spec::Without(f) => {
                items.push(FILLERS[*f].to_owned());
                ids.push(None);
            }
        }
    }
    let mut array = format!("[{}", w());
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            array.push_str(&format!("{},{}", w(), w()));
        }
        array.push_str(item);
    }
    array.push_str(&format!("{}]", w()));
    let (text, pointer) = if nested {
        (
            format!(
                r#"{{"list":{{"id":"p0"}},"data":{{"list":{}{array}}},"n":1}}"#,
                w()
            ),
            "/data/list",
        )
    } else {
        (format!("{}{array}{}", w(), w()), "")
    };
    Listing { text, pointer, ids }
}

fn listing(unique: bool) -> impl Strategy<Value = Listing> {
    (
        prop::collection::vec(spec(), 0..12),
        prop::collection::vec("[ \t\r\n]{0,3}", 1..6),
        any::<bool>(),
    )
        .prop_map(move |(specs, ws, nested)| render(&specs, &ws, nested, unique))
}

fn ranking() -> impl Strategy<Value = Vec<String>> {
    let id = prop_oneof![
        (0..6usize).prop_map(|n| format!("p{n}")),
        (0..6usize).prop_map(|n| n.to_string()),
        Just("zz".to_owned())
    ];
    prop::collection::vec(id, 0..8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The output is exactly the input with its items permuted in the spec's order.
    #[test]
    fn output_is_the_items_permuted(listing in listing(false), ranking in ranking()) {
        let input = listing.text.as_bytes();
        let rules = JsonRules::new(listing.pointer, "id").unwrap();
        let out = reorder(input, &rules, &Ranking::new(&ranking));
        let ranking: Vec<&str> = ranking.iter().map(String::as_str).collect();
        let order = expected_order(&listing.ids, &ranking);
        let identity = order.iter().enumerate().all(|(slot, &i)| slot == i);
        match out.outcome {
            Outcome::Reordered(stats) => {
                prop_assert!(!identity);
                prop_assert_eq!(stats.tiles, listing.ids.iter().flatten().count());
                let ranges = raw_item_ranges(input, listing.pointer);
                prop_assert_eq!(&out.body[..], &permuted(input, &ranges, &order)[..]);
                // The output is JSON again, with the same items as a multiset.
                let mut before: Vec<&[u8]> = ranges.iter().map(|r| &input[r.0..r.1]).collect();
                let after_ranges = raw_item_ranges(&out.body, listing.pointer);
                let mut after: Vec<&[u8]> = after_ranges.iter().map(|r| &out.body[r.0..r.1]).collect();
                before.sort();
                after.sort();
                prop_assert_eq!(before, after);
            }
            Outcome::Unchanged(Unchanged::EmptyRanking) => prop_assert!(ranking.is_empty()),
            Outcome::Unchanged(Unchanged::SameOrder) => {
                prop_assert!(identity && !ranking.is_empty());
                prop_assert_eq!(&out.body[..], input);
            }
            Outcome::Unchanged(Unchanged::NotListing(detail)) => prop_assert!(false, "{}", detail),
        }
    }

    /// The native order as the ranking, or no ranking at all, leaves the body as it was.
    #[test]
    fn identity_and_empty_rankings_change_nothing(listing in listing(true)) {
        let input = listing.text.as_bytes();
        let rules = JsonRules::new(listing.pointer, "id").unwrap();
        let native = Ranking::new(listing.ids.iter().flatten());
        let out = reorder(input, &rules, &native);
        prop_assert_eq!(&out.body[..], input);
        let expected = if native.is_empty() { Unchanged::EmptyRanking } else { Unchanged::SameOrder };
        prop_assert_eq!(out.outcome, Outcome::Unchanged(expected));
        let out = reorder(input, &rules, &Ranking::default());
        prop_assert_eq!(&out.body[..], input);
        prop_assert_eq!(out.outcome, Outcome::Unchanged(Unchanged::EmptyRanking));
    }

    /// Damaged documents: reordered exactly when serde_json finds valid JSON with an array at
    /// the pointer, and then still valid JSON.
    #[test]
    fn damage_is_caught_like_serde_json_does(
        listing in listing(false),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0..3u8, prop::sample::select(
            b"{}[],:\"\\ 0-1.eEtrunl\x00\x1f\x80\xc3\xff".to_vec())), 1..3),
    ) {
        let mut input = listing.text.into_bytes();
        for (at, kind, byte) in edits {
            let at = at.index(input.len() + 1);
            match kind {
                0 => input.insert(at, byte),
                1 if at < input.len() => { input.remove(at); }
                _ if at < input.len() => input[at] = byte,
                _ => input.push(byte),
            }
        }
        let rules = JsonRules::new(listing.pointer, "id").unwrap();
        let out = reorder(&input, &rules, &Ranking::new(["p5", "p4", "3", "p2", "1", "p0"]));
        // serde_json skips ignored strings without checking their UTF-8, so check it here.
        let valid = serde_json::from_slice::<serde::de::IgnoredAny>(&input).is_ok()
            && std::str::from_utf8(&input).is_ok();
        let not_listing = matches!(out.outcome, Outcome::Unchanged(Unchanged::NotListing(_)));
        if !valid {
            prop_assert!(not_listing, "accepted invalid JSON: {:?}", String::from_utf8_lossy(&input));
            prop_assert_eq!(&out.body[..], &input[..]);
        } else if let Ok(doc) = serde_json::from_slice::<Value>(&input) {
            let has_array = doc.pointer(listing.pointer).is_some_and(Value::is_array);
            prop_assert_eq!(not_listing, !has_array, "{:?}", String::from_utf8_lossy(&input));
            prop_assert!(serde_json::from_slice::<serde::de::IgnoredAny>(&out.body).is_ok());
        }
    }

    /// Streamed in any pieces, decided at any point, a listing (whole or damaged) comes out as
    /// the buffered engine gives it; only when damage follows an array that already went out
    /// reordered does the stream say it failed late (the buffered engine leaves such a body).
    #[test]
    fn streamed_in_any_pieces_gives_the_buffered_bytes(
        listing in listing(false),
        ranking in ranking(),
        damage in prop::option::of((any::<prop::sample::Index>(), prop::sample::select(b"{}[],:\" x".to_vec()))),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
        decide in any::<prop::sample::Index>(),
    ) {
        let mut input = listing.text.into_bytes();
        if let Some((at, byte)) = damage {
            input.insert(at.index(input.len() + 1), byte);
        }
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
        cuts.sort_unstable();
        cuts.dedup();
        let decide_at = decide.index(cuts.len() + 3);
        let rules = JsonRules::new(listing.pointer, "id").unwrap();
        let ranking = Ranking::new(&ranking);
        let buffered = reorder(&input, &rules, &ranking);
        let got = super::json_stream::stream_cuts(&input, &rules, Some(&ranking), &cuts, Some(decide_at), usize::MAX);
        match got.outcome {
            StreamOutcome::FailedLate { .. } => {
                prop_assert!(matches!(buffered.outcome, Outcome::Unchanged(Unchanged::NotListing(_))));
            }
            outcome => {
                prop_assert_eq!(String::from_utf8_lossy(&got.body), String::from_utf8_lossy(&buffered.body));
                prop_assert_eq!(outcome, StreamOutcome::Done(buffered.outcome));
            }
        }
    }
}
