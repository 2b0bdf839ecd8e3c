//! The ranking cache (moka): rankings by (session, user, category), weighed by their size so
//! `cache.max_bytes` bounds memory. An entry is fresh for `ttl`, then kept as long again as a
//! stale fallback for when the API is late or failing. Empty rankings live briefly: they mean
//! "not enough data yet", which the next few views will change.

use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::Expiry;

use super::Ranking;

/// How long an empty ranking is kept, at most.
pub const EMPTY_TTL: Duration = Duration::from_secs(10);
/// Bytes charged per entry beyond its ids and key text: the key's and ranking's allocations,
/// moka's per-entry bookkeeping (about a dozen allocations in all) and the allocator's headers.
/// Measured as resident memory (`benches/ranking_cache.rs`, BENCHMARKS.md "Ranking cache
/// memory"): ~560 bytes an entry, whatever the ranking's length.
const ENTRY_OVERHEAD: usize = 560;

/// Whose ranking for which category.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub session: Arc<str>,
    pub user: Option<Arc<str>>,
    pub category: Arc<str>,
}

impl Key {
    fn heap_bytes(&self) -> usize {
        self.session.len() + self.user.as_ref().map_or(0, |u| u.len()) + self.category.len()
    }
}

/// A cached ranking and when it was fetched.
#[derive(Debug, Clone)]
pub struct Entry {
    pub ranking: Arc<Ranking>,
    pub fetched: Instant,
}

/// A cached ranking as a page may use it.
#[derive(Debug, Clone)]
pub struct Cached {
    pub ranking: Arc<Ranking>,
    /// Older than the TTL: used only because no fresh answer came.
    pub stale: bool,
}

struct Lifetimes {
    ttl: Duration,
}

impl Expiry<Key, Entry> for Lifetimes {
    fn expire_after_create(&self, _key: &Key, entry: &Entry, _now: Instant) -> Option<Duration> {
        Some(if entry.ranking.is_empty() {
            EMPTY_TTL.min(self.ttl)
        } else {
            self.ttl * 2
        })
    }

    fn expire_after_update(
        &self,
        key: &Key,
        entry: &Entry,
        now: Instant,
        _current: Option<Duration>,
    ) -> Option<Duration> {
        self.expire_after_create(key, entry, now)
    }
}

/// The bounded ranking cache.
#[derive(Clone)]
pub struct RankingCache {
    inner: moka::future::Cache<Key, Entry>,
    ttl: Duration,
}

impl RankingCache {
    /// `max_bytes` bounds the weighed size; `ttl` is how long an entry counts as fresh.
    pub fn new(max_bytes: u64, ttl: Duration) -> Self {
        let inner = moka::future::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|key: &Key, entry: &Entry| weight(key, entry))
            .expire_after(Lifetimes { ttl })
            .build();
        Self { inner, ttl }
    }

    pub async fn insert(&self, key: Key, ranking: Arc<Ranking>) {
        let entry = Entry {
            ranking,
            fetched: Instant::now(),
        };
        self.inner.insert(key, entry).await;
    }

    /// The cached ranking, if any, and whether it is past its TTL.
    pub async fn get(&self, key: &Key) -> Option<Cached> {
        let entry = self.inner.get(key).await?;
        Some(Cached {
            stale: entry.fetched.elapsed() > self.ttl,
            ranking: entry.ranking,
        })
    }

    /// Weighed size in bytes and entry count, after pending housekeeping.
    pub async fn usage(&self) -> (u64, u64) {
        self.inner.run_pending_tasks().await;
        (self.inner.weighted_size(), self.inner.entry_count())
    }
}

/// Bytes an entry costs: its ids, its key, and a fixed overhead.
pub fn weight(key: &Key, entry: &Entry) -> u32 {
    let bytes = ENTRY_OVERHEAD + key.heap_bytes() + entry.ranking.heap_bytes();
    u32::try_from(bytes).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Key {
        Key {
            session: s.into(),
            user: None,
            category: "c".into(),
        }
    }

    #[tokio::test]
    async fn bounded_by_bytes() {
        let ranking = Arc::new(Ranking::new((0..1000).map(|i| format!("{i:08}"))));
        let cache = RankingCache::new(100_000, Duration::from_secs(60));
        for i in 0..50 {
            cache.insert(key(&format!("s{i}")), ranking.clone()).await;
        }
        let (bytes, entries) = cache.usage().await;
        assert!(bytes <= 100_000, "{bytes}");
        assert!((1..50).contains(&entries), "{entries}");
    }

    #[tokio::test]
    async fn fresh_entries_are_not_stale() {
        let cache = RankingCache::new(1 << 20, Duration::from_secs(60));
        cache.insert(key("a"), Arc::new(Ranking::new(["p1"]))).await;
        let got = cache.get(&key("a")).await.unwrap();
        assert!(!got.stale);
        assert_eq!(got.ranking.iter().collect::<Vec<_>>(), ["p1"]);
        assert!(cache.get(&key("b")).await.is_none());
    }
}
