//! The category flow when the ranking does not help: every native reason returns the origin's
//! page byte for byte, a hanging API costs at most the budget, the cache covers a late answer,
//! identical concurrent views share one call, and the breaker opens and recovers.

mod common;

use std::time::{Duration, Instant};

use common::api::{ids, FakeApi, Mode};
use common::{client, config_toml, fetch, shop, start_proxy};

/// A proxy with `fashionai` settings `api_settings` (budget, breaker) in front of the shop.
async fn setup(
    mode: Mode,
    api_settings: &str,
    extra: &str,
) -> (shop::Shop, FakeApi, reshelf::server::Running) {
    let shop = shop::start().await;
    let api = FakeApi::start(mode).await;
    let toml = config_toml(
        shop.server.addr,
        Some(&api.base_url()),
        &format!("{}\n{extra}", shop::PAGE),
    )
    .replace("[fashionai]", &format!("[fashionai]\n{api_settings}"));
    let proxy = start_proxy(&toml).await;
    (shop, api, proxy)
}

/// A shopper's view of `path`: the verdict (header or trailer) and the body.
async fn view(proxy: &reshelf::server::Running, path: &str, session: &str) -> (String, String) {
    let cookie = format!("reshelf_sid={session}");
    let resp = fetch::page(proxy.public_addr(), path, &[("cookie", &cookie)]).await;
    (resp.verdict().expect("a verdict"), resp.text())
}

#[tokio::test]
async fn every_ranking_failure_keeps_the_native_page_byte_identical() {
    let cases = [
        (Mode::Answer(vec![]), "native; reason=empty"),
        (Mode::Error, "native; reason=error"),
        (Mode::Garbage, "native; reason=error"),
        (Mode::Hang, "native; reason=timeout"),
    ];
    for (mode, expected) in cases {
        let (_shop, _api, proxy) = setup(mode.clone(), "timeout_ms = 150", "").await;
        let (reason, body) = view(&proxy, "/category/c1", "s1").await;
        assert_eq!(reason, expected, "{mode:?}");
        assert_eq!(body, shop::html_page(), "{mode:?}");
        proxy.shutdown().await;
    }
}

