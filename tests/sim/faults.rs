//! Fault injection: hang, error, garbage, unauthorized, latency; at start and switched at
//! runtime; for all APIs or one.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reshelf::sim::{Api, Fault, FaultPlan, SimConfig, SimHandle, TOKEN_HEADER};
use serde_json::{json, Value};

use crate::common::{client, start_sim};

fn category_view(http: &reqwest::Client, sim: &SimHandle) -> reqwest::RequestBuilder {
    http.post(sim.recommendation_url())
        .header(TOKEN_HEADER, sim.token())
        .json(&json!({"sessionId": "f", "eventType": "categoryView", "data": {"id": "vestidos"}}))
}

fn search(http: &reqwest::Client, sim: &SimHandle) -> reqwest::RequestBuilder {
    http.post(format!("{}?query=vestido", sim.search_url()))
        .header(TOKEN_HEADER, sim.token())
        .json(&json!({"sessionId": "f"}))
}

#[tokio::test]
async fn answers_then_hangs_until_the_client_gives_up_then_recovers() {
    let sim = start_sim(SimConfig::default()).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    assert_eq!(
        category_view(&http, &sim).send().await.unwrap().status(),
        StatusCode::OK
    );

    sim.set_fault(FaultPlan::always(Fault::Hang));
    for _ in 0..2 {
        let started = Instant::now();
        let err = category_view(&http, &sim).send().await.unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert!(started.elapsed() >= Duration::from_millis(200));
    }
    assert_eq!(sim.count(Api::Recommendation), 3);

    sim.set_fault(FaultPlan::none());
    assert_eq!(
        category_view(&http, &sim).send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn error_garbage_and_unauthorized_faults() {
    let sim = start_sim(SimConfig::default()).await;
    let http = client();

    sim.set_fault(FaultPlan::always(Fault::Error));
    let response = category_view(&http, &sim).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(response.json::<Value>().await.unwrap()["error"].is_string());

    sim.set_fault(FaultPlan::always(Fault::Garbage));
    let response = category_view(&http, &sim).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let bytes = response.bytes().await.unwrap();
    assert!(!bytes.is_empty());
    assert!(
        serde_json::from_slice::<Value>(&bytes).is_err(),
        "garbage parsed as JSON"
    );

    // The right token does not help.
    sim.set_fault(FaultPlan::always(Fault::Unauthorized));
    let response = category_view(&http, &sim).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_fault_can_target_one_api() {
    let sim = start_sim(SimConfig::default()).await;
    let http = client();
    sim.set_fault_for(Api::Search, FaultPlan::always(Fault::Error));
    assert_eq!(sim.fault(Api::Search).fault, Fault::Error);
    assert_eq!(sim.fault(Api::Recommendation), FaultPlan::none());
    assert_eq!(
        search(&http, &sim).send().await.unwrap().status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        category_view(&http, &sim).send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn faults_set_at_start_apply_from_the_first_call() {
    let sim = start_sim(SimConfig::default().with_fault(FaultPlan::always(Fault::Error))).await;
    let http = client();
    assert_eq!(
        search(&http, &sim).send().await.unwrap().status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    // Rate 0: the fault never fires.
    sim.set_fault(FaultPlan::always(Fault::Error).with_rate(0.0));
    for _ in 0..20 {
        assert_eq!(
            search(&http, &sim).send().await.unwrap().status(),
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let sim = start_sim(SimConfig::default()).await;
    let http = client();
    sim.set_fault_for(
        Api::Recommendation,
        FaultPlan::delayed(Duration::from_millis(150)),
    );
    let started = Instant::now();
    assert_eq!(
        category_view(&http, &sim).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "{:?}",
        started.elapsed()
    );

    let fast = Instant::now();
    assert_eq!(
        search(&http, &sim).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert!(
        fast.elapsed() < Duration::from_millis(150),
        "{:?}",
        fast.elapsed()
    );
}

#[tokio::test]
async fn a_hang_ends_with_504_after_the_hang_limit() {
    let sim = start_sim(SimConfig {
        hang_limit: Duration::from_millis(300),
        ..SimConfig::default().with_fault_for(Api::Profile, FaultPlan::always(Fault::Hang))
    })
    .await;
    let started = Instant::now();
    let response = client()
        .get(sim.profile_url("ana@example.com"))
        .header(TOKEN_HEADER, sim.token())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(started.elapsed() >= Duration::from_millis(300));
}
