//! Fashion.AI simulator: the three Fashion.AI APIs (README, "Fashion.AI API") with the token
//! check, for tests, the demo and operators' staging. In-process with [`start`] and a
//! [`SimHandle`], or `reshelf sim`. Beside it, [`shoppers`]: simulated shoppers that shop
//! through reshelf (`reshelf sim shoppers`).
//!
//! May depend on: `server` (its signal handling), `telemetry` (error chains) and `RunError`;
//! it shares no code with the proxy's request path, so it stays an independent stand-in.
//!
//! # APIs (every call needs `X-FashionAI-APP-Token`; missing or wrong: 401 `{"error": ..}`)
//!
//! * `POST {recommendation_path}` with `{"userId"?: number|string, "sessionId": string,
//!   "eventType": "categoryView"|"shopTheLook", "data": {"id": string}}` answers
//!   `{"products": [ids]}`; a malformed body is 400.
//!   - `categoryView`: every product of the category, ranked for the session (and user). While
//!     the session (or the user, across sessions) has fewer than `min_events` *prior* events
//!     the answer is empty (the README, "Fashion.AI API": an empty ranking while it knows too
//!     little); so with the default 2, the third event of a new session is the first ranked one.
//!     Unknown category: empty. How it learns: see `learn`.
//!   - `shopTheLook`: 3–6 in-stock products of other categories completing the look,
//!     fixed per product; unknown product: empty. It also counts as a view of the product.
//! * `POST {search_path}?query=Q[&size=S]` with `{"sessionId": string, "userId"?: ..}` answers
//!   `{"products": [{productId, sku, name, images, price, salePrice, size?, link?}]}`, at most
//!   5, best first (see [`search`]). Any request error answers `{"products": []}` (the README,
//!   "Fashion.AI API").
//! * `GET {profile_path}` (`{email}` in the template) answers `{"profile": {"perfil_cliente",
//!   "briefing_marketing", "momento_compra_atual", "ocasioes_relevantes",
//!   "ganchos_conteudo"}}`, fixed per address (case-insensitive). A local part starting with
//!   `unknown_profile_prefix` (default `nobody`) is 404; something not an address is 400.
//!
//! # Catalog file (`--catalog FILE`, [`Catalog::from_json`])
//!
//! ```json
//! {
//!   "categories": [{"id": "vestidos", "name": "Vestidos"}],
//!   "products": [{
//!     "id": "P1001", "name": "Vestido Midi Linho Azul", "category": "vestidos",
//!     "price": 259.9, "salePrice": 199.9, "sku": "VES-1001-AZU",
//!     "sizes": ["P", "M", "G"], "colour": "azul", "colourHex": "#2f5d9e",
//!     "style": ["casual", "romantico"], "tags": ["linho", "blue", "dress"],
//!     "images": ["/images/P1001.svg"], "link": "/product/P1001", "inStock": true
//!   }]
//! }
//! ```
//!
//! Required: `categories` (at least one, unique ids), and per product `id` (unique), `name`,
//! `category` (a listed id) and `price` (≥ 0). Optional, with defaults: `sku` (the id),
//! `salePrice` (the price), `sizes`, `style`, `tags`, `images` ([]), `colour` (""),
//! `colourHex` (`#9a9a9a`; only `#rgb`/`#rrggbb`), `link` (none), `inStock` (true). Unknown
//! keys are errors. File order is the native order of each category. The embedded default
//! (`src/sim/catalog.json`) has 5 categories × 60 products.
//!
//! # Faults ([`FaultPlan`], `--fault`, `--fault-rate`, `--latency-ms`, `--jitter-ms`)
//!
//! Per API (or all): each call waits `latency` + up to `jitter`, then with probability `rate`
//! does the [`Fault`] instead of answering: `error` (500 JSON), `garbage` (200, not JSON),
//! `hang` (no answer until the client gives up or the simulator stops; after `hang_limit`,
//! default 10 minutes, a 504), `unauthorized` (401).
//! Faults come before the token check. [`SimHandle::set_fault`] switches them at runtime.
//!
//! # Recording
//!
//! Every request (method, path, query, headers with the token, body) is kept, up to
//! `record_limit`, and counted per API: [`SimHandle::requests`], [`SimHandle::count`].
//! What it learned of a session, and its last answers to it: [`SimHandle::inspector`].

