//! The demo shop's HTML pages, rendered from the catalog. Every catalog string is escaped;
//! ids in URLs are percent-encoded.

use std::fmt::Write;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::sim::text::fold;
use crate::sim::{Catalog, Category, Product};

/// Path-segment characters left as they are (RFC 3986 unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Most results the native search page shows.
const MAX_SEARCH_RESULTS: usize = 48;

pub(super) fn product_path(id: &str) -> String {
    format!("/product/{}", utf8_percent_encode(id, SEGMENT))
}

pub(in crate::demo) fn image_path(id: &str, back: bool) -> String {
    let suffix = if back { "-back" } else { "" };
    format!("/images/{}{suffix}.svg", utf8_percent_encode(id, SEGMENT))
}

pub(in crate::demo) fn category_path(id: &str) -> String {
    format!("/category/{}", utf8_percent_encode(id, SEGMENT))
}

/// HTML-escapes text for element content and double-quoted attributes.
pub(in crate::demo) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `R$ 1.299,90`: Brazilian real formatting.
pub(super) fn brl(value: f64) -> String {
    let cents = (value * 100.0).round() as u64;
    let units = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in units.chars().enumerate() {
        if i > 0 && (units.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(digit);
    }
    format!("R$ {grouped},{:02}", cents % 100)
}

pub(super) fn price(p: &Product) -> String {
    if p.sale_price < p.price {
        format!(
            "<span class=\"price\"><s>{}</s> <strong>{}</strong></span>",
            brl(p.price),
            brl(p.sale_price)
        )
    } else {
        format!("<span class=\"price\">{}</span>", brl(p.price))
    }
}

/// The page frame: header with the category links and the search form, then `main`.
pub(super) fn layout(catalog: &Catalog, title: &str, main: &str) -> String {
    let mut nav = String::new();
    for c in catalog.categories() {
        let _ = write!(
            nav,
            "<a href=\"{}\">{}</a>",
            category_path(&c.id),
            escape(&c.name)
        );
    }
    format!(
        "<!doctype html>\n<html lang=\"pt-BR\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · Loja Demo</title>\n\
         <link rel=\"stylesheet\" href=\"/static/shop.css\">\n\
         <script src=\"/static/shop.js\" defer></script>\n</head>\n<body>\n\
         <header class=\"site-header\">\n<a class=\"logo\" href=\"/\">Loja Demo</a>\n\
         <nav class=\"categories\">{nav}</nav>\n\
         <form id=\"site-search\" class=\"search\" role=\"search\" action=\"/search\" method=\"get\">\
         <input type=\"search\" name=\"query\" placeholder=\"Buscar produtos\" aria-label=\"Buscar produtos\">\
         <button type=\"submit\">Buscar</button>\
         <div class=\"search-results\" aria-live=\"polite\" hidden></div></form>\n</header>\n\
         <main>\n{main}\n</main>\n\
         <footer>Loja de demonstração do reshelf · produtos fictícios</footer>\n</body>\n</html>\n",
        title = escape(title),
    )
}

fn tiles<'a>(products: impl Iterator<Item = &'a Product>) -> String {
    let mut out = String::from("<ul class=\"products\">\n");
    for p in products {
        let _ = writeln!(
            out,
            "<li class=\"product\" data-product-id=\"{id}\"><a href=\"{href}\">\
             <img src=\"{img}\" alt=\"{name}\" width=\"240\" height=\"300\" loading=\"lazy\">\
             <span class=\"name\">{name}</span>{price}</a></li>",
            id = escape(&p.id),
            href = product_path(&p.id),
            img = image_path(&p.id, false),
            name = escape(&p.name),
            price = price(p),
        );
    }
    out.push_str("</ul>");
    out
}

/// The home page; with `compare`, a note linking reshelf's compare page (the demo's).
pub(super) fn home(catalog: &Catalog, compare: bool) -> String {
    let mut list = String::from("<ul class=\"category-list\">\n");
    for c in catalog.categories() {
        let count = catalog.category_products(&c.id).map_or(0, Iterator::count);
        let _ = writeln!(
            list,
            "<li><a href=\"{}\">{}<span>{count} produtos</span></a></li>",
            category_path(&c.id),
            escape(&c.name)
        );
    }
    list.push_str("</ul>");
    // The demo's own words are English, as its README and console are.
    let note = if compare {
        "\n<aside class=\"reshelf-demo\" lang=\"en\"><strong>reshelf demo:</strong> browse a few \
         categories, then <a href=\"/demo/compare\">compare the shop's order with yours</a> \
         and see what the simulator learned about your session.</aside>"
    } else {
        ""
    };
    let main = format!(
        "<h1>Nova coleção</h1>\n<p class=\"count\">Escolha uma categoria: a ordem das vitrines \
         se adapta ao que você olha.</p>{note}\n{list}"
    );
    layout(catalog, "Início", &main)
}

