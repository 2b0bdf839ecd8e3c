//! `rewrite::html::HtmlStream`: the same bytes and outcome as the buffered `reorder` for every
//! chunking and every moment of `decide` (here on small documents, in `html_pages.rs` on the
//! real pages, in `html_props.rs` on generated listings); early bytes; region bounds from the
//! tokenizer; several listings; failing open and the memory bound.

use std::sync::Arc;

use reshelf::ranked::Ranking;
use reshelf::rewrite::html::{self, HtmlRules, HtmlStream, StreamOutcome};
use reshelf::rewrite::{Outcome, Unchanged};

use crate::{reordered, rules};

/// Every piece the stream has ready now, joined.
pub fn ready(stream: &mut HtmlStream) -> Vec<u8> {
    std::iter::from_fn(|| stream.take_ready())
        .flatten()
        .collect()
}

/// Ends the stream: its last bytes, joined, and how it ended.
pub fn finish(stream: &mut HtmlStream) -> (Vec<u8>, StreamOutcome) {
    let outcome = stream.finish();
    (ready(stream), outcome)
}

/// What one streamed run gave.
pub struct Streamed {
    pub body: Vec<u8>,
    pub outcome: StreamOutcome,
    /// The largest `held()` seen after a push.
    pub max_held: usize,
}

/// Streams `input` in pieces at `cuts` (sorted offsets), deciding `ranking` after `decide_at`
/// pushes (`None`: never).
pub fn stream_cuts(
    input: &[u8],
    charset: Option<&str>,
    rules: &HtmlRules,
    ranking: Option<&Ranking>,
    cuts: &[usize],
    decide_at: Option<usize>,
    max_held: usize,
) -> Streamed {
    let mut stream = HtmlStream::new(rules, charset, max_held);
    let mut body = Vec::new();
    let mut most = 0;
    let mut from = 0;
    let ends = cuts.iter().copied().chain([input.len()]);
    for (pushes, to) in ends.enumerate() {
        if decide_at == Some(pushes) {
            stream.decide(ranking.map(|r| Arc::new(r.clone())));
        }
        stream.push(&input[from..to]);
        from = to;
        most = most.max(stream.held());
        body.extend_from_slice(&ready(&mut stream));
    }
    if decide_at.is_some_and(|at| at > cuts.len()) {
        stream.decide(ranking.map(|r| Arc::new(r.clone())));
        body.extend_from_slice(&ready(&mut stream));
    }
    let (rest, outcome) = finish(&mut stream);
    body.extend_from_slice(&rest);
    Streamed {
        body,
        outcome,
        max_held: most,
    }
}

/// Streams `input` in pieces of `chunk` bytes.
pub fn stream(
    input: &[u8],
    charset: Option<&str>,
    rules: &HtmlRules,
    ranking: Option<&Ranking>,
    chunk: usize,
    decide_at: Option<usize>,
) -> Streamed {
    let cuts: Vec<usize> = (chunk..input.len()).step_by(chunk.max(1)).collect();
    stream_cuts(input, charset, rules, ranking, &cuts, decide_at, usize::MAX)
}

/// Asserts that streaming `input` in pieces of each of `chunks`, deciding before the first
/// push, midway and after the last, gives the buffered engine's bytes and outcome.
pub fn assert_same_as_buffered(
    input: &[u8],
    charset: Option<&str>,
    rules: &HtmlRules,
    ranking: &Ranking,
    chunks: &[usize],
    what: &str,
) {
    let buffered = html::reorder(input, charset, rules, ranking);
    for &chunk in chunks {
        let pushes = input.len().div_ceil(chunk.max(1)).max(1);
        for decide_at in [0, pushes / 2, pushes] {
            let got = stream(input, charset, rules, Some(ranking), chunk, Some(decide_at));
            assert!(
                got.body == buffered.body[..],
                "{what}: chunks of {chunk}, decided after {decide_at} pushes: bytes differ"
            );
            assert_eq!(
                got.outcome,
                StreamOutcome::Done(buffered.outcome.clone()),
                "{what}: chunks of {chunk}, decided after {decide_at} pushes"
            );
        }
    }
}

