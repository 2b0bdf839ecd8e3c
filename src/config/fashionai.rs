//! `[fashionai]`: the Fashion.AI API reshelf calls. Holds the typed [`FashionAi`] section and
//! its check (base URL, API paths, budget, breaker, and the app token from the environment).
//!
//! May depend on `problems`, `env` and `raw`.

use std::time::Duration;

use reqwest::Url;

use super::env::{required_token, EnvLookup, Secret};
use super::problems::{in_range, Problems};
use super::raw::RawFashionAi;

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

/// The typed `[fashionai]`, or `None` after recording at least one problem.
pub(super) fn check(raw: &RawFashionAi, env: EnvLookup<'_>, p: &mut Problems) -> Option<FashionAi> {
    let before = p.count();
    let base_url = base_url(&raw.base_url, p);
    let token = required_token(&raw.token_env, "fashionai.token_env", env, p);
    api_path(&raw.recommendation_path, "fashionai.recommendation_path", p);
    api_path(&raw.search_path, "fashionai.search_path", p);
    api_path(&raw.profile_path, "fashionai.profile_path", p);
    if raw.profile_path.matches("{email}").count() != 1 {
        p.add(
            "fashionai.profile_path",
            format!("{:?} must contain {{email}} exactly once", raw.profile_path),
        );
    }
    in_range(raw.timeout_ms, 1..=10_000, "fashionai.timeout_ms", p);
    in_range(
        u64::from(raw.breaker_failures),
        1..=1_000,
        "fashionai.breaker_failures",
        p,
    );
    in_range(
        raw.breaker_cool_down_ms,
        1..=600_000,
        "fashionai.breaker_cool_down_ms",
        p,
    );
    let (base_url, token) = (base_url?, token?);
    p.unless_new(
        before,
        FashionAi {
            base_url,
            token,
            recommendation_path: raw.recommendation_path.clone(),
            timeout: Duration::from_millis(raw.timeout_ms),
            search_path: raw.search_path.clone(),
            profile_path: raw.profile_path.clone(),
            breaker_failures: raw.breaker_failures,
            breaker_cool_down: Duration::from_millis(raw.breaker_cool_down_ms),
        },
    )
}

fn base_url(text: &str, p: &mut Problems) -> Option<String> {
    const KEY: &str = "fashionai.base_url";
    let url = match Url::parse(text) {
        Ok(url) => url,
        Err(e) => {
            p.add(KEY, format!("{text:?} is not a URL ({e})"));
            return None;
        }
    };
    let ok = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|h| !h.is_empty())
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none();
    if !ok {
        p.add(
            KEY,
            format!("{text:?} must be an http:// or https:// URL with a host and no query, fragment or credentials"),
        );
        return None;
    }
    Some(url.as_str().trim_end_matches('/').to_owned())
}

/// A Fashion.AI API path appended to the base URL.
fn api_path(path: &str, key: &str, p: &mut Problems) {
    if !path.starts_with('/') {
        p.add(key, format!("{path:?} must start with \"/\""));
    } else if path.contains(['?', '#']) || path.chars().any(|c| !c.is_ascii_graphic()) {
        p.add(
            key,
            format!("{path:?} must be a plain path: visible ASCII, no \"?\" or \"#\""),
        );
    }
}
