//! The Fashion.AI simulator over real sockets: token check, categoryView (empty, then every
//! product of the category, learning, deterministic), shopTheLook, search, profile, recording.
//! Faults and the `reshelf sim` command are in `sim/faults.rs` and `sim/cli.rs`.

#[path = "sim/cli.rs"]
mod cli;
#[path = "common/sim.rs"]
mod common;
#[path = "sim/faults.rs"]
mod faults;

use std::collections::HashSet;
use std::sync::Arc;

use common::{category_view, client, event, ids, native, shop_the_look, start_sim};
use reqwest::StatusCode;
use reshelf::sim::{Api, Catalog, SimConfig, TOKEN_HEADER};
use serde_json::{json, Value};

#[tokio::test]
async fn every_api_rejects_a_missing_or_wrong_token() {
    let sim = start_sim(SimConfig::default()).await;
    let http = client();
    let calls = [
        http.post(sim.recommendation_url()).json(
            &json!({"sessionId": "s", "eventType": "categoryView", "data": {"id": "vestidos"}}),
        ),
        http.post(format!("{}?query=vestido", sim.search_url()))
            .json(&json!({"sessionId": "s"})),
        http.get(sim.profile_url("ana@example.com")),
    ];
    for call in calls {
        let wrong = call
            .try_clone()
            .unwrap()
            .header(TOKEN_HEADER, "not-the-token");
        for request in [call, wrong] {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            let body: Value = response.json().await.unwrap();
            assert!(body["error"].as_str().unwrap().contains("Token"), "{body}");
        }
    }
    for api in Api::ALL {
        assert_eq!(sim.count(api), 2, "{api:?}");
    }
}

#[tokio::test]
async fn category_view_is_empty_until_min_events_then_ranks_the_whole_category() {
    let sim = start_sim(SimConfig::default()).await;
    let http = client();
    let native = native(sim.catalog(), "vestidos");
    assert!(category_view(&http, &sim, "fresh", "vestidos")
        .await
        .is_empty());
    assert!(category_view(&http, &sim, "fresh", "vestidos")
        .await
        .is_empty());
    let ranked = category_view(&http, &sim, "fresh", "vestidos").await;
    assert_eq!(ranked.len(), native.len());
    let as_set: HashSet<&String> = ranked.iter().collect();
    assert_eq!(as_set, native.iter().collect::<HashSet<_>>());
    // The shopper sees another order than the shop's own.
    assert_ne!(ranked, native);
    // An unknown category stays empty however much is known.
    assert!(category_view(&http, &sim, "fresh", "no-such-category")
        .await
        .is_empty());
}

#[tokio::test]
async fn min_events_is_configurable_and_a_known_user_counts_across_sessions() {
    let sim = start_sim(SimConfig {
        min_events: 1,
        ..SimConfig::default()
    })
    .await;
    let http = client();
    assert!(category_view(&http, &sim, "s1", "calcas").await.is_empty());
    assert_eq!(category_view(&http, &sim, "s1", "calcas").await.len(), 60);

    let as_user = |session: &str| json!({"userId": 90, "sessionId": session, "eventType": "categoryView", "data": {"id": "calcas"}});
    assert!(ids(event(&http, &sim, as_user("s2")).await).is_empty());
    // A new session of the same (numeric) user is already known.
    assert_eq!(ids(event(&http, &sim, as_user("s3")).await).len(), 60);
}

async fn history(sim: &reshelf::sim::SimHandle, session: &str) -> Vec<String> {
    let http = client();
    category_view(&http, sim, session, "camisas").await;
    shop_the_look(&http, sim, session, "P2005").await;
    category_view(&http, sim, session, "camisas").await
}

#[tokio::test]
async fn same_history_gives_same_order_and_other_sessions_differ() {
    let a = start_sim(SimConfig::default()).await;
    let b = start_sim(SimConfig::default()).await;
    let first = history(&a, "det").await;
    assert_eq!(first.len(), 60);
    assert_eq!(first, history(&b, "det").await);
    assert_ne!(first, history(&a, "other").await);
}

