//! Checks of `[fashionai]` and `[admin]`: the APIs reshelf calls and the tokens it reads from
//! the environment (never echoed in a message).

use std::time::Duration;

use reqwest::Url;

use super::checks::{in_range, Problems};
use super::raw::{RawAdmin, RawFashionAi};
use super::validate::{Admin, EnvLookup, FashionAi, Secret};

pub(super) fn fashionai(
    raw: &RawFashionAi,
    env: EnvLookup<'_>,
    p: &mut Problems,
) -> Option<FashionAi> {
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

fn required_token(var: &str, key: &str, env: EnvLookup<'_>, p: &mut Problems) -> Option<Secret> {
    if !env_var_name(var, key, p) {
        return None;
    }
    match env(var) {
        None => {
            p.add(
                key,
                format!("environment variable {var} is not set (it must hold the app token)"),
            );
            None
        }
        Some(value) if value.is_empty() => {
            p.add(
                key,
                format!("environment variable {var} is empty (it must hold the app token)"),
            );
            None
        }
        Some(value) => header_safe(var, key, value, p),
    }
}

fn env_var_name(var: &str, key: &str, p: &mut Problems) -> bool {
    let portable = var
        .chars()
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && var.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
    if !portable {
        p.add(
            key,
            format!("{var:?} is not an environment variable name (letters, digits and _, not starting with a digit)"),
        );
    }
    portable
}

/// The token travels in a header, so it must be a header value; the message never shows it.
fn header_safe(var: &str, key: &str, value: String, p: &mut Problems) -> Option<Secret> {
    if value.bytes().all(|b| b.is_ascii_graphic()) {
        Some(Secret::new(value))
    } else {
        p.add(
            key,
            format!(
                "the value of environment variable {var} is not usable as a header value: only \
                 visible ASCII is allowed (check for a trailing newline or spaces)"
            ),
        );
        None
    }
}

pub(super) fn admin(raw: &RawAdmin, env: EnvLookup<'_>, p: &mut Problems) -> Option<Admin> {
    const KEY: &str = "admin.token_env";
    // `token_env = ""` switches admin-only endpoints off, as an unset variable does.
    if raw.token_env.is_empty() {
        return Some(Admin { token: None });
    }
    if !env_var_name(&raw.token_env, KEY, p) {
        return None;
    }
    let token = match env(&raw.token_env) {
        None => None,
        Some(value) if value.is_empty() => None,
        Some(value) => Some(header_safe(&raw.token_env, KEY, value, p)?),
    };
    Some(Admin { token })
}
