//! The real binary's log lines (debug level, JSON) while the endpoints work and fail: neither
//! token nor the e-mail address appears, in any spelling; the profile line carries the
//! address's short hash instead.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use reshelf::sim::{Api, Fault, FaultPlan, SimConfig};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::common::origin::{full, TestServer};
use crate::common::{client, config_toml, HTML_PAGE, TEST_TOKEN};
use crate::rig::ADMIN_TOKEN;

const EMAIL: &str = "Ana.Secreta+vip@Example.com";

#[tokio::test]
async fn logs_hold_no_token_and_no_e_mail_address() {
    let sim_config = SimConfig {
        token: TEST_TOKEN.to_owned(),
        ..SimConfig::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = reshelf::sim::start(sim_config, listener).await;
    let origin = TestServer::start(|_req| async { hyper::Response::new(full("origin")) }).await;
    let toml = config_toml(
        origin.addr,
        Some(&sim.base_url()),
        &format!("[log]\nformat = \"json\"\n{HTML_PAGE}"),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reshelf.toml");
    std::fs::write(&path, toml).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_reshelf"))
        .args(["serve", "--config"])
        .arg(&path)
        .env("FASHIONAI_APP_TOKEN", TEST_TOKEN)
        .env("RESHELF_ADMIN_TOKEN", ADMIN_TOKEN)
        .env("RUST_LOG", "debug")
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
    let (public, admin) = loop {
        let line = line_rx.recv().await.expect("reshelf logs its addresses");
        log.push(line.clone());
        let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if event["message"] == "reshelf listening" {
            let addr = |k: &str| event[k].as_str().unwrap().to_owned();
            break (addr("public"), addr("admin"));
        }
    };

    let http = client();
    let get = |url: String, auth: Option<&'static str>| {
        let mut req = http.get(url);
        if let Some(token) = auth {
            req = req.bearer_auth(token);
        }
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status().as_u16();
            let body = resp.text().await.unwrap();
            assert!(!body.contains(TEST_TOKEN) && !body.contains(ADMIN_TOKEN));
            (status, body)
        }
    };
    let profile = |email: &str| format!("http://{admin}/profiles/email/{email}");
    let look = format!("http://{public}/_reshelf/shop-the-look/P1001");
    let search = format!("http://{public}/_reshelf/search?query=vestido");

    assert_eq!(get(look.clone(), None).await.0, 200);
    assert_eq!(get(search.clone(), None).await.0, 200);
    assert_eq!(get(profile(EMAIL), Some(ADMIN_TOKEN)).await.0, 200);
    assert_eq!(get(profile(EMAIL), Some("wrong-token")).await.0, 401);
    assert_eq!(
        get(profile("not-an-address"), Some(ADMIN_TOKEN)).await.0,
        400
    );
    sim.set_fault_for(Api::Profile, FaultPlan::always(Fault::Error));
    assert_eq!(
        get(profile("bia@example.com"), Some(ADMIN_TOKEN)).await.0,
        502
    );
    // With Fashion.AI gone, transport errors (whose messages name the URL) are logged too.
    sim.shutdown().await;
    assert_eq!(
        get(
            profile("Ana.Secreta%2Bvip%40example.com.br"),
            Some(ADMIN_TOKEN)
        )
        .await
        .0,
        502
    );
    assert_eq!(get(look, None).await.0, 200);
    assert_eq!(get(search, None).await.0, 200);

    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "exit status {status:?}");
    while let Some(line) = line_rx.recv().await {
        log.push(line);
    }
    let all = log.join("\n");
    assert!(
        all.contains("profile lookup failed"),
        "failures are logged: {all}"
    );
    let lower = all.to_lowercase();
    assert!(!all.contains(TEST_TOKEN), "app token in the logs");
    assert!(!all.contains(ADMIN_TOKEN), "admin token in the logs");
    for spelling in [
        "ana.secreta",
        "ana%2esecreta",
        "secreta%2bvip",
        "bia@",
        "bia%40",
        "not-an-address",
    ] {
        assert!(
            !lower.contains(spelling),
            "{spelling:?} in the logs:\n{all}"
        );
    }
    let digest: [u8; 32] = Sha256::digest(EMAIL.to_lowercase().as_bytes()).into();
    let tag: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    let ok_line = log
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["message"] == "profile lookup" && e["outcome"] == "ok")
        .expect("the profile lookup is logged");
    assert_eq!(ok_line["email_sha256"], tag.as_str());
}
