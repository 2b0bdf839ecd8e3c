//! Where a page's product ids sit: given a few ids the catalog uses, every attribute that
//! holds one, as its whole value (`data-product-id="123"`) or inside it (`class="post-123"`,
//! `href="/products/blue-shirt"`), with the regex that cuts it out; without ids, the
//! attributes whose values are distinct per tile.
//!
//! May depend on `dom` (the tree it searches); nothing else in the crate.

use std::collections::{BTreeMap, BTreeSet};

use super::dom::Dom;

/// How the id is read: an attribute, and optionally a regex whose first group is the id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct IdRule {
    pub attr: String,
    /// `""` = the attribute's whole value.
    pub pattern: String,
}

impl IdRule {
    /// The id this rule reads from `value`, if any.
    pub fn read(&self, value: &str) -> Option<String> {
        if self.pattern.is_empty() {
            let v = value.trim();
            return (!v.is_empty()).then(|| v.to_owned());
        }
        let re = regex::Regex::new(&self.pattern).ok()?;
        re.captures(value)?
            .get(1)
            .map(|m| m.as_str().trim().to_owned())
            .filter(|s| !s.is_empty())
    }
}

/// An element holding one of the given ids under a rule.
#[derive(Debug, Clone)]
pub struct Hit {
    pub node: usize,
    pub id: String,
}

/// Every rule that finds at least one of `ids`, with its hits; best first: most distinct ids
/// found, then a whole value before a pattern, then fewer hits (fewer decoys).
pub fn rules_for_ids(dom: &Dom, ids: &[String]) -> Vec<(IdRule, Vec<Hit>)> {
    let mut found: BTreeMap<IdRule, Vec<Hit>> = BTreeMap::new();
    for (index, node) in dom.nodes.iter().enumerate() {
        if node.inert {
            continue;
        }
        for (name, value) in &node.attrs {
            for id in ids {
                let rule = if value.trim() == id {
                    IdRule {
                        attr: name.clone(),
                        pattern: String::new(),
                    }
                } else if let Some(pattern) = pattern_for(name, value, id) {
                    IdRule {
                        attr: name.clone(),
                        pattern,
                    }
                } else {
                    continue;
                };
                found.entry(rule).or_default().push(Hit {
                    node: index,
                    id: id.clone(),
                });
            }
        }
    }
    let mut ranked: Vec<(IdRule, Vec<Hit>)> = found.into_iter().collect();
    ranked.sort_by_key(|(rule, hits)| {
        let distinct: BTreeSet<&str> = hits.iter().map(|h| h.id.as_str()).collect();
        (
            std::cmp::Reverse(distinct.len()),
            !rule.pattern.is_empty(),
            hits.len(),
        )
    });
    ranked
}

/// Attributes whose value is a URL (a pattern on them cuts a path segment).
fn is_url(name: &str, value: &str) -> bool {
    matches!(name, "href" | "src" | "action" | "data-url" | "data-href") || value.contains('/')
}

/// A regex whose first group cuts `id` out of `value`, if `id` sits in it at a word
/// boundary: `\bpost-(\d+)\b` on a class token, `/products/([^/.?#]+)` on a URL.
pub fn pattern_for(name: &str, value: &str, id: &str) -> Option<String> {
    let at = find_bounded(value, id)?;
    let digits = id.bytes().all(|b| b.is_ascii_digit());
    let before = &value[..at];
    let after = &value[at + id.len()..];
    if name == "class" {
        let prefix = &before[before.rfind(char::is_whitespace).map_or(0, |i| i + 1)..];
        let suffix = &after[..after.find(char::is_whitespace).unwrap_or(after.len())];
        if prefix.is_empty() && suffix.is_empty() {
            return None;
        }
        let group = if digits { r"\d+" } else { r"[\w-]+?" };
        return Some(format!(
            r"\b{}({group}){}\b",
            escape(prefix),
            escape(suffix)
        ));
    }
    if is_url(name, value) {
        // Back to the start of the segment before the id's: `/products/`.
        let head = before.trim_end_matches('/');
        let segment_start = head.rfind('/').unwrap_or(0);
        let prefix = &before[segment_start..];
        if prefix.is_empty() || !prefix.contains(|c: char| c.is_ascii_alphabetic()) {
            return None;
        }
        let group = if digits { r"\d+" } else { "[^/.?#]+" };
        return Some(format!("{}({group})", escape(prefix)));
    }
    let prefix_start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .map_or(0, |i| i + 1);
    let prefix = &before[prefix_start..];
    if prefix.is_empty() {
        return None;
    }
    let group = if digits { r"\d+" } else { r"[\w-]+" };
    Some(format!("{}({group})", escape(prefix)))
}

