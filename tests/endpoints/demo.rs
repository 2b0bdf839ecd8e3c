//! `reshelf demo` as a browser sees it: product pages carry the "Shop the look" button and
//! drawer, the header a search box, both driven by `/static/shop.js`, which calls only the
//! shop's own origin; no token anywhere in what the browser gets. The calls the script makes
//! are then made here in the same order, through the demo's proxy.

use std::net::SocketAddr;

use reshelf::demo::Demo;
use reshelf::sim::Api;

use crate::rig::Answer;

/// GET through the demo's public side, with an optional cookie.
async fn get(http: &reqwest::Client, demo: &Demo, path: &str, cookie: Option<&str>) -> Answer {
    let mut req = http.get(format!("http://{}{path}", demo.proxy.public_addr()));
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    let answer = Answer::read(req.send().await.unwrap()).await;
    assert!(
        !answer.body.contains(demo.sim.token()),
        "simulator token in {path}"
    );
    answer
}

#[tokio::test]
async fn product_pages_and_the_search_box_work_through_same_origin_endpoints() {
    let demo = Demo::start(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("demo starts");
    let http = crate::common::client();
    let product = demo.sim.catalog().products()[0].id.clone();

    let page = get(&http, &demo, &format!("/product/{product}"), None).await;
    assert_eq!(page.status, 200);
    for needle in [
        "<script src=\"/static/shop.js\" defer></script>",
        "class=\"look-open\"",
        ">Shop the look</button>",
        "id=\"look-drawer\"",
        "class=\"search-results\"",
        &format!("id=\"shop-the-look\" data-product-id=\"{product}\""),
    ] {
        assert!(
            page.body.contains(needle),
            "{needle} missing from the product page"
        );
    }

    let script = get(&http, &demo, "/static/shop.js", None).await;
    assert_eq!(script.status, 200);
    assert_eq!(
        script.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    for call in [
        "\"/_reshelf\"",
        "\"/shop-the-look/\"",
        "\"/search?query=\"",
        "\"/api/products?ids=\"",
    ] {
        assert!(script.body.contains(call), "shop.js does not call {call}");
    }
    // Every URL the script builds is relative to the page: no other origin is contacted.
    assert!(!script.body.contains("http://") && !script.body.contains("https://"));
    assert!(!script.body.contains(&demo.sim.addr().to_string()));
    assert!(!script
        .body
        .to_ascii_lowercase()
        .contains("fashionai-app-token"));

    // The drawer: the look (minting the session), then the shop's product lookup.
    let look = get(
        &http,
        &demo,
        &format!("/_reshelf/shop-the-look/{product}"),
        None,
    )
    .await;
    let ids = look.ids();
    assert!(ids.len() >= 3, "{ids:?}");
    let cookie = format!("reshelf_sid={}", look.minted_session().unwrap());
    let lookup = get(
        &http,
        &demo,
        &format!("/api/products?ids={}", ids.join(",")),
        Some(&cookie),
    )
    .await;
    let named: Vec<String> = lookup
        .products()
        .iter()
        .map(|p| {
            assert!(p["name"].is_string() && p["inStock"].is_boolean());
            p["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(named, ids);

    // The search box, for the same shopper.
    let found = get(
        &http,
        &demo,
        "/_reshelf/search?query=vestido",
        Some(&cookie),
    )
    .await;
    let products = found.products();
    assert!(!products.is_empty());
    for p in &products {
        assert!(p["link"].as_str().unwrap().starts_with("/product/"), "{p}");
        assert!(
            p["images"][0].as_str().unwrap().starts_with("/images/"),
            "{p}"
        );
    }
    let session = cookie.trim_start_matches("reshelf_sid=");
    let searched = demo.sim.requests_for(Api::Search);
    assert_eq!(searched.len(), 1);
    assert_eq!(searched[0].json().unwrap()["sessionId"], session);
    demo.shutdown().await;
}
