//! Shared test helpers: in-process servers on port 0, configs, the fixtures folder.
#![allow(dead_code)]

pub mod api;
pub mod binary;
pub mod experiment;
pub mod fetch;
pub mod origin;
pub mod raw;
pub mod scripted;
pub mod shop;
pub mod wire;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use reshelf::config::Config;

/// The app token every test config uses; tests assert it never leaks.
pub const TEST_TOKEN: &str = "test-app-token-7f3a9c1e5b";

/// A config for a proxy on loopback port 0 in front of `origin`, with `extra` TOML appended
/// (extra `[[pages]]` blocks or whole sections). `fashionai_base` defaults to a dead address.
pub fn config_toml(origin: SocketAddr, fashionai_base: Option<&str>, extra: &str) -> String {
    let base = fashionai_base.unwrap_or("http://127.0.0.1:9");
    format!(
        r#"
[listen]
public = "127.0.0.1:0"
admin = "127.0.0.1:0"

[origin]
url = "http://{origin}"
connect_timeout_ms = 500
timeout_ms = 2000

[fashionai]
base_url = "{base}"

{extra}
"#
    )
}

/// A page block used when a test does not care about listings.
pub const HTML_PAGE: &str = r#"
[[pages]]
path = "/category/{id}"
format = "html"
tiles = "ul.products > li"
product_id = "data-product-id"
"#;

/// Parses `toml` with the test token in a hermetic environment.
pub fn config(toml: &str) -> Config {
    let env: HashMap<&str, &str> = HashMap::from([("FASHIONAI_APP_TOKEN", TEST_TOKEN)]);
    Config::from_toml(toml, &|name| env.get(name).map(|v| v.to_string()))
        .unwrap_or_else(|e| panic!("test config invalid: {e}\n{toml}"))
}

/// Starts the proxy for `toml`.
pub async fn start_proxy(toml: &str) -> reshelf::server::Running {
    reshelf::server::start(config(toml))
        .await
        .expect("proxy starts")
}

/// `../shared/fixtures/storefronts`, or `None` (with a note) outside CI when it is absent.
/// Under `CI=true` its absence fails the test.
pub fn storefront_fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/storefronts");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{} is missing; CI must run beside ../shared", dir.display());
    }
    eprintln!(
        "skipped: {} not found (run beside ../shared)",
        dir.display()
    );
    None
}

/// A reqwest client that never uses a proxy from the environment and never decompresses.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds")
}

/// The admin listener's `/metrics` text.
pub async fn metrics_text(admin: impl std::fmt::Display) -> String {
    client()
        .get(format!("http://{admin}/metrics"))
        .send()
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("metrics body")
}
