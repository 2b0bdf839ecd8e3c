//! `[admin]`: admin-only endpoints on the admin listener. Holds the typed [`Admin`] and its
//! check (the optional admin token from the environment).
//!
//! May depend on `problems`, `env` and `raw`.

use super::env::{env_var_name, header_safe, EnvLookup, Secret};
use super::problems::Problems;
use super::raw::RawAdmin;

/// `[admin]`.
#[derive(Debug, Clone)]
pub struct Admin {
    /// `None` when the variable is unset: admin-only endpoints then refuse everyone.
    pub token: Option<Secret>,
}

/// The typed `[admin]`, or `None` after recording at least one problem.
pub(super) fn check(raw: &RawAdmin, env: EnvLookup<'_>, p: &mut Problems) -> Option<Admin> {
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
