//! [`Catalog`]: the categories and products the simulator ranks and the demo shop sells.
//!
//! The JSON format is documented on the [`crate::sim`] module. Loading validates ids, prices and
//! colours, and precomputes what ranking and search need (feature keys, folded tokens).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::text;

/// The default catalog: 5 categories × 60 products, Brazilian-Portuguese names, prices in BRL.
const EMBEDDED: &str = include_str!("catalog.json");

/// A category (a listing page of the shop).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Id used in URLs and in `categoryView` events.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// A product, as read from the catalog file with defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: String,
    /// Stock keeping unit; defaults to the id.
    pub sku: String,
    pub name: String,
    /// Id of its category.
    pub category: String,
    /// List price, in the shop's currency.
    pub price: f64,
    /// Price after discount; defaults to `price`.
    pub sale_price: f64,
    /// Sizes on offer (`"M"`, `"42"`, `"U"`); may be empty.
    pub sizes: Vec<String>,
    /// Colour name (`"azul"`); may be empty.
    pub colour: String,
    /// Colour as `#rgb` or `#rrggbb`, for placeholder images; defaults to a grey.
    pub colour_hex: String,
    /// Style tags (`"festa"`, `"casual"`).
    pub style: Vec<String>,
    /// Free tags (materials, English synonyms).
    pub tags: Vec<String>,
    /// Image URLs or shop-relative paths; the search API sends at most two.
    pub images: Vec<String>,
    /// Product page URL or shop-relative path.
    pub link: Option<String>,
    /// Out-of-stock products are left out of search and shop-the-look; defaults to true.
    pub in_stock: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawProduct {
    id: String,
    #[serde(default)]
    sku: Option<String>,
    name: String,
    category: String,
    price: f64,
    #[serde(default)]
    sale_price: Option<f64>,
    #[serde(default)]
    sizes: Vec<String>,
    #[serde(default)]
    colour: String,
    #[serde(default)]
    colour_hex: Option<String>,
    #[serde(default)]
    style: Vec<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    images: Vec<String>,
    #[serde(default)]
    link: Option<String>,
    #[serde(default)]
    in_stock: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    categories: Vec<Category>,
    products: Vec<RawProduct>,
}

/// Why a catalog could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read catalog file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("catalog is not valid JSON of the documented shape")]
    Json(#[source] serde_json::Error),
    #[error("catalog has no categories")]
    NoCategories,
    #[error("catalog has an empty category or product id")]
    EmptyId,
    #[error("category id {0:?} appears twice")]
    DuplicateCategory(String),
    #[error("product id {0:?} appears twice")]
    DuplicateProduct(String),
    #[error("product {product:?} names unknown category {category:?}")]
    UnknownCategory { product: String, category: String },
    #[error("product {0:?} has a negative or non-finite price")]
    BadPrice(String),
    #[error("product {product:?} has colourHex {value:?}; expected #rgb or #rrggbb")]
    BadColour { product: String, value: String },
}

/// What ranking and search precompute per product.
#[derive(Debug, Clone)]
pub(crate) struct Index {
    /// Feature keys (`c:`category, `k:`colour, `s:`style, `t:`tag), folded, with their weight.
    pub features: Vec<(String, f64)>,
    pub name_tokens: Vec<String>,
    pub category_tokens: Vec<String>,
    /// Colour, style and tag tokens.
    pub attr_tokens: Vec<String>,
}

/// Categories and products, with lookups by id. Cheap to share behind an `Arc`.
#[derive(Debug, Clone)]
pub struct Catalog {
    categories: Vec<Category>,
    products: Vec<Product>,
    index: Vec<Index>,
    by_id: HashMap<String, usize>,
    /// Product positions per category, in catalog (native) order.
    by_category: HashMap<String, Vec<usize>>,
}

impl Catalog {
    /// The catalog compiled into the binary (`src/sim/catalog.json`).
    pub fn embedded() -> Catalog {
        Catalog::from_json(EMBEDDED).expect("the embedded catalog is valid")
    }

