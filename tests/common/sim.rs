//! Helpers for tests that talk to an in-process Fashion.AI simulator or demo shop on
//! 127.0.0.1 port 0.

#![allow(dead_code)] // Each test file uses a different subset.

use std::sync::Arc;

use reqwest::StatusCode;
use reshelf::demo::shop::{self, ShopHandle};
use reshelf::sim::{self, Catalog, SimConfig, SimHandle, TOKEN_HEADER};
use serde_json::{json, Value};

/// Binds 127.0.0.1:0.
pub async fn loopback() -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0")
}

pub async fn start_sim(config: SimConfig) -> SimHandle {
    sim::start(config, loopback().await).await
}

pub async fn start_shop(catalog: Arc<Catalog>) -> ShopHandle {
    shop::start(catalog, loopback().await).await
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .build()
        .expect("build reqwest client")
}

/// Sends a recommendation event with the simulator's token; returns status and JSON body.
pub async fn event(client: &reqwest::Client, sim: &SimHandle, body: Value) -> (StatusCode, Value) {
    let response = client
        .post(sim.recommendation_url())
        .header(TOKEN_HEADER, sim.token())
        .json(&body)
        .send()
        .await
        .expect("recommendation request");
    let status = response.status();
    let json = response
        .json()
        .await
        .expect("recommendation answer is JSON");
    (status, json)
}

/// A `categoryView` for an anonymous session; returns the ranked ids.
pub async fn category_view(
    client: &reqwest::Client,
    sim: &SimHandle,
    session: &str,
    category: &str,
) -> Vec<String> {
    let body = json!({"sessionId": session, "eventType": "categoryView", "data": {"id": category}});
    ids(event(client, sim, body).await)
}

/// A `shopTheLook` for an anonymous session; returns the ids.
pub async fn shop_the_look(
    client: &reqwest::Client,
    sim: &SimHandle,
    session: &str,
    product: &str,
) -> Vec<String> {
    let body = json!({"sessionId": session, "eventType": "shopTheLook", "data": {"id": product}});
    ids(event(client, sim, body).await)
}

/// The `products` ids of a 200 answer.
pub fn ids((status, body): (StatusCode, Value)) -> Vec<String> {
    assert_eq!(status, StatusCode::OK, "{body}");
    body["products"]
        .as_array()
        .unwrap_or_else(|| panic!("no products array in {body}"))
        .iter()
        .map(|v| v.as_str().expect("product id is a string").to_owned())
        .collect()
}

/// Ids of a catalog category in native order.
pub fn native(catalog: &Catalog, category: &str) -> Vec<String> {
    catalog
        .category_products(category)
        .expect("known category")
        .map(|p| p.id.clone())
        .collect()
}
