//! The ranking a listing page gets: fire `categoryView`, wait for the answer at most until the
//! page's deadline, fall back to the cache, respect the breaker. Concurrent identical views
//! share one call, and a late answer still lands in the cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{watch, Semaphore};

use super::breaker::{Breaker, Permit};
use super::cache::{Key, RankingCache};
use super::client::{ApiError, EventBody, FashionAiClient};
use crate::identity::Shopper;
use crate::metrics::Metrics;
use crate::ranked::Ranking;

/// Events sent at once while the breaker is open; past this they are dropped and counted.
pub const OPEN_BREAKER_CONCURRENCY: usize = 16;

/// Why a page keeps its native order (the `X-Reshelf` reasons that come from the ranking).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoRanking {
    Empty,
    Timeout,
    Error,
    BreakerOpen,
}

/// What the page will be ordered by.
#[derive(Debug, Clone)]
pub enum Decision {
    Ranked(Arc<Ranking>),
    Native(NoRanking),
}

type CallResult = Result<Arc<Ranking>, Arc<ApiError>>;

/// Shared by all requests.
pub struct RankingService {
    client: FashionAiClient,
    cache: RankingCache,
    breaker: Arc<Breaker>,
    budget: Duration,
    inflight: Mutex<HashMap<Key, watch::Receiver<Option<CallResult>>>>,
    open_sends: Arc<Semaphore>,
    metrics: Metrics,
}

/// A `categoryView` under way for one page.
pub struct Pending {
    service: Arc<RankingService>,
    key: Key,
    answer: Option<watch::Receiver<Option<CallResult>>>,
}

impl RankingService {
    pub fn new(
        client: FashionAiClient,
        cache: RankingCache,
        breaker: Arc<Breaker>,
        budget: Duration,
        metrics: Metrics,
    ) -> Self {
        Self {
            client,
            cache,
            breaker,
            budget,
            inflight: Mutex::new(HashMap::new()),
            open_sends: Arc::new(Semaphore::new(OPEN_BREAKER_CONCURRENCY)),
            metrics,
        }
    }

    /// The same cache, breaker and limits with a new client and budget (config reload).
    pub fn reconfigured(&self, client: FashionAiClient, budget: Duration) -> Self {
        Self {
            client,
            cache: self.cache.clone(),
            breaker: self.breaker.clone(),
            budget,
            inflight: Mutex::new(HashMap::new()),
            open_sends: self.open_sends.clone(),
            metrics: self.metrics.clone(),
        }
    }

    /// The `categoryView` budget.
    pub fn budget(&self) -> Duration {
        self.budget
    }

    pub fn cache(&self) -> &RankingCache {
        &self.cache
    }

    /// Fires the `categoryView` event for this view (or joins an identical one under way) and
    /// returns at once; the page waits on [`Pending::decide`] after fetching its body.
    pub fn start(self: &Arc<Self>, shopper: &Shopper, category: &str) -> Pending {
        let key = Key {
            session: shopper.session_id.as_str().into(),
            user: shopper.user_id.as_deref().map(Into::into),
            category: category.into(),
        };
        let permit = self.breaker.permit(Instant::now());
        self.metrics.breaker_state.set(self.breaker.state().gauge());
        let answer = match permit {
            Permit::Call | Permit::Probe => Some(self.join_or_call(&key)),
            Permit::Refused => {
                // The page will not wait, but the view is still an intent signal worth sending.
                match self.open_sends.clone().try_acquire_owned() {
                    Ok(slot) => {
                        let this = self.clone();
                        let key = key.clone();
                        tokio::spawn(async move {
                            let _slot = slot;
                            let _ = this.call(&key).await;
                        });
                    }
                    Err(_) => self.metrics.ranking_events_dropped.inc(),
                }
                None
            }
        };
        Pending {
            service: self.clone(),
            key,
            answer,
        }
    }