const TWO: &str = "<html><head><title>t</title></head><body><h1>Shop</h1>\
<ul class=g><li data-id=a>A</li><li data-id=b>B</li><li data-id=c>C</li></ul><p>between</p>\
<ul class=g><li data-id=d>D</li><li data-id=e>E</li></ul><footer>end</footer></body></html>";

#[test]
fn bytes_before_a_listing_go_out_before_the_rest_arrives() {
    let r = rules("ul.g > li", "data-id");
    let input = TWO.as_bytes();
    let first = TWO.find("<li").unwrap();
    let end_first = TWO.find("</ul>").unwrap();
    let mut stream = HtmlStream::new(&r, None, usize::MAX);
    stream.push(&input[..first]);
    let early = ready(&mut stream);
    // All of it but what lol_html may keep of a tag it has not seen end.
    assert!(early.len() + 16 >= first && early[..] == input[..early.len()]);
    // The listing up to its parent's end tag: nothing of the region goes out.
    stream.push(&input[first..end_first]);
    let more = ready(&mut stream);
    assert_eq!(early.len() + more.len(), first, "{:?}", more);
    assert!(!stream.waiting());
    stream.push(&input[end_first..end_first + 5]);
    assert!(stream.waiting(), "the region is complete and waits");
    assert!(ready(&mut stream).is_empty());
    assert!(stream.held() >= end_first - first);
    stream.decide(Some(Arc::new(Ranking::new(["c", "e"]))));
    let region = ready(&mut stream);
    let expected = "<li data-id=c>C</li><li data-id=a>A</li><li data-id=b>B</li></ul>";
    assert_eq!(
        std::str::from_utf8(&region).unwrap(),
        expected,
        "the region and what follows it went out"
    );
    stream.push(&input[end_first + 5..]);
    let (rest, outcome) = finish(&mut stream);
    let mut all = [&early[..], &more[..], &region[..]].concat();
    all.extend_from_slice(&rest);
    assert!(std::str::from_utf8(&all)
        .unwrap()
        .contains("<li data-id=e>E</li><li data-id=d>D</li>"));
    assert_eq!(outcome, StreamOutcome::Done(reordered(2, 5, 2)));
}

#[test]
fn a_waiting_region_holds_what_follows_and_a_second_region_waits_behind_it() {
    let r = rules("ul.g > li", "data-id");
    let input = TWO.as_bytes();
    let mut stream = HtmlStream::new(&r, None, usize::MAX);
    stream.push(input);
    let early = ready(&mut stream);
    let first = TWO.find("<li").unwrap();
    assert_eq!(early.len(), first);
    assert!(stream.waiting());
    assert_eq!(stream.held(), input.len() - first);
    stream.decide(Some(Arc::new(Ranking::new(["b", "e"]))));
    let (rest, outcome) = finish(&mut stream);
    let body = [&early[..], &rest[..]].concat();
    assert_eq!(
        body,
        html::reorder(input, None, &r, &Ranking::new(["b", "e"])).body[..]
    );
    assert_eq!(outcome, StreamOutcome::Done(reordered(2, 5, 2)));
}

#[test]
fn tile_lookalikes_in_scripts_comments_and_attributes_open_no_region() {
    let r = rules("ul.g > li", "data-id");
    let lookalikes = "<ul class=g><script>var s = '<li data-id=x>';</script>\
<!-- <li data-id=y> --><div title='<li data-id=z>'>d</div>";
    let input = format!("<body>{lookalikes}<li data-id=a>A</li><li data-id=b>B</li></ul></body>");
    let mut stream = HtmlStream::new(&r, None, usize::MAX);
    for b in input.as_bytes() {
        stream.push(std::slice::from_ref(b));
    }
    let early = ready(&mut stream);
    assert_eq!(
        std::str::from_utf8(&early).unwrap(),
        format!("<body>{lookalikes}"),
        "everything up to the first real tile went out"
    );
    assert!(stream.waiting());
    stream.decide(Some(Arc::new(Ranking::new(["b"]))));
    let (rest, outcome) = finish(&mut stream);
    assert_eq!(
        std::str::from_utf8(&[&early[..], &rest[..]].concat()).unwrap(),
        format!("<body>{lookalikes}<li data-id=b>B</li><li data-id=a>A</li></ul></body>")
    );
    assert_eq!(outcome, StreamOutcome::Done(reordered(1, 2, 1)));
}

