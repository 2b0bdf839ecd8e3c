//! Encodings, and pages left alone: malformed tiles, a charset lol_html cannot read, a tag
//! beyond the memory cap.

use reshelf::ranked::Ranking;
use reshelf::rewrite::html;
use reshelf::rewrite::{Outcome, Unchanged};

use crate::{not_listing, reordered, rules, run};

#[test]
fn iso_8859_1_ids_and_bytes_survive() {
    // "café" and "crème" in ISO-8859-1, and a non-ASCII byte outside the tiles.
    let mut input = b"<p>\xa9 shop</p><ul class=g><li data-id=\"caf\xe9\">\xe9</li><li data-id=\"cr\xe8me\">\xe8</li></ul>".to_vec();
    let r = rules("ul.g > li", "data-id");
    let ranking = Ranking::new(["crème"]);
    let swapped = b"<p>\xa9 shop</p><ul class=g><li data-id=\"cr\xe8me\">\xe8</li><li data-id=\"caf\xe9\">\xe9</li></ul>".to_vec();
    let out = html::reorder(&input, Some("ISO-8859-1"), &r, &ranking);
    assert_eq!(out.outcome, reordered(1, 2, 1));
    assert_eq!(out.body, swapped);
    let bytewise = html::reorder_chunked(&input, 1, Some("iso-8859-1"), &r, &ranking);
    assert_eq!(bytewise.body, swapped);
    // Without a header the meta tag decides, wherever it sits before the tiles.
    let meta = b"<meta http-equiv=Content-Type content=\"text/html; charset=windows-1252\">";
    input.splice(0..0, meta.iter().copied());
    let out = html::reorder(&input, None, &r, &ranking);
    assert_eq!(out.body[meta.len()..], swapped[..]);
    // Read as UTF-8 those ids are not text: the tiles are pinned and nothing moves.
    let plain = &input[meta.len()..];
    let out = html::reorder(plain, None, &r, &ranking);
    assert!(not_listing(&out.outcome), "{:?}", out.outcome);
    // A charset lol_html cannot parse leaves the page alone.
    let out = html::reorder(plain, Some("utf-16le"), &r, &ranking);
    assert!(not_listing(&out.outcome), "{:?}", out.outcome);
}

#[test]
fn malformed_tiles_leave_the_input_unchanged() {
    let r = rules("ul.g > li", "data-id");
    for input in [
        // closed implicitly by the next <li> and by </ul>
        "<ul class=g><li data-id=a>A<li data-id=b>B</ul><p>after</p>",
        // closed by an ancestor's end tag
        "<ul class=g><li data-id=a>A</li><li data-id=b>B</ul>",
        // never closed
        "<ul class=g><li data-id=a>A</li><li data-id=b>B",
        // a stray end tag closes the grid from inside a tile
        "<ul class=g><li data-id=a>A</ul></li><li data-id=b>B</li></ul>",
    ] {
        let (out, outcome) = run(input, &r, &["b"]);
        assert_eq!(out, input);
        assert!(not_listing(&outcome), "{input}: {outcome:?}");
    }
    // A start tag cut off by the end of the document is not a tag at all: the complete
    // tiles before it are still reordered and the cut-off bytes kept.
    let (out, _) = run(
        "<ul class=g><li data-id=a>A</li><li data-id=b>B</li><li data-id=c",
        &r,
        &["b"],
    );
    assert_eq!(
        out,
        "<ul class=g><li data-id=b>B</li><li data-id=a>A</li><li data-id=c"
    );
}

#[test]
fn a_tag_beyond_the_memory_cap_leaves_the_input_unchanged() {
    // lol_html buffers a tag split across reads; one larger than the rewriter's 16 MiB cap
    // makes it stop, and the page is passed through.
    let mut input = b"<ul class=g><li data-id=a title=\"".to_vec();
    input.resize(input.len() + (17 << 20), b'x');
    input.extend_from_slice(b"\">A</li><li data-id=b>B</li></ul>");
    let r = rules("ul.g > li", "data-id");
    let out = html::reorder_chunked(&input, 1 << 20, None, &r, &Ranking::new(["b"]));
    assert!(
        matches!(&out.outcome, Outcome::Unchanged(Unchanged::NotListing(why))
            if why.to_lowercase().contains("memory")),
        "{:?}",
        out.outcome
    );
    assert!(out.body[..] == input[..]);
    // Read whole, nothing needs buffering and the same page is reordered.
    let out = html::reorder(&input, None, &r, &Ranking::new(["b"]));
    assert_eq!(out.outcome, reordered(1, 2, 1));
}