#[tokio::test]
async fn viewed_products_lift_related_products() {
    // Tops: eight plain ones first, then two that share colour and style with the boot.
    let mut products: Vec<Value> = (1..=8)
        .map(|i| {
            json!({"id": format!("T{i}"), "name": format!("Top {i}"), "category": "tops",
            "price": 10, "colour": "white", "style": ["classic"]})
        })
        .collect();
    for i in [9, 10] {
        products.push(
            json!({"id": format!("T{i}"), "name": format!("Top {i}"), "category": "tops",
            "price": 10, "colour": "red", "style": ["rock"]}),
        );
    }
    products.push(
        json!({"id": "B1", "name": "Boot", "category": "shoes", "price": 50,
        "colour": "red", "style": ["rock"]}),
    );
    let catalog = json!({"categories": [{"id": "tops", "name": "Tops"}, {"id": "shoes", "name": "Shoes"}],
        "products": products});
    let catalog = Arc::new(Catalog::from_json(&catalog.to_string()).unwrap());
    let sim = start_sim(SimConfig {
        catalog,
        ..SimConfig::default()
    })
    .await;
    let http = client();
    shop_the_look(&http, &sim, "rocker", "B1").await;
    shop_the_look(&http, &sim, "rocker", "B1").await;
    let ranked = category_view(&http, &sim, "rocker", "tops").await;
    assert_eq!(ranked.len(), 10);
    let mut top_two = ranked[..2].to_vec();
    top_two.sort();
    assert_eq!(top_two, ["T10", "T9"], "ranking: {ranked:?}");
}