#[test]
fn a_region_ends_at_its_last_tile_and_releases_with_its_parents_end() {
    let r = rules("ul.g > li", "data-id");
    let input = "<ul class=g><li data-id=a>A</li><li data-id=b>B</li> <p>not a tile</p> </ul>!";
    let tail = input.find(" <p>").unwrap();
    let mut stream = HtmlStream::new(&r, None, usize::MAX);
    stream.decide(Some(Arc::new(Ranking::new(["b"]))));
    stream.push(&input.as_bytes()[..tail + 8]);
    // The last tile is closed but later tiles may still come: nothing of the region yet.
    assert_eq!(&ready(&mut stream)[..], b"<ul class=g>");
    stream.push(&input.as_bytes()[tail + 8..]);
    assert_eq!(
        std::str::from_utf8(&ready(&mut stream)).unwrap(),
        "<li data-id=b>B</li><li data-id=a>A</li> <p>not a tile</p> </ul>!"
    );
    let (rest, outcome) = finish(&mut stream);
    assert!(rest.is_empty());
    assert_eq!(outcome, StreamOutcome::Done(reordered(1, 2, 1)));
}

#[test]
fn nested_and_separate_listings_match_the_buffered_engine() {
    let r = rules("li.t", "data-id");
    let input = "<div><ul><li class=t data-id=a>A</li><li class=x><ul>\
<li class=t data-id=n1>1</li><li class=t data-id=n2>2</li></ul></li><li class=t data-id=b>B</li></ul>\
<ol><li class=t data-id=c>C</li><li class=t data-id=d>D</li></ol></div>";
    let ranking = Ranking::new(["b", "n2", "d"]);
    assert_same_as_buffered(
        input.as_bytes(),
        None,
        &r,
        &ranking,
        &[1, 5, 1 << 20],
        "nested",
    );
}

#[test]
fn malformed_and_unreadable_pages_stream_as_they_came() {
    let r = rules("ul.g > li", "data-id");
    for input in [
        "<ul class=g><li data-id=a>A<li data-id=b>B</ul><p>after</p>",
        "<ul class=g><li data-id=a>A</li><li data-id=b>B</ul>",
        "<ul class=g><li data-id=a>A</li><li data-id=b>B",
        "<ul class=g><li data-id=a>A</ul></li><li data-id=b>B</li></ul>",
        "<ul class=g><li>A</li><li>B</li></ul>",
        "<p>no tiles</p>",
    ] {
        assert_same_as_buffered(
            input.as_bytes(),
            None,
            &r,
            &Ranking::new(["b"]),
            &[1, 4, 64],
            input,
        );
    }
    let input = b"<ul class=g><li data-id=a>A</li><li data-id=b>B</li></ul>";
    let got = stream(
        input,
        Some("utf-16le"),
        &r,
        Some(&Ranking::new(["b"])),
        3,
        Some(2),
    );
    assert_eq!(got.body, input);
    assert!(matches!(
        got.outcome,
        StreamOutcome::Done(Outcome::Unchanged(Unchanged::NotListing(_)))
    ));
    // Without a ranking, or with an empty one, the bytes are the input's.
    let got = stream(input, None, &r, None, 3, Some(4));
    assert_eq!(
        (got.body.as_slice(), got.outcome),
        (&input[..], StreamOutcome::NoRanking)
    );
    let got = stream(input, None, &r, None, 3, None);
    assert_eq!(
        (got.body.as_slice(), got.outcome),
        (&input[..], StreamOutcome::NoRanking)
    );
    let got = stream(input, None, &r, Some(&Ranking::default()), 3, Some(4));
    assert_eq!(got.body, input);
    assert_eq!(
        got.outcome,
        StreamOutcome::Done(Outcome::Unchanged(Unchanged::EmptyRanking))
    );
}

