//! The category flow when the ranking arrives: HTML and JSON listings reordered, the event sent
//! exactly as the Fashion.AI API (README) shows, identity from cookies and headers, compressed
//! origins, and the headers that keep a personalized page private.

mod common;

use std::io::Read;

use common::api::{ids, FakeApi, Mode};
use common::{client, config_toml, fetch, shop, start_proxy, TEST_TOKEN};

/// The shop's listing pages, with the user id from a header.
const IDENTITY: &str = "[identity]
user_header = \"x-user-id\"
";

async fn setup(mode: Mode) -> (shop::Shop, FakeApi, reshelf::server::Running) {
    setup_in(mode, true).await
}

/// `stream`: `listen.stream_listings`.
async fn setup_in(mode: Mode, stream: bool) -> (shop::Shop, FakeApi, reshelf::server::Running) {
    let shop = shop::start().await;
    let api = FakeApi::start(mode).await;
    let toml = config_toml(
        shop.server.addr,
        Some(&api.base_url()),
        &format!("{IDENTITY}{}", shop::PAGES),
    )
    .replace("[fashionai]", "[fashionai]\ntimeout_ms = 1000")
    .replace("[listen]", &format!("[listen]\nstream_listings = {stream}"));
    let proxy = start_proxy(&toml).await;
    (shop, api, proxy)
}

#[tokio::test]
async fn html_listing_is_reordered_and_kept_private() {
    let (shop, api, proxy) = setup(Mode::Answer(ids(&["p4", "x9", "p2"]))).await;
    let resp = fetch::page(
        proxy.public_addr(),
        "/category/dresses",
        &[("if-none-match", "\"native-v1\""), ("range", "bytes=0-10")],
    )
    .await;
    assert_eq!(resp.status, 200);
    let h = resp.headers.clone();
    assert_eq!(resp.verdict().unwrap(), "personalized");
    assert!(
        h["cache-control"].to_str().unwrap().starts_with("private"),
        "{h:?}"
    );
    assert!(h["vary"].to_str().unwrap().contains("Cookie"), "{h:?}");
    assert!(
        h.get("etag").is_none() && h.get("last-modified").is_none(),
        "{h:?}"
    );
    assert!(h.get("x-fashionai-app-token").is_none());
    let body = resp.text();
    assert_eq!(shop::order(&body), ["p4", "p2", "p1", "p3", "p5", "p6"]);
    assert_eq!(
        body.len(),
        shop::html_page().len(),
        "only the order changes"
    );
    assert!(!body.contains(TEST_TOKEN));
    let log = shop.log.lock().unwrap().clone();
    assert_eq!(
        log.conditional_or_range, 0,
        "validators and Range never reach the origin"
    );
    assert_eq!(api.seen().len(), 1);
    proxy.shutdown().await;
}

