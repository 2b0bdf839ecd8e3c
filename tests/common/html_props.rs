//! Property tests on generated listings: tiles with or without ids (duplicates included), ids
//! on the tile or on carriers of several kinds and depths inside it behind decoys that only name the
//! attribute, separated by whitespace, comments, scripts holding tile-like strings and
//! non-tile siblings.

use proptest::prelude::*;
use reshelf::ranked::Ranking;
use reshelf::rewrite::html::{self, HtmlRules, HtmlSpec, StreamOutcome};
use reshelf::rewrite::{Outcome, Unchanged};

const GAPS: &[&str] = &[
    "",
    " ",
    "\n    ",
    "<!-- <li class=t data-id=p1>x</li> -->",
    "<script>var t = '<li class=t data-id=p2>';</script>",
    "<li class=ad>ad</li>",
];
const BODIES: &[&str] = &[
    // With no decoy or carrier: a tile closed right after its start tag.
    "",
    "x",
    "<b>bold</b>",
    "<img src=a.png alt=\"<li>\">",
    "é ü",
    "<ul><li>inner</li></ul>",
];

/// Markup inside a tile, before its id carrier, that names the attribute without carrying it.
const DECOYS: &[&str] = &[
    "",
    "<!-- <b data-id=\"zz\"> -->",
    "<script>var s = '<i data-id=zz>';</script>",
    "<em title=' data-id=zz '>e</em>",
    "<textarea> <b data-id=zz> </textarea>",
    "<span>no id</span>",
];
/// Elements that carry the id inside a tile (`{}` is the id).
const CARRIERS: &[&str] = &[
    "<a href=/p data-id=\"{}\">a</a>",
    "<span class=id data-id='{}'></span>",
    "<div DATA-ID={}><p>d</p></div>",
    "<b data-id=\"{}\"/>",
    "<svg><g data-id=\"{}\"></g></svg>",
    // Deeper than the link above, behind a link in the same place without the id: what the
    // rules learn as a path (tile > p > a) must not hide the shallower one, nor the reverse.
    "<p class=c><a href=/r>r</a><a href=/q data-id=\"{}\">q</a></p>",
];

/// One generated tile: where its id sits (on the tile, on a carrier inside, or nowhere: a
/// pinned tile), markup around it, and what follows the tile.
#[derive(Debug, Clone)]
struct GenTile {
    own: Option<usize>,
    carrier: Option<(usize, usize)>,
    decoy: usize,
    body: usize,
    gap_after: usize,
}

impl GenTile {
    /// The id the tile is known by: its own, else its carrier's.
    fn id(&self) -> Option<usize> {
        self.own.or(self.carrier.map(|(_, id)| id))
    }
}

fn tile_text(t: &GenTile) -> String {
    let own = t
        .own
        .map_or(String::new(), |id| format!(" data-id=\"p{id}\""));
    let class = if t.id().is_some() { "t" } else { "t promo" };
    let carrier = t.carrier.map_or(String::new(), |(k, id)| {
        CARRIERS[k].replace("{}", &format!("p{id}"))
    });
    format!(
        "<li class=\"{class}\"{own}>{}{carrier}{}</li>",
        DECOYS[t.decoy], BODIES[t.body]
    )
}

/// The document, and each tile's text.
fn document(tiles: &[GenTile], lead: usize) -> (String, Vec<String>) {
    let texts: Vec<String> = tiles.iter().map(tile_text).collect();
    (assemble(tiles, lead, &texts), texts)
}

fn assemble(tiles: &[GenTile], lead: usize, texts: &[String]) -> String {
    let mut doc = format!(
        "<!doctype html><html><body><h1>Shop</h1><ul class=\"grid\">{}",
        GAPS[lead]
    );
    for (t, text) in tiles.iter().zip(texts) {
        doc.push_str(text);
        doc.push_str(GAPS[t.gap_after]);
    }
    doc.push_str("</ul><footer>end</footer></body></html>");
    doc
}

/// The ordering rule, written out again: ranked ids first (all tiles sharing one, in native
/// order), then the other tiles with ids in native order; tiles without ids keep their slot.
fn model(tiles: &[GenTile], ranking: &[String]) -> Vec<usize> {
    let movable: Vec<usize> = (0..tiles.len())
        .filter(|&i| tiles[i].id().is_some())
        .collect();
    let id_of = |i: usize| format!("p{}", tiles[i].id().unwrap());
    let mut sequence: Vec<usize> = Vec::new();
    for wanted in ranking {
        for &i in &movable {
            if &id_of(i) == wanted && !sequence.contains(&i) {
                sequence.push(i);
            }
        }
    }
    let rest: Vec<usize> = movable
        .iter()
        .copied()
        .filter(|i| !sequence.contains(i))
        .collect();
    sequence.extend(rest);
    let mut order: Vec<usize> = (0..tiles.len()).collect();
    for (slot, item) in movable.into_iter().zip(sequence) {
        order[slot] = item;
    }
    order
}

/// One set of rules for every generated case, so what it learns about carriers from one
/// document is put to the test on the next ones.
fn rules() -> &'static HtmlRules {
    static RULES: std::sync::OnceLock<HtmlRules> = std::sync::OnceLock::new();
    RULES.get_or_init(|| {
        HtmlRules::new(&HtmlSpec {
            tiles: "ul.grid > li.t",
            product_id: "data-id",
            ..HtmlSpec::default()
        })
        .unwrap()
    })
}

