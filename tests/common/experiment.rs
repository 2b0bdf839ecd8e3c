//! Shared by the experiment tests: a shop with goal endpoints, a config with a holdout and
//! goals, proxies with the cookie key, sessions in a chosen arm, cookies and metrics.

use std::future::Future;
use std::time::Duration;

use super::api::FakeApi;
use super::origin::{full, TestServer};
use super::{client, config_toml, metrics_text, shop, TEST_TOKEN};
use reshelf::config::Config;
use reshelf::experiment::{assign, Arm};

pub const KEY: &str = "experiment-cookie-key-for-tests-0123456789";
pub const NAME: &str = "exp-test";

pub fn experiment(mode: &str, percent: u32) -> String {
    format!(
        r#"{page}
[experiment]
name = "{NAME}"
holdout_percent = {percent}
mode = "{mode}"

[[experiment.goals]]
name = "cart"
method = "POST"
path = "/cart/{{any}}"

[[experiment.goals]]
name = "order"
method = "GET"
path = "/checkout/done"
value_header = "x-order-value"
"#,
        page = shop::PAGE
    )
}

/// The shop: its category page, and goal endpoints (`/cart/fail` answers 500).
pub async fn origin() -> TestServer {
    TestServer::start(|req| async move {
        let path = req.uri().path().to_owned();
        let b = hyper::Response::builder();
        match path.as_str() {
            p if p.starts_with("/category/") => b
                .header("content-type", "text/html; charset=utf-8")
                .header("etag", "\"v1\"")
                .body(full(shop::html_page())),
            "/cart/fail" => b.status(500).body(full("no")),
            "/checkout/done" => b.header("x-order-value", "25.50").body(full("thanks")),
            _ => b.body(full("ok")),
        }
        .unwrap()
    })
    .await
}

pub fn toml(origin: &TestServer, api: &FakeApi, extra: &str) -> String {
    config_toml(origin.server_addr(), Some(&api.base_url()), extra)
        .replace("[fashionai]", "[fashionai]\ntimeout_ms = 1000")
}

pub trait Addr {
    fn server_addr(&self) -> std::net::SocketAddr;
}
impl Addr for TestServer {
    fn server_addr(&self) -> std::net::SocketAddr {
        self.addr
    }
}

pub async fn proxy(toml: &str) -> reshelf::server::Running {
    let env = |name: &str| match name {
        "FASHIONAI_APP_TOKEN" => Some(TEST_TOKEN.to_owned()),
        "RESHELF_EXPERIMENT_KEY" => Some(KEY.to_owned()),
        _ => None,
    };
    let cfg = Config::from_toml(toml, &env).expect("valid config");
    reshelf::server::start(cfg).await.expect("proxy starts")
}

/// A session id in `arm` of a 50 % holdout.
pub fn session_in(arm: Arm) -> String {
    (0..)
        .map(|i| format!("sess-{i}"))
        .find(|s| assign(NAME, s, 50) == arm)
        .unwrap()
}

/// The experiment cookie's value set by a response, if any.
pub fn exp_cookie(headers: &http::HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("reshelf_exp="))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

pub fn cookies(session: &str, exp: Option<&str>) -> String {
    match exp {
        Some(exp) => format!("reshelf_sid={session}; reshelf_exp={exp}"),
        None => format!("reshelf_sid={session}"),
    }
}

/// A metric's value in Prometheus text, 0 when absent.
pub fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

/// Waits (by polling, bounded) until `check` holds for the admin listener's metrics: a view
/// is counted when its body ends, a shadow reorder after the page was sent.
pub async fn eventually<F, Fut>(admin: std::net::SocketAddr, check: F) -> String
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let text = metrics_text(admin).await;
        if check(text.clone()).await {
            return text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never true:\n{text}"
        );
        tokio::task::yield_now().await;
    }
}

pub async fn goal(
    public: impl std::fmt::Display,
    method: &str,
    path: &str,
    cookie: &str,
) -> reqwest::Response {
    client()
        .request(method.parse().unwrap(), format!("http://{public}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}
