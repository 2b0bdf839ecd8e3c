//! The validated, typed config ([`Config`]) and the one validation pass that builds it from a
//! [`RawConfig`], collecting every problem with its key instead of stopping at the first.
//!
//! The top of `config`: it calls each section's check (`listen`, `origin`, `fashionai`,
//! `endpoints`, `admin`, `log`, `cache`, `identity`, `pages`, `experiment`) in the order of
//! the file, and may depend on those, `problems`, `env`, `raw`, `keys` (the parse that reports
//! unknown keys) and `presets` (applied to the `[[pages]]` blocks first). No section imports
//! this module.

use super::admin::{self, Admin};
use super::cache::{self, Cache};
use super::endpoints::{self, Endpoints};
use super::env::EnvLookup;
use super::experiment;
use super::fashionai::{self, FashionAi};
use super::identity::{self, Identity};
use super::keys;
use super::listen::{self, Listen};
use super::log::{self, Log};
use super::origin::{self, Origin};
use super::pages::{self, Page};
use super::presets;
use super::problems::{Problem, Problems};
use super::raw::RawConfig;

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
    /// `[experiment]`: the holdout, its goals, the cookie key.
    pub experiment: crate::experiment::Plan,
    /// The file as parsed (with defaults filled in), for `reshelf check`.
    pub raw: RawConfig,
}

impl Config {
    /// Parses and validates a config file's text. `env` resolves `token_env` names.
    ///
    /// Errors: [`ConfigError::Parse`] when the text is not TOML or a known key holds a value
    /// of the wrong type (the first such error only, as TOML parsing stops there), else
    /// [`ConfigError::Invalid`] with every problem found: unknown keys (each with its line
    /// and the closest known key) together with every validation problem.
    pub fn from_toml(text: &str, env: EnvLookup<'_>) -> Result<Config, ConfigError> {
        let (raw, unknown) = keys::parse(text).map_err(ConfigError::Parse)?;
        Self::validate(raw, env, Problems::from_vec(unknown))
    }

    /// Validates an already parsed file (defaults filled in) in one pass.
    pub fn from_raw(raw: RawConfig, env: EnvLookup<'_>) -> Result<Config, ConfigError> {
        Self::validate(raw, env, Problems::default())
    }

    fn validate(
        raw: RawConfig,
        env: EnvLookup<'_>,
        mut problems: Problems,
    ) -> Result<Config, ConfigError> {
        let mut raw = raw;
        presets::apply(&mut raw.pages, &mut problems);
        let listen = listen::check(&raw.listen, &mut problems);
        let origin = origin::check(&raw.origin, &mut problems);
        let fashionai = fashionai::check(&raw.fashionai, env, &mut problems);
        let endpoints = endpoints::check(&raw.endpoints, &mut problems);
        let admin = admin::check(&raw.admin, env, &mut problems);
        let log = log::check(&raw.log, &mut problems);
        let cache = cache::check(&raw.cache, &mut problems);
        let identity = identity::check(&raw.identity, &mut problems);
        let pages = pages::check(&raw.pages, &raw.endpoints.prefix, &mut problems);
        let experiment = experiment::check(&raw.experiment, env, &mut problems);
        let Some(experiment) = experiment else {
            return Err(ConfigError::Invalid(problems.into_vec()));
        };
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
                experiment,
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
