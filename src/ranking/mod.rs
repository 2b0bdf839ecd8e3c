//! Rankings from Fashion.AI: the API client, the cache, the circuit breaker, and the service
//! that combines them under a page's time budget. The [`Ranking`](crate::ranked::Ranking) type
//! itself, and its interned form, live in [`crate::ranked`].
//!
//! May depend on `ranked`, `config` (the `[fashionai]` section and its token), `identity`,
//! `metrics` and `telemetry`; never on `rewrite` or `proxy`.

pub mod breaker;
pub mod cache;
pub mod client;
pub mod service;

pub use service::{Decision, NoRanking, Pending, RankingService};
