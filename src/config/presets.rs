//! Platform presets for `[[pages]]` blocks: `preset = "shopify-dawn"` fills the HTML keys a
//! platform's category page needs (`tiles`, `product_id`, `product_id_pattern`, `companions`,
//! `slot_classes`, `slot_attributes`, and `format = "html"`); a key the block sets itself
//! (non-empty) overrides the preset's. Each preset is verified against real pages of its
//! platform in `tests/presets.rs`.
//!
//! May depend on `problems` and `raw`; nothing else in the crate. `typed` applies the presets
//! before the sections are checked, so `reshelf check` prints the effective blocks.

use super::problems::Problems;
use super::raw::RawPage;

/// One platform's settings for its category page.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    /// What `preset = "..."` names.
    pub name: &'static str,
    /// The platform and theme it is for, for people.
    pub platform: &'static str,
    pub tiles: &'static str,
    pub product_id: &'static str,
    pub product_id_pattern: &'static str,
    pub companions: &'static str,
    pub slot_classes: &'static [&'static str],
    /// A numbered slot class, `("product-grid__item--", 100)` for `product-grid__item--0` to
    /// `--99`, added to `slot_classes`.
    pub numbered_slot_class: Option<(&'static str, u32)>,
    pub slot_attributes: &'static [&'static str],
}

impl Preset {
    /// Every slot class token, the numbered ones included.
    pub fn slot_classes(&self) -> Vec<String> {
        let mut out: Vec<String> = self.slot_classes.iter().map(|s| (*s).to_owned()).collect();
        if let Some((prefix, count)) = self.numbered_slot_class {
            out.extend((0..count).map(|n| format!("{prefix}{n}")));
        }
        out
    }
}

const NONE: &[&str] = &[];

/// Every preset, in the README's order.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "shopify-dawn",
        platform: "Shopify, Dawn theme (and themes built on it)",
        tiles: "ul#product-grid > li.grid__item",
        product_id: "data-id",
        product_id_pattern: "",
        companions: "",
        slot_classes: NONE,
        numbered_slot_class: None,
        slot_attributes: &["style"],
    },
    Preset {
        name: "shopify-horizon",
        platform: "Shopify, Horizon theme",
        tiles: "ul.product-grid > li.product-grid__item",
        product_id: "data-product-id",
        product_id_pattern: "",
        companions: "",
        slot_classes: NONE,
        numbered_slot_class: Some(("product-grid__item--", 100)),
        slot_attributes: NONE,
    },
    Preset {
        name: "shopify-venture",
        platform: "Shopify, Venture theme (ids are product handles)",
        tiles: "div.grid.grid--uniform > div.grid__item",
        product_id: "href",
        product_id_pattern: "/products/([^/.?#]+)",
        companions: "",
        slot_classes: NONE,
        numbered_slot_class: None,
        slot_attributes: NONE,
    },
    Preset {
        name: "woocommerce",
        platform: "WooCommerce classic templates (any theme using wc_product_class)",
        tiles: "ul.products > li.product",
        product_id: "class",
        product_id_pattern: "\\bpost-(\\d+)\\b",
        companions: "",
        slot_classes: &["first", "last"],
        numbered_slot_class: None,
        slot_attributes: NONE,
    },
    Preset {
        name: "magento-luma",
        platform: "Magento 2, Luma-style product grid (and themes keeping its markup)",
        tiles: "div.products-grid > .products > li.product",
        product_id: "data-product-id",
        product_id_pattern: "",
        companions: "",
        slot_classes: NONE,
        numbered_slot_class: None,
        slot_attributes: NONE,
    },
    Preset {
        name: "vtex-shelf",
        platform: "VTEX legacy CMS shelf (`/buscapagina`, `div.prateleira`)",
        tiles: "div.prateleira > ul > li[layout]",
        product_id: "data-product-id",
        product_id_pattern: "",
        companions: "li.helperComplement",
        slot_classes: &["last"],
        numbered_slot_class: None,
        slot_attributes: NONE,
    },
    Preset {
        name: "bigcommerce-cornerstone",
        platform: "BigCommerce Stencil, Cornerstone and Halo themes",
        tiles: "ul.productGrid > li.product",
        product_id: "data-product-id",
        product_id_pattern: "",
        companions: "",
        slot_classes: NONE,
        numbered_slot_class: None,
        slot_attributes: NONE,
    },
];

/// The preset called `name`.
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// Fills each page's empty HTML keys from its preset; an unknown preset, or one on a json
/// page, is a problem for `pages[i].preset`.
pub(super) fn apply(pages: &mut [RawPage], p: &mut Problems) {
    for (i, page) in pages.iter_mut().enumerate() {
        if page.preset.is_empty() {
            continue;
        }
        let key = format!("pages[{i}].preset");
        let Some(preset) = preset(&page.preset) else {
            let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
            let near = names
                .iter()
                .find(|n| n.contains(page.preset.as_str()) || page.preset.contains(**n))
                .map(|n| format!("did you mean {n:?}? "))
                .unwrap_or_default();
            p.add(
                key,
                format!(
                    "unknown preset {:?}; {near}known: {}",
                    page.preset,
                    names.join(", ")
                ),
            );
            continue;
        };
        match page.format.as_str() {
            "" => page.format = "html".into(),
            "html" => {}
            _ => {
                p.add(
                    key,
                    "presets describe html pages; remove it or set format = \"html\"",
                );
                continue;
            }
        }
        fill(&mut page.tiles, preset.tiles);
        fill(&mut page.product_id, preset.product_id);
        // A pattern belongs to its attribute: an explicit product_id drops the preset's.
        if page.product_id == preset.product_id {
            fill(&mut page.product_id_pattern, preset.product_id_pattern);
        }
        fill(&mut page.companions, preset.companions);
        if page.slot_classes.is_empty() {
            page.slot_classes = preset.slot_classes();
        }
        if page.slot_attributes.is_empty() {
            page.slot_attributes = preset
                .slot_attributes
                .iter()
                .map(|s| (*s).to_owned())
                .collect();
        }
    }
}

fn fill(value: &mut String, preset: &str) {
    if value.is_empty() {
        *value = preset.to_owned();
    }
}
