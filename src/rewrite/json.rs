//! JSON listing reorder: the items of one array are permuted as raw bytes, never re-serialized.
//!
//! One pass of a validating scanner (`scan`) finds the array an RFC 6901 pointer names, the
//! byte range of each element and each element's product id; the output is the input with those
//! ranges permuted. Everything between the elements (commas, whitespace) stays where it was, and
//! every element keeps its exact bytes: escapes such as `\u003c` or `\/`, number spellings such
//! as `1.0000`, indentation. A body that is not one valid JSON document is left alone.
//!
//! A leading UTF-8 byte order mark is accepted and kept (RFC 8259 §8.1 lets parsers ignore it;
//! some origins send one).

mod lex;
mod pointer;
mod scan;
mod stream;
mod track;

pub use super::StreamOutcome;
pub use stream::JsonStream;

use std::borrow::Cow;

use crate::ranked::Ranking;

use super::{ranked_order, Outcome, Rewritten, Stats, Unchanged};

/// The settings of one JSON `[[pages]]` block, compiled once at config load.
#[derive(Debug, Clone)]
pub struct JsonRules {
    /// The `array` pointer's reference tokens, unescaped; empty for the root.
    path: Vec<pointer::Token>,
    /// The member of each item that holds its product id.
    product_id: String,
}

/// A key of a JSON page that does not compile, with why.
#[derive(Debug, thiserror::Error)]
#[error("{key}: {message}")]
pub struct JsonRuleError {
    /// `array` or `product_id`.
    pub key: &'static str,
    pub message: String,
}

impl JsonRules {
    /// `array` is an RFC 6901 pointer (`""` = root); `product_id` the member holding the id.
    ///
    /// Fails when `array` is neither `""` nor starts with `/`, or holds a `~` not followed by `0`
    /// or `1`, and when `product_id` is empty; every bad key is reported.
    pub fn new(array: &str, product_id: &str) -> Result<Self, Vec<JsonRuleError>> {
        let mut errors = Vec::new();
        let path = pointer::parse(array).unwrap_or_else(|e| {
            errors.push(JsonRuleError {
                key: "array",
                message: format!("not a JSON pointer (RFC 6901): {e}"),
            });
            Vec::new()
        });
        if product_id.is_empty() {
            errors.push(JsonRuleError {
                key: "product_id",
                message: "must name the member that holds each item's product id".into(),
            });
        }
        if errors.is_empty() {
            Ok(Self {
                path,
                product_id: product_id.to_owned(),
            })
        } else {
            Err(errors)
        }
    }
}

/// Reorders the items of the listing array by `ranking`.
///
/// Items whose id the ranking names come first, in ranking order; the other items with an id
/// follow in their native order; items without one (not an object, no such member, or a value
/// that is neither a string nor a number) keep their slot. A number id matches the ranking's
/// string of the same spelling (`23` matches `"23"`), a string id by its decoded value.
///
/// Unchanged, with the reason, when the ranking is empty, when `input` is not exactly one JSON
/// document or the pointer names no array (`NotListing`), or when no item would move. Never
/// panics, however deep the nesting: the scanner keeps one bit per open container on the heap.
/// Extra memory: the output (the input's size) plus about 190 bytes per item at the peak.
pub fn reorder<'a>(input: &'a [u8], rules: &JsonRules, ranking: &Ranking) -> Rewritten<'a> {
    if ranking.is_empty() {
        return Rewritten::unchanged(input, Unchanged::EmptyRanking);
    }
    let items = match scan::items(input, &rules.path, &rules.product_id) {
        Ok(items) => items,
        Err(e) => return Rewritten::unchanged(input, Unchanged::NotListing(e.to_string())),
    };
    let ids: Vec<Option<&str>> = items.iter().map(|item| item.id.as_deref()).collect();
    let (order, ranked) = ranked_order(&ids, ranking);
    if order.iter().enumerate().all(|(slot, &item)| slot == item) {
        return Rewritten::unchanged(input, Unchanged::SameOrder);
    }
    let stats = Stats {
        listings: 1,
        tiles: ids.iter().filter(|id| id.is_some()).count(),
        ranked,
    };
    Rewritten {
        body: Cow::Owned(splice(input, &items, &order)),
        outcome: Outcome::Reordered(stats),
    }
}

/// The product ids of the listing's items in `input`, in order (`None`: an item without a
/// readable id, which keeps its slot), as [`reorder`] sees them. `Err` carries the reason a
/// rewrite would give.
pub fn item_ids(input: &[u8], rules: &JsonRules) -> Result<Vec<Option<String>>, Unchanged> {
    let items = scan::items(input, &rules.path, &rules.product_id)
        .map_err(|e| Unchanged::NotListing(e.to_string()))?;
    Ok(items
        .iter()
        .map(|item| item.id.as_deref().map(str::to_owned))
        .collect())
}

/// `input` with item `order[slot]` written where item `slot` was; the bytes between items stay.
fn splice(input: &[u8], items: &[scan::Item<'_>], order: &[usize]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut copied = 0;
    for (slot, &from) in items.iter().zip(order) {
        out.extend_from_slice(&input[copied..slot.start]);
        let item = &items[from];
        out.extend_from_slice(&input[item.start..item.end]);
        copied = slot.end;
    }
    out.extend_from_slice(&input[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_report_every_bad_key() {
        let errors = JsonRules::new("products", "").unwrap_err();
        let keys: Vec<_> = errors.iter().map(|e| e.key).collect();
        assert_eq!(keys, ["array", "product_id"]);
        assert!(
            errors[0].to_string().contains("start with \"/\""),
            "{}",
            errors[0]
        );
        let errors = JsonRules::new("/a~x", "id").unwrap_err();
        assert!(
            errors[0].to_string().contains("\"~\" at byte 2"),
            "{}",
            errors[0]
        );
        assert!(JsonRules::new("", "id").is_ok());
        assert!(JsonRules::new("/data/items~1all/0", "id").is_ok());
    }

    #[test]
    fn splice_keeps_separators() {
        let input = b"[ 1 ,\n 22,333 ]";
        let items = [(2, 3), (7, 9), (10, 13)].map(|(start, end)| scan::Item {
            start,
            end,
            id: None,
        });
        assert_eq!(splice(input, &items, &[2, 0, 1]), b"[ 333 ,\n 1,22 ]");
    }
}
