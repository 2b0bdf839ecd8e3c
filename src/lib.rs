//! reshelf: a low-latency reverse proxy that reorders a shop's category listings by Fashion.AI
//! rankings, and passes everything else through untouched.
//!
//! A request's path, top to bottom: [`proxy`] accepts it, [`config`] says whether it is a
//! listing page, `identity` names the shopper, [`ranking`] asks Fashion.AI (under a budget,
//! through a cache), [`rewrite`] reorders the origin's body, [`metrics`] and [`telemetry`] record
//! what happened. [`ranked`] is the ranking itself (product ids, best first), shared by
//! [`ranking`] and [`rewrite`]. [`sim`] is a Fashion.AI stand-in and [`demo`] a shop to try it
//! on.

pub mod admin;
pub mod cli;
pub mod config;
pub mod demo;
pub mod endpoints;
mod error;
pub mod identity;
pub mod metrics;
pub mod proxy;
pub mod ranked;
pub mod ranking;
pub mod rewrite;
pub mod sim;
pub mod telemetry;

pub use error::RunError;
