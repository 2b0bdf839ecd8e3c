//! Rankings from Fashion.AI: the compact in-memory form (ids interned per category), the API
//! client, the cache, the circuit breaker, and the service that combines them under a page's
//! time budget.

pub mod breaker;
pub mod cache;
pub mod client;
mod ids;
mod intern;
pub mod service;

pub use ids::Ranking;
pub use service::{Decision, NoRanking, Pending, RankingService};
