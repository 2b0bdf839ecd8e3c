//! The config file as written: serde structs with their defaults, the ones listed in the
//! README's "Config reference".
//!
//! Depends on nothing else in the crate.

use serde::{Deserialize, Serialize};

/// The whole file. Every section may be omitted and takes its defaults, except `[origin] url`
/// and at least one `[[pages]]` block, which validation requires.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    pub listen: RawListen,
    pub origin: RawOrigin,
    pub fashionai: RawFashionAi,
    pub endpoints: RawEndpoints,
    pub admin: RawAdmin,
    pub log: RawLog,
    pub cache: RawCache,
    pub identity: RawIdentity,
    pub pages: Vec<RawPage>,
    pub experiment: RawExperiment,
}

/// `[listen]`: where the public and admin listeners bind.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawListen {
    /// Storefront traffic. Default `0.0.0.0:8080`.
    pub public: String,
    /// Metrics and health; never exposed publicly. Default `127.0.0.1:9100`.
    pub admin: String,
    /// Send `X-Reshelf` on listing pages. Default `true`.
    pub debug_header: bool,
    /// Stream listing pages, holding only the listing region. Default `true`.
    pub stream_listings: bool,
    /// A request head (the first request's from accept, a later one's from its first byte)
    /// must arrive whole within this, milliseconds. Default 10000.
    pub request_head_timeout_ms: u64,
    /// A keep-alive connection idle between requests is closed after this, milliseconds.
    /// Default 60000.
    pub idle_timeout_ms: u64,
    /// A response write that makes no progress for this long (the client stopped reading)
    /// drops the connection, milliseconds. Default 60000.
    pub send_timeout_ms: u64,
    /// HTTP/2 PING interval for dead-peer detection, milliseconds; 0 = off. Default 30000.
    pub h2_keepalive_interval_ms: u64,
    /// How long an HTTP/2 PING may go unanswered before the connection is closed,
    /// milliseconds. Default 10000.
    pub h2_keepalive_timeout_ms: u64,
    /// Open connections on the public listener; 0 = derived from the file-descriptor budget
    /// at start. Default 0.
    pub max_connections: u64,
    /// How long a connection past `max_connections` waits for a free slot before it is
    /// refused with 503, milliseconds. Default 500.
    pub connection_wait_ms: u64,
    /// Requests in progress on the public listener (HTTP/2 streams included); past it a
    /// request gets 503 at once; 0 = the public connection budget. Default 0.
    pub max_requests: u64,
}

impl Default for RawListen {
    fn default() -> Self {
        Self {
            public: "0.0.0.0:8080".into(),
            admin: "127.0.0.1:9100".into(),
            debug_header: true,
            stream_listings: true,
            request_head_timeout_ms: 10_000,
            idle_timeout_ms: 60_000,
            send_timeout_ms: 60_000,
            h2_keepalive_interval_ms: 30_000,
            h2_keepalive_timeout_ms: 10_000,
            max_connections: 0,
            connection_wait_ms: 500,
            max_requests: 0,
        }
    }
}

/// `[origin]`: the shop's existing site.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawOrigin {
    /// Required: base URL of the origin, `http://host:port`.
    pub url: Option<String>,
    /// TCP connect timeout, milliseconds. Default 1000.
    pub connect_timeout_ms: u64,
    /// Whole origin response (headers and body), milliseconds. Default 15000.
    pub timeout_ms: u64,
    /// A listing body larger than this (bytes, decoded) passes through untouched. Default 4 MiB.
    pub max_rewrite_bytes: u64,
    /// Origin requests in progress at once (each holds an origin connection until its body
    /// is read); 0 = no bound. Default 1024.
    pub max_connections: u64,
    /// How long a request waits for one of `max_connections` before it gets 503,
    /// milliseconds. Default 500.
    pub queue_timeout_ms: u64,
}

impl Default for RawOrigin {
    fn default() -> Self {
        Self {
            url: None,
            connect_timeout_ms: 1000,
            timeout_ms: 15000,
            max_rewrite_bytes: 4 * 1024 * 1024,
            max_connections: 1024,
            queue_timeout_ms: 500,
        }
    }
}

/// `[fashionai]`: the ranking API and its token.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawFashionAi {
    pub base_url: String,
    /// Name of the environment variable holding the app token.
    pub token_env: String,
    pub recommendation_path: String,
    /// Strict budget for a `categoryView` answer, milliseconds. Default 120.
    pub timeout_ms: u64,
    pub search_path: String,
    /// Must contain `{email}`.
    pub profile_path: String,
    /// Consecutive failed or late `categoryView` calls that open the circuit breaker.
    /// Default 5.
    pub breaker_failures: u32,
    /// How long the open breaker keeps pages from waiting before one probe, milliseconds.
    /// Default 5000.
    pub breaker_cool_down_ms: u64,
}

impl Default for RawFashionAi {
    fn default() -> Self {
        Self {
            base_url: "https://catalog.api.fashionai.dev".into(),
            token_env: "FASHIONAI_APP_TOKEN".into(),
            recommendation_path: "/api/v1/products/protected/recommendation".into(),
            timeout_ms: 120,
            search_path: "/v1/products/protected/search/detailed".into(),
            profile_path: "/api/v1/crm/protected/profile/email/{email}".into(),
            breaker_failures: 5,
            breaker_cool_down_ms: 5000,
        }
    }
}

