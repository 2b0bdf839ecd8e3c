//! The ranking cache (moka): rankings by (session, user, category), weighed by their size so
//! `cache.max_bytes` bounds memory. An entry is fresh for `ttl`, then kept as long again as a
//! stale fallback for when the API is late or failing. Empty rankings live briefly: they mean
//! "not enough data yet", which the next few views will change.
//!
//! Rankings built by [`RankingCache::intern`] share one id table per category (interned by
//! `crate::ranked`); each entry is weighed for its own indexes plus, through the ledger, a share
//! of the tables' bytes, so `max_bytes` bounds what the entries and the tables hold together.

use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::Expiry;

use crate::ranked::{Interner, Payment, Ranking};

/// How long an empty ranking is kept, at most.
pub const EMPTY_TTL: Duration = Duration::from_secs(10);
/// Bytes charged per entry beyond its ids and key text: the key's and ranking's allocations,
/// moka's per-entry bookkeeping (about a dozen allocations in all) and the allocator's headers.
/// Measured as resident memory (`benches/ranking_cache.rs`, BENCHMARKS.md "Ranking cache
/// memory"): ~560 bytes an entry, whatever the ranking's length.
const ENTRY_OVERHEAD: usize = 560;
/// The most of the tables' unpaid bytes one entry takes on, as a fraction of `max_bytes`: an
/// entry heavier than the whole cache would be refused and pay nothing.
const MAX_PAYMENT_FRACTION: u64 = 16;

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
    /// The share of the interned tables this entry is weighed for, given back when it leaves.
    paid: Option<Arc<Payment>>,
}

impl Entry {
    /// An entry fetched now that pays for no shared table (what [`weight`] charges for a
    /// ranking alone).
    pub fn new(ranking: Arc<Ranking>) -> Self {
        Self {
            ranking,
            fetched: Instant::now(),
            paid: None,
        }
    }
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
    interner: Arc<Interner>,
    max_payment: usize,
}