mod api;
mod catalog;
mod config;
mod faults;
mod inspect;
mod learn;
pub(crate) mod net;
mod profile;
mod record;
pub mod search;
mod server;
pub mod shoppers;
pub mod text;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use catalog::{Catalog, CatalogError, Category, Product};
pub use config::{Api, SimConfig, DEFAULT_TOKEN, PROFILE_PATH, RECOMMENDATION_PATH, SEARCH_PATH};
pub use faults::{Fault, FaultPlan};
pub use inspect::{Answer, FeatureKind, Inspector, Learned, SessionState};
pub use record::RecordedRequest;
pub use server::{start, SimHandle, TOKEN_HEADER};

/// `reshelf sim` arguments. The token is read from the environment, never from the command line.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Address to listen on.
    #[arg(long)]
    pub listen: SocketAddr,
    /// Catalog JSON file (format in the module docs); default: the embedded catalog.
    #[arg(long)]
    pub catalog: Option<PathBuf>,
    /// Name of the environment variable holding the app token.
    #[arg(long, default_value = "FASHIONAI_APP_TOKEN")]
    pub token_env: String,
    /// Added latency per call, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Random extra latency per call, up to this many milliseconds.
    #[arg(long, default_value_t = 0)]
    pub jitter_ms: u64,
    /// Fault to inject.
    #[arg(long, value_enum, default_value_t = Fault::None)]
    pub fault: Fault,
    /// Probability of the fault per call, 0.0 to 1.0.
    #[arg(long, default_value_t = 1.0, value_parser = parse_rate)]
    pub fault_rate: f64,
    /// Limit latency and fault to one API (default: all three).
    #[arg(long, value_enum)]
    pub fault_api: Option<Api>,
    /// Prior events a session needs before categoryView answers a ranking.
    #[arg(long, default_value_t = 2)]
    pub min_events: u32,
    /// Base URL prefixed to catalog image and link paths in search answers.
    #[arg(long)]
    pub shop_url: Option<String>,
    #[arg(long, default_value = RECOMMENDATION_PATH)]
    pub recommendation_path: String,
    #[arg(long, default_value = SEARCH_PATH)]
    pub search_path: String,
    #[arg(long, default_value = PROFILE_PATH)]
    pub profile_path: String,
}

fn parse_rate(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(format!("{s:?} is not a probability between 0.0 and 1.0")),
    }
}

/// Why `reshelf sim` could not start (exit code 2: a problem with its arguments).
#[derive(Debug, thiserror::Error)]
pub enum SimSetupError {
    #[error("environment variable {var} (the app token) is not set or empty")]
    MissingToken { var: String },
    #[error("cannot load the catalog")]
    Catalog(#[source] CatalogError),
    #[error("--profile-path {0:?} lacks the {{email}} placeholder")]
    ProfilePath(String),
}

impl SimArgs {
    /// The simulator config these arguments describe; `env` looks up environment variables.
    pub fn to_config(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<SimConfig, SimSetupError> {
        let token = env(&self.token_env)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| SimSetupError::MissingToken {
                var: self.token_env.clone(),
            })?;
        if !self.profile_path.contains("{email}") {
            return Err(SimSetupError::ProfilePath(self.profile_path.clone()));
        }
        let catalog = match &self.catalog {
            Some(path) => Catalog::from_file(path).map_err(SimSetupError::Catalog)?,
            None => Catalog::embedded(),
        };
        let plan = FaultPlan {
            fault: self.fault,
            latency: Duration::from_millis(self.latency_ms),
            jitter: Duration::from_millis(self.jitter_ms),
            ..FaultPlan::none()
        }
        .with_rate(self.fault_rate);
        let mut faults = [FaultPlan::none(); 3];
        for api in Api::ALL {
            if self.fault_api.is_none_or(|only| only == api) {
                faults[api.slot()] = plan;
            }
        }
        Ok(SimConfig {
            token,
            recommendation_path: self.recommendation_path.clone(),
            search_path: self.search_path.clone(),
            profile_path: self.profile_path.clone(),
            catalog: Arc::new(catalog),
            min_events: self.min_events,
            faults,
            shop_url: self.shop_url.clone(),
            ..SimConfig::default()
        })
    }
}

/// Runs the simulator until SIGINT/SIGTERM.
pub async fn run(args: SimArgs) -> Result<(), crate::RunError> {
    let config = args
        .to_config(&|name| std::env::var(name).ok())
        .map_err(crate::RunError::Sim)?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|source| crate::RunError::Bind {
            what: "simulator",
            addr: args.listen,
            source,
        })?;
    let mut signals = crate::server::Signals::install()?;
    let handle = start(config, listener).await;
    tracing::info!(addr = %handle.addr(), "Fashion.AI simulator listening");
    println!("Fashion.AI simulator on {}", handle.base_url());
    signals.shutdown().await;
    handle.shutdown().await;
    Ok(())
}
