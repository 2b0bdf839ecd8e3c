//! Tokens read from the environment: [`EnvLookup`] (how the validation pass reads a variable,
//! so tests stay hermetic), [`Secret`] (a token that never prints), and the checks every
//! `token_env` key shares (a portable variable name, a value usable as a header value, never
//! echoed in a message).
//!
//! May depend on `problems` only.

use super::problems::Problems;

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

/// The token in the variable `var` names, which must be set and non-empty; `key` is the
/// `token_env` key the problems name.
pub(super) fn required_token(
    var: &str,
    key: &str,
    env: EnvLookup<'_>,
    p: &mut Problems,
) -> Option<Secret> {
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

/// True when `var` is a portable environment variable name; else records a problem for `key`.
pub(super) fn env_var_name(var: &str, key: &str, p: &mut Problems) -> bool {
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
pub(super) fn header_safe(var: &str, key: &str, value: String, p: &mut Problems) -> Option<Secret> {
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