/// `[endpoints]`: the same-origin API served to the storefront's frontend.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawEndpoints {
    /// Path prefix, starts with `/`. Default `/_reshelf`.
    pub prefix: String,
    pub shop_the_look_timeout_ms: u64,
    pub search_timeout_ms: u64,
    /// Per client IP on the public endpoints; 429 past it. Default 120.
    pub rate_limit_per_minute: u32,
    /// CIDRs whose `X-Forwarded-For` is believed for the client IP.
    pub trusted_proxies: Vec<String>,
    /// Other origins of the shop allowed to call the endpoints (exact `scheme://host[:port]`).
    pub cors_origins: Vec<String>,
}

impl Default for RawEndpoints {
    fn default() -> Self {
        Self {
            prefix: "/_reshelf".into(),
            shop_the_look_timeout_ms: 300,
            search_timeout_ms: 800,
            rate_limit_per_minute: 120,
            trusted_proxies: Vec::new(),
            cors_origins: Vec::new(),
        }
    }
}

/// `[admin]`: admin-only endpoints on the admin listener.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawAdmin {
    /// Name of the environment variable holding the admin bearer token. When unset in the
    /// environment, admin-only endpoints answer 401 to everyone.
    pub token_env: String,
}

impl Default for RawAdmin {
    fn default() -> Self {
        Self {
            token_env: "RESHELF_ADMIN_TOKEN".into(),
        }
    }
}

/// `[log]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawLog {
    /// `"text"` or `"json"`. Default `"text"`.
    pub format: String,
}

impl Default for RawLog {
    fn default() -> Self {
        Self {
            format: "text".into(),
        }
    }
}

/// `[cache]`: the ranking cache.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawCache {
    /// How long a session's ranking for a category is reused, seconds. Default 300.
    pub ttl_seconds: u64,
    /// Memory bound of the ranking cache, bytes (weighed by size). Default 256 MiB.
    pub max_bytes: u64,
}

impl Default for RawCache {
    fn default() -> Self {
        Self {
            ttl_seconds: 300,
            max_bytes: 256 * 1024 * 1024,
        }
    }
}

/// `[identity]`: where session and user ids come from.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawIdentity {
    /// Cookie read for the session id, minted when absent. Default `reshelf_sid`.
    pub session_cookie: String,
    /// Optional cookie holding the logged-in user's id; `""` = none.
    pub user_cookie: String,
    /// Optional request header set by an upstream auth layer; `""` = none.
    pub user_header: String,
}

impl Default for RawIdentity {
    fn default() -> Self {
        Self {
            session_cookie: "reshelf_sid".into(),
            user_cookie: String::new(),
            user_header: String::new(),
        }
    }
}

/// One `[[pages]]` block: a kind of listing page.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawPage {
    /// html: a platform preset (`shopify-dawn`, ...) filling the html keys left empty.
    pub preset: String,
    /// Route pattern; `{id}` captures the category id (unless `id_query` is set).
    pub path: String,
    /// Query parameter holding the category id, for routes without `{id}`.
    pub id_query: String,
    /// `"html"` or `"json"`.
    pub format: String,
    /// html: CSS selector matching each product tile.
    pub tiles: String,
    /// html: attribute holding the product id; json: member of each item holding it.
    pub product_id: String,
    /// Optional regex whose first capture group is the id.
    pub product_id_pattern: String,
    /// html: optional CSS selector of siblings right after a tile that travel with it.
    pub companions: String,
    /// html: class tokens that belong to the position, not the product.
    pub slot_classes: Vec<String>,
    /// html: attributes whose values belong to the position.
    pub slot_attributes: Vec<String>,
    /// json: JSON pointer (RFC 6901) to the listing array; `""` = root.
    pub array: String,
}

/// `[experiment]`: the holdout experiment and its conversion goals.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawExperiment {
    /// Salt of the assignment hash; a new name re-draws every session. Required when on.
    pub name: String,
    /// Share of sessions that keep the native order, 0 to 50. Default 0 (off).
    pub holdout_percent: u32,
    /// `"live"` or `"shadow"`. Default `"live"`.
    pub mode: String,
    /// Name of the signed experiment cookie. Default `reshelf_exp`.
    pub cookie: String,
    /// Environment variable holding the cookie's HMAC key (at least 32 bytes), required when
    /// the experiment is on. Default `RESHELF_EXPERIMENT_KEY`.
    pub cookie_key_env: String,
    pub goals: Vec<RawGoal>,
}

impl Default for RawExperiment {
    fn default() -> Self {
        Self {
            name: String::new(),
            holdout_percent: 0,
            mode: "live".into(),
            cookie: "reshelf_exp".into(),
            cookie_key_env: "RESHELF_EXPERIMENT_KEY".into(),
            goals: Vec::new(),
        }
    }
}

/// One `[[experiment.goals]]` block: a conversion, matched on passthrough requests.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawGoal {
    /// `[a-z0-9_-]`, 1 to 32 characters.
    pub name: String,
    /// HTTP method, e.g. `"POST"`.
    pub method: String,
    /// Path pattern; `{any}` matches one segment.
    pub path: String,
    /// Optional response header holding the order value; `""` = none.
    pub value_header: String,
}
