//! Shared by `tests/config.rs` and `tests/config_pages.rs`: a minimal valid config, a token,
//! and loading with an environment map (the process environment is never touched).

use std::collections::HashMap;

use reshelf::config::{Config, ConfigError, Problem};

/// The app token the tests put in the environment map.
pub const TOKEN: &str = "app-token-0123456789abcdef0123456";

/// origin.url and one page: everything else takes its default.
pub const MINIMAL: &str = r#"
[origin]
url = "http://127.0.0.1:3000"

[[pages]]
path = "/category/{id}"
format = "html"
tiles = "ul.products > li"
product_id = "data-product-id"
"#;

pub fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn with_token() -> HashMap<String, String> {
    env(&[("FASHIONAI_APP_TOKEN", TOKEN)])
}

pub fn load(text: &str, env: &HashMap<String, String>) -> Result<Config, ConfigError> {
    Config::from_toml(text, &|name| env.get(name).cloned())
}

pub fn problems(text: &str, env: &HashMap<String, String>) -> Vec<Problem> {
    match load(text, env) {
        Err(ConfigError::Invalid(problems)) => problems,
        other => panic!("expected ConfigError::Invalid, got {other:?}"),
    }
}

pub fn keys(text: &str, env: &HashMap<String, String>) -> Vec<String> {
    problems(text, env).into_iter().map(|p| p.key).collect()
}

/// The message of the one problem reported for `key`.
pub fn message_for(problems: &[Problem], key: &str) -> String {
    let found: Vec<_> = problems.iter().filter(|p| p.key == key).collect();
    assert_eq!(found.len(), 1, "one problem for {key} in {problems:?}");
    found[0].message.clone()
}

pub fn parse_error(text: &str) -> String {
    match load(text, &with_token()) {
        Err(ConfigError::Parse(e)) => e.to_string(),
        other => panic!("expected ConfigError::Parse, got {other:?}"),
    }
}
