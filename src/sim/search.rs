//! The detailed search of the Fashion.AI API (README): at most 5 in-stock products, best first, by
//! token match over name, category, colour, style and tags (accent- and case-insensitive),
//! optionally filtered by size (case-insensitive).

use serde::Serialize;

use super::catalog::{Catalog, Product};
use super::text;

/// Most products one search answers (the README, "Fashion.AI API").
pub const MAX_RESULTS: usize = 5;

/// One product of a search answer, with the API's field names.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub product_id: String,
    pub sku: String,
    pub name: String,
    /// Up to two.
    pub images: Vec<String>,
    pub price: f64,
    pub sale_price: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// Points per query word found in each part of a product.
const IN_NAME: u32 = 3;
const IN_CATEGORY: u32 = 2;
const IN_ATTRIBUTES: u32 = 1;

/// Searches `catalog`. Products are ranked by how many query words they match, then by points,
/// then in catalog order. `shop_url` prefixes images and links that start with `/`.
pub fn search(
    catalog: &Catalog,
    query: &str,
    size: Option<&str>,
    shop_url: Option<&str>,
) -> Vec<SearchHit> {
    let words = text::tokens(query);
    if words.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(usize, u32, usize, Option<&str>)> = Vec::new();
    for (pos, product) in catalog.products().iter().enumerate() {
        if !product.in_stock {
            continue;
        }
        let chosen_size = match size {
            Some(wanted) => match product
                .sizes
                .iter()
                .find(|s| s.trim().eq_ignore_ascii_case(wanted.trim()))
            {
                Some(s) => Some(s.as_str()),
                None => continue,
            },
            // One size fits all: worth telling.
            None => match product.sizes.as_slice() {
                [only] => Some(only.as_str()),
                _ => None,
            },
        };
        let index = catalog.index(pos);
        let mut matched = 0;
        let mut points = 0;
        for word in &words {
            let found = |tokens: &[String]| tokens.iter().any(|t| matches(t, word));
            let p = u32::from(found(&index.name_tokens)) * IN_NAME
                + u32::from(found(&index.category_tokens)) * IN_CATEGORY
                + u32::from(found(&index.attr_tokens)) * IN_ATTRIBUTES;
            if p > 0 {
                matched += 1;
                points += p;
            }
        }
        if matched > 0 {
            scored.push((matched, points, pos, chosen_size));
        }
    }
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    scored
        .into_iter()
        .take(MAX_RESULTS)
        .map(|(_, _, pos, size)| hit(&catalog.products()[pos], size, shop_url))
        .collect()
}

/// A product word matches a query word when equal, or when it begins with a query word of
/// three letters or more (`vest` finds `vestido`).
fn matches(product_word: &str, query_word: &str) -> bool {
    product_word == query_word || (query_word.len() >= 3 && product_word.starts_with(query_word))
}

fn hit(p: &Product, size: Option<&str>, shop_url: Option<&str>) -> SearchHit {
    let absolute = |u: &str| match shop_url {
        Some(base) if u.starts_with('/') => format!("{}{u}", base.trim_end_matches('/')),
        _ => u.to_owned(),
    };
    SearchHit {
        product_id: p.id.clone(),
        sku: match size {
            Some(s) => format!("{}-{s}", p.sku),
            None => p.sku.clone(),
        },
        name: p.name.clone(),
        images: p.images.iter().take(2).map(|u| absolute(u)).collect(),
        price: p.price,
        sale_price: p.sale_price,
        size: size.map(str::to_owned),
        link: p.link.as_deref().map(absolute),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_match_first_and_capped() {
        let catalog = Catalog::embedded();
        let hits = search(&catalog, "vestido azul", None, None);
        assert_eq!(hits.len(), MAX_RESULTS);
        let first = text::fold(&hits[0].name);
        assert!(
            first.contains("vestido") && first.contains("azul"),
            "{first}"
        );
    }

    #[test]
    fn out_of_stock_and_shop_url() {
        let catalog = Catalog::from_json(
            r#"{"categories":[{"id":"a","name":"A"}],"products":[
            {"id":"1","name":"Saia Azul","category":"a","price":1,"inStock":false},
            {"id":"2","name":"Saia Verde","category":"a","price":1,"images":["/i/2.svg"],"link":"/p/2"}]}"#,
        )
        .unwrap();
        let hits = search(&catalog, "saia", None, Some("https://shop.example/"));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].images, ["https://shop.example/i/2.svg"]);
        assert_eq!(hits[0].link.as_deref(), Some("https://shop.example/p/2"));
    }
}
