//! `suggest` on every real page of the fixtures, given a handful of the page's ids and never
//! the manifest's block: the block it proposes reads the same ids from the same tiles and
//! reorders the page to the same bytes (same tiles moved, same slot marks kept) as the
//! manifest's. Then small pages of our own: promo tiles in a grid, nested grids, two
//! listings, no listing. Last, the ids from a `categoryView` answer of the in-process
//! simulator instead of `--ids`, on the demo shop's category page.

mod common;
#[path = "common/manifest.rs"]
mod manifest;
#[path = "common/sim.rs"]
mod sim;

use reshelf::onboard::suggest::{suggest, Suggestion};
use reshelf::ranked::Ranking;
use reshelf::rewrite::html::{self, HtmlRules};

fn rules(s: &Suggestion) -> HtmlRules {
    let block = s.block.as_ref().expect("a block");
    HtmlRules::new(&block.spec()).expect("the block compiles")
}

/// A handful of the page's ids: first, second, a middle one, the last.
fn handful(ids: &[String]) -> Vec<String> {
    let n = ids.len();
    let mut picked = vec![
        ids[0].clone(),
        ids[1].clone(),
        ids[n / 2].clone(),
        ids[n - 1].clone(),
    ];
    picked.dedup();
    picked
}

#[test]
fn suggest_matches_the_manifest_on_every_real_page() {
    let Some(dir) = common::storefront_fixtures() else {
        return;
    };
    let mut failures = Vec::new();
    for entry in manifest::html_entries(&dir) {
        let theirs = entry.rules();
        let listings = html::listing_ids(&entry.input, None, &theirs).expect("manifest reads");
        let ids: Vec<String> = listings.concat().into_iter().flatten().collect();
        let s = suggest(&entry.input, None, &handful(&ids));
        let Some(block) = &s.block else {
            failures.push(format!("{}: no block: {:?}", entry.name, s.notes));
            continue;
        };
        let ours = rules(&s);
        let mine = html::listing_ids(&entry.input, None, &ours).expect("suggested block reads");
        if mine != listings {
            failures.push(format!("{}: ids differ with {block:?}", entry.name));
            continue;
        }
        let ranking = Ranking::new(ids.iter().rev());
        let a = html::reorder(&entry.input, None, &ours, &ranking);
        let b = html::reorder(&entry.input, None, &theirs, &ranking);
        if a.outcome != b.outcome || a.body != b.body {
            failures.push(format!("{}: reorder differs with {block:?}", entry.name));
            continue;
        }
        assert!(s.sure, "{}: {:?}", entry.name, s.notes);
        eprintln!(
            "{}: {} {:?} {:?}",
            entry.name,
            block.tiles,
            block.product_id,
            block.slot_classes.len()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn tile(id: &str, class: &str) -> String {
    format!(
        "<li class=\"card {class}\" data-pid=\"{id}\"><a href=\"/p/{id}\"><img src=\"/i/{id}.jpg\"></a>\
         <span class=\"price\">9.99</span></li>\n"
    )
}

#[test]
fn promo_tiles_in_a_grid_stay_pinned() {
    let mut grid = String::from(
        "<html><body><nav><ul><li><a href=/>Home</a></li></ul></nav><ul class=\"grid\">\n",
    );
    for (i, id) in ["p1", "p2", "p3", "p4", "p5", "p6"].iter().enumerate() {
        let slot = if i % 3 == 0 {
            "first"
        } else if i % 3 == 2 {
            "last"
        } else {
            ""
        };
        grid.push_str(&tile(id, slot));
        if i == 2 {
            grid.push_str(
                "<li class=\"card promo\"><a href=\"/sale\"><img src=\"/i/sale.jpg\"></a></li>\n",
            );
        }
    }
    grid.push_str("</ul></body></html>");
    let s = suggest(
        grid.as_bytes(),
        None,
        &["p1".into(), "p4".into(), "p6".into()],
    );
    let block = s.block.as_ref().expect("a block");
    assert!(s.sure, "{:?}", s.notes);
    assert_eq!(block.product_id, "data-pid");
    let v = s.verified.as_ref().unwrap();
    assert_eq!((v.tiles, v.ids_read, v.pinned), (7, 6, 1), "{block:?}");
    let ids = html::listing_ids(grid.as_bytes(), None, &rules(&s)).unwrap();
    assert_eq!(ids[0][3], None, "the promo is read as a pinned tile");
    assert!(block
        .comments
        .iter()
        .any(|(k, c)| k == "tiles" && c.contains("pinned")));
}

#[test]
fn nested_grids_choose_the_product_tiles() {
    // Columns of a layout grid, each holding a product grid's rows: the products are the
    // innermost repeated siblings that hold one id each.
    let page = format!(
        "<div class=\"layout\"><div class=\"col\"><ul class=\"products\">{}{}{}</ul></div>\
         <div class=\"col\"><p>filters</p></div></div>",
        tile("10", ""),
        tile("11", ""),
        tile("12", "")
    );
    let s = suggest(page.as_bytes(), None, &["10".into(), "12".into()]);
    let block = s.block.as_ref().expect("a block");
    assert_eq!(block.tiles, "ul.products > li.card", "{block:?}");
    assert_eq!(s.verified.as_ref().unwrap().ids_read, 3);
}

#[test]
fn two_listings_are_both_found() {
    let page = format!(
        "<section><h2>New</h2><ul class=\"products\">{}{}{}</ul></section>\
         <section><h2>Sale</h2><ul class=\"products\">{}{}{}</ul></section>",
        tile("a", ""),
        tile("b", ""),
        tile("c", ""),
        tile("d", ""),
        tile("e", ""),
        tile("f", "")
    );
    let s = suggest(page.as_bytes(), None, &["a".into(), "c".into(), "e".into()]);
    let v = s.verified.as_ref().expect("verified");
    assert_eq!((v.listings, v.ids_read), (2, 6), "{:?}", s.block);
    let ids = html::listing_ids(page.as_bytes(), None, &rules(&s)).unwrap();
    assert_eq!(ids.len(), 2);
}

#[test]
fn a_page_without_a_listing_says_so() {
    let page =
        b"<html><body><h1>About us</h1><p>We sell <a href=\"/p/1\">shoes</a>.</p></body></html>";
    for ids in [vec![], vec!["1".to_owned(), "2".to_owned()]] {
        let s = suggest(page, None, &ids);
        assert!(s.block.is_none(), "{:?}", s.block);
        assert!(
            s.notes.iter().any(|n| n.contains("no listing found")),
            "{:?}",
            s.notes
        );
    }
}

#[test]
fn without_ids_it_guesses_and_says_so() {
    let mut page = String::from("<ul class=\"grid\">");
    for id in ["101", "102", "103", "104"] {
        page.push_str(&tile(id, ""));
    }
    page.push_str("</ul>");
    let s = suggest(page.as_bytes(), None, &[]);
    assert!(!s.sure);
    assert_eq!(s.block.as_ref().expect("a guess").product_id, "data-pid");
    assert!(s.notes[0].contains("no --ids"));
}

#[test]
fn the_binary_prints_a_block_that_check_accepts() {
    let Some(dir) = common::storefront_fixtures() else {
        return;
    };
    let entries = manifest::html_entries(&dir);
    let woo = entries.iter().find(|e| e.name == "woo_oceanwp").unwrap();
    let ids: Vec<String> = html::listing_ids(&woo.input, None, &woo.rules())
        .unwrap()
        .concat()
        .into_iter()
        .flatten()
        .collect();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_reshelf"))
        .args(["suggest", "--file"])
        .arg(&woo.path)
        .arg("--ids")
        .arg(handful(&ids).join(","))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let block = String::from_utf8(out.stdout).unwrap();
    assert!(
        block.contains("slot_classes = [\"first\", \"last\"]"),
        "{block}"
    );
    let config = common::config_toml("127.0.0.1:3000".parse().unwrap(), None, &block);
    let cfg = common::config(&config);
    assert_eq!(cfg.pages.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_ids_can_come_from_a_category_view_answer() {
    use reshelf::sim::{Api, Catalog, Fault, FaultPlan, SimConfig};
    let catalog = std::sync::Arc::new(Catalog::embedded());
    let fashionai = sim::start_sim(SimConfig {
        token: common::TEST_TOKEN.into(),
        catalog: catalog.clone(),
        ..SimConfig::default()
    })
    .await;
    let shop = sim::start_shop(catalog).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("reshelf.toml");
    let toml = common::config_toml(shop.addr(), Some(&fashionai.base_url()), common::HTML_PAGE);
    std::fs::write(&config, toml).unwrap();
    let run = |category: &'static str| {
        let config = config.clone();
        // The URL's host is not the shop's: the page comes through the config's origin.
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_reshelf"))
                .args([
                    "suggest",
                    "http://shop.example/category/vestidos",
                    "--config",
                ])
                .arg(&config)
                .args(["--category", category])
                .env("FASHIONAI_APP_TOKEN", common::TEST_TOKEN)
                .output()
                .unwrap()
        })
    };

    let out = run("vestidos").await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("categoryView for category \"vestidos\" ranked 60 product(s), 60 of them"),
        "{text}"
    );
    assert!(text.contains("product_id = \"data-product-id\""), "{text}");
    assert!(
        text.contains("60 ids read, 60 of the 60 ids given"),
        "{text}"
    );
    assert!(!text.contains("UNSURE"), "{text}");
    // One throwaway session, until the first ranked answer (the simulator ranks a session's
    // third event).
    let events: Vec<serde_json::Value> = fashionai
        .requests_for(Api::Recommendation)
        .iter()
        .map(|r| r.json().unwrap())
        .collect();
    assert_eq!(events.len(), 3, "{events:?}");
    for event in &events {
        assert_eq!(event["eventType"], "categoryView");
        assert_eq!(event["data"]["id"], "vestidos");
        assert_eq!(event["sessionId"], events[0]["sessionId"]);
    }
    assert!(events[0]["sessionId"]
        .as_str()
        .unwrap()
        .starts_with("reshelf-suggest-"));

    // A category Fashion.AI never ranks: a clear error after a few events, exit 2.
    fashionai.clear_requests();
    let out = run("no-such-category").await.unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("empty ranking for category \"no-such-category\" 3 times"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    assert_eq!(fashionai.count(Api::Recommendation), 3);

    // A failing API: the error and its cause.
    fashionai.set_fault(FaultPlan::always(Fault::Error));
    let out = run("vestidos").await.unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("categoryView event for category \"vestidos\" failed") && err.contains("500"),
        "{err}"
    );
}
