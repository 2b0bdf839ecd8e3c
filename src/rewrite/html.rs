//! HTML listing reorder on lol_html's streaming parser: tiles' byte ranges are permuted, every
//! other byte is kept.

use crate::ranking::Ranking;

use super::{Rewritten, Unchanged};

/// The settings of one HTML `[[pages]]` block, compiled once at config load.
#[derive(Debug, Clone)]
pub struct HtmlRules {
    // filled in by the html engine
}

/// The `[[pages]]` keys an HTML page uses, as written in the config.
#[derive(Debug, Clone, Default)]
pub struct HtmlSpec<'a> {
    pub tiles: &'a str,
    pub product_id: &'a str,
    /// `""` = none.
    pub product_id_pattern: &'a str,
    /// `""` = none.
    pub companions: &'a str,
    pub slot_classes: &'a [String],
    pub slot_attributes: &'a [String],
}

/// A key of [`HtmlSpec`] that does not compile, with why.
#[derive(Debug, thiserror::Error)]
#[error("{key}: {message}")]
pub struct RuleError {
    /// `tiles`, `product_id`, `product_id_pattern`, `companions`, ...
    pub key: &'static str,
    pub message: String,
}

impl HtmlRules {
    /// Compiles the selectors and pattern; every bad key is reported.
    pub fn new(spec: &HtmlSpec<'_>) -> Result<Self, Vec<RuleError>> {
        let _ = spec;
        Ok(Self {})
    }
}

/// Reorders every listing in `input` by `ranking`.
///
/// `charset` is the `charset` parameter of the response's Content-Type, if any.
pub fn reorder<'a>(
    input: &'a [u8],
    charset: Option<&str>,
    rules: &HtmlRules,
    ranking: &Ranking,
) -> Rewritten<'a> {
    let _ = (charset, rules, ranking);
    Rewritten::unchanged(input, Unchanged::NotListing("not implemented".into()))
}
