//! Shadow mode serves native bytes and counts the would-be moves; the readout answers JSON
//! and HTML (real sockets).

mod common;

use common::api::{ids, FakeApi, Mode};
use common::experiment::*;
use common::{client, fetch, shop};
use reshelf::experiment::Arm;

#[tokio::test]
async fn shadow_mode_serves_native_bytes_and_counts_would_be_moves() {
    let origin = origin().await;
    let api = FakeApi::start(Mode::Answer(ids(&["p4", "x9", "p2"]))).await;
    let proxy = proxy(&toml(&origin, &api, &experiment("shadow", 0))).await;
    let page = fetch::page(
        proxy.public_addr(),
        "/category/dresses",
        &[("cookie", "reshelf_sid=shadow-1")],
    )
    .await;
    assert_eq!(page.body, shop::html_page().as_bytes());
    assert_eq!(page.verdict().unwrap(), "native; reason=shadow");
    // p1..p6 would become p4 p2 p1 p3 p5 p6: slots 0, 2 and 3 change.
    let text = eventually(proxy.admin_addr(), |t| async move {
        metric(&t, r#"reshelf_experiment_shadow_pages_total{moved="true"}"#) == 1.0
    })
    .await;
    assert_eq!(
        metric(
            &text,
            r#"reshelf_experiment_shadow_tiles_total{moved="true"}"#
        ),
        3.0
    );
    assert_eq!(
        metric(
            &text,
            r#"reshelf_experiment_shadow_tiles_total{moved="false"}"#
        ),
        3.0
    );
    assert_eq!(
        metric(
            &text,
            r#"reshelf_experiment_sessions_total{arm="treatment"}"#
        ),
        1.0
    );
    proxy.shutdown().await;
}

#[tokio::test]
async fn the_readout_answers_json_and_html() {
    let origin = origin().await;
    let api = FakeApi::start(Mode::Answer(ids(&["p2"]))).await;
    let proxy = proxy(&toml(&origin, &api, &experiment("live", 50))).await;
    for arm in [Arm::Treatment, Arm::Holdout] {
        let s = session_in(arm);
        fetch::page(
            proxy.public_addr(),
            "/category/a",
            &[("cookie", &cookies(&s, None))],
        )
        .await;
    }
    let url = format!("http://{}/experiment", proxy.admin_addr());
    let json: serde_json::Value = client()
        .get(&url)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["experiment"], NAME);
    assert_eq!(json["arms"][0]["arm"], "treatment");
    assert_eq!(json["arms"][0]["sessions"], 1);
    assert_eq!(json["arms"][1]["sessions"], 1);
    assert_eq!(json["goals"][0]["name"], "cart");
    let html = client().get(&url).send().await.unwrap();
    assert!(html.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = html.text().await.unwrap();
    assert!(
        html.contains("<svg") && html.contains("Sample-ratio check"),
        "{html}"
    );
    proxy.shutdown().await;
}
