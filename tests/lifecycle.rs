//! The binary's life: SIGTERM drains an in-flight request and exits 0; the admin listener
//! answers health, readiness and metrics, and only there.

mod common;

use std::process::{Command, Stdio};

use common::binary::Proc;
use common::origin::{dead_addr, full, TestServer};
use common::{client, config_toml, start_proxy, HTML_PAGE, TEST_TOKEN};
use hyper::Response;
use tokio::sync::{mpsc, oneshot};

#[tokio::test]
async fn sigterm_drains_an_in_flight_slow_request_then_exits_0() {
    let (arrived_tx, mut arrived_rx) = mpsc::channel::<()>(1);
    let (release_tx, release_rx) = oneshot::channel::<()>();
    let release_rx = std::sync::Arc::new(tokio::sync::Mutex::new(Some(release_rx)));
    let origin = TestServer::start(move |_req| {
        let arrived_tx = arrived_tx.clone();
        let release_rx = release_rx.clone();
        async move {
            let _ = arrived_tx.send(()).await;
            if let Some(rx) = release_rx.lock().await.take() {
                let _ = rx.await;
            }
            Response::new(full("slow but complete"))
        }
    })
    .await;
    let mut proc = Proc::serve(&config_toml(origin.addr, None, HTML_PAGE), "info").await;
    let public = proc.public.clone();
    let request = tokio::spawn(client().get(format!("http://{public}/slow")).send());
    arrived_rx.recv().await.unwrap();

    proc.signal("TERM");
    proc.wait_for("shutting down").await;
    assert!(
        proc.child.try_wait().unwrap().is_none(),
        "exited before draining"
    );
    release_tx.send(()).unwrap();

    let resp = request.await.unwrap().unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "slow but complete");
    proc.wait_for("stopped").await;
    let status = proc.child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
    let all = proc.drain_log();
    assert!(!all.contains(TEST_TOKEN), "token leaked into logs");
    assert!(all.contains("path=/slow") || all.contains("/slow"), "{all}");
}

#[tokio::test]
async fn admin_listener_serves_health_readiness_and_metrics() {
    let origin = TestServer::start(|req| async move {
        Response::new(full(format!("origin saw {}", req.uri().path())))
    })
    .await;
    let proxy = start_proxy(&config_toml(origin.addr, None, HTML_PAGE)).await;
    let admin = format!("http://{}", proxy.admin_addr());
    let public = format!("http://{}", proxy.public_addr());
    client()
        .get(format!("{public}/page"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    let health = client()
        .get(format!("{admin}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let ready = client()
        .get(format!("{admin}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    let metrics = client()
        .get(format!("{admin}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains(
            r#"reshelf_requests_total{complete="true",route="passthrough",status_class="2xx"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains("reshelf_origin_duration_seconds_bucket"),
        "{text}"
    );
    assert!(!text.contains(TEST_TOKEN));
    check_with_promtool(&text);

    // The public port never serves the admin routes: they go to the origin like any path.
    let public_metrics = client()
        .get(format!("{public}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(public_metrics.text().await.unwrap(), "origin saw /metrics");
    proxy.shutdown().await;
}

#[tokio::test]
async fn readiness_fails_while_the_origin_is_unreachable() {
    let proxy = start_proxy(&config_toml(dead_addr().await, None, HTML_PAGE)).await;
    let ready = client()
        .get(format!("http://{}/readyz", proxy.admin_addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    let health = client()
        .get(format!("http://{}/healthz", proxy.admin_addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    proxy.shutdown().await;
}

/// `promtool check metrics` on the exposition, where promtool is installed (CI installs it).
fn check_with_promtool(text: &str) {
    use std::io::Write;
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(_) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("skipped promtool check: promtool not installed");
            return;
        }
        Err(e) => panic!("promtool is required under CI: {e}"),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn the_app_token_never_appears_in_logs_even_at_trace_level() {
    use common::api::{ids, FakeApi, Mode};
    let shop = common::shop::start().await;
    let api = FakeApi::start(Mode::Answer(ids(&["p2"]))).await;
    let config = config_toml(shop.server.addr, Some(&api.base_url()), HTML_PAGE)
        .replace("ul.products > li", "ul.products > li.product");
    let mut proc = Proc::serve(&config, "trace").await;
    let resp = common::fetch::page(
        proc.public.parse().unwrap(),
        "/category/c1",
        &[("x-fashionai-app-token", "client-sent")],
    )
    .await;
    assert_eq!(resp.verdict().unwrap(), "personalized");
    assert_eq!(
        api.seen()[0].token.as_deref(),
        Some(TEST_TOKEN),
        "the token was sent"
    );
    proc.wait_for("reshelf::access").await;
    proc.signal("TERM");
    proc.wait_for("stopped").await;
    let all = proc.drain_log();
    assert!(all.lines().count() > 10, "trace logging is on: {all}");
    assert!(!all.contains(TEST_TOKEN), "token leaked into logs");
}

#[test]
fn a_public_address_in_use_exits_1_with_the_cause_logged_and_printed() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reshelf.toml");
    let config = config_toml(addr, None, HTML_PAGE).replacen(
        "public = \"127.0.0.1:0\"",
        &format!("public = \"{addr}\""),
        1,
    );
    std::fs::write(&path, config).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_reshelf"))
        .args(["serve", "--config"])
        .arg(&path)
        .env("FASHIONAI_APP_TOKEN", TEST_TOKEN)
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The log line (written by the background log writer before the process ends) and the
    // plain message for a person at a terminal both name the address.
    let logged = stderr
        .lines()
        .find(|l| l.contains("reshelf stopped"))
        .unwrap_or_else(|| panic!("no log line for the failure:\n{stderr}"));
    assert!(logged.contains(&addr.to_string()), "{logged}");
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("reshelf: ") && l.contains(&addr.to_string())),
        "{stderr}"
    );
    drop(taken);
}