/// `text` as a regex matching it literally; `-` stays as it is (it is literal outside a
/// class), so patterns read as people write them.
fn escape(text: &str) -> String {
    regex::escape(text).replace("\\-", "-")
}

/// Where `id` occurs in `value` with no letter or digit right before or after it.
fn find_bounded(value: &str, id: &str) -> Option<usize> {
    if id.is_empty() {
        return None;
    }
    let bytes = value.as_bytes();
    let mut from = 0;
    while let Some(i) = value[from..].find(id) {
        let at = from + i;
        let end = at + id.len();
        let ok_before = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        let ok_after = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
        if ok_before && ok_after {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Without ids: for tiles (element indices), the rules that read a distinct value from each
/// of most tiles (the tile or its first descendant with the attribute), best first.
pub fn rules_without_ids(dom: &Dom, tiles: &[usize]) -> Vec<(IdRule, Vec<Option<String>>)> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    for &tile in tiles {
        for n in dom.subtree(tile) {
            for (name, _) in &dom.nodes[n].attrs {
                if name.contains("id") || name == "href" || name == "class" {
                    names.insert(name.clone());
                }
            }
        }
    }
    let mut rules = Vec::new();
    for name in names {
        let values: Vec<Option<String>> = tiles
            .iter()
            .map(|&t| {
                dom.subtree(t)
                    .into_iter()
                    .find_map(|n| dom.nodes[n].attr(&name).map(str::to_owned))
            })
            .collect();
        let mut candidates = vec![IdRule {
            attr: name.clone(),
            pattern: String::new(),
        }];
        if name == "href" {
            candidates.push(IdRule {
                attr: name.clone(),
                pattern: "/products?/([^/.?#]+)".into(),
            });
        }
        if name == "class" {
            candidates.push(IdRule {
                attr: name.clone(),
                pattern: r"\bpost-(\d+)\b".into(),
            });
        }
        for rule in candidates {
            let ids: Vec<Option<String>> = values
                .iter()
                .map(|v| v.as_deref().and_then(|v| rule.read(v)))
                .collect();
            let present: Vec<&String> = ids.iter().flatten().collect();
            let distinct: BTreeSet<&String> = present.iter().copied().collect();
            if present.len() * 5 >= tiles.len() * 4 && distinct.len() == present.len() {
                rules.push((rule, ids));
            }
        }
    }
    rules.sort_by_key(|(rule, ids)| {
        let numeric = ids
            .iter()
            .flatten()
            .all(|id| id.bytes().all(|b| b.is_ascii_digit()));
        let named = rule.attr.contains("product") as u8 * 2 + rule.attr.ends_with("id") as u8;
        (
            std::cmp::Reverse(ids.iter().flatten().count()),
            std::cmp::Reverse(named),
            !numeric,
            !rule.pattern.is_empty(),
        )
    });
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_for_classes_urls_and_ids() {
        assert_eq!(
            pattern_for("class", "product post-23 first", "23").as_deref(),
            Some(r"\bpost-(\d+)\b")
        );
        assert_eq!(
            pattern_for("href", "/collections/all/products/blue-shirt", "blue-shirt").as_deref(),
            Some("/products/([^/.?#]+)")
        );
        assert_eq!(
            pattern_for("id", "helperComplement_77", "77").as_deref(),
            Some(r"helperComplement_(\d+)")
        );
        assert_eq!(pattern_for("class", "a 23 b", "23"), None);
        assert_eq!(pattern_for("data-x", "123", "23"), None);
    }
}
