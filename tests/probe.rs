//! `probe` on every real page with the manifest's block: the listings, tile counts and ids the
//! engine reads, and the verdict; on broken rules the problem and its fix; through the real
//! binary on a file and on a URL served by a loopback origin (gzip, as a shop would send it).

mod common;
#[path = "common/manifest.rs"]
mod manifest;

use std::process::Command;

use reshelf::config::Config;
use reshelf::onboard::fetch::{self, Fetched};
use reshelf::onboard::probe::{probe, ProbeArgs, ProbeReport};
use reshelf::rewrite::html;

fn toml_block(e: &manifest::Entry) -> String {
    let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
    let l = |v: &[String]| toml::Value::try_from(v).unwrap().to_string();
    format!(
        "[[pages]]\npath = \"/category/{{id}}\"\nformat = \"html\"\ntiles = {}\nproduct_id = {}\n\
         product_id_pattern = {}\ncompanions = {}\nslot_classes = {}\nslot_attributes = {}\n",
        q(&e.tiles),
        q(&e.product_id),
        q(&e.product_id_pattern),
        q(&e.companions),
        l(&e.slot_classes),
        l(&e.slot_attributes)
    )
}

fn config_for(block: &str) -> Config {
    common::config(&common::config_toml(
        "127.0.0.1:3000".parse().unwrap(),
        None,
        block,
    ))
}

fn probe_file(cfg: &Config, input: &[u8]) -> ProbeReport {
    let page = Fetched {
        body: input.to_vec(),
        path_and_query: Some("/category/sofas".into()),
        charset: None,
        content_type: Some("text/html".into()),
        status: None,
    };
    probe(cfg, &page, &ProbeArgs::default())
}

#[test]
fn probe_reads_every_real_page_as_the_engine_does() {
    let Some(dir) = common::storefront_fixtures() else {
        return;
    };
    for e in manifest::html_entries(&dir) {
        let report = probe_file(&config_for(&toml_block(&e)), &e.input);
        let engine = html::listing_ids(&e.input, None, &e.rules()).unwrap();
        assert!(report.personalized, "{}: {}", e.name, report.outcome);
        assert_eq!(report.block, Some(0));
        assert_eq!(report.category.as_deref(), Some("sofas"));
        assert_eq!(report.listings.len(), engine.len(), "{}", e.name);
        for (listing, ids) in report.listings.iter().zip(&engine) {
            let want: Vec<String> = ids
                .iter()
                .map(|i| i.clone().unwrap_or("-".into()))
                .collect();
            assert_eq!(listing.before, want, "{}", e.name);
            assert_eq!(listing.tiles.len(), ids.len());
            // The sample reorder is a permutation of the same ids, pinned tiles in place.
            let (mut a, mut b) = (listing.before.clone(), listing.after.clone());
            assert_ne!(a, b, "{}: the shuffle moves something", e.name);
            a.sort();
            b.sort();
            assert_eq!(a, b);
        }
        // A block that reads the page raises no problem about slots or companions.
        assert!(
            report.findings.is_empty(),
            "{}: {:?}",
            e.name,
            report.findings
        );
        match e.name.as_str() {
            "vtex_shelf" => {
                let tiles = &report.listings[0].tiles;
                assert!(tiles
                    .iter()
                    .all(|t| t.companions.len() == 1
                        && t.companions[0].ends_with(".helperComplement")));
                assert!(tiles
                    .last()
                    .unwrap()
                    .slot_marks
                    .contains(&"class last".into()));
            }
            "shopify_dawn" => {
                let first = &report.listings[0].tiles[0];
                assert_eq!(first.slot_marks, ["style=\"--animation-order: 1;\""]);
            }
            _ => {}
        }
    }
}

