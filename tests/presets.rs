//! Platform presets: each one reads the same ids from its platform's real pages and reorders
//! them to the same bytes as the manifest's hand-written block; explicit keys override a
//! preset; `check` prints the effective block.

mod common;
#[path = "common/manifest.rs"]
mod manifest;

use reshelf::config::{preset, PageFormat, PRESETS};
use reshelf::ranked::Ranking;
use reshelf::rewrite::html::{self, HtmlRules, HtmlSpec};

/// The preset for each real page of the manifest.
const PAGES: &[(&str, &str)] = &[
    ("shopify_dawn", "shopify-dawn"),
    ("shopify_horizon", "shopify-horizon"),
    ("shopify_venture", "shopify-venture"),
    ("woo_woostify", "woocommerce"),
    ("woo_oceanwp", "woocommerce"),
    ("magento2_grand", "magento-luma"),
    ("vtex_shelf", "vtex-shelf"),
    ("bigcommerce_halo", "bigcommerce-cornerstone"),
];

fn preset_rules(name: &str) -> HtmlRules {
    let p = preset(name).expect("preset exists");
    let slot_classes = p.slot_classes();
    let slot_attributes: Vec<String> = p.slot_attributes.iter().map(|s| s.to_string()).collect();
    HtmlRules::new(&HtmlSpec {
        tiles: p.tiles,
        product_id: p.product_id,
        product_id_pattern: p.product_id_pattern,
        companions: p.companions,
        slot_classes: &slot_classes,
        slot_attributes: &slot_attributes,
    })
    .unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

#[test]
fn every_preset_matches_its_real_pages() {
    let Some(dir) = common::storefront_fixtures() else {
        return;
    };
    let entries = manifest::html_entries(&dir);
    assert_eq!(entries.len(), PAGES.len());
    for entry in &entries {
        let (_, name) = PAGES
            .iter()
            .find(|(page, _)| *page == entry.name)
            .unwrap_or_else(|| panic!("no preset for {}", entry.name));
        let (ours, theirs) = (preset_rules(name), entry.rules());
        let ids = html::listing_ids(&entry.input, None, &theirs).expect("manifest block reads");
        assert_eq!(
            html::listing_ids(&entry.input, None, &ours).expect("preset reads"),
            ids,
            "{}: ids",
            entry.name
        );
        let flat: Vec<String> = ids.concat().into_iter().flatten().collect();
        assert!(flat.len() >= 5, "{}: {flat:?}", entry.name);
        for ranking in [
            Ranking::new(flat.iter().rev()),
            Ranking::new([flat[flat.len() - 1].as_str(), flat[1].as_str()]),
        ] {
            let a = html::reorder(&entry.input, None, &ours, &ranking);
            let b = html::reorder(&entry.input, None, &theirs, &ranking);
            assert_eq!(a.outcome, b.outcome, "{}", entry.name);
            assert!(a.body == b.body, "{}: reordered bytes differ", entry.name);
        }
    }
    // Every preset is verified by at least one page.
    for p in PRESETS {
        assert!(
            PAGES.iter().any(|(_, n)| *n == p.name),
            "{} unverified",
            p.name
        );
    }
}

const WITH_PRESET: &str = r#"
[origin]
url = "http://127.0.0.1:3000"

[[pages]]
path = "/collections/{id}"
preset = "shopify-dawn"

[[pages]]
path = "/product-category/{id}"
preset = "woocommerce"
product_id = "data-product_id"
slot_classes = ["first"]
"#;

fn load(text: &str) -> Result<reshelf::config::Config, reshelf::config::ConfigError> {
    reshelf::config::Config::from_toml(text, &|name| {
        (name == "FASHIONAI_APP_TOKEN").then(|| common::TEST_TOKEN.to_owned())
    })
}

#[test]
fn a_preset_fills_the_keys_and_explicit_keys_override() {
    let cfg = load(WITH_PRESET).expect("valid");
    assert!(matches!(cfg.pages[0].format, PageFormat::Html(_)));
    let dawn = &cfg.raw.pages[0];
    assert_eq!(dawn.format, "html");
    assert_eq!(dawn.tiles, "ul#product-grid > li.grid__item");
    assert_eq!(dawn.product_id, "data-id");
    assert_eq!(dawn.slot_attributes, ["style"]);
    let woo = &cfg.raw.pages[1];
    assert_eq!(woo.tiles, "ul.products > li.product");
    assert_eq!(woo.product_id, "data-product_id");
    // The preset's pattern belongs to its own product_id and is not carried over.
    assert_eq!(woo.product_id_pattern, "");
    assert_eq!(woo.slot_classes, ["first"]);
    // The effective block is what `check` prints, and it parses back the same.
    let printed = cfg.to_redacted_toml();
    assert!(
        printed.contains("tiles = \"ul#product-grid > li.grid__item\""),
        "{printed}"
    );
    assert!(printed.contains("preset = \"shopify-dawn\""), "{printed}");
    let again = load(&printed).expect("printed config parses");
    assert_eq!(again.to_redacted_toml(), printed);
}

#[test]
fn unknown_or_misplaced_presets_are_problems() {
    let bad = WITH_PRESET.replace("\"shopify-dawn\"", "\"dawn\"").replace(
        "preset = \"woocommerce\"",
        "preset = \"woocommerce\"\nformat = \"json\"",
    );
    let Err(reshelf::config::ConfigError::Invalid(problems)) = load(&bad) else {
        panic!("expected problems");
    };
    let dawn = problems
        .iter()
        .find(|p| p.key == "pages[0].preset")
        .expect("pages[0]");
    assert!(
        dawn.message.contains("did you mean \"shopify-dawn\""),
        "{dawn}"
    );
    assert!(
        problems.iter().any(|p| p.key == "pages[1].preset"),
        "{problems:?}"
    );
}

#[test]
fn the_shipped_preset_examples_are_valid() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/examples/presets.toml"
    ))
    .expect("deploy/examples/presets.toml");
    let cfg = load(&text).unwrap_or_else(|e| panic!("{e}"));
    let used: Vec<&str> = cfg.raw.pages.iter().map(|p| p.preset.as_str()).collect();
    for p in PRESETS {
        assert!(used.contains(&p.name), "no example block for {}", p.name);
    }
}