#[tokio::test]
async fn user_id_may_be_a_number_a_string_or_absent_and_bad_bodies_are_400() {
    let sim = start_sim(SimConfig::default()).await;
    let http = client();
    for user in [json!(90), json!("user-456"), Value::Null] {
        let body = json!({"userId": user, "sessionId": "s", "eventType": "categoryView", "data": {"id": "vestidos"}});
        assert_eq!(
            event(&http, &sim, body).await.0,
            StatusCode::OK,
            "userId {user}"
        );
    }
    let bad = [
        json!({"userId": {"id": 1}, "sessionId": "s", "eventType": "categoryView", "data": {"id": "vestidos"}}),
        json!({"eventType": "categoryView", "data": {"id": "vestidos"}}),
        json!({"sessionId": "s", "eventType": "productView", "data": {"id": "vestidos"}}),
        json!({"sessionId": "s", "eventType": "categoryView"}),
        json!({"sessionId": "", "eventType": "categoryView", "data": {"id": "vestidos"}}),
    ];
    for body in bad {
        let (status, answer) = event(&http, &sim, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body} → {answer}");
    }
    let not_json = http
        .post(sim.recommendation_url())
        .header(TOKEN_HEADER, sim.token())
        .body("sessionId=s")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn shop_the_look_completes_the_outfit_from_other_categories() {
    let sim = start_sim(SimConfig::default()).await;
    let http = client();
    let look = shop_the_look(&http, &sim, "a", "P1003").await;
    assert!((3..=6).contains(&look.len()), "{look:?}");
    let catalog = sim.catalog();
    for id in &look {
        let p = catalog
            .product(id)
            .unwrap_or_else(|| panic!("{id} not in catalog"));
        assert_ne!(p.category, "vestidos");
    }
    assert_eq!(look.iter().collect::<HashSet<_>>().len(), look.len());
    assert_eq!(shop_the_look(&http, &sim, "b", "P1003").await, look);
    assert!(shop_the_look(&http, &sim, "a", "no-such-product")
        .await
        .is_empty());
}

/// Searches with the token; returns status and the products array.
async fn search(
    sim: &reshelf::sim::SimHandle,
    query: &str,
    body: Value,
) -> (StatusCode, Vec<Value>) {
    let response = client()
        .post(format!("{}?{query}", sim.search_url()))
        .header(TOKEN_HEADER, sim.token())
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    (
        status,
        answer["products"]
            .as_array()
            .expect("products array")
            .clone(),
    )
}

#[tokio::test]
async fn search_answers_at_most_five_with_the_seed_fields() {
    let sim = start_sim(SimConfig::default()).await;
    let body = json!({"sessionId": "session-123", "userId": "user-456"});
    let (status, hits) = search(&sim, "query=vestido+azul", body.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(hits.len(), 5);
    let first_name = hits[0]["name"].as_str().unwrap().to_lowercase();
    assert!(
        first_name.contains("vestido") && first_name.contains("azul"),
        "{first_name}"
    );
    for hit in &hits {
        let id = hit["productId"].as_str().unwrap();
        assert!(sim.catalog().product(id).is_some());
        assert!(hit["sku"].is_string() && hit["name"].is_string());
        assert!(hit["price"].is_number() && hit["salePrice"].is_number());
        let images = hit["images"].as_array().unwrap();
        assert!((1..=2).contains(&images.len()), "{hit}");
    }

    // Size filter, case-insensitive.
    let (_, lower) = search(&sim, "query=vestido&size=gg", body.clone()).await;
    let (_, upper) = search(&sim, "query=vestido&size=GG", body.clone()).await;
    assert!(!lower.is_empty());
    assert_eq!(lower, upper);
    for hit in &lower {
        assert_eq!(hit["size"], "GG");
        let p = sim
            .catalog()
            .product(hit["productId"].as_str().unwrap())
            .unwrap();
        assert!(p.sizes.iter().any(|s| s == "GG"), "{}", p.id);
    }
    let (_, none_in_size) = search(&sim, "query=vestido&size=99", body.clone()).await;
    assert!(none_in_size.is_empty());
}

#[tokio::test]
async fn search_folds_accents_and_answers_empty_on_no_match_or_error() {
    let sim = start_sim(SimConfig::default()).await;
    let body = json!({"sessionId": "anonymous-session-001"});
    let (_, accented) = search(&sim, "query=t%C3%AAnis%20running", body.clone()).await;
    assert_eq!(accented.len(), 5);
    // Every running shoe of the catalog first, then other sneakers (one word matched).
    let running: Vec<&str> = sim
        .catalog()
        .products()
        .iter()
        .filter(|p| p.name.starts_with("Tênis Running"))
        .map(|p| p.id.as_str())
        .collect();
    assert!(!running.is_empty() && running.len() < 5);
    let names: Vec<&str> = accented
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    for (i, name) in names.iter().enumerate() {
        assert_eq!(
            name.starts_with("Tênis Running"),
            i < running.len(),
            "{names:?}"
        );
        assert!(name.starts_with("Tênis"), "{names:?}");
    }
    let (_, plain) = search(&sim, "query=TENIS+running", body.clone()).await;
    assert_eq!(plain, accented);

    assert!(search(&sim, "query=xyzzy", body.clone()).await.1.is_empty());
    let (status, no_query) = search(&sim, "size=M", body.clone()).await;
    assert_eq!((status, no_query.len()), (StatusCode::OK, 0));
    let (status, bad_body) = search(&sim, "query=vestido", json!({"userId": 1})).await;
    assert_eq!((status, bad_body.len()), (StatusCode::OK, 0));
}

#[tokio::test]
async fn profile_has_the_portuguese_sections_and_unknown_addresses_are_404() {
    let sim = start_sim(SimConfig::default()).await;
    let http = client();
    let get = |email: &str| {
        http.get(sim.profile_url(email))
            .header(TOKEN_HEADER, sim.token())
            .send()
    };
    let response = get("customer@example.com").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let profile = &body["profile"];
    assert!(
        profile["perfil_cliente"]["estilo_geral"].is_string(),
        "{body}"
    );
    assert!(profile["briefing_marketing"]["tom_de_voz"].is_string());
    assert!(profile["momento_compra_atual"]["novo_comportamento"].is_boolean());
    assert!(!profile["momento_compra_atual"]["oportunidades"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(!profile["ocasioes_relevantes"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(!profile["ganchos_conteudo"].as_array().unwrap().is_empty());
    let again: Value = get("customer@example.com")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again, body);

    assert_eq!(
        get("nobody@example.com").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get("not-an-address").await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn recorded_requests_show_the_token_query_and_body() {
    let sim = start_sim(SimConfig::default()).await;
    let http = client();
    let body = json!({"userId": 7, "sessionId": "rec", "eventType": "categoryView", "data": {"id": "calcados"}});
    event(&http, &sim, body.clone()).await;
    search(
        &sim,
        "query=t%C3%AAnis+running&size=42",
        json!({"sessionId": "rec"}),
    )
    .await;

    let recs = sim.requests_for(Api::Recommendation);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].method, "POST");
    assert_eq!(recs[0].path, reshelf::sim::RECOMMENDATION_PATH);
    assert_eq!(recs[0].header(TOKEN_HEADER), Some(sim.token()));
    assert_eq!(recs[0].header("content-type"), Some("application/json"));
    assert_eq!(recs[0].json(), Some(body));

    let searches = sim.requests_for(Api::Search);
    assert_eq!(searches.len(), 1);
    assert_eq!(
        searches[0].query_pairs(),
        [
            ("query".to_owned(), "tênis running".to_owned()),
            ("size".to_owned(), "42".to_owned())
        ]
    );
    assert_eq!(
        (
            sim.count(Api::Recommendation),
            sim.count(Api::Search),
            sim.count(Api::Profile)
        ),
        (1, 1, 0)
    );
    assert_eq!(sim.requests().len(), 2);
    sim.clear_requests();
    assert!(sim.requests().is_empty());
    assert_eq!(sim.count(Api::Search), 0);
}

#[tokio::test]
async fn shutdown_closes_the_port() {
    let sim = start_sim(SimConfig::default()).await;
    let addr = sim.addr();
    sim.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