    fn join_or_call(self: &Arc<Self>, key: &Key) -> watch::Receiver<Option<CallResult>> {
        let mut inflight = self.inflight.lock().expect("inflight lock");
        if let Some(rx) = inflight.get(key) {
            return rx.clone();
        }
        let (tx, rx) = watch::channel(None);
        inflight.insert(key.clone(), rx.clone());
        drop(inflight);
        let this = self.clone();
        let key = key.clone();
        tokio::spawn(async move {
            let result = this.call_within_budget(&key).await;
            this.inflight.lock().expect("inflight lock").remove(&key);
            let _ = tx.send(Some(result));
        });
        rx
    }

    /// One call: the breaker hears whether it answered within the budget; the call itself runs
    /// on (up to the client's cap) so a late answer still refreshes the cache.
    async fn call_within_budget(&self, key: &Key) -> CallResult {
        let call = self.call(key);
        tokio::pin!(call);
        let result = match tokio::time::timeout(self.budget, &mut call).await {
            Ok(result) => {
                self.breaker.record(result.is_ok(), Instant::now());
                result
            }
            Err(_) => {
                self.breaker.record(false, Instant::now());
                self.metrics.breaker_state.set(self.breaker.state().gauge());
                call.await
            }
        };
        self.metrics.breaker_state.set(self.breaker.state().gauge());
        result
    }

    /// Sends the event, records its duration, caches a successful answer.
    async fn call(&self, key: &Key) -> CallResult {
        let shopper = Shopper {
            session_id: key.session.to_string(),
            user_id: key.user.as_ref().map(|u| u.to_string()),
            minted: false,
        };
        let started = Instant::now();
        // Interned into the category's shared id table: a cached ranking then costs 2 bytes
        // an id (BENCHMARKS.md, "Ranking cache memory").
        let result = self
            .client
            .event_ids(&EventBody::new("categoryView", &shopper, &key.category))
            .await
            .map(|ids| self.cache.intern(&key.category, &ids));
        let label = match &result {
            Ok(r) if r.is_empty() => "empty",
            Ok(_) => "ok",
            Err(ApiError::Timeout(_)) => "timeout",
            Err(ApiError::Transport(e)) if e.is_timeout() => "timeout",
            Err(_) => "error",
        };
        self.metrics
            .ranking_duration
            .with_label_values(&[label])
            .observe(started.elapsed().as_secs_f64());
        match result {
            Ok(ranking) => {
                let ranking = Arc::new(ranking);
                self.cache.insert(key.clone(), ranking.clone()).await;
                Ok(ranking)
            }
            Err(e) => {
                tracing::debug!(error = %crate::telemetry::error_line(&e), "categoryView failed");
                Err(Arc::new(e))
            }
        }
    }
}

impl Pending {
    /// The ranking to order the page by: the fresh answer if it comes by `deadline`, else a
    /// cached one, else the native order with the reason.
    pub async fn decide(mut self, deadline: Instant) -> Decision {
        let Some(mut answer) = self.answer.take() else {
            return self.cached_or(NoRanking::BreakerOpen).await;
        };
        let waited = tokio::time::timeout_at(deadline.into(), async {
            // Clone out of the watch guard at once: it must not live across an await.
            answer.wait_for(Option::is_some).await.map(|v| v.clone())
        })
        .await;
        let result = match waited {
            Ok(Ok(Some(result))) => result,
            Ok(Ok(None)) | Ok(Err(_)) => return self.cached_or(NoRanking::Error).await,
            Err(_elapsed) => return self.cached_or(NoRanking::Timeout).await,
        };
        match result {
            Ok(ranking) if ranking.is_empty() => Decision::Native(NoRanking::Empty),
            Ok(ranking) => Decision::Ranked(ranking),
            Err(_) => self.cached_or(NoRanking::Error).await,
        }
    }

    async fn cached_or(&self, reason: NoRanking) -> Decision {
        let lookups = &self.service.metrics.ranking_cache_lookups;
        match self.service.cache.get(&self.key).await {
            Some(cached) if !cached.ranking.is_empty() => {
                lookups
                    .with_label_values(&[if cached.stale { "stale" } else { "hit" }])
                    .inc();
                Decision::Ranked(cached.ranking)
            }
            _ => {
                lookups.with_label_values(&["miss"]).inc();
                Decision::Native(reason)
            }
        }
    }
}