    /// Reads and validates a catalog file.
    pub fn from_file(path: &Path) -> Result<Catalog, CatalogError> {
        let text = std::fs::read_to_string(path).map_err(|source| CatalogError::Read {
            path: path.to_owned(),
            source,
        })?;
        Catalog::from_json(&text)
    }

    /// Parses and validates a catalog in the documented JSON format.
    pub fn from_json(json: &str) -> Result<Catalog, CatalogError> {
        let raw: RawCatalog = serde_json::from_str(json).map_err(CatalogError::Json)?;
        if raw.categories.is_empty() {
            return Err(CatalogError::NoCategories);
        }
        let mut by_category: HashMap<String, Vec<usize>> = HashMap::new();
        for c in &raw.categories {
            if c.id.is_empty() {
                return Err(CatalogError::EmptyId);
            }
            if by_category.insert(c.id.clone(), Vec::new()).is_some() {
                return Err(CatalogError::DuplicateCategory(c.id.clone()));
            }
        }
        let names: HashMap<&str, &str> = raw
            .categories
            .iter()
            .map(|c| (c.id.as_str(), c.name.as_str()))
            .collect();
        let mut by_id = HashMap::new();
        let mut products = Vec::with_capacity(raw.products.len());
        let mut index = Vec::with_capacity(raw.products.len());
        for (pos, p) in raw.products.into_iter().enumerate() {
            let product = validate(p)?;
            let Some(list) = by_category.get_mut(&product.category) else {
                return Err(CatalogError::UnknownCategory {
                    product: product.id,
                    category: product.category,
                });
            };
            list.push(pos);
            if by_id.insert(product.id.clone(), pos).is_some() {
                return Err(CatalogError::DuplicateProduct(product.id));
            }
            index.push(index_of(&product, names[product.category.as_str()]));
            products.push(product);
        }
        Ok(Catalog {
            categories: raw.categories,
            products,
            index,
            by_id,
            by_category,
        })
    }

    /// Categories in file order.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// All products in file order.
    pub fn products(&self) -> &[Product] {
        &self.products
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.by_category
            .contains_key(id)
            .then(|| self.categories.iter().find(|c| c.id == id))
            .flatten()
    }

    pub fn product(&self, id: &str) -> Option<&Product> {
        self.by_id.get(id).map(|&i| &self.products[i])
    }

    /// The products of a category in native (file) order; `None` for an unknown category.
    pub fn category_products(&self, id: &str) -> Option<impl Iterator<Item = &Product> + '_> {
        self.by_category
            .get(id)
            .map(|list| list.iter().map(|&i| &self.products[i]))
    }

    /// Positions (into [`Catalog::products`]) of a category's products, native order.
    pub(crate) fn positions(&self, category: &str) -> Option<&[usize]> {
        self.by_category.get(category).map(Vec::as_slice)
    }

    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub(crate) fn index(&self, pos: usize) -> &Index {
        &self.index[pos]
    }
}

fn validate(p: RawProduct) -> Result<Product, CatalogError> {
    if p.id.is_empty() || p.category.is_empty() {
        return Err(CatalogError::EmptyId);
    }
    let sale_price = p.sale_price.unwrap_or(p.price);
    if !(p.price.is_finite() && p.price >= 0.0 && sale_price.is_finite() && sale_price >= 0.0) {
        return Err(CatalogError::BadPrice(p.id));
    }
    let colour_hex = p.colour_hex.unwrap_or_else(|| "#9a9a9a".to_owned());
    // The hex goes verbatim into SVG attributes, so only a strict form is accepted.
    let hex_ok = colour_hex.strip_prefix('#').is_some_and(|h| {
        (h.len() == 3 || h.len() == 6) && h.chars().all(|c| c.is_ascii_hexdigit())
    });
    if !hex_ok {
        return Err(CatalogError::BadColour {
            product: p.id,
            value: colour_hex,
        });
    }
    Ok(Product {
        sku: p.sku.unwrap_or_else(|| p.id.clone()),
        id: p.id,
        name: p.name,
        category: p.category,
        price: p.price,
        sale_price,
        sizes: p.sizes,
        colour: p.colour,
        colour_hex,
        style: p.style,
        tags: p.tags,
        images: p.images,
        link: p.link,
        in_stock: p.in_stock.unwrap_or(true),
    })
}

