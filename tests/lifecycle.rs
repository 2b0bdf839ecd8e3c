//! The binary's life: SIGTERM drains an in-flight request and exits 0; the admin listener
//! answers health, readiness and metrics, and only there.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

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
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reshelf.toml");
    std::fs::write(&path, config_toml(origin.addr, None, HTML_PAGE)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_reshelf"))
        .args(["serve", "--config"])
        .arg(&path)
        .env("FASHIONAI_APP_TOKEN", TEST_TOKEN)
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let (line_tx, mut line_rx) = mpsc::unbounded_channel::<String>();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { return };
            if line_tx.send(line).is_err() {
                return;
            }
        }
    });
    let mut log = Vec::new();
    let public = loop {
        let line = line_rx
            .recv()
            .await
            .expect("reshelf logs its listening address");
        log.push(line.clone());
        if let Some(rest) = line.split("public=").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    let request = tokio::spawn(client().get(format!("http://{public}/slow")).send());
    arrived_rx.recv().await.unwrap();

    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    loop {
        let line = line_rx.recv().await.expect("reshelf logs the shutdown");
        log.push(line.clone());
        if line.contains("shutting down") {
            break;
        }
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "exited before draining: {log:?}"
    );
    release_tx.send(()).unwrap();

    let resp = request.await.unwrap().unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "slow but complete");
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "exit status {status:?}");
    while let Ok(line) = line_rx.try_recv() {
        log.push(line);
    }
    let all = log.join("\n");
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
        text.contains(r#"reshelf_requests_total{route="passthrough",status_class="2xx"} 1"#),
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
