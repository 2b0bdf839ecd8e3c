//! reshelf: a low-latency reverse proxy that reorders a shop's category listings by Fashion.AI
//! rankings, and passes everything else through untouched.
//!
//! A public request's path, top to bottom: [`server`] accepts it and hands it to the router,
//! [`proxy::handle`], which classifies it and runs one flow: a listing page (the origin page,
//! fetched through [`origin`], reordered by [`rewrite`] with the shopper's ranking from
//! [`ranking`]; the shopper named by [`identity`]), a same-origin Fashion.AI call
//! ([`endpoints`]), or the streamed passthrough. The admin listener's requests go to
//! [`admin`]. [`metrics`] and [`telemetry`] record what happened.
//!
//! Layers, each depending only on those below it (no import cycles; `tests/module_graph.rs`
//! checks it):
//!
//! | layer | modules |
//! | --- | --- |
//! | entry points | [`cli`], [`demo`], [`sim`] (Fashion.AI simulator, simulated shoppers), [`onboard`] (`probe` and `suggest`) |
//! | listeners | [`server`] |
//! | flows | [`proxy`] (router, listing, passthrough), [`admin`] |
//! | shared state | [`app`] |
//! | services | [`endpoints`], [`origin`], [`ranking`] |
//! | rules and engines | [`config`], [`rewrite`], [`identity`], [`ranked`] (the ranking itself: product ids, best first), [`experiment`] (holdout arms, the signed experiment cookie, goals, readout statistics) |
//! | toolkit | [`kit`] (bodies, headers, codings, request context, verdict), [`metrics`], [`telemetry`] |

pub mod admin;
pub mod app;
pub mod cli;
pub mod config;
pub mod demo;
pub mod endpoints;
mod error;
pub mod experiment;
pub mod identity;
pub mod kit;
pub mod metrics;
pub mod onboard;
pub mod origin;
pub mod proxy;
pub mod ranked;
pub mod ranking;
pub mod rewrite;
pub mod server;
pub mod sim;
pub mod telemetry;

pub use error::RunError;
