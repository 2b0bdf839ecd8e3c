//! Abuse limits and the edges of the public endpoints: the per-client rate limit (429 with an
//! honest `Retry-After`, keyed by the real client behind trusted proxies only), the bound on
//! Fashion.AI calls in flight, the CORS allowlist, and 404/405 under the prefix.

use std::time::{Duration, Instant};

use reshelf::sim::{Api, Fault, FaultPlan};

use crate::rig::{requests_series, Rig};

#[tokio::test]
async fn past_the_limit_it_is_429_with_retry_after_and_forged_forwarding_does_not_help() {
    let rig = Rig::start("[endpoints]\nrate_limit_per_minute = 3\n").await;
    for _ in 0..3 {
        assert_eq!(
            rig.get("/_reshelf/search?query=saia", &[]).await.status,
            200
        );
    }
    let refused = rig.get("/_reshelf/search?query=saia", &[]).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.json()["error"], "too many requests");
    // One token every 20 s.
    let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((19..=20).contains(&wait), "{wait}");
    // The bucket is per client, not per endpoint; a forged X-Forwarded-For from an
    // untrusted peer is ignored.
    let other = rig
        .get(
            "/_reshelf/shop-the-look/P1",
            &[("x-forwarded-for", "203.0.113.99")],
        )
        .await;
    assert_eq!(other.status, 429);
    assert_eq!(rig.sim.count(Api::Search), 3);
    assert_eq!(rig.sim.count(Api::Recommendation), 0);
    assert_eq!(
        rig.sample("reshelf_rate_limited_total{endpoint=\"search\"}")
            .await,
        1.0
    );
    assert_eq!(
        rig.sample("reshelf_rate_limited_total{endpoint=\"shop_the_look\"}")
            .await,
        1.0
    );
    assert_eq!(
        rig.sample(&requests_series("search", "rate_limited")).await,
        1.0
    );
    rig.proxy.shutdown().await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket() {
    let rig = Rig::start(
        "[endpoints]\nrate_limit_per_minute = 2\ntrusted_proxies = [\"127.0.0.1/32\"]\n",
    )
    .await;
    let from = |ip: &'static str| [("x-forwarded-for", ip)];
    for _ in 0..2 {
        let a = rig
            .get("/_reshelf/search?query=saia", &from("203.0.113.1"))
            .await;
        assert_eq!(a.status, 200);
    }
    assert_eq!(
        rig.get("/_reshelf/search?query=saia", &from("203.0.113.1"))
            .await
            .status,
        429
    );
    // A client that prepends an address of its own choosing is still itself.
    assert_eq!(
        rig.get("/_reshelf/search?query=saia", &from("1.2.3.4, 203.0.113.1"))
            .await
            .status,
        429
    );
    assert_eq!(
        rig.get("/_reshelf/search?query=saia", &from("203.0.113.2"))
            .await
            .status,
        200
    );
    rig.proxy.shutdown().await;
}

#[tokio::test]
async fn a_client_that_waits_retry_after_is_served_again() {
    // 60 a minute: a token comes back every second.
    let rig = Rig::start("[endpoints]\nrate_limit_per_minute = 60\n").await;
    let mut served = 0;
    let refused = loop {
        let answer = rig.get("/_reshelf/search?query=saia", &[]).await;
        if answer.status == 429 {
            break answer;
        }
        assert_eq!(answer.status, 200);
        served += 1;
        assert!(served <= 200, "never limited");
    };
    assert!(served >= 60, "limited after {served}");
    let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert_eq!(wait, 1);
    // Waiting is the behaviour under test: the advertised wait must be enough.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    assert_eq!(
        rig.get("/_reshelf/search?query=saia", &[]).await.status,
        200
    );
    rig.proxy.shutdown().await;
}

