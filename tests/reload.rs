//! Hot reload on SIGHUP: a valid file swaps in without dropping a request under way; an
//! invalid one is rejected with its problems named while the old config keeps serving.

mod common;

use common::binary::Proc;
use common::origin::full;
use common::{client, config_toml, shop};
use hyper::Response;
use tokio::sync::{mpsc, oneshot};

#[tokio::test]
async fn sighup_swaps_a_valid_config_and_rejects_an_invalid_one() {
    let shop = shop::start().await;
    let (arrived_tx, mut arrived) = mpsc::channel::<()>(1);
    let (release, release_rx) = oneshot::channel::<()>();
    let release_rx = std::sync::Arc::new(tokio::sync::Mutex::new(Some(release_rx)));
    let slow = common::origin::TestServer::start(move |_req| {
        let (arrived_tx, release_rx) = (arrived_tx.clone(), release_rx.clone());
        async move {
            let _ = arrived_tx.send(()).await;
            if let Some(rx) = release_rx.lock().await.take() {
                let _ = rx.await;
            }
            Response::new(full("slow"))
        }
    })
    .await;
    let config = config_toml(shop.server.addr, None, shop::PAGE);
    let mut proc = Proc::serve(&config, "info").await;
    let before = common::fetch::page(proc.public.parse().unwrap(), "/category/c1", &[]).await;
    assert!(before.verdict().is_some());

    // A request under way to the old origin while the config changes.
    let slow_config = config_toml(slow.addr, None, shop::PAGE);
    std::fs::write(&proc.config_path, &slow_config).unwrap();
    proc.signal("HUP");
    proc.wait_for("config reloaded").await;
    let in_flight = tokio::spawn(client().get(format!("http://{}/other", proc.public)).send());
    arrived.recv().await.unwrap();

    let quiet = config_toml(shop.server.addr, None, shop::PAGE)
        .replace("[listen]", "[listen]\ndebug_header = false");
    std::fs::write(&proc.config_path, &quiet).unwrap();
    proc.signal("HUP");
    proc.wait_for("config reloaded").await;
    release.send(()).unwrap();
    let resp = in_flight.await.unwrap().unwrap();
    assert_eq!(
        resp.text().await.unwrap(),
        "slow",
        "the request under way finished"
    );
    let after = common::fetch::page(proc.public.parse().unwrap(), "/category/c1", &[]).await;
    assert!(after.verdict().is_none(), "the new config serves");

    std::fs::write(
        &proc.config_path,
        format!("{quiet}\n[cache]\nttl_secs = 5\n"),
    )
    .unwrap();
    proc.signal("HUP");
    let rejected = proc.wait_for("config reload rejected").await;
    assert!(rejected.contains("ttl_secs"), "{rejected}");
    let still = common::fetch::page(proc.public.parse().unwrap(), "/category/c1", &[]).await;
    assert_eq!(still.status, 200);
    assert!(
        still.verdict().is_none(),
        "the previous config keeps serving"
    );

    let metrics = common::metrics_text(&proc.admin).await;
    assert!(
        metrics.contains(r#"reshelf_config_reloads_total{result="success"} 2"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"reshelf_config_reloads_total{result="failure"} 1"#),
        "{metrics}"
    );
}
