//! `[experiment]`: the holdout experiment and its conversion goals. Builds the
//! [`Plan`](crate::experiment::Plan) the flows run on, checking each key: the split (0 to 50
//! percent), the mode, the name (required when the experiment is on), the cookie's name and
//! its HMAC key from the environment (required when on, at least 32 bytes, never echoed), and
//! each goal's name, method, path pattern and value header.
//!
//! May depend on `problems`, `env` and `raw`, and on `crate::experiment`.

use std::str::FromStr;

use super::env::{env_var_name, EnvLookup};
use super::problems::{in_range, Problems};
use super::raw::{RawExperiment, RawGoal};
use crate::experiment::{CookieKey, Goal, GoalPattern, Mode, Plan};

/// Shortest cookie key accepted, in bytes (the HMAC-SHA-256 output size).
pub const MIN_KEY_BYTES: usize = 32;
/// Most goals: each is a label value of four metrics and a token in the cookie.
const MAX_GOALS: usize = 16;
const MAX_GOAL_NAME: usize = 32;

/// The typed `[experiment]`, or `None` after recording at least one problem.
pub(super) fn check(raw: &RawExperiment, env: EnvLookup<'_>, p: &mut Problems) -> Option<Plan> {
    let before = p.count();
    in_range(
        u64::from(raw.holdout_percent),
        0..=50,
        "experiment.holdout_percent",
        p,
    );
    let mode = match raw.mode.as_str() {
        "live" => Mode::Live,
        "shadow" => Mode::Shadow,
        other => {
            p.add(
                "experiment.mode",
                format!("{other:?} is not a mode: \"live\" or \"shadow\""),
            );
            Mode::Live
        }
    };
    let on = raw.holdout_percent > 0 || mode == Mode::Shadow;
    if on && raw.name.trim().is_empty() {
        p.add(
            "experiment.name",
            "required when the experiment is on (holdout_percent > 0 or mode = \"shadow\"); \
             it salts the assignment, and a new name re-draws every session",
        );
    } else if raw.name.len() > 128 || raw.name.chars().any(char::is_control) {
        p.add(
            "experiment.name",
            "at most 128 characters, without control characters",
        );
    }
    if !is_token(&raw.cookie) {
        p.add(
            "experiment.cookie",
            format!(
                "{:?} is not a cookie name (RFC 6265 token: letters, digits, !#$%&'*+-.^_`|~)",
                raw.cookie
            ),
        );
    }
    let key = if on {
        cookie_key(&raw.cookie_key_env, env, p)
    } else {
        None
    };
    if raw.goals.len() > MAX_GOALS {
        p.add(
            "experiment.goals",
            format!("{} goals; at most {MAX_GOALS}", raw.goals.len()),
        );
    }
    let goals: Vec<Goal> = raw
        .goals
        .iter()
        .enumerate()
        .filter_map(|(i, g)| goal(i, g, &raw.goals[..i], p))
        .collect();
    p.unless_new(
        before,
        Plan {
            name: raw.name.clone(),
            holdout_percent: raw.holdout_percent,
            mode,
            cookie: raw.cookie.clone(),
            key,
            goals,
        },
    )
}

/// The cookie key from the variable `var` names: set, at least [`MIN_KEY_BYTES`] long.
fn cookie_key(var: &str, env: EnvLookup<'_>, p: &mut Problems) -> Option<CookieKey> {
    const KEY: &str = "experiment.cookie_key_env";
    if !env_var_name(var, KEY, p) {
        return None;
    }
    match env(var) {
        None => {
            p.add(
                KEY,
                format!(
                    "environment variable {var} is not set (it must hold the experiment \
                     cookie's HMAC key, at least {MIN_KEY_BYTES} bytes)"
                ),
            );
            None
        }
        Some(value) if value.len() < MIN_KEY_BYTES => {
            p.add(
                KEY,
                format!(
                    "the value of environment variable {var} is {} bytes; the experiment \
                     cookie's HMAC key must be at least {MIN_KEY_BYTES}",
                    value.len()
                ),
            );
            None
        }
        Some(value) => Some(CookieKey::new(value.into_bytes())),
    }
}

fn goal(i: usize, raw: &RawGoal, earlier: &[RawGoal], p: &mut Problems) -> Option<Goal> {
    let before = p.count();
    let key = |k: &str| format!("experiment.goals[{i}].{k}");
    let name_ok = !raw.name.is_empty()
        && raw.name.len() <= MAX_GOAL_NAME
        && raw
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if !name_ok {
        p.add(
            key("name"),
            format!(
                "{:?}: 1 to {MAX_GOAL_NAME} characters of a-z, 0-9, _ and -",
                raw.name
            ),
        );
    } else if earlier.iter().any(|g| g.name == raw.name) {
        p.add(
            key("name"),
            format!("{:?} names an earlier goal too", raw.name),
        );
    }
    let method = match http::Method::from_str(&raw.method) {
        Ok(m) if !raw.method.is_empty() && raw.method.bytes().all(|b| b.is_ascii_uppercase()) => {
            Some(m)
        }
        _ => {
            p.add(
                key("method"),
                format!(
                    "{:?} is not an HTTP method in capitals (\"POST\", \"GET\")",
                    raw.method
                ),
            );
            None
        }
    };
    let path = match GoalPattern::parse(&raw.path) {
        Ok(path) => Some(path),
        Err(e) => {
            p.add(key("path"), e.to_string());
            None
        }
    };
    let value_header = if raw.value_header.is_empty() {
        None
    } else {
        match http::HeaderName::from_str(&raw.value_header) {
            Ok(name) => Some(name),
            Err(e) => {
                p.add(
                    key("value_header"),
                    format!("{:?} is not a header name ({e})", raw.value_header),
                );
                None
            }
        }
    };
    let goal = Goal {
        name: raw.name.clone(),
        method: method?,
        path: path?,
        value_header,
    };
    p.unless_new(before, goal)
}

/// RFC 9110 `token`, what RFC 6265 requires of a cookie name.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}
