//! The demo shop's cart and checkout: the two conversion goals of the demo's experiment
//! (README, "The experiment readout"). The shop keeps no state: the product page's form posts
//! one product to `POST /cart/add`, whose page posts it on to `POST /checkout`, which answers
//! the order's value in the `X-Order-Value` header (the sum of the sale prices, in reais), the
//! header the demo's `order` goal reads.

use super::pages::{self, escape};
use crate::sim::{Catalog, Product};

/// Most products one checkout takes.
pub const MAX_ITEMS: usize = 48;
/// Largest form body read, in bytes.
pub const MAX_FORM_BYTES: usize = 4096;

/// What a cart request answers: the page, or why there is none.
#[derive(Debug, PartialEq)]
pub enum CartPage {
    /// 200 with this page; for a checkout, the order's value too.
    Done {
        html: String,
        order_value: Option<f64>,
    },
    /// 400: the form names no product the catalog knows.
    NoProduct,
}

/// `POST /cart/add` with the form field `product`: a page confirming it, with a checkout form.
pub fn add(catalog: &Catalog, form: &[u8]) -> CartPage {
    let Some(p) = field(form, "product").and_then(|id| catalog.product(&id)) else {
        return CartPage::NoProduct;
    };
    let main = format!(
        "<h1>Adicionado à sacola</h1>\n<p><a href=\"{href}\">{name}</a> {price}</p>\n\
         <form method=\"post\" action=\"/checkout\">\
         <input type=\"hidden\" name=\"items\" value=\"{id}\">\
         <button class=\"buy\" type=\"submit\">Finalizar compra</button></form>",
        href = pages::product_path(&p.id),
        name = escape(&p.name),
        price = pages::price(p),
        id = escape(&p.id),
    );
    CartPage::Done {
        html: pages::layout(catalog, "Sacola", &main),
        order_value: None,
    }
}

/// `POST /checkout` with the form field `items` (comma-separated ids): the order confirmed,
/// its value the sum of the known products' sale prices.
pub fn checkout(catalog: &Catalog, form: &[u8]) -> CartPage {
    let items = field(form, "items").unwrap_or_default();
    let products: Vec<&Product> = items
        .split(',')
        .map(str::trim)
        .filter_map(|id| catalog.product(id))
        .take(MAX_ITEMS)
        .collect();
    if products.is_empty() {
        return CartPage::NoProduct;
    }
    let cents: u64 = products
        .iter()
        .map(|p| (p.sale_price * 100.0).round() as u64)
        .sum();
    let value = cents as f64 / 100.0;
    let list: String = products
        .iter()
        .map(|p| format!("<li>{}</li>", escape(&p.name)))
        .collect();
    let main = format!(
        "<h1>Pedido confirmado</h1>\n<ul>{list}</ul>\n<p>Total: {}</p>\n\
         <p><a href=\"/\">Voltar ao início</a></p>",
        pages::brl(value)
    );
    CartPage::Done {
        html: pages::layout(catalog, "Pedido confirmado", &main),
        order_value: Some(value),
    }
}

/// The `X-Order-Value` header's text: `123.40`.
pub fn order_value_text(value: f64) -> String {
    format!("{value:.2}")
}

fn field(form: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(form)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkout_sums_sale_prices_of_known_items() {
        let catalog = Catalog::embedded();
        let [a, b] = [&catalog.products()[0], &catalog.products()[1]];
        let form = format!("items={},{},nope", a.id, b.id);
        let CartPage::Done { order_value, .. } = checkout(&catalog, form.as_bytes()) else {
            panic!("an order");
        };
        let want = ((a.sale_price + b.sale_price) * 100.0).round() / 100.0;
        assert!((order_value.unwrap() - want).abs() < 1e-9);
        assert_eq!(checkout(&catalog, b"items=nope"), CartPage::NoProduct);
        assert_eq!(add(&catalog, b"product="), CartPage::NoProduct);
        assert_eq!(order_value_text(151.9), "151.90");
    }
}
