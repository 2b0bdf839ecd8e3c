//! [`AppState`]: what every request shares, built from one config. A reload builds a new one
//! that keeps what must outlive a config (metrics, the ranking cache, the breaker).
//!
//! May depend on: `config`, `metrics`, `ranking`, `origin`, `kit`, `experiment`, and `endpoints` for the
//! state the endpoints keep (it hands them [`Services`], so they never name `AppState`). The
//! flows that take an `AppState` (`proxy`, `admin`) and `server` stand on it.

use std::net::IpAddr;
use std::sync::Arc;

use crate::config::Config;
use crate::endpoints::{EndpointState, Services};
use crate::experiment::Arm;
use crate::kit::admission::Admission;
use crate::kit::headers;
use crate::metrics::Metrics;
use crate::origin::{Forward, OriginClient};
use crate::ranking::breaker::Breaker;
use crate::ranking::cache::RankingCache;
use crate::ranking::client::FashionAiClient;
use crate::ranking::RankingService;
use crate::RunError;

/// What every request handler shares.
pub struct AppState {
    pub config: Arc<Config>,
    pub metrics: Metrics,
    /// The shop's origin (the real client, or a scripted one in tests).
    pub origin: Arc<dyn Forward>,
    pub fashionai: FashionAiClient,
    pub ranking: Arc<RankingService>,
    pub bots: Arc<isbot::Bots>,
    /// Rate limits, in-flight bound and caches of the same-origin endpoints.
    pub endpoints: Arc<EndpointState>,
    /// The bound on public requests in progress (`listen.max_requests`; the server sets it to
    /// the connection budget when unset). Kept across reloads, like the listeners.
    pub requests: Arc<Admission>,
}

impl AppState {
    /// The request comes from a crawler (by its `User-Agent`): such requests are in no
    /// experiment arm and get the native page.
    pub fn is_bot(&self, headers: &http::HeaderMap) -> bool {
        headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ua| self.bots.is_bot(ua))
    }

    /// The state for a freshly started proxy.
    pub fn new(config: Arc<Config>, metrics: Metrics) -> Result<Self, RunError> {
        let origin = Arc::new(OriginClient::new(&config.origin));
        Self::with_origin(config, metrics, origin)
    }

    /// The state with `origin` in place of the real origin client (tests script one).
    pub fn with_origin(
        config: Arc<Config>,
        metrics: Metrics,
        origin: Arc<dyn Forward>,
    ) -> Result<Self, RunError> {
        let fashionai = FashionAiClient::new(&config.fashionai).map_err(RunError::HttpClient)?;
        let ranking = RankingService::new(
            fashionai.clone(),
            RankingCache::new(config.cache.max_bytes, config.cache.ttl),
            Arc::new(Breaker::new(
                config.fashionai.breaker_failures,
                config.fashionai.breaker_cool_down,
            )),
            config.fashionai.timeout,
            metrics.clone(),
        );
        experiment_split(&config, &metrics);
        Ok(Self {
            origin,
            fashionai,
            ranking: Arc::new(ranking),
            bots: Arc::new(isbot::Bots::default()),
            endpoints: Arc::new(EndpointState::new(&config.endpoints)),
            requests: Arc::new(Admission::new(
                config.listen.connections.max_requests.unwrap_or(usize::MAX),
            )),
            config,
            metrics,
        })
    }

    /// The state for a reloaded config: new clients, routes and budgets; the same metrics,
    /// ranking cache and breaker, so a reload loses neither counts nor cached rankings.
    /// (The cache's size and TTL, and the listen addresses, take effect on restart.)
    pub fn reloaded(&self, config: Arc<Config>) -> Result<Self, RunError> {
        let fashionai = FashionAiClient::new(&config.fashionai).map_err(RunError::HttpClient)?;
        let ranking = self
            .ranking
            .reconfigured(fashionai.clone(), config.fashionai.timeout);
        experiment_split(&config, &self.metrics);
        Ok(Self {
            origin: Arc::new(OriginClient::new(&config.origin)),
            fashionai,
            ranking: Arc::new(ranking),
            bots: self.bots.clone(),
            // Rate-limit buckets and endpoint caches survive unless the limit itself changed.
            endpoints: if config.endpoints.rate_limit_per_minute
                == self.config.endpoints.rate_limit_per_minute
            {
                self.endpoints.clone()
            } else {
                Arc::new(EndpointState::new(&config.endpoints))
            },
            metrics: self.metrics.clone(),
            requests: self.requests.clone(),
            config,
        })
    }

    /// Whether `X-Forwarded-*` from this peer is believed (`endpoints.trusted_proxies`).
    pub fn peer_is_trusted(&self, ip: IpAddr) -> bool {
        headers::is_trusted(&self.config.endpoints.trusted_proxies, ip)
    }

    /// What the same-origin endpoints (public and admin) may use.
    pub fn services(&self) -> Services<'_> {
        Services {
            config: &self.config,
            metrics: &self.metrics,
            fashionai: &self.fashionai,
            endpoints: &self.endpoints,
        }
    }
}

/// The configured holdout share in `reshelf_experiment_holdout_ratio` (0 while off), which the
/// fleet's sample-ratio check compares the sessions per arm against.
fn experiment_split(config: &Config, metrics: &Metrics) {
    let plan = &config.experiment;
    let share = if plan.is_on() {
        plan.expected_share(Arm::Holdout)
    } else {
        0.0
    };
    metrics.experiment.holdout_ratio.set(share);
    // Both arms' series exist from the start, so the fleet's ratio checks see a zero.
    if plan.is_on() {
        for arm in Arm::ALL {
            metrics
                .experiment
                .sessions
                .with_label_values(&[arm.label()]);
        }
    }
}