#[tokio::test]
async fn json_listing_keeps_item_bytes() {
    let (_shop, _api, proxy) = setup(Mode::Answer(ids(&["p6", "p5"]))).await;
    let resp = fetch::page(proxy.public_addr(), "/api/categories/dresses/products", &[]).await;
    assert_eq!(resp.verdict().unwrap(), "personalized");
    let body = resp.text();
    assert_eq!(shop::order(&body), ["p6", "p5", "p1", "p2", "p3", "p4"]);
    assert!(
        body.contains(r#""price": 1.0000, "name": "\u003cp6\u003e""#),
        "{body}"
    );
    serde_json::from_str::<serde_json::Value>(&body).unwrap();
    proxy.shutdown().await;
}

#[tokio::test]
async fn the_event_is_the_seed_s_categoryview_with_the_minted_session() {
    let (_shop, api, proxy) = setup(Mode::Answer(ids(&["p2"]))).await;
    let url = format!("http://{}/category/summer%20dresses", proxy.public_addr());
    let first = client().get(&url).send().await.unwrap();
    let cookie = first.headers()["set-cookie"].to_str().unwrap().to_owned();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    let session = cookie
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("reshelf_sid=")
        .unwrap()
        .to_owned();
    assert_eq!(session.len(), 22);

    let second = client()
        .get(&url)
        .header("cookie", format!("other=1; reshelf_sid={session}"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(
        second.headers().get("set-cookie").is_none(),
        "the session is reused"
    );

    let seen = api.seen();
    assert_eq!(seen.len(), 2);
    for call in &seen {
        assert_eq!(call.path, "/api/v1/products/protected/recommendation");
        assert_eq!(call.token.as_deref(), Some(TEST_TOKEN));
        assert_eq!(
            call.body,
            serde_json::json!({
                "sessionId": session,
                "eventType": "categoryView",
                "data": { "id": "summer dresses" }
            })
        );
    }
    proxy.shutdown().await;
}

#[tokio::test]
async fn user_id_is_a_number_when_all_digits_else_a_string() {
    let (_shop, api, proxy) = setup(Mode::Answer(ids(&["p2"]))).await;
    let url = format!("http://{}/category/c1", proxy.public_addr());
    for user in ["90", "u-90"] {
        client()
            .get(&url)
            .header("cookie", "reshelf_sid=sess456")
            .header("x-user-id", user)
            .send()
            .await
            .unwrap();
    }
    let seen = api.seen();
    assert_eq!(seen[0].body["userId"], serde_json::json!(90));
    assert_eq!(seen[1].body["userId"], serde_json::json!("u-90"));
    assert_eq!(seen[0].body["sessionId"], "sess456");
    proxy.shutdown().await;
}

#[tokio::test]
async fn secure_cookie_when_the_edge_says_https() {
    let (_shop, _api, proxy) = setup(Mode::Answer(ids(&["p2"]))).await;
    let resp = client()
        .get(format!("http://{}/category/c1", proxy.public_addr()))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Secure"));
    proxy.shutdown().await;
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut out)
        .unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> String {
    let mut out = String::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_string(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn gzip_and_br_origins_are_decoded_reordered_and_reencoded() {
    for stream in [true, false] {
        gzip_and_br_in_mode(stream).await;
    }
}

/// With listings streamed the body goes out chunked; buffered, with its exact length.
async fn gzip_and_br_in_mode(stream: bool) {
    let (_shop, _api, proxy) = setup_in(Mode::Answer(ids(&["p3"])), stream).await;
    for (accept, coding) in [("gzip", "gzip"), ("br", "br"), ("gzip, br", "br")] {
        let resp = fetch::page(
            proxy.public_addr(),
            "/category/c1",
            &[("accept-encoding", accept)],
        )
        .await;
        let h = resp.headers.clone();
        assert_eq!(resp.verdict().unwrap(), "personalized", "{accept}");
        assert_eq!(h["content-encoding"], coding, "{accept}");
        assert!(h["vary"].to_str().unwrap().contains("Accept-Encoding"));
        let bytes = resp.body.clone();
        if stream {
            assert_eq!(h["transfer-encoding"], "chunked", "{accept}");
        } else {
            assert_eq!(h["content-length"], bytes.len().to_string().as_str());
        }
        let text = if coding == "gzip" {
            gunzip(&bytes)
        } else {
            unbrotli(&bytes)
        };
        assert_eq!(shop::order(&text)[0], "p3", "{accept}");
        assert_eq!(text.len(), shop::html_page().len());
    }
    proxy.shutdown().await;
}

#[tokio::test]
async fn head_gets_the_headers_without_an_event() {
    let (_shop, api, proxy) = setup(Mode::Answer(ids(&["p3"]))).await;
    let resp = client()
        .head(format!("http://{}/category/c1", proxy.public_addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["cache-control"]
        .to_str()
        .unwrap()
        .starts_with("private"));
    assert!(resp.bytes().await.unwrap().is_empty());
    assert!(api.seen().is_empty(), "HEAD fires no event");
    proxy.shutdown().await;
}
