//! `[[pages]]` as an operator writes them: route patterns, the keys each format needs or
//! forbids, shadowed routes, first-match-wins matching, and the shipped full example.

// Each test binary uses a different subset of the shared helpers.
#[allow(dead_code)]
#[path = "common/config_text.rs"]
mod support;

use reshelf::config::PageFormat;
use support::*;

#[test]
fn full_spec_example_is_valid() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/examples/reshelf.toml"
    ))
    .expect("example config exists");
    let cfg = load(&text, &with_token()).expect("the shipped example is valid");
    assert_eq!(cfg.pages.len(), 3);
    assert!(matches!(cfg.pages[1].format, PageFormat::Json(_)));
    assert_eq!(
        cfg.match_page("/catalog", Some("cat=hats"))
            .map(|(_, id)| id),
        Some("hats".to_owned())
    );
}

#[test]
fn at_least_one_page_is_required() {
    let text = "[origin]\nurl = \"http://127.0.0.1:3000\"\n";
    assert_eq!(keys(text, &with_token()), ["pages"]);
}

#[test]
fn bad_route_patterns_name_the_page_and_key() {
    let page = |path: &str, id_query: &str| {
        MINIMAL.replace(
            "path = \"/category/{id}\"",
            &format!("path = {path:?}\nid_query = {id_query:?}"),
        )
    };
    let cases = [
        ("/category/{id}/{id}", "", "pages[0].path"),
        ("/category/{category}", "", "pages[0].path"),
        ("/category", "", "pages[0].path"),
        ("/category/{id}", "cat", "pages[0].id_query"),
        ("/catalog?x=1", "cat", "pages[0].path"),
        ("/_reshelf/{id}", "", "pages[0].path"),
    ];
    for (path, q, key) in cases {
        let got = keys(&page(path, q), &with_token());
        assert!(
            got.iter().all(|k| k == key) && !got.is_empty(),
            "{path} {q}: {got:?}"
        );
    }
    let p = problems(&page("/category", ""), &with_token());
    assert!(message_for(&p, "pages[0].path").contains("id_query"));
}

#[test]
fn format_specific_keys() {
    let html_with_array = MINIMAL.replace(
        "format = \"html\"",
        "format = \"html\"\narray = \"/products\"",
    );
    assert_eq!(keys(&html_with_array, &with_token()), ["pages[0].array"]);
    let html_without_tiles = MINIMAL.replace("tiles = \"ul.products > li\"", "");
    assert_eq!(keys(&html_without_tiles, &with_token()), ["pages[0].tiles"]);
    let json = "[origin]\nurl = \"http://127.0.0.1:3000\"\n[[pages]]\npath = \"/api/{id}\"\n\
                format = \"json\"\nslot_classes = [\"first\"]\ncompanions = \"li.x\"\n";
    let got = keys(json, &with_token());
    assert_eq!(
        got,
        [
            "pages[0].product_id",
            "pages[0].companions",
            "pages[0].slot_classes"
        ]
    );
}

#[test]
fn a_page_shadowed_by_an_earlier_one_is_a_problem() {
    let text = format!(
        "{MINIMAL}\n[[pages]]\npath = \"/category/{{id}}\"\nformat = \"json\"\nproduct_id = \"id\"\n\
         [[pages]]\npath = \"/category/all\"\nid_query = \"c\"\nformat = \"json\"\nproduct_id = \"id\"\n"
    );
    let p = problems(&text, &with_token());
    assert!(message_for(&p, "pages[1].path").contains("pages[0]"));
    assert!(message_for(&p, "pages[2].path").contains("pages[0]"));
    assert_eq!(p.len(), 2);
}

#[test]
fn match_page_first_match_wins() {
    let text = format!(
        "{MINIMAL}\n[[pages]]\npath = \"/category/{{id}}/products\"\nformat = \"json\"\nproduct_id = \"id\"\n\
         [[pages]]\npath = \"/{{id}}.html\"\nformat = \"html\"\ntiles = \"li\"\nproduct_id = \"data-id\"\n\
         [[pages]]\npath = \"/catalog\"\nid_query = \"cat\"\nformat = \"html\"\ntiles = \"li\"\nproduct_id = \"data-id\"\n"
    );
    let cfg = load(&text, &with_token()).expect("valid");
    let which = |path: &str, query: Option<&str>| {
        cfg.match_page(path, query).map(|(page, id)| {
            let index = cfg
                .pages
                .iter()
                .position(|p| std::ptr::eq(p, page))
                .unwrap();
            (index, id)
        })
    };
    assert_eq!(which("/category/shoes", None), Some((0, "shoes".into())));
    assert_eq!(
        which("/category/shoes/products", None),
        Some((1, "shoes".into()))
    );
    assert_eq!(which("/sofa.html", Some("p=2")), Some((2, "sofa".into())));
    assert_eq!(
        which("/catalog", Some("cat=bags")),
        Some((3, "bags".into()))
    );
    assert_eq!(which("/catalog", None), None);
    assert_eq!(which("/category/shoes/", None), None);
    assert_eq!(which("/", None), None);
}

#[test]
fn selector_and_pointer_errors_are_reported_per_page_key() {
    let text = "[origin]\nurl = \"http://127.0.0.1:3000\"\n\
        [[pages]]\npath = \"/c/{id}\"\nformat = \"html\"\ntiles = \"ul >> li[\"\nproduct_id = \"data-id\"\n\
        product_id_pattern = \"(unclosed\"\ncompanions = \"::nope\"\n\
        [[pages]]\npath = \"/api/{id}\"\nformat = \"json\"\narray = \"products\"\nproduct_id = \"id\"\n\
        [[pages]]\npath = \"/p/{id}\"\nformat = \"html\"\ntiles = \"li\"\nproduct_id = \"class\"\n\
        product_id_pattern = \"post-\\\\d+\"\n";
    let got = keys(text, &with_token());
    for key in [
        "pages[0].tiles",
        "pages[0].product_id_pattern",
        "pages[0].companions",
        "pages[1].array",
        // A pattern without a capture group cannot say which part is the id.
        "pages[2].product_id_pattern",
    ] {
        assert!(got.iter().any(|k| k == key), "{key} missing from {got:?}");
    }
}
