//! [`SimConfig`]: what an in-process or command-line simulator serves, and [`Api`], the three
//! Fashion.AI APIs it tells apart.

use std::sync::Arc;
use std::time::Duration;

use super::catalog::Catalog;
use super::faults::FaultPlan;

/// The token `SimConfig::default()` accepts. Only for tests and the demo; `reshelf sim` always
/// reads its token from the environment.
pub const DEFAULT_TOKEN: &str = "sim-token";

/// Default `POST` path of the recommendation API (the README, "Fashion.AI API").
pub const RECOMMENDATION_PATH: &str = "/api/v1/products/protected/recommendation";
/// Default `POST` path of the detailed search API (the README, "Fashion.AI API").
pub const SEARCH_PATH: &str = "/v1/products/protected/search/detailed";
/// Default `GET` path of the profile API (the README, "Fashion.AI API"); `{email}` is the address.
pub const PROFILE_PATH: &str = "/api/v1/crm/protected/profile/email/{email}";

/// One of the three Fashion.AI APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Api {
    /// `categoryView` and `shopTheLook` events.
    Recommendation,
    /// Detailed product search.
    Search,
    /// Customer profile by e-mail.
    Profile,
}

impl Api {
    /// All three, in a fixed order.
    pub const ALL: [Api; 3] = [Api::Recommendation, Api::Search, Api::Profile];

    pub(crate) fn slot(self) -> usize {
        self as usize
    }
}

/// Everything a simulator serves. `Default` gives the API's documented paths, the embedded catalog,
/// the [`DEFAULT_TOKEN`] and no faults.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Value the `X-FashionAI-APP-Token` header must carry. An empty token rejects every call.
    pub token: String,
    /// Default [`RECOMMENDATION_PATH`].
    pub recommendation_path: String,
    /// Default [`SEARCH_PATH`].
    pub search_path: String,
    /// Default [`PROFILE_PATH`]; must contain `{email}` once.
    pub profile_path: String,
    pub catalog: Arc<Catalog>,
    /// Prior events (of the session, or of the user when known) needed before `categoryView`
    /// answers a non-empty ranking (the README, "Fashion.AI API": an empty ranking while it knows
    /// too little). Default 2.
    pub min_events: u32,
    /// Fault plan per API at start, indexed in [`Api::ALL`] order (see
    /// [`SimConfig::with_fault_for`]); switch at runtime with `SimHandle::set_fault`.
    pub faults: [FaultPlan; 3],
    /// How long a `hang` fault holds a call before giving up with 504, so a client without a
    /// timeout of its own cannot hold a connection forever. (A client that gives up closes the
    /// connection, and the pending call is dropped with it.) Default 10 minutes.
    pub hang_limit: Duration,
    /// Base URL (`https://shop.example`) prefixed to catalog images and links that start with
    /// `/`, in search answers. Default `None`: paths are sent as they are in the catalog.
    pub shop_url: Option<String>,
    /// E-mail addresses whose local part starts with this (case-insensitive) have no profile:
    /// 404. Default `"nobody"`.
    pub unknown_profile_prefix: String,
    /// How many requests the handle keeps for inspection (oldest dropped first). Default 10 000.
    pub record_limit: usize,
    /// How many sessions and users the simulator remembers (oldest forgotten first).
    /// Default 100 000.
    pub max_sessions: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            token: DEFAULT_TOKEN.to_owned(),
            recommendation_path: RECOMMENDATION_PATH.to_owned(),
            search_path: SEARCH_PATH.to_owned(),
            profile_path: PROFILE_PATH.to_owned(),
            catalog: Arc::new(Catalog::embedded()),
            min_events: 2,
            faults: [FaultPlan::none(); 3],
            hang_limit: Duration::from_secs(600),
            shop_url: None,
            unknown_profile_prefix: "nobody".to_owned(),
            record_limit: 10_000,
            max_sessions: 100_000,
        }
    }
}

impl SimConfig {
    /// The same fault plan for all three APIs.
    pub fn with_fault(mut self, plan: FaultPlan) -> Self {
        self.faults = [plan; 3];
        self
    }

    /// Another fault plan for one API.
    pub fn with_fault_for(mut self, api: Api, plan: FaultPlan) -> Self {
        self.faults[api.slot()] = plan;
        self
    }
}
