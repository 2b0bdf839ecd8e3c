//! The HTTP toolkit every flow stands on: the bound on requests in progress ([`admission`]),
//! bodies ([`body`]), header hygiene ([`headers`]),
//! content codings ([`codec`]), the per-request context ([`context`]) and the `X-Reshelf`
//! verdict of a page ([`verdict`]).
//!
//! May depend on: nothing else in the crate. Everything above it (the origin forwarder, the
//! application state, the proxy, endpoint and admin flows, metrics) may depend on it.

pub mod admission;
pub mod body;
// Public only for `benches/codec.rs`; not part of the interface.
#[doc(hidden)]
pub mod codec;
pub mod context;
pub mod headers;
pub mod verdict;
