//! The HTML entries of `../shared/fixtures/storefronts/manifest.json` with their pages'
//! bytes and the manifest's `[[pages]]` keys, for the tests of presets, `probe` and `suggest`
//! (which must not read it themselves).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use reshelf::rewrite::html::{HtmlRules, HtmlSpec};

/// One HTML entry of the manifest.
pub struct Entry {
    pub name: String,
    pub path: PathBuf,
    pub input: Vec<u8>,
    pub tiles: String,
    pub product_id: String,
    pub product_id_pattern: String,
    pub companions: String,
    pub slot_classes: Vec<String>,
    pub slot_attributes: Vec<String>,
}

impl Entry {
    pub fn spec(&self) -> HtmlSpec<'_> {
        HtmlSpec {
            tiles: &self.tiles,
            product_id: &self.product_id,
            product_id_pattern: &self.product_id_pattern,
            companions: &self.companions,
            slot_classes: &self.slot_classes,
            slot_attributes: &self.slot_attributes,
        }
    }

    pub fn rules(&self) -> HtmlRules {
        HtmlRules::new(&self.spec()).unwrap_or_else(|e| panic!("{}: {e:?}", self.name))
    }
}

/// The manifest's HTML entries read from `dir`.
pub fn html_entries(dir: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("manifest.json");
    let manifest: serde_json::Value = serde_json::from_str(&text).expect("manifest is JSON");
    let mut out = Vec::new();
    for entry in manifest.as_array().expect("manifest is an array") {
        if entry["format"] != "html" {
            continue;
        }
        let text = |key: &str| entry[key].as_str().unwrap_or("").to_owned();
        let list = |key: &str| -> Vec<String> {
            entry[key]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let path = dir.join(text("file"));
        out.push(Entry {
            name: text("name"),
            input: std::fs::read(&path).expect("fixture file"),
            path,
            tiles: text("tiles"),
            product_id: text("product_id"),
            product_id_pattern: text("product_id_pattern"),
            companions: text("companions"),
            slot_classes: list("slot_classes"),
            slot_attributes: list("slot_attributes"),
        });
    }
    out
}
