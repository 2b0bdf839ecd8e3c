//! Headless Chromium driven through chromedriver's WebDriver API, for tests that browse the
//! demo as a shopper does. [`Browser::start`] answers `None` (noted) outside CI when
//! chromium or chromedriver is not installed; under `CI=true` their absence fails the test.

#![allow(dead_code)] // Each test file uses a different subset.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// chromedriver and chromium, or `None` (noted) outside CI when they are not installed.
pub fn browser_tools() -> Option<(String, String)> {
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

/// A chromedriver process; killed when dropped.
pub struct Driver {
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

impl Driver {
    pub async fn start(driver: &str) -> Driver {
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

    /// One WebDriver command; its `value`.
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
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

/// One headless Chromium session with a profile of its own (so its own cookies).
pub struct Browser {
    driver: Driver,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A fresh browser, or `None` when the tools are missing outside CI (see the module docs).
    pub async fn start() -> Option<Browser> {
        let (driver_bin, chromium) = browser_tools()?;
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
                             // Headless Chromium names itself HeadlessChrome, which is (rightly)
                             // a crawler to reshelf; these tests play a shopper.
                             "--user-agent=Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36",
                             format!("--user-data-dir={}", profile.path().display())]
                }
            }}
        });
        let created = driver.call(reqwest::Method::POST, "/session", caps).await;
        let session = created["sessionId"].as_str().unwrap().to_owned();
        Some(Browser {
            driver,
            session,
            _profile: profile,
        })
    }

    /// Opens `url` and waits for its load, as a shopper's navigation.
    pub async fn goto(&self, url: &str) {
        self.driver
            .call(
                reqwest::Method::POST,
                &format!("/session/{}/url", self.session),
                json!({ "url": url }),
            )
            .await;
    }

    /// Runs `script` (a function body that `return`s) in the page.
    pub async fn script<T: DeserializeOwned>(&self, script: &str) -> T {
        let value = self
            .driver
            .call(
                reqwest::Method::POST,
                &format!("/session/{}/execute/sync", self.session),
                json!({ "script": script, "args": [] }),
            )
            .await;
        serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("{script} answered {value}: {e}"))
    }

    /// The `data-product-id` of every element matching `selector` in the page, in order.
    pub async fn ids(&self, selector: &str) -> Vec<String> {
        let script = format!(
            "return Array.from(document.querySelectorAll({})).map(e => e.getAttribute('data-product-id'));",
            serde_json::to_string(selector).unwrap()
        );
        self.script(&script).await
    }

    /// Opens `url` and reads the tile order of a demo category page from the rendered DOM.
    pub async fn tile_order(&self, url: &str) -> Vec<String> {
        self.goto(url).await;
        self.ids("ul.products > li.product").await
    }

    /// Ends the browser session (the driver process ends when dropped).
    pub async fn quit(self) {
        self.driver
            .call(
                reqwest::Method::DELETE,
                &format!("/session/{}", self.session),
                json!({}),
            )
            .await;
    }
}
