//! Rankings from Fashion.AI: the compact in-memory form, the `categoryView` client, the cache
//! and the circuit breaker.

mod ids;

pub use ids::Ranking;
