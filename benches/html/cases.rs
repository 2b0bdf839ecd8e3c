//! The HTML pages the HTML benches share (`rewrite` for speed, `rewrite_html_memory` for peak
//! heap): each real page of `../shared/fixtures/storefronts/manifest.json` with its manifest
//! settings, and synthetic tag-dense listings.

use std::path::PathBuf;

use reshelf::rewrite::html::{HtmlRules, HtmlSpec};

/// A page to bench: its bytes, the tile selector as configured and the compiled rules.
pub struct HtmlCase {
    pub name: String,
    pub input: Vec<u8>,
    pub tiles: String,
    pub rules: HtmlRules,
    /// The other settings, to compile the rules afresh.
    product_id: String,
    pattern: String,
    companions: String,
    classes: Vec<String>,
    attributes: Vec<String>,
}

impl HtmlCase {
    fn new(name: String, input: Vec<u8>, tiles: String, product_id: String) -> Self {
        let mut case = Self {
            name,
            input,
            rules: rules(&tiles, &product_id, "", "", &[], &[]),
            tiles,
            product_id,
            pattern: String::new(),
            companions: String::new(),
            classes: Vec::new(),
            attributes: Vec::new(),
        };
        case.rules = case.fresh_rules();
        case
    }

    /// Rules compiled from the page's settings that have not read any page yet.
    pub fn fresh_rules(&self) -> HtmlRules {
        rules(
            &self.tiles,
            &self.product_id,
            &self.pattern,
            &self.companions,
            &self.classes,
            &self.attributes,
        )
    }
}

fn rules(
    tiles: &str,
    product_id: &str,
    pattern: &str,
    companions: &str,
    classes: &[String],
    attributes: &[String],
) -> HtmlRules {
    HtmlRules::new(&HtmlSpec {
        tiles,
        product_id,
        product_id_pattern: pattern,
        companions,
        slot_classes: classes,
        slot_attributes: attributes,
    })
    .expect("page settings compile")
}

pub fn html_real_pages() -> Vec<HtmlCase> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/storefronts");
    let Ok(text) = std::fs::read_to_string(dir.join("manifest.json")) else {
        eprintln!(
            "html: no storefront fixtures at {}, real pages skipped",
            dir.display()
        );
        return Vec::new();
    };
    let manifest: serde_json::Value = serde_json::from_str(&text).expect("manifest.json");
    let mut cases = Vec::new();
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
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut case = HtmlCase::new(
            text("name"),
            std::fs::read(dir.join(text("file"))).expect("fixture file"),
            text("tiles"),
            text("product_id"),
        );
        case.pattern = text("product_id_pattern");
        case.companions = text("companions");
        case.classes = list("slot_classes");
        case.attributes = list("slot_attributes");
        case.rules = case.fresh_rules();
        cases.push(case);
    }
    cases
}

/// A listing page with `n` tag-dense product cards (about 30 elements each, the id on an inner
/// link, WooCommerce-style `first`/`last` slot classes and a Dawn-style slot `style`), a
/// header and footer with scripts and navigation around it.
pub fn html_synthetic(n: usize) -> HtmlCase {
    let mut page = String::from(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Shop</title>\
         <link rel=stylesheet href=/s.css><script>window.dataLayer=[];function g(){}</script>\
         </head><body><header><nav><ul class=menu>",
    );
    for i in 0..40 {
        page.push_str(&format!(
            "<li class=menu-item><a href=/c/{i}>Category {i}</a></li>"
        ));
    }
    page.push_str("</ul></nav></header><main><ul class=\"products columns-4\">\n");
    for i in 0..n {
        let slot = match i % 4 {
            0 => " first",
            3 => " last",
            _ => "",
        };
        page.push_str(&format!(
            "<li class=\"product type-product post-{id} status-publish{slot} instock has-post-thumbnail\" \
style=\"--animation-order: {order};\">\
<div class=card><div class=card__media><a href=\"/products/item-{id}\" class=card__link>\
<img src=\"/img/{id}-300.jpg\" srcset=\"/img/{id}-300.jpg 300w, /img/{id}-600.jpg 600w\" \
sizes=\"(min-width: 990px) 25vw, 50vw\" alt=\"Item {id}\" loading=lazy width=300 height=300></a>\
<span class=\"badge badge--sale\">Sale</span></div>\
<div class=card__info><h3 class=card__title><a href=\"/products/item-{id}\">Item number {id}</a></h3>\
<div class=rating><span class=star></span><span class=star></span><span class=star></span>\
<span class=star></span><span class=\"star half\"></span><span class=count>({id})</span></div>\
<div class=price><del><span class=amount>${was}.00</span></del> <ins><span class=amount>${id}.00</span></ins></div>\
<ul class=swatches><li><button type=button class=swatch data-color=red></button></li>\
<li><button type=button class=swatch data-color=blue></button></li></ul>\
<a href=\"?add-to-cart={id}\" data-quantity=1 class=\"button add_to_cart_button\" \
data-product_id=\"{id}\" data-product_sku=\"SKU-{id}\" rel=nofollow>Add to cart</a></div></div></li>\n",
            id = 1000 + i,
            order = i + 1,
            was = 1000 + i + 20,
        ));
    }
    page.push_str(
        "</ul></main><footer><p>&copy; Shop</p><script>g(1)</script></footer></body></html>",
    );
    let mut case = HtmlCase::new(
        format!("synthetic_{n}"),
        page.into_bytes(),
        "ul.products > li.product".into(),
        "data-product_id".into(),
    );
    case.classes = vec!["first".into(), "last".into()];
    case.attributes = vec!["style".into()];
    case.rules = case.fresh_rules();
    case
}
