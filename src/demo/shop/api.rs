//! The demo shop's product lookup for its own frontend: `GET /api/products?ids=A,B,C` answers
//! `{"products": [{"id", "name", "price", "salePrice", "image", "link", "inStock"}]}` in the
//! order asked, unknown ids left out. The "Shop the look" drawer uses it to name the ids
//! Fashion.AI suggests and to check stock locally, as the Fashion.AI API (README) advises.

use serde_json::{json, Value};

use super::pages::{image_path, product_path};
use crate::sim::Catalog;

/// Most ids one lookup answers.
pub const MAX_IDS: usize = 48;

/// The products named by the `ids` parameter of `query` (comma-separated).
pub fn products(catalog: &Catalog, query: Option<&str>) -> Value {
    let ids = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "ids")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let products: Vec<Value> = ids
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .take(MAX_IDS)
        .filter_map(|id| catalog.product(id))
        .map(|p| {
            json!({
                "id": p.id,
                "name": p.name,
                "price": p.price,
                "salePrice": p.sale_price,
                "image": image_path(&p.id, false),
                "link": product_path(&p.id),
                "inStock": p.in_stock,
            })
        })
        .collect();
    json!({ "products": products })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_known_ids_in_the_order_asked() {
        let catalog = Catalog::embedded();
        let a = &catalog.products()[3].id;
        let b = &catalog.products()[0].id;
        let body = products(&catalog, Some(&format!("ids={a},nope,{b}")));
        let ids: Vec<&str> = body["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [a.as_str(), b.as_str()]);
        assert!(body["products"][0]["inStock"].is_boolean());
        assert_eq!(products(&catalog, None), json!({"products": []}));
    }
}