/// Feature weights: a shared colour or style says more about taste than a shared material tag.
const W_CATEGORY: f64 = 0.5;
const W_COLOUR: f64 = 1.0;
const W_STYLE: f64 = 1.0;
const W_TAG: f64 = 0.5;

/// The weight a feature key (`c:`, `k:`, `s:`, `t:` and its value) carries in every product
/// that has it.
pub(crate) fn feature_weight(key: &str) -> f64 {
    match key.split_once(':').map(|(kind, _)| kind) {
        Some("c") => W_CATEGORY,
        Some("k") => W_COLOUR,
        Some("s") => W_STYLE,
        _ => W_TAG,
    }
}

fn index_of(p: &Product, category_name: &str) -> Index {
    let mut features = vec![(format!("c:{}", p.category), W_CATEGORY)];
    if !p.colour.is_empty() {
        features.push((format!("k:{}", text::fold(&p.colour)), W_COLOUR));
    }
    features.extend(
        p.style
            .iter()
            .map(|s| (format!("s:{}", text::fold(s)), W_STYLE)),
    );
    features.extend(
        p.tags
            .iter()
            .map(|t| (format!("t:{}", text::fold(t)), W_TAG)),
    );
    features.dedup_by(|a, b| a.0 == b.0);
    let mut attr_tokens = text::tokens(&p.colour);
    for s in p.style.iter().chain(&p.tags) {
        attr_tokens.extend(text::tokens(s));
    }
    let mut category_tokens = text::tokens(category_name);
    category_tokens.extend(text::tokens(&p.category));
    Index {
        features,
        name_tokens: text::tokens(&p.name),
        category_tokens,
        attr_tokens,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_has_five_categories_of_sixty() {
        let c = Catalog::embedded();
        assert_eq!(c.categories().len(), 5);
        for cat in c.categories() {
            assert_eq!(
                c.category_products(&cat.id).unwrap().count(),
                60,
                "{}",
                cat.id
            );
        }
    }

    #[test]
    fn rejects_bad_catalogs() {
        let cat = r#"{"categories":[{"id":"a","name":"A"}],"products":["#;
        let bad = [
            (
                r#"{"categories":[],"products":[]}"#.to_owned(),
                "no categories",
            ),
            (
                format!(r#"{cat}{{"id":"1","name":"x","category":"b","price":1}}]}}"#),
                "unknown",
            ),
            (
                format!(
                    r#"{cat}{{"id":"1","name":"x","category":"a","price":1}},{{"id":"1","name":"y","category":"a","price":1}}]}}"#
                ),
                "twice",
            ),
            (
                format!(r#"{cat}{{"id":"1","name":"x","category":"a","price":-1}}]}}"#),
                "price",
            ),
            (
                format!(
                    r#"{cat}{{"id":"1","name":"x","category":"a","price":1,"colourHex":"red\"/>"}}]}}"#
                ),
                "colourHex",
            ),
            (
                format!(r#"{cat}{{"id":"1","name":"x","category":"a","price":1,"extra":1}}]}}"#),
                "JSON",
            ),
        ];
        for (json, expect) in bad {
            let err = Catalog::from_json(&json).unwrap_err().to_string();
            assert!(err.contains(expect), "{json}: {err}");
        }
    }

    #[test]
    fn defaults_fill_in() {
        let c = Catalog::from_json(
            r#"{"categories":[{"id":"a","name":"A"}],"products":[{"id":"1","name":"x","category":"a","price":10}]}"#,
        )
        .unwrap();
        let p = c.product("1").unwrap();
        assert_eq!(
            (p.sku.as_str(), p.sale_price, p.in_stock),
            ("1", 10.0, true)
        );
    }
}
