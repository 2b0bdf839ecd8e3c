//! One validation pass from [`RawConfig`] to [`Config`], collecting every problem with its key.

use std::net::SocketAddr;
use std::time::Duration;

use crate::rewrite::html::HtmlRules;
use crate::rewrite::json::JsonRules;

use super::RawConfig;

/// Looks up an environment variable by name. `serve` passes `std::env::var`; tests pass a map.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A secret (token) that never prints: `Debug` and `Display` show `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }
    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// One problem found in the config, named by its key (`origin.url`, `pages[1].tiles`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Why a config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("config is not valid TOML for reshelf")]
    Parse(#[source] toml::de::Error),
    /// Every problem at once, each naming its key.
    #[error("invalid config:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
}

/// The validated config the proxy runs on.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: Listen,
    pub origin: Origin,
    pub fashionai: FashionAi,
    pub endpoints: Endpoints,
    pub admin: Admin,
    pub log: Log,
    pub cache: Cache,
    pub identity: Identity,
    pub pages: Vec<Page>,
    /// The file as parsed (with defaults filled in), for `reshelf check`.
    pub raw: RawConfig,
}

#[derive(Debug, Clone)]
pub struct Listen {
    pub public: SocketAddr,
    pub admin: SocketAddr,
    pub debug_header: bool,
}

#[derive(Debug, Clone)]
pub struct Origin {
    /// `http://host:port` with no path other than `/`; requests keep their own path.
    pub url: http::Uri,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_rewrite_bytes: usize,
}

#[derive(Debug, Clone)]
pub struct FashionAi {
    /// Base URL without trailing slash.
    pub base_url: String,
    pub token: Secret,
    pub recommendation_path: String,
    pub timeout: Duration,
    pub search_path: String,
    pub profile_path: String,
}

#[derive(Debug, Clone)]
pub struct Endpoints {
    pub prefix: String,
    pub shop_the_look_timeout: Duration,
    pub search_timeout: Duration,
    pub rate_limit_per_minute: u32,
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub cors_origins: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Admin {
    /// `None` when the variable is unset: admin-only endpoints then refuse everyone.
    pub token: Option<Secret>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Log {
    pub format: LogFormat,
}

#[derive(Debug, Clone)]
pub struct Cache {
    pub ttl: Duration,
    pub max_bytes: u64,
}

#[derive(Debug, Clone)]
pub struct Identity {
    pub session_cookie: String,
    pub user_cookie: Option<String>,
    pub user_header: Option<http::HeaderName>,
}

/// A kind of listing page: where it is and how to reorder it.
#[derive(Debug, Clone)]
pub struct Page {
    pub route: Route,
    pub format: PageFormat,
}

#[derive(Debug, Clone)]
pub enum PageFormat {
    Html(HtmlRules),
    Json(JsonRules),
}

/// A `[[pages]] path`: literal text around an optional `{id}` capture, or an exact path with
/// the id in a query parameter.
#[derive(Debug, Clone)]
pub enum Route {
    /// `prefix{id}suffix`; the id is one non-empty path segment (no `/`).
    PathId { prefix: String, suffix: String },
    /// Exact path; the id is the value of query parameter `param`.
    QueryId { path: String, param: String },
}

impl Route {
    /// The category id when `path` (and `query`) match this route.
    pub fn match_request(&self, path: &str, query: Option<&str>) -> Option<String> {
        todo!("config helper: {path} {query:?}")
    }
}

impl Config {
    /// Parses and validates a config file's text. `env` resolves `token_env` names.
    pub fn from_toml(text: &str, env: EnvLookup<'_>) -> Result<Config, ConfigError> {
        todo!("config helper: {text} {:?}", env("X"))
    }

    /// Reads and validates a config file.
    pub fn load_file(path: &std::path::Path, env: EnvLookup<'_>) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_toml(&text, env)
    }

    /// The first page whose route matches, with the category id it captured.
    pub fn match_page(&self, path: &str, query: Option<&str>) -> Option<(&Page, String)> {
        self.pages
            .iter()
            .find_map(|p| p.route.match_request(path, query).map(|id| (p, id)))
    }

    /// The effective config as TOML with secrets redacted, for `reshelf check`.
    pub fn to_redacted_toml(&self) -> String {
        todo!("config helper")
    }
}