pub(super) fn category(catalog: &Catalog, c: &Category) -> String {
    let products: Vec<&Product> = catalog
        .category_products(&c.id)
        .into_iter()
        .flatten()
        .collect();
    let main = format!(
        "<nav class=\"breadcrumb\"><a href=\"/\">Início</a> › {name}</nav>\n\
         <h1>{name}</h1>\n<p class=\"count\">{n} produtos</p>\n{tiles}",
        name = escape(&c.name),
        n = products.len(),
        tiles = tiles(products.into_iter()),
    );
    layout(catalog, &c.name, &main)
}

pub(super) fn product(catalog: &Catalog, p: &Product) -> String {
    let category = catalog.category(&p.category);
    let crumb = category.map_or_else(String::new, |c| {
        format!(
            " › <a href=\"{}\">{}</a>",
            category_path(&c.id),
            escape(&c.name)
        )
    });
    let mut gallery = String::new();
    for back in [false, true].into_iter().take(p.images.len().clamp(1, 2)) {
        let _ = write!(
            gallery,
            "<img src=\"{}\" alt=\"{}\" width=\"480\" height=\"600\">",
            image_path(&p.id, back),
            escape(&p.name)
        );
    }
    let sizes: String = p
        .sizes
        .iter()
        .map(|s| format!("<li>{}</li>", escape(s)))
        .collect();
    let main = format!(
        "<nav class=\"breadcrumb\"><a href=\"/\">Início</a>{crumb}</nav>\n\
         <article class=\"product-page\" data-product-id=\"{id}\">\n\
         <div class=\"gallery\">{gallery}</div>\n\
         <div class=\"details\">\n<h1>{name}</h1>\n<p>{price}</p>\n\
         <p>Cor: {colour}</p>\n<p>Tamanhos:</p>\n<ul class=\"sizes\">{sizes}</ul>\n\
         <p class=\"count\">SKU {sku}</p>\n\
         <form method=\"post\" action=\"/cart/add\">\
         <input type=\"hidden\" name=\"product\" value=\"{id}\">\
         <button class=\"buy\" type=\"submit\">Adicionar à sacola</button></form>\n\
         </div>\n</article>\n\
         <section class=\"look\">\n<h2>Complete o look</h2>\n\
         <div id=\"shop-the-look\" data-product-id=\"{id}\">\
         <button class=\"look-open\" type=\"button\" aria-controls=\"look-drawer\" \
         aria-expanded=\"false\">Shop the look</button>\
         <aside id=\"look-drawer\" class=\"drawer\" aria-label=\"Complete o look\" hidden>\
         <header><h2>Complete o look</h2>\
         <button class=\"drawer-close\" type=\"button\" aria-label=\"Fechar\">×</button></header>\
         <ul class=\"mini-products\"></ul></aside></div>\n</section>",
        id = escape(&p.id),
        name = escape(&p.name),
        price = price(p),
        colour = escape(&p.colour),
        sku = escape(&p.sku),
    );
    layout(catalog, &p.name, &main)
}

/// The shop's own search: products whose folded name contains every folded query word.
pub(super) fn search(catalog: &Catalog, query: &str) -> String {
    let words: Vec<String> = fold(query).split_whitespace().map(str::to_owned).collect();
    let found: Vec<&Product> = if words.is_empty() {
        Vec::new()
    } else {
        catalog
            .products()
            .iter()
            .filter(|p| {
                let name = fold(&p.name);
                words.iter().all(|w| name.contains(w.as_str()))
            })
            .take(MAX_SEARCH_RESULTS)
            .collect()
    };
    let main = format!(
        "<h1>Busca: {q}</h1>\n<p class=\"count\">{n} produtos</p>\n{tiles}",
        q = escape(query),
        n = found.len(),
        tiles = tiles(found.into_iter()),
    );
    layout(catalog, "Busca", &main)
}

pub(super) fn not_found(catalog: &Catalog) -> String {
    layout(
        catalog,
        "Página não encontrada",
        "<h1>Página não encontrada</h1>\n<p><a href=\"/\">Voltar ao início</a></p>",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_reais() {
        assert_eq!(brl(199.9), "R$ 199,90");
        assert_eq!(brl(1299.0), "R$ 1.299,00");
        assert_eq!(brl(0.05), "R$ 0,05");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
