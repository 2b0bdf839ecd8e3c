//! `GET /_reshelf/shop-the-look/{productId}` against the simulator: the exact event sent, the
//! session cookie, the per-session cache, and every upstream failure answered as an empty look.

use std::time::{Duration, Instant};

use reshelf::sim::{Api, Fault, FaultPlan, SimConfig, TOKEN_HEADER};
use serde_json::json;

use crate::common::TEST_TOKEN;
use crate::rig::{requests_series, Options, Rig};

fn product(rig: &Rig, n: usize) -> String {
    rig.sim.catalog().products()[n].id.clone()
}

/// What the simulator answers for a product's look (fixed per product).
async fn expected_look(rig: &Rig, product: &str) -> Vec<String> {
    let answer: serde_json::Value = rig
        .http
        .post(rig.sim.recommendation_url())
        .header(TOKEN_HEADER, TEST_TOKEN)
        .json(
            &json!({"sessionId": "expected", "eventType": "shopTheLook", "data": {"id": product}}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    rig.sim.clear_requests();
    answer["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn answers_the_look_and_sends_the_seed_event_with_a_minted_session() {
    let rig = Rig::start("").await;
    let id = product(&rig, 0);
    let expected = expected_look(&rig, &id).await;
    assert!(expected.len() >= 3, "{expected:?}");

    let answer = rig.get(&format!("/_reshelf/shop-the-look/{id}"), &[]).await;
    assert_eq!(answer.ids(), expected);
    assert_eq!(answer.header("cache-control"), Some("private, no-store"));
    assert_eq!(answer.header("x-reshelf"), Some("personalized"));
    let cookie = answer.header("set-cookie").expect("session cookie minted");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    let session = answer.minted_session().unwrap();

    let sent = rig.sim.requests_for(Api::Recommendation);
    assert_eq!(sent.len(), 1);
    let sent = &sent[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, reshelf::sim::RECOMMENDATION_PATH);
    assert_eq!(sent.header(TOKEN_HEADER), Some(TEST_TOKEN));
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(
        sent.json().unwrap(),
        json!({"sessionId": session, "eventType": "shopTheLook", "data": {"id": id}})
    );
    assert_eq!(
        rig.sample(&requests_series("shop_the_look", "ok")).await,
        1.0
    );
    rig.proxy.shutdown().await;
}

#[tokio::test]
async fn sends_the_cookie_session_and_the_user_id_as_number_or_string() {
    let rig = Rig::start("[identity]\nuser_cookie = \"uid\"\n").await;
    let id = product(&rig, 1);
    for (uid, user_id) in [("90", json!(90)), ("u-456", json!("u-456"))] {
        rig.sim.clear_requests();
        let session = format!("sess-{uid}");
        let answer = rig
            .get(
                &format!("/_reshelf/shop-the-look/{id}"),
                &[("cookie", &format!("reshelf_sid={session}; uid={uid}"))],
            )
            .await;
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.header("set-cookie"),
            None,
            "known session: no cookie"
        );
        let sent = rig.sim.requests_for(Api::Recommendation);
        assert_eq!(
            sent[0].json().unwrap(),
            json!({"userId": user_id, "sessionId": session, "eventType": "shopTheLook", "data": {"id": id}})
        );
    }
    // Behind TLS termination the minted cookie is Secure.
    let answer = rig
        .get(
            &format!("/_reshelf/shop-the-look/{id}"),
            &[("x-forwarded-proto", "https")],
        )
        .await;
    assert!(answer.header("set-cookie").unwrap().contains("Secure"));
    rig.proxy.shutdown().await;
}

#[tokio::test]
async fn a_session_s_look_is_cached_and_failures_are_not() {
    let rig = Rig::start("").await;
    let id = product(&rig, 2);
    let expected = expected_look(&rig, &id).await;
    let path = format!("/_reshelf/shop-the-look/{id}");
    let mine = [("cookie", "reshelf_sid=cached-session")];
    assert_eq!(rig.get(&path, &mine).await.ids(), expected);
    assert_eq!(rig.get(&path, &mine).await.ids(), expected);
    assert_eq!(
        rig.sim.count(Api::Recommendation),
        1,
        "second view from cache"
    );
    let theirs = [("cookie", "reshelf_sid=other-session")];
    assert_eq!(rig.get(&path, &theirs).await.ids(), expected);
    assert_eq!(
        rig.sim.count(Api::Recommendation),
        2,
        "another session asks"
    );

    rig.sim.set_fault(FaultPlan::always(Fault::Error));
    let failing = [("cookie", "reshelf_sid=unlucky")];
    assert!(rig.get(&path, &failing).await.ids().is_empty());
    rig.sim.set_fault(FaultPlan::none());
    assert_eq!(rig.get(&path, &failing).await.ids(), expected, "retried");
    rig.proxy.shutdown().await;
}

#[tokio::test]
async fn every_upstream_failure_is_an_empty_look_with_its_reason() {
    let rig = Rig::start("[endpoints]\nshop_the_look_timeout_ms = 200\n").await;
    let id = product(&rig, 3);
    for (n, (fault, reason)) in [
        (Fault::Hang, "timeout"),
        (Fault::Error, "error"),
        (Fault::Garbage, "error"),
        (Fault::Unauthorized, "error"),
    ]
    .into_iter()
    .enumerate()
    {
        rig.sim.set_fault(FaultPlan::always(fault));
        let started = Instant::now();
        let answer = rig
            .get(
                &format!("/_reshelf/shop-the-look/{id}"),
                &[("cookie", &format!("reshelf_sid=failure-{n}"))],
            )
            .await;
        assert_eq!(answer.status, 200, "{fault:?}");
        assert_eq!(answer.json(), json!({"products": []}), "{fault:?}");
        assert_eq!(
            answer.header("x-reshelf"),
            Some(format!("native; reason={reason}").as_str()),
            "{fault:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(2), "{fault:?}");
    }
    assert_eq!(
        rig.sample(&requests_series("shop_the_look", "timeout"))
            .await,
        1.0
    );
    assert_eq!(
        rig.sample(&requests_series("shop_the_look", "error")).await,
        3.0
    );
    let latency = rig
        .sample("reshelf_endpoint_upstream_duration_seconds_count{endpoint=\"shop_the_look\"}")
        .await;
    assert_eq!(latency, 4.0);
    rig.proxy.shutdown().await;
}

#[tokio::test]
async fn unknown_products_look_empty_and_bad_ids_are_400() {
    let rig = Rig::start("").await;
    let answer = rig
        .get("/_reshelf/shop-the-look/NO-SUCH-PRODUCT", &[])
        .await;
    assert!(answer.ids().is_empty());
    assert_eq!(answer.header("x-reshelf"), Some("native; reason=empty"));
    for bad in ["", "%FF", "a%2Fb", "a%00b"] {
        let answer = rig
            .get(&format!("/_reshelf/shop-the-look/{bad}"), &[])
            .await;
        assert_eq!(answer.status, 400, "{bad}");
        assert!(answer.json()["error"].is_string());
    }
    // A deeper path is not this endpoint.
    let deeper = rig.get("/_reshelf/shop-the-look/a/b", &[]).await;
    assert_eq!(deeper.status, 404);
    assert_eq!(rig.sim.count(Api::Recommendation), 1);
    rig.proxy.shutdown().await;
}

#[tokio::test]
async fn debug_header_off_means_no_x_reshelf() {
    let options = Options {
        sim: SimConfig::default().with_fault(FaultPlan::always(Fault::Error)),
        debug_header: false,
        ..Options::default()
    };
    let rig = Rig::start_with(options, "").await;
    let answer = rig.get("/_reshelf/shop-the-look/P1", &[]).await;
    assert!(answer.ids().is_empty());
    assert_eq!(answer.header("x-reshelf"), None);
    rig.proxy.shutdown().await;
}
