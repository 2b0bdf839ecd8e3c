//! `GET /_reshelf/search` against the simulator: the exact search request, at most five
//! products with the API's fields, 400s for bad queries (with no call made), and every
//! upstream failure answered as an empty list.

use reshelf::sim::{Api, Fault, FaultPlan, TOKEN_HEADER};
use serde_json::json;

use crate::common::origin::{full, TestServer};
use crate::common::TEST_TOKEN;
use crate::rig::{requests_series, Rig};

const SEED_FIELDS: [&str; 8] = [
    "productId",
    "sku",
    "name",
    "images",
    "price",
    "salePrice",
    "size",
    "link",
];

#[tokio::test]
async fn answers_at_most_five_products_with_the_seed_fields() {
    let rig = Rig::start("[identity]\nuser_cookie = \"uid\"\n").await;
    let answer = rig
        .get(
            "/_reshelf/search?query=vestido+azul&size=M",
            &[("cookie", "reshelf_sid=search-session; uid=90")],
        )
        .await;
    let products = answer.products();
    assert!(!products.is_empty() && products.len() <= 5, "{products:?}");
    for p in &products {
        for key in p.as_object().unwrap().keys() {
            assert!(SEED_FIELDS.contains(&key.as_str()), "extra field {key}");
        }
        assert!(p["productId"].is_string() && p["price"].is_number());
        assert_eq!(p["size"], "M");
    }
    assert_eq!(answer.header("cache-control"), Some("private, no-store"));
    assert_eq!(answer.header("x-reshelf"), Some("personalized"));
    assert_eq!(answer.header("set-cookie"), None);

    let sent = rig.sim.requests_for(Api::Search);
    assert_eq!(sent.len(), 1);
    let sent = &sent[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, reshelf::sim::SEARCH_PATH);
    assert_eq!(sent.header(TOKEN_HEADER), Some(TEST_TOKEN));
    assert_eq!(
        sent.query_pairs(),
        [
            ("query".into(), "vestido azul".into()),
            ("size".into(), "M".into())
        ]
    );
    // Seed 003: userId is a string.
    assert_eq!(
        sent.json().unwrap(),
        json!({"sessionId": "search-session", "userId": "90"})
    );
    assert_eq!(rig.sample(&requests_series("search", "ok")).await, 1.0);
    rig.proxy.shutdown().await;
}

#[tokio::test]
async fn accented_words_and_spaces_reach_fashion_ai_intact() {
    let rig = Rig::start("").await;
    let answer = rig
        .get("/_reshelf/search?query=t%C3%AAnis%20running", &[])
        .await;
    assert_eq!(answer.status, 200);
    let session = answer
        .minted_session()
        .expect("anonymous shopper gets a session");
    let sent = &rig.sim.requests_for(Api::Search)[0];
    assert_eq!(
        sent.query_pairs(),
        [("query".into(), "tênis running".into())]
    );
    let raw = sent.query.as_deref().unwrap();
    assert!(raw.is_ascii() && !raw.contains(' '), "{raw}");
    assert_eq!(sent.json().unwrap(), json!({"sessionId": session}));
    rig.proxy.shutdown().await;
}

#[tokio::test]
async fn bad_queries_are_400_and_call_nothing() {
    let rig = Rig::start("").await;
    let long = "a".repeat(201);
    let long_size = "x".repeat(17);
    for query in [
        String::new(),
        "?query=".into(),
        "?query=+++".into(),
        "?q=vestido".into(),
        format!("?query={long}"),
        format!("?query=vestido&size={long_size}"),
    ] {
        let answer = rig.get(&format!("/_reshelf/search{query}"), &[]).await;
        assert_eq!(answer.status, 400, "{query}");
        assert_eq!(answer.header("content-type"), Some("application/json"));
        assert!(answer.json()["error"].is_string(), "{query}");
    }
    assert_eq!(rig.sim.count(Api::Search), 0);
    assert_eq!(
        rig.sample(&requests_series("search", "bad_request")).await,
        6.0
    );
    let at_limit = format!(
        "/_reshelf/search?query={}&size={}",
        "a".repeat(200),
        "x".repeat(16)
    );
    assert_eq!(rig.get(&at_limit, &[]).await.status, 200);
    rig.proxy.shutdown().await;
}

#[tokio::test]
async fn every_upstream_failure_is_an_empty_list_with_its_reason() {
    let rig = Rig::start("[endpoints]\nsearch_timeout_ms = 200\n").await;
    for (fault, reason) in [
        (Fault::Hang, "timeout"),
        (Fault::Error, "error"),
        (Fault::Garbage, "error"),
        (Fault::Unauthorized, "error"),
    ] {
        rig.sim.set_fault_for(Api::Search, FaultPlan::always(fault));
        let answer = rig.get("/_reshelf/search?query=vestido", &[]).await;
        assert_eq!(answer.status, 200, "{fault:?}");
        assert_eq!(answer.json(), json!({"products": []}), "{fault:?}");
        assert_eq!(
            answer.header("x-reshelf"),
            Some(format!("native; reason={reason}").as_str())
        );
    }
    rig.sim.set_fault_for(Api::Search, FaultPlan::none());
    let nothing = rig.get("/_reshelf/search?query=zzzzqqq", &[]).await;
    assert!(nothing.products().is_empty());
    assert_eq!(nothing.header("x-reshelf"), Some("native; reason=empty"));
    assert_eq!(rig.sample(&requests_series("search", "timeout")).await, 1.0);
    assert_eq!(rig.sample(&requests_series("search", "error")).await, 3.0);
    assert_eq!(rig.sample(&requests_series("search", "empty")).await, 1.0);
    rig.proxy.shutdown().await;
}

/// A stand-in Fashion.AI that answers extra fields, wrong types, unsafe URLs and too many
/// products: only the API's shape reaches the shopper.
#[tokio::test]
async fn upstream_answers_are_reduced_to_the_seed_shape() {
    let upstream = TestServer::start(|_req| async {
        let mut items = vec![json!({"productId": 7, "sku": "X", "name": "wrong type"})];
        for i in 0..8 {
            items.push(json!({
                "productId": format!("P{i}"), "sku": format!("S{i}"), "name": "Camisa",
                "images": ["/i/1.svg", "javascript:alert(1)", "https://cdn.example/2.jpg", "/i/3.svg"],
                "price": 159.9, "salePrice": 119.9, "size": "42",
                "link": "javascript:alert(document.cookie)", "internalScore": 0.93,
            }));
        }
        let body = serde_json::to_vec(&json!({"products": items, "debug": {"token": "x"}})).unwrap();
        hyper::Response::builder()
            .header("content-type", "application/json")
            .body(full(body))
            .unwrap()
    })
    .await;
    let origin = TestServer::start(|_req| async { hyper::Response::new(full("origin")) }).await;
    let toml = crate::common::config_toml(
        origin.addr,
        Some(&format!("http://{}", upstream.addr)),
        crate::common::HTML_PAGE,
    );
    let proxy = crate::common::start_proxy(&toml).await;
    let resp = crate::common::client()
        .get(format!(
            "http://{}/_reshelf/search?query=camisa",
            proxy.public_addr()
        ))
        .send()
        .await
        .unwrap();
    let answer: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        answer,
        json!({"products": (0..5).map(|i| json!({
            "productId": format!("P{i}"), "sku": format!("S{i}"), "name": "Camisa",
            "images": ["/i/1.svg", "https://cdn.example/2.jpg"],
            "price": 159.9, "salePrice": 119.9, "size": "42",
        })).collect::<Vec<_>>()})
    );
    proxy.shutdown().await;
}