#[test]
fn a_region_larger_than_the_bound_streams_native() {
    let r = rules("ul.g > li", "data-id");
    let mut input = String::from("<html><body><ul class=g>");
    for i in 0..200 {
        input.push_str(&format!(
            "<li data-id=p{i}><a href=/p/{i}>product {i}</a></li>"
        ));
    }
    input.push_str("</ul><p>after</p></body></html>");
    let ranking = Ranking::new(["p199", "p5"]);
    for bound in [1024, 4096] {
        for decide_at in [None, Some(0), Some(3)] {
            let cuts: Vec<usize> = (256..input.len()).step_by(256).collect();
            let got = stream_cuts(
                input.as_bytes(),
                None,
                &r,
                Some(&ranking),
                &cuts,
                decide_at,
                bound,
            );
            assert!(got.max_held <= bound, "held {} > {bound}", got.max_held);
            assert!(got.body == input.as_bytes());
            if decide_at.is_some() {
                assert!(
                    matches!(got.outcome, StreamOutcome::TooLarge { .. }),
                    "{:?}",
                    got.outcome
                );
            }
        }
    }
    // With room for it, the same page is reordered.
    let got = stream_cuts(
        input.as_bytes(),
        None,
        &r,
        Some(&ranking),
        &[256, 9000],
        Some(0),
        1 << 20,
    );
    assert_eq!(got.outcome, StreamOutcome::Done(reordered(1, 200, 2)));
}

#[test]
fn the_stream_can_cross_threads() {
    fn send<T: Send>() {}
    send::<HtmlStream>();
}

#[test]
fn only_a_meta_charset_before_the_first_listing_decodes_its_ids() {
    let r = rules("ul.g > li", "data-id");
    // Ids "café" and "thé" in windows-1252 bytes (é = 0xE9), no charset in the header.
    let page = |head_meta: &str, tail_meta: &str| -> Vec<u8> {
        let mut doc = format!("<html><head>{head_meta}</head><body><ul class=g>").into_bytes();
        for (id, name) in [(&b"caf\xe9"[..], "C"), (b"th\xe9", "T"), (b"mate", "M")] {
            doc.extend_from_slice(b"<li data-id=\"");
            doc.extend_from_slice(id);
            doc.extend_from_slice(format!("\">{name}</li>").as_bytes());
        }
        doc.extend_from_slice(format!("</ul>{tail_meta}<p>end</p></body></html>").as_bytes());
        doc
    };
    let meta = "<meta charset=windows-1252>";
    let ranking = Ranking::new(["mate", "thé", "café"]);
    let chunks = [1, 3, 7, 64, 1 << 20];

    // In the head: the ids decode, and the listing is reordered.
    let before = page(meta, "");
    let buffered = html::reorder(&before, None, &r, &ranking);
    assert_eq!(buffered.outcome, reordered(1, 3, 3));
    assert_same_as_buffered(&before, None, &r, &ranking, &chunks, "meta in the head");

    // After the listing: not used by either engine, whatever the chunking (the ids are not
    // UTF-8, so only "mate" is read and the native order stays).
    let after = page("", meta);
    let buffered = html::reorder(&after, None, &r, &ranking);
    assert_ne!(
        buffered.outcome,
        reordered(1, 3, 3),
        "{:?}",
        buffered.outcome
    );
    assert_same_as_buffered(
        &after,
        None,
        &r,
        &ranking,
        &chunks,
        "meta after the listing",
    );

    // In the head but past the first 64 KiB of the document: not used either.
    let far = page(
        &format!("<style>{}</style>{meta}", " ".repeat(64 << 10)),
        "",
    );
    let buffered = html::reorder(&far, None, &r, &ranking);
    assert_ne!(
        buffered.outcome,
        reordered(1, 3, 3),
        "{:?}",
        buffered.outcome
    );
    let long = [7, 4096, 1 << 20];
    assert_same_as_buffered(&far, None, &r, &ranking, &long, "meta past 64 KiB");
    // Just inside it: used.
    let near = page(
        &format!("<style>{}</style>{meta}", " ".repeat(60 << 10)),
        "",
    );
    assert_eq!(
        html::reorder(&near, None, &r, &ranking).outcome,
        reordered(1, 3, 3)
    );
    assert_same_as_buffered(&near, None, &r, &ranking, &long, "meta inside 64 KiB");
}
