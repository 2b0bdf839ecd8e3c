//! `direct` against lol_html: for tile content built from the markup that trips tokenizers
//! (attribute names in values, comments, text elements, end tags with attributes, odd
//! spacing), a carrier read from the bytes is the one lol_html's exact carrier selector finds.

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

use super::super::{rules, scan, HtmlSpec, Rules};
use super::{first_carrier, Carrier};

const TILE: &str = "<ul><li class=t>";
const CLOSE: &str = "</li></ul>";

fn compiled() -> Rules {
    rules::compile(&HtmlSpec {
        tiles: "ul > li.t",
        product_id: "data-id",
        ..HtmlSpec::default()
    })
    .expect("test rules compile")
}

/// The carrier of the tile holding `content`, read from the bytes.
fn direct(content: &str) -> Carrier {
    let doc = format!("{TILE}{content}{CLOSE}");
    let to = doc.len() - CLOSE.len();
    first_carrier(doc.as_bytes(), TILE.len(), to, b"data-id")
}

/// What lol_html's exact carrier selector reads for the same tile; `None` if lol_html does not
/// see one closed tile (the content ended it or swallowed its end tag).
fn exact(content: &str, rules: &Rules) -> Option<Carrier> {
    let doc = format!("{TILE}{content}{CLOSE}");
    let found = scan::scan(
        doc.as_bytes(),
        usize::MAX,
        None,
        rules,
        Some(&rules.carriers.exact),
    );
    let scan = found.ok()?;
    let [tile] = &scan.tiles[..] else {
        return None;
    };
    if tile.end != doc.len() - "</ul>".len() {
        return None;
    }
    Some(match (tile.carrier, tile.id.clone()) {
        (Some(start), Some(value)) => Carrier::Found { start, value },
        _ => Carrier::Absent,
    })
}

/// The carrier's value, if found.
fn value(content: &str) -> Option<String> {
    let doc = format!("{TILE}{content}{CLOSE}");
    match direct(content) {
        Carrier::Found { value, .. } => Some(doc[value].to_owned()),
        _ => None,
    }
}

#[test]
fn reads_the_first_carrier_past_what_only_looks_like_one() {
    assert_eq!(value("<span data-id=\"7\"></span>").as_deref(), Some("7"));
    assert_eq!(value("<B DATA-ID='8'>").as_deref(), Some("8"));
    assert_eq!(value("<a x=1 data-id=9/>").as_deref(), Some("9/"));
    assert_eq!(value("<a/data-id=5>").as_deref(), Some("5"));
    assert_eq!(value("<p data-id>").as_deref(), Some(""));
    assert_eq!(value("<p data-id = 'x y'>").as_deref(), Some("x y"));
    let decoys = [
        "<a title=\" data-id=1 \">x</a>",
        "<a title='>' data-x=1>",
        "text data-id=1 <",
        "<!-- <b data-id=1> -->",
        "<!----><!-->",
        "<!---><!-- -- --!x --!>",
        "<style>.x[data-id=1]{}</style >",
        "<NOSCRIPT><b data-id=1></noscript\n>",
        "<textarea></textareax data-id=1></TEXTAREA>",
        "</a title=\">\" data-id=1>",
        "</>",
        "<=data-id=1 >",
    ];
    for decoy in decoys {
        assert_eq!(
            value(&format!("{decoy}<i data-id=2>")).as_deref(),
            Some("2"),
            "{decoy}"
        );
    }
    assert_eq!(direct("<b>no carrier</b>"), Carrier::Absent);
}

#[test]
fn leaves_other_markup_to_lol_html() {
    for content in [
        "<script>var a = '<b data-id=1>';</script><i data-id=2>",
        "<svg><style><b data-id=1></style></svg>",
        "<math></math><i data-id=2>",
        "<!DOCTYPE html><i data-id=2>",
        "<![CDATA[x]]><i data-id=2>",
        "<?php ?><i data-id=2>",
        "</ x><i data-id=2>",
        "<style><i data-id=2>",
        "<!-- <i data-id=2>",
        "<a title=\"<i data-id=2>",
        "<style x=><!--</style><i data-id=2>-->",
        "<title x= ></title><i data-id=2>",
        "<b>x</title><i data-id=2>",
        "</foreignObject><i data-id=2>",
        "</mtext><i data-id=2>",
    ] {
        assert_eq!(direct(content), Carrier::Unsure, "{content}");
    }
}

/// Pieces of tile content; `{}` is replaced by a number.
const PIECES: &[&str] = &[
    "text ",
    " ",
    "\t\r\n\x0c",
    "<",
    "a < b",
    "<b>",
    "</b>",
    "<i data-id=\"{}\">",
    "<i data-id='{}'>",
    "<i data-id={}>",
    "<I DATA-ID={}>",
    "<i data-id>",
    "<i data-id= >",
    "<i data-id=>",
    "<br data-id={}/>",
    "<a/data-id={}>",
    "<a x=\">\" data-id={}>",
    "<a title=\" data-id={} \">",
    "<a title=data-id={}>",
    "<a data-idx={}>",
    "<a data-id\t=\n'{}'>",
    "<=data-id={}>",
    "<img =x data-id={}>",
    "<p/ data-id={}>",
    "</b data-id={}>",
    "</b title='>'>",
    "</>",
    "<!-- <i data-id={}> -->",
    "<!-->",
    "<!--->",
    "<!---->",
    "<!-- --!>",
    "<!-- -- -->",
    "<style>i[data-id={}]</style>",
    "<STYLE><i data-id={}></style >",
    "<iframe><i data-id={}></IFRAME/>",
    "<textarea></textarea_ data-id={}></textarea>",
    "<noscript><i data-id={}></noscript>",
    "<xmp></xmp>",
    "<template><i data-id={}></template>",
    "<script>x</script>",
    "<svg></svg>",
    "<!--<!-->",
    "<!----!->",
    "<!--!>",
    "<a\x0cdata-id={}\x00>",
    "<!x>",
];

fn gen_content() -> impl Strategy<Value = String> {
    prop::collection::vec((0..PIECES.len(), 0..100u32), 0..12).prop_map(|pieces| {
        pieces
            .into_iter()
            .map(|(i, n)| PIECES[i].replace("{}", &n.to_string()))
            .collect()
    })
}

proptest! {
    // Failing cases are kept beside this file, not in a top-level folder.
    #![proptest_config(ProptestConfig {
        cases: 2000,
        max_global_rejects: 10_000,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions"
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn agrees_with_lol_html_whenever_it_is_sure(content in gen_content()) {
        let rules = compiled();
        let read = direct(&content);
        prop_assume!(read != Carrier::Unsure);
        let lol = exact(&content, &rules);
        prop_assume!(lol.is_some());
        prop_assert_eq!(Some(read), lol);
    }
}
