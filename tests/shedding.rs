//! Load shedding with a reason, on real sockets: past `listen.max_requests` requests in
//! progress (HTTP/2 streams on one connection included) a request gets `503` with
//! `Retry-After` at once; with every origin connection (`origin.max_connections`) busy past
//! `origin.queue_timeout_ms`, the same. Each is counted in `reshelf_requests_shed_total` by
//! reason, and the places come back once the admitted requests are done.

mod common;

use std::time::Duration;

use common::{client, config_toml, metrics_text, HTML_PAGE};
use tokio::sync::mpsc;

const BOUND: Duration = Duration::from_secs(20);

async fn within<F: std::future::Future>(what: &str, f: F) -> F::Output {
    tokio::time::timeout(BOUND, f)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {BOUND:?}"))
}

fn h2_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .build()
        .unwrap()
}

fn shed_count(metrics: &str, reason: &str) -> u64 {
    let prefix = format!("reshelf_requests_shed_total{{reason=\"{reason}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {prefix} in\n{metrics}"))
}

#[tokio::test]
async fn requests_past_max_requests_get_503_at_once_and_their_places_come_back() {
    let (origin, gate, mut arrivals) = common::origin::gated().await;
    let toml = config_toml(origin.addr, None, HTML_PAGE)
        .replace("timeout_ms = 2000", "timeout_ms = 60000")
        .replace("[listen]", "[listen]\nmax_requests = 3");
    let proxy = common::start_proxy(&toml).await;
    let base = format!("http://{}", proxy.public_addr());

    // Five streams on one HTTP/2 connection: three are admitted and wait at the origin, two
    // are shed, although the connection itself is well within the connection budget.
    let h2 = h2_client();
    let (done, mut answers) = mpsc::unbounded_channel();
    for i in 0..5 {
        let (h2, done, url) = (h2.clone(), done.clone(), format!("{base}/item/{i}"));
        tokio::spawn(async move {
            let resp = h2.get(url).send().await.expect("an answer");
            let status = resp.status().as_u16();
            let retry = resp
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
            let version = resp.version();
            let body = resp.text().await.unwrap();
            let _ = done.send((status, retry, version, body));
        });
    }
    for _ in 0..3 {
        within("an admitted request reaches the origin", arrivals.recv()).await;
    }
    for _ in 0..2 {
        let (status, retry, version, body) = within("a shed stream", answers.recv()).await.unwrap();
        assert_eq!(version, http::Version::HTTP_2);
        assert_eq!(status, 503, "{body}");
        assert_eq!(retry.as_deref(), Some("1"));
        assert!(body.contains("retry"), "{body}");
    }
    // HTTP/1.1 on a connection of its own is shed the same way.
    let resp = within(
        "an HTTP/1.1 request past the bound",
        client().get(format!("{base}/item/h1")).send(),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "1");
    let metrics = metrics_text(proxy.admin_addr()).await;
    assert_eq!(shed_count(&metrics, "requests"), 3);
    assert_eq!(shed_count(&metrics, "origin-connections"), 0);
    assert!(
        metrics.contains(
            r#"reshelf_requests_total{complete="true",route="passthrough",status_class="5xx"} 3"#
        ),
        "shed requests are counted as the 503s they were\n{metrics}"
    );

    // The admitted three finish, and their places serve new requests.
    gate.add_permits(100);
    for _ in 0..3 {
        let (status, _, _, body) = within("an admitted answer", answers.recv()).await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(body, "from the origin");
    }
    let resp = within(
        "a request after the load",
        h2.get(format!("{base}/item/after")).send(),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    proxy.shutdown().await;
}

#[tokio::test]
async fn a_request_waiting_past_the_queue_timeout_for_a_busy_origin_gets_503() {
    let (origin, gate, mut arrivals) = common::origin::gated().await;
    let toml = config_toml(origin.addr, None, HTML_PAGE)
        .replace("timeout_ms = 2000", "timeout_ms = 60000")
        .replace(
            "[fashionai]",
            "max_connections = 1\nqueue_timeout_ms = 100\n\n[fashionai]",
        );
    let proxy = common::start_proxy(&toml).await;
    let base = format!("http://{}", proxy.public_addr());

    let first = tokio::spawn(client().get(format!("{base}/item/1")).send());
    within("the first request reaches the origin", arrivals.recv()).await;
    // The one origin connection is busy: the next request waits the queue timeout, then is
    // shed, and never reaches the origin.
    let resp = within(
        "a request for a busy origin",
        client().get(format!("{base}/item/2")).send(),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "1");
    assert!(
        arrivals.try_recv().is_err(),
        "the shed request reached the origin"
    );
    let metrics = metrics_text(proxy.admin_addr()).await;
    assert_eq!(shed_count(&metrics, "origin-connections"), 1);
    assert_eq!(shed_count(&metrics, "requests"), 0);
    assert!(
        metrics.contains(r#"reshelf_origin_errors_total{kind="saturated"} 1"#),
        "{metrics}"
    );

    // The slot is held until the first body is read, then serves the next request.
    gate.add_permits(100);
    let resp = within("the first answer", first).await.unwrap().unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "from the origin");
    let resp = within(
        "a request once the origin is free",
        client().get(format!("{base}/item/3")).send(),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    proxy.shutdown().await;
}