#[tokio::test]
async fn past_64_calls_in_flight_answers_at_once_without_a_call() {
    let rig = Rig::start("[endpoints]\nshop_the_look_timeout_ms = 20000\n").await;
    rig.sim
        .set_fault_for(Api::Recommendation, FaultPlan::always(Fault::Hang));
    let mut hanging = Vec::new();
    for n in 0..64 {
        let http = rig.http.clone();
        let url = rig.url(&format!("/_reshelf/shop-the-look/P{n}"));
        hanging.push(tokio::spawn(async move { http.get(url).send().await }));
    }
    // Wait (bounded) until all 64 calls have reached the simulator.
    let deadline = Instant::now() + Duration::from_secs(10);
    while rig.sim.count(Api::Recommendation) < 64 {
        assert!(Instant::now() < deadline, "calls did not arrive");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = Instant::now();
    let answer = rig.get("/_reshelf/shop-the-look/P-one-too-many", &[]).await;
    assert!(answer.ids().is_empty());
    assert_eq!(answer.header("x-reshelf"), Some("native; reason=error"));
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(rig.sim.count(Api::Recommendation), 64, "no 65th call");
    assert_eq!(
        rig.sample(&requests_series("shop_the_look", "error")).await,
        1.0
    );
    let Rig { sim, proxy, .. } = rig;
    // Stopping the simulator ends the hanging calls; they too answer empty, not an error.
    sim.shutdown().await;
    for call in hanging {
        let resp = call.await.unwrap().unwrap();
        assert_eq!(resp.status(), 200);
    }
    proxy.shutdown().await;
}

#[tokio::test]
async fn cors_allowlist_allows_listed_origins_only() {
    let rig = Rig::start("[endpoints]\ncors_origins = [\"https://m.shop.example\"]\n").await;
    let listed = [("origin", "https://m.shop.example")];
    let answer = rig.get("/_reshelf/search?query=saia", &listed).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some("https://m.shop.example")
    );
    assert_eq!(
        answer.header("access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(answer.header("vary"), Some("Origin"));
    // Errors carry the headers too, so the frontend can read them.
    let bad = rig.get("/_reshelf/search", &listed).await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.header("access-control-allow-origin"),
        Some("https://m.shop.example")
    );

    let stranger = rig
        .get(
            "/_reshelf/search?query=saia",
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(stranger.status, 200);
    assert_eq!(stranger.header("access-control-allow-origin"), None);
    assert_eq!(stranger.header("access-control-allow-credentials"), None);

    let preflight = |origin: &'static str| {
        rig.http
            .request(
                reqwest::Method::OPTIONS,
                rig.url("/_reshelf/search?query=saia"),
            )
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "x-requested-with")
            .send()
    };
    let ok = preflight("https://m.shop.example").await.unwrap();
    assert_eq!(ok.status(), 204);
    let h = ok.headers();
    assert_eq!(h["access-control-allow-origin"], "https://m.shop.example");
    assert_eq!(h["access-control-allow-methods"], "GET");
    assert!(h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("X-Requested-With"));
    assert_eq!(h["access-control-max-age"], "600");
    let denied = preflight("https://evil.example").await.unwrap();
    assert_eq!(denied.status(), 405);
    assert!(!denied.headers().contains_key("access-control-allow-origin"));
    rig.proxy.shutdown().await;
}

#[tokio::test]
async fn without_an_allowlist_no_origin_gets_cors_headers() {
    let rig = Rig::start("").await;
    let answer = rig
        .get(
            "/_reshelf/search?query=saia",
            &[("origin", "https://m.shop.example")],
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("access-control-allow-origin"), None);
    assert_eq!(answer.header("vary"), None);
    rig.proxy.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_are_404_and_other_methods_405_as_json() {
    let rig = Rig::start("").await;
    for path in ["/_reshelf/", "/_reshelf/nope", "/_reshelf/search/more"] {
        let answer = rig.get(path, &[]).await;
        assert_eq!(answer.status, 404, "{path}");
        assert_eq!(answer.json()["error"], "no such endpoint");
    }
    for method in [
        reqwest::Method::POST,
        reqwest::Method::DELETE,
        reqwest::Method::HEAD,
    ] {
        let resp = rig
            .http
            .request(method.clone(), rig.url("/_reshelf/search?query=saia"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 405, "{method}");
        assert_eq!(resp.headers()["allow"], "GET");
    }
    assert_eq!(rig.sim.count(Api::Search), 0);
    assert!(
        rig.origin_paths.lock().unwrap().is_empty(),
        "nothing under the prefix is proxied"
    );
    rig.proxy.shutdown().await;
}