fn gen_tiles() -> impl Strategy<Value = Vec<GenTile>> {
    let own = prop::option::weighted(0.5, 0..6usize);
    let carrier = prop::option::weighted(0.7, (0..CARRIERS.len(), 0..6usize));
    let tile = (
        own,
        carrier,
        0..DECOYS.len(),
        0..BODIES.len(),
        0..GAPS.len(),
    )
        .prop_map(|(own, carrier, decoy, body, gap_after)| GenTile {
            own,
            carrier,
            decoy,
            body,
            gap_after,
        });
    prop::collection::vec(tile, 0..16)
}

fn gen_ranking() -> impl Strategy<Value = Vec<String>> {
    // p6..p7 never occur on the page.
    prop::collection::vec((0..8usize).prop_map(|i| format!("p{i}")), 1..10)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn output_is_the_tiles_permuted_and_nothing_else(
        tiles in gen_tiles(), lead in 0..GAPS.len(), ranking in gen_ranking(), chunk in 1..64usize,
    ) {
        let (input, texts) = document(&tiles, lead);
        let out = html::reorder(input.as_bytes(), None, rules(), &Ranking::new(&ranking));
        let chunked = html::reorder_chunked(input.as_bytes(), chunk, None, rules(), &Ranking::new(&ranking));
        prop_assert_eq!(&out.body, &chunked.body);
        prop_assert_eq!(&out.outcome, &chunked.outcome);

        let native: Vec<Option<String>> = tiles.iter().map(|t| t.id().map(|i| format!("p{i}"))).collect();
        if tiles.is_empty() {
            prop_assert!(matches!(out.outcome, Outcome::Unchanged(Unchanged::NotListing(_))));
        } else {
            prop_assert_eq!(html::listing_ids(input.as_bytes(), None, rules()).ok(), native.iter().any(Option::is_some).then(|| vec![native.clone()]));
        }
        if tiles.iter().all(|t| t.id().is_none()) {
            prop_assert!(matches!(out.outcome, Outcome::Unchanged(Unchanged::NotListing(_))));
            prop_assert_eq!(&out.body[..], input.as_bytes());
            return Ok(());
        }
        let order = model(&tiles, &ranking);
        let placed: Vec<String> = order.iter().map(|&i| texts[i].clone()).collect();
        let expected = assemble(&tiles, lead, &placed);
        prop_assert_eq!(std::str::from_utf8(&out.body).unwrap(), expected.as_str());

        // Spelled out: the same multiset of tiles, the same bytes between them.
        let mut sorted_in = texts.clone();
        let mut sorted_out = placed.clone();
        sorted_in.sort();
        sorted_out.sort();
        prop_assert_eq!(sorted_in, sorted_out);
        let identity = order.iter().enumerate().all(|(slot, &i)| slot == i);
        match &out.outcome {
            Outcome::Unchanged(Unchanged::SameOrder) => prop_assert!(identity),
            Outcome::Reordered(stats) => {
                prop_assert!(!identity);
                prop_assert_eq!(stats.listings, 1);
                prop_assert_eq!(stats.tiles, tiles.iter().filter(|t| t.id().is_some()).count());
            }
            other => prop_assert!(false, "unexpected outcome {:?}", other),
        }
    }

    #[test]
    fn identity_and_empty_rankings_return_the_input(tiles in gen_tiles(), lead in 0..GAPS.len()) {
        // Unique ids, so the native order is exactly what ranking them in order asks for.
        let tiles: Vec<GenTile> = tiles
            .into_iter()
            .enumerate()
            .map(|(i, t)| GenTile { own: t.id().map(|_| i), carrier: None, ..t })
            .collect();
        let texts: Vec<String> = tiles
            .iter()
            .map(|t| tile_text(t).replace("data-id=\"p", "data-id=\"q"))
            .collect();
        let input = assemble(&tiles, lead, &texts);
        let native: Vec<String> = tiles.iter().filter_map(GenTile::id).map(|i| format!("q{i}")).collect();
        for ranking in [Ranking::new(&native), Ranking::default()] {
            let out = html::reorder(input.as_bytes(), None, rules(), &ranking);
            prop_assert!(matches!(out.body, std::borrow::Cow::Borrowed(_)));
            prop_assert_eq!(&out.body[..], input.as_bytes());
            if ranking.is_empty() {
                prop_assert_eq!(out.outcome, Outcome::Unchanged(Unchanged::EmptyRanking));
            } else if native.is_empty() {
                prop_assert!(matches!(out.outcome, Outcome::Unchanged(Unchanged::NotListing(_))));
            } else {
                prop_assert_eq!(out.outcome, Outcome::Unchanged(Unchanged::SameOrder));
            }
        }
    }

    #[test]
    fn streamed_in_any_pieces_gives_the_buffered_bytes(
        tiles in gen_tiles(),
        lead in 0..GAPS.len(),
        ranking in gen_ranking(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
        decide in any::<prop::sample::Index>(),
        two in any::<bool>(),
    ) {
        let (mut input, texts) = document(&tiles, lead);
        if two {
            // A second listing after the first, its tiles in reverse.
            let second: String = texts.iter().rev().map(String::as_str).collect();
            let grid = format!("</ul><p>between</p><ul class=\"grid\">{second}</ul><footer>");
            input = input.replace("</ul><footer>", &grid);
        }
        let bytes = input.as_bytes();
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        cuts.sort_unstable();
        cuts.dedup();
        // Decided before any push, between two, or after the last one.
        let decide_at = decide.index(cuts.len() + 3);
        let ranking = Ranking::new(&ranking);
        let buffered = html::reorder(bytes, None, rules(), &ranking);
        let got = crate::stream::stream_cuts(bytes, None, rules(), Some(&ranking), &cuts, Some(decide_at), usize::MAX);
        prop_assert_eq!(String::from_utf8_lossy(&got.body), String::from_utf8_lossy(&buffered.body));
        prop_assert_eq!(got.outcome, StreamOutcome::Done(buffered.outcome));
    }
}
