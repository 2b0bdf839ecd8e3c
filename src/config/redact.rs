//! `reshelf check`'s output: the effective config as TOML, tokens described but never shown.
//!
//! May depend on `typed` (the [`Config`] it renders) and `env` ([`Secret`]); nothing in
//! `config` imports it.

use super::env::Secret;
use super::typed::Config;

impl Config {
    /// The effective config (the file with every default filled in) as TOML, after a comment
    /// header saying where each token comes from and whether it is set. Token values never
    /// appear: the file names only their variables. The output parses back as the same config.
    pub fn to_redacted_toml(&self) -> String {
        let fashionai = token_line(&self.raw.fashionai.token_env, Some(&self.fashionai.token));
        let admin = if self.raw.admin.token_env.is_empty() {
            "none (admin.token_env is empty: admin-only endpoints refuse everyone)".to_owned()
        } else {
            let line = token_line(&self.raw.admin.token_env, self.admin.token.as_ref());
            match self.admin.token {
                Some(_) => line,
                None => format!("{line}; admin-only endpoints refuse everyone"),
            }
        };
        let experiment = match &self.experiment.key {
            Some(key) => format!(
                "\n# experiment cookie key: from {} (set, {} bytes, redacted)",
                self.raw.experiment.cookie_key_env,
                key.len()
            ),
            None => String::new(),
        };
        // Serializing a parsed file cannot fail (every value came from TOML); should the raw
        // config have been edited into something TOML cannot hold, say so in a comment.
        let body = toml::to_string_pretty(&self.raw)
            .unwrap_or_else(|e| format!("# cannot render the effective config: {e}\n"));
        format!(
            "# reshelf effective configuration (defaults filled in, secrets redacted)\n\
             # fashionai token: {fashionai}\n\
             # admin token: {admin}{experiment}\n\n{body}"
        )
    }
}

fn token_line(var: &str, token: Option<&Secret>) -> String {
    match token {
        Some(token) => format!("from {var} (set, {} bytes, redacted)", token.len()),
        None => format!("from {var} (unset)"),
    }
}
