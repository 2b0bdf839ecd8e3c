//! The validated, typed config ([`Config`]) and the one validation pass that builds it from a
//! [`RawConfig`], collecting every problem with its key instead of stopping at the first.
//!
//! The section checks live in `checks`, `services`, `frontend` and `pages`; this module holds
//! the types and the orchestration.

use std::net::SocketAddr;
use std::time::Duration;

use crate::rewrite::html::HtmlRules;
use crate::rewrite::json::JsonRules;

use super::{checks, frontend, pages, services, RawConfig, Route};

/// Looks up an environment variable by name. `serve` passes `std::env::var`; tests pass a map.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A secret (token) that never prints: `Debug` and `Display` show `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: String) -> Self {
        Self(value)
    }
    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Secret {
    /// Length of the secret in bytes (safe to print).
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// True for an empty secret (validation never produces one).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// One problem found in the config, named by its key (`origin.url`, `pages[1].tiles`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key as in the file, with `[i]` for array entries (0-based): `pages[1].tiles`.
    pub key: String,
    /// What is wrong, for an operator.
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
    /// The file could not be read.
    #[error("cannot read config file {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Not TOML, or not reshelf's shape (unknown key, wrong type); the source names the key
    /// and line.
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

/// `[listen]`.
#[derive(Debug, Clone)]
pub struct Listen {
    /// Storefront traffic. Default `0.0.0.0:8080`.
    pub public: SocketAddr,
    /// Metrics and health. Default `127.0.0.1:9100`.
    pub admin: SocketAddr,
    /// Send `X-Reshelf` on listing pages. Default `true`.
    pub debug_header: bool,
}

/// `[origin]`.
#[derive(Debug, Clone)]
pub struct Origin {
    /// `http://host:port/`, the port always explicit (80 when the file omits it); requests
    /// keep their own path and query.
    pub url: http::Uri,
    /// TCP connect timeout. Default 1 s.
    pub connect_timeout: Duration,
    /// Whole origin response. Default 15 s.
    pub timeout: Duration,
    /// Listing bodies larger than this many bytes pass through untouched. Default 4 MiB.
    pub max_rewrite_bytes: usize,
}

/// `[fashionai]`.
#[derive(Debug, Clone)]
pub struct FashionAi {
    /// Base URL without trailing slash. Default `https://catalog.api.fashionai.dev`.
    pub base_url: String,
    /// The app token, read from the variable named by `token_env`; visible ASCII only.
    pub token: Secret,
    /// Starts with `/`; appended to `base_url`.
    pub recommendation_path: String,
    /// Budget for a `categoryView` answer, 1 ms to 10 s. Default 120 ms.
    pub timeout: Duration,
    /// Starts with `/`; appended to `base_url`, followed by `?query=&size=`.
    pub search_path: String,
    /// Starts with `/` and contains `{email}`.
    pub profile_path: String,
    /// Consecutive failures that open the breaker. Default 5.
    pub breaker_failures: u32,
    /// Open time before a probe. Default 5 s.
    pub breaker_cool_down: Duration,
}

/// `[endpoints]`.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// Starts with `/`, no trailing slash, not `/` alone. Default `/_reshelf`.
    pub prefix: String,
    /// Default 300 ms (1 ms to 60 s).
    pub shop_the_look_timeout: Duration,
    /// Default 800 ms (1 ms to 60 s).
    pub search_timeout: Duration,
    /// At least 1. Default 120.
    pub rate_limit_per_minute: u32,
    /// Bare addresses become /32 or /128 networks. Default none.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Normalized origins (`https://shop.example`, lowercase host, default port dropped), to
    /// compare with a request's `Origin` header. Default none.
    pub cors_origins: Vec<String>,
}

/// `[admin]`.
#[derive(Debug, Clone)]
pub struct Admin {
    /// `None` when the variable is unset: admin-only endpoints then refuse everyone.
    pub token: Option<Secret>,
}

/// `[log] format`. Default `Text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// `[log]`.
#[derive(Debug, Clone)]
pub struct Log {
    pub format: LogFormat,
}

/// `[cache]`.
#[derive(Debug, Clone)]
pub struct Cache {
    /// How long a session's ranking for a category is reused. Default 300 s.
    pub ttl: Duration,
    /// Memory bound of the ranking cache, bytes. Default 256 MiB.
    pub max_bytes: u64,
}

/// `[identity]`.
#[derive(Debug, Clone)]
pub struct Identity {
    /// A valid cookie name (RFC 6265 token). Default `reshelf_sid`.
    pub session_cookie: String,
    /// `None` when the file says `""` (the default).
    pub user_cookie: Option<String>,
    /// `None` when the file says `""` (the default).
    pub user_header: Option<http::HeaderName>,
}

/// A kind of listing page: where it is and how to reorder it.
#[derive(Debug, Clone)]
pub struct Page {
    pub route: Route,
    pub format: PageFormat,
}

/// How a page's body is reordered, with its compiled rules.
#[derive(Debug, Clone)]
pub enum PageFormat {
    Html(HtmlRules),
    Json(JsonRules),
}

impl Config {
    /// Parses and validates a config file's text. `env` resolves `token_env` names.
    ///
    /// Errors: [`ConfigError::Parse`] when the text is not TOML of reshelf's shape (the first
    /// such error only, as TOML parsing stops there), else [`ConfigError::Invalid`] with every
    /// problem found.
    pub fn from_toml(text: &str, env: EnvLookup<'_>) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(ConfigError::Parse)?;
        Self::from_raw(raw, env)
    }

    /// Validates an already parsed file (defaults filled in) in one pass.
    pub fn from_raw(raw: RawConfig, env: EnvLookup<'_>) -> Result<Config, ConfigError> {
        let mut problems = checks::Problems::default();
        let listen = checks::listen(&raw.listen, &mut problems);
        let origin = checks::origin(&raw.origin, &mut problems);
        let fashionai = services::fashionai(&raw.fashionai, env, &mut problems);
        let endpoints = frontend::endpoints(&raw.endpoints, &mut problems);
        let admin = services::admin(&raw.admin, env, &mut problems);
        let log = checks::log(&raw.log, &mut problems);
        let cache = checks::cache(&raw.cache, &mut problems);
        let identity = frontend::identity(&raw.identity, &mut problems);
        let pages = pages::pages(&raw.pages, &raw.endpoints.prefix, &mut problems);
        match (
            listen, origin, fashionai, endpoints, admin, log, cache, identity, pages,
        ) {
            (
                Some(listen),
                Some(origin),
                Some(fashionai),
                Some(endpoints),
                Some(admin),
                Some(log),
                Some(cache),
                Some(identity),
                Some(pages),
            ) if problems.is_empty() => Ok(Config {
                listen,
                origin,
                fashionai,
                endpoints,
                admin,
                log,
                cache,
                identity,
                pages,
                raw,
            }),
            // Every check that yields `None` has recorded why, so the list is never empty.
            _ => {
                debug_assert!(!problems.is_empty(), "a section failed without a problem");
                Err(ConfigError::Invalid(problems.into_vec()))
            }
        }
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
}
