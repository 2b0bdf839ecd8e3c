//! What the engine learns and skips for speed must not change a result: carriers found at
//! new places after paths were learned, and tiles or companions ended without an end-tag
//! handler.

use reshelf::rewrite::html::{self, HtmlRules, HtmlSpec};

use crate::{reordered, rules, run};

#[test]
fn carriers_at_a_new_depth_are_found_after_learning_paths() {
    let r = rules("ul > li", "data-id");
    // The first page teaches that ids sit on links two levels down.
    let first =
        "<ul><li><div><a data-id=1>1</a></div></li><li><div><a data-id=2>2</a></div></li></ul>";
    let (out, _) = run(first, &r, &["2"]);
    assert_eq!(
        out,
        "<ul><li><div><a data-id=2>2</a></div></li><li><div><a data-id=1>1</a></div></li></ul>"
    );
    // Here the first carrier is a link right in the tile (before a learned-place one), three
    // levels down, or at the learned depth but second in its parent.
    let next = "<ul><li><a data-id=near>x</a><div><a data-id=far>y</a></div></li>\
                <li><div><p><a data-id=deep>z</a></p></div></li><li><div><a data-id=2>2</a></div></li>\
                <li><div><i>new</i><a data-id=second>s</a></div></li></ul>";
    let ids = html::listing_ids(next.as_bytes(), None, &r).unwrap();
    let expected = ["near", "deep", "2", "second"].map(|id| Some(id.to_owned()));
    assert_eq!(ids, vec![expected.to_vec()]);
    // Read again once the new places are learned: the same ids.
    assert_eq!(html::listing_ids(next.as_bytes(), None, &r).unwrap(), ids);
    let (out, outcome) = run(next, &r, &["second", "2", "deep", "near"]);
    assert_eq!(outcome, reordered(1, 4, 4));
    assert_eq!(
        out,
        "<ul><li><div><i>new</i><a data-id=second>s</a></div></li><li><div><a data-id=2>2</a></div></li>\
         <li><div><p><a data-id=deep>z</a></p></div></li>\
         <li><a data-id=near>x</a><div><a data-id=far>y</a></div></li></ul>"
    );
}

#[test]
fn empty_tiles_and_companions_end_at_their_own_end_tag() {
    let input = "<ul><li data-id=1></li><li data-id=2></LI> <li class=h></li>\
                 <li data-id=3></li ><li class=h></li\n><li data-id=4><li data-id=5></li></li></ul>";
    let r = HtmlRules::new(&HtmlSpec {
        tiles: "ul > li[data-id]",
        product_id: "data-id",
        companions: "li.h",
        ..HtmlSpec::default()
    })
    .unwrap();
    // Tile 4 holds tile 5 (lol_html nests an <li> in an open one): the first `</li>` is 5's.
    let (out, outcome) = run(input, &r, &["4", "3", "2", "1"]);
    assert_eq!(outcome, reordered(1, 4, 4));
    assert_eq!(
        out,
        "<ul><li data-id=4><li data-id=5></li></li><li data-id=3></li ><li class=h></li\n>\
         <li data-id=2></LI> <li class=h></li><li data-id=1></li></ul>"
    );
    // A <textarea> tile closed at once, and one whose text only looks like its end tag.
    let input = "<div><textarea data-id=a></textarea><textarea data-id=b></text></textarea></div>";
    let (out, _) = run(input, &rules("div > textarea", "data-id"), &["b"]);
    assert_eq!(
        out,
        "<div><textarea data-id=b></text></textarea><textarea data-id=a></textarea></div>"
    );
}

#[test]
fn carriers_read_from_the_bytes_match_lol_html_or_defer_to_it() {
    let r = rules("ul > li", "data-id");
    // Carriers right inside the tiles: later pages are read without a carrier selector.
    let first = "<ul><li><span data-id=1></span></li><li><span data-id=2></span></li></ul>";
    assert_eq!(run(first, &r, &["2"]).1, reordered(1, 2, 1));
    let ids = |page: &str| -> Vec<Option<String>> {
        html::listing_ids(page.as_bytes(), None, &r)
            .unwrap()
            .concat()
    };
    let some = |list: &[&str]| -> Vec<Option<String>> {
        list.iter().map(|id| Some((*id).to_owned())).collect()
    };
    // Text, comments, style text and attribute values that only look like carriers.
    let decoys = "<ul><li><a title=\" data-id=no \">x</a><!-- <b data-id=no> -->\
                  <style>b[data-id=no]{}</style><span data-id=1></span></li>\
                  <li>data-id=no <i DATA-ID='2'></i></li><li><b>none</b></li></ul>";
    assert_eq!(ids(decoys), [some(&["1", "2"]), vec![None]].concat());
    // A script before a carrier is left to lol_html, which reads past it; so is every page
    // after that.
    let script = "<ul><li><script>'<b data-id=no>'</script><span data-id=1></span></li>\
                  <li><span data-id=2></span></li></ul>";
    assert_eq!(ids(script), some(&["1", "2"]));
    assert_eq!(ids(decoys), [some(&["1", "2"]), vec![None]].concat());
    let (out, outcome) = run(script, &r, &["2"]);
    assert_eq!(outcome, reordered(1, 2, 1));
    assert_eq!(
        out,
        "<ul><li><span data-id=2></span></li>\
         <li><script>'<b data-id=no>'</script><span data-id=1></span></li></ul>"
    );
}
