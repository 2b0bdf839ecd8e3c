//! Configuration: the TOML file an operator writes, parsed strictly (unknown keys are errors)
//! and validated in one pass that reports every problem with its key.
//!
//! [`RawConfig`] mirrors the file; [`Config`] is the validated, typed form the proxy runs on.
//! Parsing never touches the process environment: the caller passes a lookup so tests stay
//! hermetic. The keys, their defaults and their meaning are in the README's "Config reference".
//!
//! Files, bottom up; each imports only from the files above it in this list:
//!
//! - `problems`: the problem collector ([`Problem`], `Problems`, `positive`, `in_range`).
//! - `raw`: the file as written (serde structs with their defaults). `route`: a page's route,
//!   parsed and matched. Neither imports anything else in `config`.
//! - `keys`: the keys the file may hold; parses the text, reporting unknown keys (with the
//!   closest known one) and dropping them, so validation still runs. Imports `problems`, `raw`.
//! - `presets`: platform presets for `[[pages]]` blocks. Imports `problems`, `raw`.
//! - `env`: tokens read from the environment ([`EnvLookup`], [`Secret`]).
//! - One file per section, holding its typed struct and its checks: `listen`, `origin`,
//!   `fashionai`, `endpoints`, `admin`, `log`, `cache`, `identity`, `pages`, `experiment`. A section imports
//!   `problems`, `raw`, `env` and `route` as it needs, never another section or `typed`.
//! - `typed`: [`Config`], [`ConfigError`] and the validation pass that calls each section.
//! - `redact`: `reshelf check`'s rendering of a [`Config`].
//!
//! Outside `config`, only `pages` and `experiment` depend on the crate: `pages` on `rewrite`,
//! to compile a page's reorder rules; `experiment` on `experiment`, whose `Plan` it builds.

mod admin;
mod cache;
mod endpoints;
mod env;
mod experiment;
mod fashionai;
mod identity;
mod keys;
mod listen;
mod log;
mod origin;
mod pages;
mod presets;
mod problems;
mod raw;
mod redact;
mod route;
mod typed;

pub use admin::Admin;
pub use cache::Cache;
pub use endpoints::Endpoints;
pub use env::{EnvLookup, Secret};
pub use fashionai::FashionAi;
pub use identity::Identity;
pub use listen::{Connections, Listen};
pub use log::{Log, LogFormat};
pub use origin::Origin;
pub use pages::{Page, PageFormat};
pub use presets::{preset, Preset, PRESETS};
pub use problems::Problem;
pub use raw::{
    RawAdmin, RawCache, RawConfig, RawEndpoints, RawExperiment, RawFashionAi, RawGoal, RawIdentity,
    RawListen, RawLog, RawOrigin, RawPage,
};
pub use route::{Route, ID_PLACEHOLDER};
pub use typed::{Config, ConfigError};