impl RankingCache {
    /// `max_bytes` bounds the weighed size; `ttl` is how long an entry counts as fresh.
    pub fn new(max_bytes: u64, ttl: Duration) -> Self {
        let inner = moka::future::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|key: &Key, entry: &Entry| weight(key, entry))
            .expire_after(Lifetimes { ttl })
            .build();
        let max_payment = usize::try_from(max_bytes / MAX_PAYMENT_FRACTION)
            .unwrap_or(usize::MAX)
            .min(u32::MAX as usize / 2);
        Self {
            inner,
            ttl,
            // A table larger than one entry's payment could be held by entries that do not
            // pay for it in full, and the cache would outgrow `max_bytes`: such rankings stay
            // inline, weighed exactly.
            interner: Arc::new(Interner::with_max_table_bytes(max_payment)),
            max_payment,
        }
    }

    /// A ranking of `ids` (best first) for `category`, sharing the category's id table with
    /// its other cached rankings. Takes the interner's lock twice at most, briefly (a map
    /// lookup; a map insert when the ids are new); the ids are looked up and tables built
    /// outside it.
    pub fn intern<S: AsRef<str>>(&self, category: &str, ids: &[S]) -> Ranking {
        self.interner.intern(category, ids)
    }

    pub async fn insert(&self, key: Key, ranking: Arc<Ranking>) {
        let entry = Entry {
            ranking,
            fetched: Instant::now(),
            paid: self.interner.ledger().pay(self.max_payment).map(Arc::new),
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

    /// Bytes held and entry count, after pending housekeeping: the entries' weighed size
    /// plus the shared tables' bytes no entry pays for yet ([`Self::unpaid_bytes`]).
    pub async fn usage(&self) -> (u64, u64) {
        self.inner.run_pending_tasks().await;
        let unpaid = u64::try_from(self.unpaid_bytes()).unwrap_or(0);
        (
            self.inner.weighted_size() + unpaid,
            self.inner.entry_count(),
        )
    }

    /// Bytes of shared id tables that no entry is weighed for (the next inserts take them on;
    /// negative while entries still pay for tables already freed).
    pub fn unpaid_bytes(&self) -> i64 {
        self.interner.ledger().unpaid()
    }
}

/// Bytes an entry costs: its ids (or indexes into a shared table), its key, its share of the
/// shared tables, and a fixed overhead.
pub fn weight(key: &Key, entry: &Entry) -> u32 {
    let paid = entry.paid.as_ref().map_or(0, |p| p.bytes());
    let bytes = ENTRY_OVERHEAD + key.heap_bytes() + entry.ranking.heap_bytes() + paid;
    u32::try_from(bytes).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ledger's unpaid bytes and the interner's slots once the entries moka removed are
    /// dropped. moka frees them through crossbeam-epoch, which defers a drop while another
    /// thread is pinned (tests run in parallel), so housekeeping runs until they are, or 10 s
    /// have passed.
    async fn freed(cache: &RankingCache) -> (i64, usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            cache.inner.run_pending_tasks().await;
            let now = (cache.unpaid_bytes(), cache.interner.slots());
            if now == (0, 0) || Instant::now() > deadline {
                return now;
            }
            tokio::task::yield_now().await;
        }
    }

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

    fn products(from: u32, n: u32) -> Vec<String> {
        (from..from + n).map(|i| format!("{i:013}")).collect()
    }

    #[tokio::test]
    async fn sessions_of_a_category_share_its_table_and_pay_for_it_once() {
        let cache = RankingCache::new(1 << 30, Duration::from_secs(60));
        let catalog = products(0, 500);
        for s in 0..20 {
            let mut ids = catalog.clone();
            ids.rotate_left(s * 7);
            let ranking = Arc::new(cache.intern("c", &ids));
            cache.insert(key(&format!("s{s}")), ranking).await;
        }
        let a = cache.get(&key("s0")).await.unwrap().ranking;
        let b = cache.get(&key("s3")).await.unwrap().ranking;
        assert!(Arc::ptr_eq(a.table().unwrap(), b.table().unwrap()));
        assert_eq!(b.iter().next(), Some(catalog[21].as_str()));
        // All the table's bytes are weighed, once, by the first entry: 20 entries of 500 ids
        // weigh 2 bytes an id, their overhead and one table (~13 + 4 bytes an id and its index).
        assert_eq!(cache.unpaid_bytes(), 0);
        let (bytes, entries) = cache.usage().await;
        assert_eq!(entries, 20);
        let own = 20 * (ENTRY_OVERHEAD + 500 * 2 + 4) as u64;
        let table = bytes - own;
        assert!((500 * 17..500 * 30).contains(&table), "{table}");
    }

    #[tokio::test]
    async fn random_ids_every_call_stay_within_max_bytes_and_leave_nothing_behind() {
        const MAX: u64 = 400_000;
        let cache = RankingCache::new(MAX, Duration::from_secs(60));
        for call in 0..300u32 {
            let ranking = Arc::new(cache.intern("c", &products(call * 1000, 500)));
            cache.insert(key(&format!("s{call}")), ranking).await;
        }
        let (bytes, entries) = cache.usage().await;
        assert!((10..300).contains(&entries), "{entries}");
        // Whatever moka keeps, the tables of the rankings it dropped are freed, and what the
        // entries and tables hold together (weighed plus unpaid) stays near the bound.
        assert!(bytes <= MAX + MAX / 8, "{bytes}");
        assert!(
            cache.unpaid_bytes() < (MAX / 8) as i64,
            "{}",
            cache.unpaid_bytes()
        );
        cache.inner.invalidate_all();
        cache.inner.run_pending_tasks().await;
        assert_eq!(cache.usage().await, (0, 0));
        assert_eq!(freed(&cache).await, (0, 0));
    }

    #[tokio::test]
    async fn unshared_tables_larger_than_one_payment_cannot_outgrow_max_bytes() {
        // 2,000 ids of ~13 bytes: a ~34 KB table per answer against payments of at most
        // MAX/16 = 6.25 KB. Interned, each entry would pay a fifth of its own table.
        const MAX: u64 = 100_000;
        let cache = RankingCache::new(MAX, Duration::from_secs(60));
        for call in 0..100u32 {
            let ranking = Arc::new(cache.intern("c", &products(call * 10_000, 2_000)));
            cache.insert(key(&format!("s{call}")), ranking).await;
        }
        cache.inner.run_pending_tasks().await;
        let (bytes, entries) = cache.usage().await;
        assert!(entries >= 1, "{entries}");
        assert!(bytes <= MAX + MAX / 8, "{bytes}");
        assert!(cache.unpaid_bytes() <= 0, "{}", cache.unpaid_bytes());
    }
}
