//! End to end in a real browser: headless Chromium (driven through chromedriver's WebDriver
//! API) browses `reshelf demo`; after the simulator has seen enough of the session, the tile
//! order in the rendered DOM is the ranking the simulator answered.
//!
//! The expected ranking is recomputed on a twin simulator by replaying the events the demo's
//! simulator received: its answers are deterministic for a given session history.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reshelf::demo::Demo;
use reshelf::sim::{self, Api, SimConfig};
use serde_json::{json, Value};

struct Driver {
    child: Child,
    base: String,
    http: reqwest::Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver and chromium, or `None` (noted) outside CI when they are not installed.
fn browser_tools() -> Option<(String, String)> {
    let found = |names: &[&str]| {
        names.iter().find_map(|n| {
            let p = std::path::Path::new("/usr/bin").join(n);
            p.exists().then(|| p.display().to_string())
        })
    };
    match (
        found(&["chromedriver"]),
        found(&["chromium", "chromium-browser"]),
    ) {
        (Some(d), Some(c)) => Some((d, c)),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("chromium and chromium-driver are required under CI (.ci/run installs them)")
        }
        _ => {
            eprintln!("skipped: chromium or chromedriver not installed");
            None
        }
    }
}

async fn free_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

impl Driver {
    async fn start(driver: &str) -> Driver {
        let port = free_port().await;
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let driver = Driver { child, base, http };
        // chromedriver has no readiness signal but its /status endpoint: ask until it answers.
        for _ in 0..100 {
            if let Ok(r) = driver
                .http
                .get(format!("{}/status", driver.base))
                .send()
                .await
            {
                if r.status().is_success() {
                    return driver;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not come up on port {port}");
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let resp = self
            .http
            .request(method, format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let value: Value = resp.json().await.unwrap();
        assert!(status.is_success(), "WebDriver {path}: {value}");
        value["value"].clone()
    }
}

async fn dom_order(driver: &Driver, session: &str, url: &str) -> Vec<String> {
    driver
        .call(
            reqwest::Method::POST,
            &format!("/session/{session}/url"),
            json!({ "url": url }),
        )
        .await;
    let script = "return Array.from(document.querySelectorAll('ul.products > li.product'))\
                  .map(li => li.getAttribute('data-product-id'));";
    let ids = driver
        .call(
            reqwest::Method::POST,
            &format!("/session/{session}/execute/sync"),
            json!({ "script": script, "args": [] }),
        )
        .await;
    serde_json::from_value(ids).unwrap()
}

/// Replays the recorded events on a fresh simulator; returns its answer to the last one.
async fn replay(events: &[Value]) -> Vec<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let twin = sim::start(SimConfig::default(), listener).await;
    let mut last = Vec::new();
    for event in events {
        let answer: Value = reqwest::Client::new()
            .post(twin.recommendation_url())
            .header(sim::TOKEN_HEADER, twin.token())
            .json(event)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        last = serde_json::from_value(answer["products"].clone()).unwrap();
    }
    twin.shutdown().await;
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_sees_the_demo_category_in_ranking_order() {
    let Some((driver_bin, chromium)) = browser_tools() else {
        return;
    };
    let demo = Demo::start(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let driver = Driver::start(&driver_bin).await;
    let profile = tempfile::tempdir().unwrap();
    let caps = json!({
        "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                         "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync",
                         // Headless Chromium names itself HeadlessChrome, which is (rightly) a
                         // crawler to reshelf; this test plays a shopper.
                         "--user-agent=Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36",
                         format!("--user-data-dir={}", profile.path().display())]
            }
        }}
    });
    let created = driver.call(reqwest::Method::POST, "/session", caps).await;
    let session = created["sessionId"].as_str().unwrap().to_owned();

    let shop_url = format!("{}/category/vestidos", demo.shop.base_url());
    let url = format!("http://{}/category/vestidos", demo.proxy.public_addr());
    let native = dom_order(&driver, &session, &shop_url).await;
    assert!(native.len() >= 48, "{native:?}");
    // The simulator answers an empty ranking for the first two events of a session.
    for _ in 0..2 {
        assert_eq!(dom_order(&driver, &session, &url).await, native);
    }
    let personalized = dom_order(&driver, &session, &url).await;

    let events: Vec<Value> = demo
        .sim
        .requests_for(Api::Recommendation)
        .iter()
        .map(|r| r.json().unwrap())
        .collect();
    assert_eq!(events.len(), 3, "one categoryView per view: {events:?}");
    let sessions: std::collections::HashSet<_> =
        events.iter().map(|e| e["sessionId"].clone()).collect();
    assert_eq!(
        sessions.len(),
        1,
        "the browser kept its minted session cookie"
    );
    let ranking = replay(&events).await;
    assert!(!ranking.is_empty());
    let expected: Vec<String> = ranking
        .into_iter()
        .filter(|id| native.contains(id))
        .collect();
    assert_eq!(personalized[..expected.len()], expected[..]);
    assert_ne!(personalized, native, "the ranking changed the order");
    let mut sorted = personalized.clone();
    sorted.sort();
    let mut native_sorted = native.clone();
    native_sorted.sort();
    assert_eq!(sorted, native_sorted, "nothing added or dropped");

    driver
        .call(
            reqwest::Method::DELETE,
            &format!("/session/{session}"),
            json!({}),
        )
        .await;
    demo.shutdown().await;
}
