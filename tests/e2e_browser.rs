//! End to end in a real browser: headless Chromium (driven through chromedriver's WebDriver
//! API) browses `reshelf demo`; after the simulator has seen enough of the session, the tile
//! order in the rendered DOM is the ranking the simulator answered.
//!
//! The expected ranking is recomputed on a twin simulator by replaying the events the demo's
//! simulator received: its answers are deterministic for a given session history.

#[path = "common/browser.rs"]
mod browser;

use std::net::SocketAddr;

use browser::Browser;
use reshelf::demo::Demo;
use reshelf::sim::{self, Api, SimConfig};
use serde_json::Value;

/// Replays the recorded events on a fresh simulator; returns its answer to the last one.
async fn replay(events: &[Value]) -> Vec<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let twin = sim::start(SimConfig::default(), listener).await;
    let mut last = Vec::new();
    for event in events {
        let answer: Value = reqwest::Client::new()
            .post(twin.recommendation_url())
            .header(sim::TOKEN_HEADER, twin.token())
            .json(event)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        last = serde_json::from_value(answer["products"].clone()).unwrap();
    }
    twin.shutdown().await;
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_sees_the_demo_category_in_ranking_order() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let demo = Demo::start(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();

    let shop_url = format!("{}/category/vestidos", demo.shop.base_url());
    let url = format!("http://{}/category/vestidos", demo.proxy.public_addr());
    let native = browser.tile_order(&shop_url).await;
    assert!(native.len() >= 48, "{native:?}");
    // The simulator answers an empty ranking for the first two events of a session.
    for _ in 0..2 {
        assert_eq!(browser.tile_order(&url).await, native);
    }
    let personalized = browser.tile_order(&url).await;

    let events: Vec<Value> = demo
        .sim
        .requests_for(Api::Recommendation)
        .iter()
        .map(|r| r.json().unwrap())
        .collect();
    assert_eq!(events.len(), 3, "one categoryView per view: {events:?}");
    let sessions: std::collections::HashSet<_> =
        events.iter().map(|e| e["sessionId"].clone()).collect();
    assert_eq!(
        sessions.len(),
        1,
        "the browser kept its minted session cookie"
    );
    let ranking = replay(&events).await;
    assert!(!ranking.is_empty());
    let expected: Vec<String> = ranking
        .into_iter()
        .filter(|id| native.contains(id))
        .collect();
    assert_eq!(personalized[..expected.len()], expected[..]);
    assert_ne!(personalized, native, "the ranking changed the order");
    let mut sorted = personalized.clone();
    sorted.sort();
    let mut native_sorted = native.clone();
    native_sorted.sort();
    assert_eq!(sorted, native_sorted, "nothing added or dropped");

    browser.quit().await;
    demo.shutdown().await;
}