#[test]
fn broken_rules_name_the_problem_and_the_fix() {
    let Some(dir) = common::storefront_fixtures() else {
        return;
    };
    let entries = manifest::html_entries(&dir);
    let woo = entries.iter().find(|e| e.name == "woo_woostify").unwrap();
    // Wrong selector: where the id carriers sit instead.
    let block = toml_block(woo).replace("ul.products > li.product", "ul.grid > li.card");
    let report = probe_file(&config_for(&block), &woo.input);
    assert!(!report.personalized);
    let f = &report.findings[0];
    assert!(f.problem.contains("matches 0 elements"), "{f:?}");
    assert!(
        f.fix.contains("sit under") && f.fix.contains("try tiles ="),
        "{f:?}"
    );
    // Id attribute absent: where the id is.
    let block = toml_block(woo).replace("\"data-product_id\"", "\"data-sku-id\"");
    let report = probe_file(&config_for(&block), &woo.input);
    let f = &report.findings[0];
    assert!(
        f.problem.contains("none with a readable product id"),
        "{f:?}"
    );
    assert!(f.fix.contains("try product_id ="), "{f:?}");
    // Slot classes left out: named as such.
    let block = toml_block(woo).replace("slot_classes = [\"first\", \"last\"]", "");
    let report = probe_file(&config_for(&block), &woo.input);
    assert!(report.personalized);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.problem.contains("class `first`") && f.fix.contains("slot_classes")),
        "{:?}",
        report.findings
    );
    // Companions left out.
    let vtex = entries.iter().find(|e| e.name == "vtex_shelf").unwrap();
    let block = toml_block(vtex).replace("companions = \"li.helperComplement\"", "");
    let report = probe_file(&config_for(&block), &vtex.input);
    assert!(
        report.findings.iter().any(|f| f.fix.contains("companions")),
        "{:?}",
        report.findings
    );
    // A path no block matches.
    let mut page = fetch::from_file(&woo.path).unwrap();
    page.path_and_query = Some("/elsewhere".into());
    let report = probe(&config_for(&toml_block(woo)), &page, &ProbeArgs::default());
    assert_eq!(report.block, None);
    assert!(report.findings[0]
        .problem
        .contains("no [[pages]] block matches"));
}

fn reshelf() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_reshelf"));
    cmd.env("FASHIONAI_APP_TOKEN", common::TEST_TOKEN)
        .env_remove("RESHELF_CONFIG");
    cmd
}

const PAGE: &str = r#"<html><body><ul class="products">
<li class="product" data-product-id="a1">A</li>
<li class="product" data-product-id="b2">B</li>
<li class="product promo">Sale!</li>
<li class="product" data-product-id="c3">C</li>
</ul></body></html>"#;

#[test]
fn the_binary_exits_by_verdict_and_prints_json() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("page.html");
    std::fs::write(&page, PAGE).unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        common::config_toml("127.0.0.1:3000".parse().unwrap(), None, common::HTML_PAGE),
    )
    .unwrap();
    let out = reshelf()
        .args(["probe", "--config"])
        .arg(&good)
        .arg("--file")
        .arg(&page)
        .args(["--ranking", "c3,a1", "--json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["listings"][0]["before"],
        serde_json::json!(["a1", "b2", "-", "c3"])
    );
    assert_eq!(
        json["listings"][0]["after"],
        serde_json::json!(["c3", "a1", "-", "b2"])
    );
    assert!(json["listings"][0]["tiles"][2]["pinned"].is_string());

    let bad_rules = dir.path().join("bad.toml");
    std::fs::write(
        &bad_rules,
        std::fs::read_to_string(&good)
            .unwrap()
            .replace("ul.products > li", "ol > li"),
    )
    .unwrap();
    let out = reshelf()
        .args(["probe", "--config"])
        .arg(&bad_rules)
        .arg("--file")
        .arg(&page)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("matches 0 elements") && text.contains("fix: "),
        "{text}"
    );

    let no_group = dir.path().join("nogroup.toml");
    let text = std::fs::read_to_string(&good).unwrap().replace(
        "product_id = \"data-product-id\"",
        "product_id = \"data-product-id\"\nproduct_id_pattern = \"[a-z]\\\\d\"",
    );
    std::fs::write(&no_group, text).unwrap();
    let out = reshelf()
        .args(["probe", "--config"])
        .arg(&no_group)
        .arg("--file")
        .arg(&page)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pages[0].product_id_pattern"));
}

#[tokio::test]
async fn a_url_is_fetched_through_the_origin_client() {
    use std::io::Write;
    let server = common::origin::TestServer::start(
        |req: hyper::Request<hyper::body::Incoming>| async move {
            let accepts_gzip = req
                .headers()
                .get("accept-encoding")
                .is_some_and(|v| v.to_str().unwrap_or("").contains("gzip"));
            assert!(accepts_gzip, "asks for the codings serve would");
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(PAGE.as_bytes()).unwrap();
            hyper::Response::builder()
                .header("content-type", "text/html; charset=utf-8")
                .header("content-encoding", "gzip")
                .body(common::origin::full(enc.finish().unwrap()))
                .unwrap()
        },
    )
    .await;
    let config = common::config_toml(server.addr, None, common::HTML_PAGE);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.toml");
    std::fs::write(&file, config).unwrap();
    let url = "http://shop.example/category/shoes?page=1".to_owned();
    let out = tokio::task::spawn_blocking(move || {
        reshelf()
            .args(["probe", "--config"])
            .arg(&file)
            .arg(&url)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("category: shoes"), "{text}");
    assert!(text.contains("3. li.product.promo  pinned"), "{text}");
}
