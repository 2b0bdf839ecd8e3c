//! The demo shop origin over real sockets: home links, category pages with product tiles in
//! native order, the JSON listing API with the same ids, product pages, images, 404s, and the
//! cart and checkout the demo's experiment counts as goals.

#[path = "common/sim.rs"]
mod common;

use std::sync::Arc;

use common::{native, start_shop};
use lol_html::{element, RewriteStrSettings};
use reqwest::StatusCode;
use reshelf::sim::Catalog;
use serde_json::Value;

/// Values of `attr` on every element matching `selector`, in document order.
fn attrs(html: &str, selector: &str, attr: &str) -> Vec<String> {
    let mut found = Vec::new();
    lol_html::rewrite_str(
        html,
        RewriteStrSettings::new().append_element_content_handler(element!(selector, |el| {
            found.push(el.get_attribute(attr).unwrap_or_default());
            Ok(())
        })),
    )
    .expect("the page parses");
    found
}

async fn get(url: String) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

#[tokio::test]
async fn home_links_to_every_category_page() {
    let catalog = Arc::new(Catalog::embedded());
    let shop = start_shop(Arc::clone(&catalog)).await;
    let (status, headers, html) = get(format!("{}/", shop.base_url())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["content-length"], html.len().to_string().as_str());
    let links = attrs(&html, "main a[href]", "href");
    for category in catalog.categories() {
        let href = format!("/category/{}", category.id);
        assert!(links.contains(&href), "{href} not in {links:?}");
        assert_eq!(
            get(format!("{}{href}", shop.base_url())).await.0,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn category_pages_and_the_json_api_list_the_category_in_native_order() {
    let catalog = Arc::new(Catalog::embedded());
    let shop = start_shop(Arc::clone(&catalog)).await;
    for category in catalog.categories() {
        let (status, headers, html) =
            get(format!("{}/category/{}", shop.base_url(), category.id)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-length"], html.len().to_string().as_str());
        let ids = attrs(&html, "ul.products > li.product", "data-product-id");
        assert!(ids.len() >= 48, "{}: {} tiles", category.id, ids.len());
        for id in &ids {
            let product = catalog
                .product(id)
                .unwrap_or_else(|| panic!("{id} not in catalog"));
            assert_eq!(product.category, category.id);
        }
        assert_eq!(ids, native(&catalog, &category.id));
        let hrefs = attrs(&html, "ul.products > li.product > a", "href");
        let images = attrs(&html, "ul.products > li.product img", "src");
        let expect_href: Vec<String> = ids.iter().map(|id| format!("/product/{id}")).collect();
        let expect_img: Vec<String> = ids.iter().map(|id| format!("/images/{id}.svg")).collect();
        assert_eq!((hrefs, images), (expect_href, expect_img));

        let response = reqwest::get(format!(
            "{}/api/categories/{}/products",
            shop.base_url(),
            category.id
        ))
        .await
        .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/json");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["category"]["id"], category.id.as_str());
        let api_ids: Vec<&str> = body["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert_eq!(api_ids, ids);
        assert!(
            body["products"][0]["name"].is_string() && body["products"][0]["price"].is_number()
        );
    }
}

#[tokio::test]
async fn product_page_images_and_stylesheet() {
    let catalog = Arc::new(Catalog::embedded());
    let shop = start_shop(Arc::clone(&catalog)).await;
    let base = shop.base_url();
    let product = &catalog.products()[0];

    let (status, _, html) = get(format!("{base}/product/{}", product.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        attrs(&html, "div#shop-the-look", "data-product-id"),
        std::slice::from_ref(&product.id)
    );
    assert_eq!(
        attrs(&html, "header form#site-search input", "name"),
        ["query"]
    );
    assert!(html.contains(&product.name));

    let (status, headers, svg) = get(format!("{base}/images/{}.svg", product.id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/svg+xml");
    assert!(
        svg.starts_with("<svg") && svg.contains(&product.colour_hex),
        "{svg}"
    );
    assert_eq!(
        get(format!("{base}/images/{}-back.svg", product.id))
            .await
            .0,
        StatusCode::OK
    );

    let (status, headers, css) = get(format!("{base}/static/shop.css")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/css; charset=utf-8");
    assert!(css.contains(".products"));

    let (status, _, results) = get(format!("{base}/search?query=t%C3%AAnis+running")).await;
    assert_eq!(status, StatusCode::OK);
    let found = attrs(&results, "ul.products > li.product", "data-product-id");
    assert!(!found.is_empty());
    assert!(found.iter().all(|id| catalog
        .product(id)
        .unwrap()
        .name
        .starts_with("Tênis Running")));
}

/// The drawing of a placeholder SVG: the coloured group, without its colour attributes.
fn drawing(svg: &str) -> &str {
    let group = svg.find("<g ").expect("a drawing group");
    let start = group + svg[group..].find('>').unwrap() + 1;
    let end = svg.rfind("</g>").expect("the group ends");
    &svg[start..end]
}

#[tokio::test]
async fn each_kind_of_product_has_its_own_drawing() {
    let catalog = Arc::new(Catalog::embedded());
    let shop = start_shop(Arc::clone(&catalog)).await;
    let svg_of = |word: &'static str, nth: usize| {
        let product = catalog
            .products()
            .iter()
            .filter(|p| p.name.starts_with(word))
            .nth(nth)
            .unwrap_or_else(|| panic!("no product {nth} named {word}"));
        get(format!("{}/images/{}.svg", shop.base_url(), product.id))
    };
    let kinds = [
        ("Vestido", "dress"),
        ("Calça", "trousers"),
        ("Camisa", "top"),
        ("Tênis", "shoe"),
        ("Bota", "boot"),
        ("Sandália", "sandal"),
        ("Bolsa", "bag"),
        ("Mochila", "backpack"),
        ("Cinto", "belt"),
        ("Óculos", "sunglasses"),
        ("Chapéu", "hat"),
        ("Lenço", "scarf"),
        ("Brinco", "earrings"),
        ("Colar", "necklace"),
    ];
    let mut drawn: Vec<(String, &str)> = Vec::new();
    for (word, kind) in kinds {
        let (status, _, svg) = svg_of(word, 0).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            svg.contains(&format!("data-kind=\"{kind}\"")),
            "{word}: {svg}"
        );
        let mine = drawing(&svg).to_owned();
        if let Some((_, other)) = drawn.iter().find(|(d, _)| *d == mine) {
            panic!("{word} is drawn as {other}: {mine}");
        }
        drawn.push((mine, word));
    }
    // A kind is one drawing whatever the colour: two sneakers share it.
    let (a, b) = (svg_of("Tênis", 0).await.2, svg_of("Tênis", 1).await.2);
    assert_eq!(drawing(&a), drawing(&b));
}

#[tokio::test]
async fn unknown_paths_are_404_and_other_methods_405() {
    let shop = start_shop(Arc::new(Catalog::embedded())).await;
    let base = shop.base_url();
    for path in [
        "/category/nope",
        "/product/nope",
        "/images/nope.svg",
        "/images/P1001.png",
        "/api/categories/nope/products",
        "/static/other.css",
        "/nothing",
    ] {
        assert_eq!(
            get(format!("{base}{path}")).await.0,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let post = reqwest::Client::new()
        .post(format!("{base}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(post.headers()["allow"], "GET, HEAD");

    let head = reqwest::Client::new()
        .head(format!("{base}/category/vestidos"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    // HEAD announces the length of the page GET would send.
    let (_, _, page) = get(format!("{base}/category/vestidos")).await;
    assert_eq!(
        head.headers()["content-length"],
        page.len().to_string().as_str()
    );
    assert!(head.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_product_form_adds_to_the_cart_and_checkout_answers_the_order_value() {
    let catalog = Arc::new(Catalog::embedded());
    let shop = start_shop(Arc::clone(&catalog)).await;
    let base = shop.base_url();
    let (a, b) = (&catalog.products()[0], &catalog.products()[7]);
    let (_, _, page) = get(format!("{base}/product/{}", a.id)).await;
    assert_eq!(attrs(&page, "form[method=post]", "action"), ["/cart/add"]);
    assert_eq!(
        attrs(&page, "form input[name=product]", "value"),
        [a.id.as_str()]
    );

    let post = |path: &str, form: String| {
        reqwest::Client::new()
            .post(format!("{base}{path}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
    };
    let added = post("/cart/add", format!("product={}", a.id))
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::OK);
    let page = added.text().await.unwrap();
    assert_eq!(attrs(&page, "form[method=post]", "action"), ["/checkout"]);
    assert_eq!(
        attrs(&page, "form input[name=items]", "value"),
        [a.id.as_str()]
    );

    let order = post("/checkout", format!("items={}%2C{}", a.id, b.id))
        .await
        .unwrap();
    assert_eq!(order.status(), StatusCode::OK);
    assert_eq!(
        order.headers()["x-order-value"],
        format!("{:.2}", a.sale_price + b.sale_price).as_str()
    );

    let unknown = post("/cart/add", "product=nope".into()).await.unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    let empty = post("/checkout", String::new()).await.unwrap();
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
    let (status, headers, _) = get(format!("{base}/cart/add")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers["allow"], "POST");
}

#[tokio::test]
async fn catalog_text_is_escaped_in_pages() {
    let catalog = Catalog::from_json(
        r#"{"categories": [{"id": "c", "name": "Cat <b>"}],
            "products": [{"id": "x1", "name": "<script>alert(1)</script>", "category": "c", "price": 5}]}"#,
    )
    .unwrap();
    let shop = start_shop(Arc::new(catalog)).await;
    for path in ["/category/c", "/product/x1", "/images/x1.svg"] {
        let (status, _, body) = get(format!("{}{path}", shop.base_url())).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            !body.contains("<script>") && body.contains("&lt;script&gt;"),
            "{path}: {body}"
        );
    }
    let shop_addr = shop.addr();
    shop.shutdown().await;
    assert!(tokio::net::TcpStream::connect(shop_addr).await.is_err());
}
