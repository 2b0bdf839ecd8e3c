//! A rig for the same-origin endpoint tests: the Fashion.AI simulator and a test origin on
//! 127.0.0.1:0, and the proxy in front of the origin with `fashionai.base_url` pointing at the
//! simulator, the app token and an admin token in its (hermetic) environment.

#![allow(dead_code)] // Each test file uses a different subset.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use hyper::Response;
use reshelf::config::Config;
use reshelf::sim::{self, SimConfig, SimHandle};

use super::common::origin::{full, TestServer};
use super::common::{config_toml, TEST_TOKEN};

/// The admin bearer token of every rig.
pub const ADMIN_TOKEN: &str = "admin-token-9c41e07d2b";

/// Simulator, origin and proxy.
pub struct Rig {
    pub sim: SimHandle,
    pub origin: TestServer,
    /// Paths (with query) the origin was asked for, in order.
    pub origin_paths: Arc<Mutex<Vec<String>>>,
    pub proxy: reshelf::server::Running,
    pub http: reqwest::Client,
}

/// How to set a rig up beyond the defaults.
pub struct Options {
    /// The simulator's config; its token is replaced by the test token.
    pub sim: SimConfig,
    /// Put the admin token in the proxy's environment. Default true.
    pub admin_token: bool,
    /// `listen.debug_header`. Default true.
    pub debug_header: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            sim: SimConfig::default(),
            admin_token: true,
            debug_header: true,
        }
    }
}

impl Rig {
    /// A rig whose proxy config gets `extra` TOML (whole sections) appended.
    pub async fn start(extra: &str) -> Rig {
        Rig::start_with(Options::default(), extra).await
    }

    /// As [`Rig::start`], with other [`Options`].
    pub async fn start_with(options: Options, extra: &str) -> Rig {
        let sim_config = SimConfig {
            token: TEST_TOKEN.to_owned(),
            ..options.sim
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sim = sim::start(sim_config, listener).await;
        let origin_paths = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&origin_paths);
        let origin = TestServer::start(move |req| {
            let path = req.uri().to_string();
            seen.lock().unwrap().push(path.clone());
            async move {
                Response::builder()
                    .status(404)
                    .header("content-type", "text/plain")
                    .body(full(format!("origin has nothing at {path}")))
                    .unwrap()
            }
        })
        .await;
        let toml = config_toml(
            origin.addr,
            Some(&sim.base_url()),
            &format!("{extra}\n{}", super::common::HTML_PAGE),
        )
        .replacen(
            "admin = \"127.0.0.1:0\"",
            &format!(
                "admin = \"127.0.0.1:0\"\ndebug_header = {}",
                options.debug_header
            ),
            1,
        );
        let proxy = reshelf::server::start(config(&toml, options.admin_token))
            .await
            .expect("proxy starts");
        Rig {
            sim,
            origin,
            origin_paths,
            proxy,
            http: super::common::client(),
        }
    }

    /// `http://PUBLIC{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.proxy.public_addr())
    }

    /// `http://ADMIN{path}`.
    pub fn admin_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.proxy.admin_addr())
    }

    /// GET on the public listener with extra headers; status, headers and body text, after
    /// checking that neither the app token nor the admin token is anywhere in the answer.
    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut req = self.http.get(self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Answer::read(req.send().await.expect("proxy answers")).await
    }

    /// The profile endpoint on the admin listener, with `Authorization` when given.
    pub async fn profile(&self, email_segment: &str, authorization: Option<&str>) -> Answer {
        let mut req = self
            .http
            .get(self.admin_url(&format!("/profiles/email/{email_segment}")));
        if let Some(auth) = authorization {
            req = req.header("authorization", auth);
        }
        Answer::read(req.send().await.expect("admin answers")).await
    }

    /// The admin listener's metrics text.
    pub async fn metrics(&self) -> String {
        let text = self
            .http
            .get(self.admin_url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_clean(&text);
        text
    }

    /// The value of one sample line of the metrics, e.g.
    /// `reshelf_endpoint_requests_total{endpoint="search",outcome="ok"}`; 0 when absent.
    pub async fn sample(&self, series: &str) -> f64 {
        let text = self.metrics().await;
        text.lines()
            .find_map(|l| l.strip_prefix(series).and_then(|v| v.trim().parse().ok()))
            .unwrap_or(0.0)
    }
}

/// `reshelf_endpoint_requests_total{endpoint=E,outcome=O}`.
pub fn requests_series(endpoint: &str, outcome: &str) -> String {
    format!("reshelf_endpoint_requests_total{{endpoint=\"{endpoint}\",outcome=\"{outcome}\"}}")
}

/// Parses `toml` with the test app token and (when `admin_token`) the admin token.
pub fn config(toml: &str, admin_token: bool) -> Config {
    let mut env: HashMap<&str, &str> = HashMap::from([("FASHIONAI_APP_TOKEN", TEST_TOKEN)]);
    if admin_token {
        env.insert("RESHELF_ADMIN_TOKEN", ADMIN_TOKEN);
    }
    Config::from_toml(toml, &|name| env.get(name).map(|v| v.to_string()))
        .unwrap_or_else(|e| panic!("test config invalid: {e}\n{toml}"))
}

/// A response, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: reqwest::StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    pub async fn read(resp: reqwest::Response) -> Answer {
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.text().await.expect("body");
        for (name, value) in &headers {
            assert_clean(&format!(
                "{name}: {}",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        assert_clean(&body);
        Answer {
            status,
            headers,
            body,
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header"))
    }

    /// The `products` array of a 200 answer.
    pub fn products(&self) -> Vec<serde_json::Value> {
        assert_eq!(self.status, 200, "{}", self.body);
        assert_eq!(self.header("content-type"), Some("application/json"));
        self.json()["products"]
            .as_array()
            .unwrap_or_else(|| panic!("no products array: {}", self.body))
            .clone()
    }

    /// The product ids of a shop-the-look answer.
    pub fn ids(&self) -> Vec<String> {
        self.products()
            .iter()
            .map(|v| v.as_str().expect("an id").to_owned())
            .collect()
    }

    /// The session id this answer set with `Set-Cookie`, if any.
    pub fn minted_session(&self) -> Option<String> {
        let cookie = self.header("set-cookie")?;
        let pair = cookie.split(';').next()?;
        pair.strip_prefix("reshelf_sid=").map(str::to_owned)
    }
}

/// Neither token appears in `text`.
pub fn assert_clean(text: &str) {
    assert!(!text.contains(TEST_TOKEN), "app token leaked: {text}");
    assert!(!text.contains(ADMIN_TOKEN), "admin token leaked: {text}");
}
