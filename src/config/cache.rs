//! `[cache]`: the ranking cache's lifetime and memory bound. Holds the typed [`Cache`] and its
//! check.
//!
//! May depend on `problems` and `raw`.

use std::time::Duration;

use super::problems::{positive, Problems};
use super::raw::RawCache;

/// `[cache]`.
#[derive(Debug, Clone)]
pub struct Cache {
    /// How long a session's ranking for a category is reused. Default 300 s.
    pub ttl: Duration,
    /// Memory bound of the ranking cache, bytes. Default 256 MiB.
    pub max_bytes: u64,
}

/// The typed `[cache]`, or `None` after recording at least one problem.
pub(super) fn check(raw: &RawCache, p: &mut Problems) -> Option<Cache> {
    let before = p.count();
    positive(raw.ttl_seconds, "cache.ttl_seconds", p);
    positive(raw.max_bytes, "cache.max_bytes", p);
    p.unless_new(
        before,
        Cache {
            ttl: Duration::from_secs(raw.ttl_seconds),
            max_bytes: raw.max_bytes,
        },
    )
}