#[tokio::test]
async fn origin_and_body_reasons_keep_the_origin_s_answer() {
    let (_shop, _api, proxy) = setup(Mode::Answer(ids(&["p2"])), "", "").await;
    let resp = client()
        .get(format!("http://{}/category/gone", proxy.public_addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.headers()["x-reshelf"], "native; reason=origin-status");
    assert_eq!(resp.text().await.unwrap(), "no such category");
    let (reason, body) = view(&proxy, "/category/plain", "s1").await;
    assert_eq!(reason, "native; reason=not-listing");
    assert_eq!(body, "just text");
    proxy.shutdown().await;
}

#[tokio::test]
async fn a_page_over_the_rewrite_limit_streams_through_untouched() {
    let shop = shop::start().await;
    let api = FakeApi::start(Mode::Answer(ids(&["p2"]))).await;
    let toml = config_toml(shop.server.addr, Some(&api.base_url()), shop::PAGE).replace(
        "timeout_ms = 2000",
        "timeout_ms = 2000\nmax_rewrite_bytes = 64",
    );
    let proxy = start_proxy(&toml).await;
    let (reason, body) = view(&proxy, "/category/c1", "s1").await;
    assert_eq!(reason, "native; reason=too-large");
    assert_eq!(body, shop::html_page());
    proxy.shutdown().await;
}

#[tokio::test]
async fn crawlers_get_the_native_page_and_fire_no_event() {
    let (_shop, api, proxy) = setup(Mode::Answer(ids(&["p2"])), "", "").await;
    let resp = client()
        .get(format!("http://{}/category/c1", proxy.public_addr()))
        .header(
            "user-agent",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-reshelf"], "native; reason=bot");
    assert!(resp.headers().get("set-cookie").is_none());
    assert_eq!(resp.text().await.unwrap(), shop::html_page());
    assert!(api.seen().is_empty());
    proxy.shutdown().await;
}

#[tokio::test]
async fn a_hanging_api_costs_at_most_the_budget() {
    let (_shop, _api, proxy) = setup(Mode::Hang, "timeout_ms = 150", "").await;
    let started = Instant::now();
    let (reason, _) = view(&proxy, "/category/c1", "s1").await;
    let took = started.elapsed();
    assert_eq!(reason, "native; reason=timeout");
    assert!(took >= Duration::from_millis(150), "{took:?}");
    assert!(took < Duration::from_millis(150 + 250), "{took:?}");
    proxy.shutdown().await;
}

#[tokio::test]
async fn a_cached_ranking_covers_a_hanging_call() {
    let (_shop, api, proxy) = setup(Mode::Answer(ids(&["p5", "p4"])), "timeout_ms = 150", "").await;
    let (reason, body) = view(&proxy, "/category/c1", "s1").await;
    assert_eq!(reason, "personalized");
    assert_eq!(shop::order(&body)[..2], ["p5", "p4"]);
    api.set(Mode::Hang);
    let (reason, body) = view(&proxy, "/category/c1", "s1").await;
    assert_eq!(reason, "personalized", "the cached ranking is used");
    assert_eq!(shop::order(&body)[..2], ["p5", "p4"]);
    assert_eq!(api.seen().len(), 2, "the view still fired its event");
    let (reason, _) = view(&proxy, "/category/c1", "another-session").await;
    assert_eq!(
        reason, "native; reason=timeout",
        "no other session's ranking is used"
    );
    let metrics = common::metrics_text(proxy.admin_addr()).await;
    assert!(
        metrics.contains(r#"reshelf_ranking_cache_lookups_total{result="hit"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"reshelf_ranking_cache_lookups_total{result="miss"} 1"#),
        "{metrics}"
    );
    proxy.shutdown().await;
}

#[tokio::test]
async fn concurrent_identical_views_share_one_call() {
    let ranking = ids(&["p6"]);
    let (_shop, api, proxy) = setup(
        Mode::Slow(ranking, Duration::from_millis(300)),
        "timeout_ms = 2000",
        "",
    )
    .await;
    let views = (0..4).map(|_| view(&proxy, "/category/c1", "same-session"));
    let results = futures_util::future::join_all(views).await;
    for (reason, body) in results {
        assert_eq!(reason, "personalized");
        assert_eq!(shop::order(&body)[0], "p6");
    }
    assert_eq!(api.seen().len(), 1);
    proxy.shutdown().await;
}

#[tokio::test]
async fn the_breaker_opens_after_failures_and_recovers_after_the_cool_down() {
    let settings = "timeout_ms = 150\nbreaker_failures = 3\nbreaker_cool_down_ms = 300";
    let (_shop, api, proxy) = setup(Mode::Error, settings, "").await;
    for i in 0..3 {
        let (reason, _) = view(&proxy, "/category/c1", &format!("s{i}")).await;
        assert_eq!(reason, "native; reason=error");
    }
    api.set(Mode::Hang);
    let started = Instant::now();
    let (reason, body) = view(&proxy, "/category/c1", "s9").await;
    assert_eq!(reason, "native; reason=breaker-open");
    assert_eq!(body, shop::html_page());
    assert!(
        started.elapsed() < Duration::from_millis(150),
        "an open breaker is not waited for"
    );

    api.set(Mode::Answer(ids(&["p2"])));
    // The cool-down itself is the behaviour under test: wait it out once.
    tokio::time::sleep(Duration::from_millis(350)).await;
    let (reason, _) = view(&proxy, "/category/c1", "s10").await;
    assert_eq!(
        reason, "personalized",
        "the probe succeeds and closes the breaker"
    );
    let (reason, _) = view(&proxy, "/category/c1", "s11").await;
    assert_eq!(reason, "personalized");
    proxy.shutdown().await;
}
