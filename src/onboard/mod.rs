//! Onboarding tools: from a shop's page to a working, verified `[[pages]]` block.
//!
//! - `probe` ([`probe::probe`]): one page through a config's rules exactly as `serve` would
//!   reorder it, without serving: the block that matches, the listings and tiles found, a
//!   sample reorder, and each problem with the fix to try.
//! - `suggest` ([`suggest::suggest`]): proposes a block from the page alone (and a few of its
//!   product ids), verified by the engine, with a comment per choice; says when it is unsure.
//! - `diagnose`, `probe_json`: probe's problems and fixes for html blocks, and probe on json.
//! - `report`: the text and JSON renderings of both.
//! - `fetch`: a page from a URL through the origin client, or from a file.
//! - `catalog_ids`: `suggest`'s ids from a Fashion.AI `categoryView` answer instead of `--ids`.
//! - `dom`, `ids`, `tiles`, `slots`: looking at a page (an element tree, where ids sit, the
//!   repeated tiles, the markup bound to positions). Only for looking: the reorder is always
//!   the engine's.
//!
//! An entry point beside `cli` (which alone calls it). May depend on `config`, `rewrite`,
//! `ranked`, `origin` and `kit`, and for `catalog_ids` on `ranking` (the Fashion.AI client)
//! and `identity`; nothing below it depends on it.

pub mod catalog_ids;
mod diagnose;
pub mod dom;
pub mod fetch;
pub mod ids;
pub mod probe;
mod probe_json;
pub mod report;
pub mod slots;
pub mod suggest;
pub mod tiles;

/// Why an onboarding command could not look at the page.
#[derive(Debug, thiserror::Error)]
pub enum OnboardError {
    #[error("cannot read the page file {path}")]
    ReadPage {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{url:?} is not an http:// URL with a host")]
    BadUrl { url: String },
    #[error("cannot fetch the page from the origin")]
    Fetch(#[source] crate::origin::OriginError),
    #[error("cannot decode the origin's body")]
    Decode(#[source] crate::kit::codec::CodecError),
    #[error("the config is invalid")]
    Config(#[source] crate::config::ConfigError),
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    #[error("cannot build the Fashion.AI client")]
    FashionAiClient(#[source] reqwest::Error),
    #[error("the categoryView event for category {category:?} failed")]
    CategoryView {
        category: String,
        #[source]
        source: crate::ranking::client::ApiError,
    },
    #[error(
        "Fashion.AI answered an empty ranking for category {category:?} {attempts} times (it \
         ranks a session once it knows enough of it, and an unknown category never): check the \
         category id, or pass a few of the page's product ids with --ids"
    )]
    EmptyRanking { category: String, attempts: u32 },
}
