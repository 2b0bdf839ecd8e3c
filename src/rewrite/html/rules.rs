//! Compiling an HTML `[[pages]]` block: the tile selector and the selectors derived from it
//! (tile parents, id carriers inside tiles), the id pattern and the slot-bound names.
//!
//! Everything is parsed once here so a rewrite only borrows it; [`lol_html::Selector`] and
//! [`regex::Regex`] are `Send + Sync + Clone`, so the rules can sit behind an `Arc`.

use lol_html::Selector;
use regex::Regex;

use super::carriers::Carriers;
use super::{HtmlRuleError, HtmlSpec, Rules};

pub(super) fn compile(spec: &HtmlSpec<'_>) -> Result<Rules, Vec<HtmlRuleError>> {
    let mut errors = Vec::new();
    let mut err = |key: &'static str, message: String| errors.push(HtmlRuleError { key, message });

    let tiles = parse_selector(spec.tiles).map_err(|m| err("tiles", m)).ok();
    let product_id = match check_attribute_name(spec.product_id) {
        Ok(()) => Some(spec.product_id.to_ascii_lowercase().into_boxed_str()),
        Err(m) => {
            err("product_id", m);
            None
        }
    };
    let pattern = compile_pattern(spec.product_id_pattern)
        .map_err(|m| err("product_id_pattern", m))
        .ok()
        .flatten();
    let companions = if spec.companions.trim().is_empty() {
        Some(None)
    } else {
        parse_selector(spec.companions)
            .map(Some)
            .map_err(|m| err("companions", m))
            .ok()
    };
    for class in spec.slot_classes {
        if class.is_empty()
            || class
                .bytes()
                .any(|b| is_html_space(b) || b"\"'<>&".contains(&b))
        {
            err(
                "slot_classes",
                format!("{class:?} is not a single class token"),
            );
        }
    }
    let mut slot_attributes = Vec::with_capacity(spec.slot_attributes.len());
    for name in spec.slot_attributes {
        match check_attribute_name(name) {
            Ok(()) if name.eq_ignore_ascii_case("class") && !spec.slot_classes.is_empty() => err(
                "slot_attributes",
                "\"class\" cannot be slot-bound as a whole while slot_classes is set".into(),
            ),
            Ok(()) => slot_attributes.push(name.to_ascii_lowercase().into_boxed_str()),
            Err(m) => err("slot_attributes", format!("{name:?}: {m}")),
        }
    }
    // The derived selectors are built from the tile selector's own text, so they only need
    // compiling once the tile selector and the attribute name are known to be good.
    let derived = match (&tiles, &product_id) {
        (Some(_), Some(attr)) => {
            let parts = split_list(spec.tiles);
            let full: Vec<Box<str>> = parts.iter().map(|p| p.full.into()).collect();
            let parent_text = parents(&parts);
            match (Carriers::new(full, attr), parse_selector(&parent_text)) {
                (Ok(carriers), Ok(parents)) => Some((carriers, parents, parent_text)),
                (Err(m), _) | (_, Err(m)) => {
                    err("tiles", format!("cannot derive selectors from it: {m}"));
                    None
                }
            }
        }
        _ => None,
    };
    // Companions are siblings of tiles, so their parent is a tile parent: scoping them so
    // spares lol_html testing every matching tag name elsewhere in the page. The user's
    // selector, checked above, is what is reported on error; the scoped one is only an
    // optimisation and falls back to it.
    let companions = match (companions, &derived) {
        (Some(Some(plain)), Some((_, _, parent_text))) => Some(Some(
            scoped_companions(parent_text, spec.companions)
                .and_then(|text| text.parse().ok())
                .unwrap_or(plain),
        )),
        (other, _) => other,
    };
    match (tiles, product_id, companions, derived) {
        (Some(tiles), Some(product_id), Some(companions), Some((carriers, parents, _)))
            if errors.is_empty() =>
        {
            Ok(Rules {
                tiles,
                carriers,
                parents,
                companions,
                product_id,
                pattern,
                slot_classes: spec
                    .slot_classes
                    .iter()
                    .map(|c| c.as_str().into())
                    .collect(),
                slot_attributes: slot_attributes.into_boxed_slice(),
                meta: fixed("meta"),
                template: fixed("template"),
            })
        }
        _ => Err(errors),
    }
}

/// A selector spelled in this file: a plain tag name, which lol_html always accepts.
fn fixed(tag: &'static str) -> Selector {
    tag.parse()
        .unwrap_or_else(|e| unreachable!("tag selector {tag:?}: {e}"))
}

fn parse_selector(text: &str) -> Result<Selector, String> {
    if text.trim().is_empty() {
        return Err("empty selector".into());
    }
    text.parse::<Selector>()
        .map_err(|e| format!("{text:?}: {e}"))
}

fn compile_pattern(pattern: &str) -> Result<Option<Regex>, String> {
    if pattern.is_empty() {
        return Ok(None);
    }
    let re = Regex::new(pattern).map_err(|e| e.to_string())?;
    if re.captures_len() < 2 {
        return Err("needs a capture group: its first group is the id".into());
    }
    Ok(Some(re))
}

/// HTML attribute names may hold almost anything; these are the bytes the tokenizer ends a
/// name on, so a configured name containing one could never match.
fn check_attribute_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty attribute name".into());
    }
    match name
        .bytes()
        .find(|&b| is_html_space(b) || b"\"'<>/=".contains(&b) || b.is_ascii_control())
    {
        Some(b) => Err(format!("attribute name contains {:?}", b as char)),
        None => Ok(()),
    }
}

/// ASCII whitespace as the HTML tokenizer sees it.
pub(super) fn is_html_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0C')
}

/// One selector of a comma list, cut before its last compound selector.
#[derive(Debug, PartialEq, Eq)]
struct Part<'a> {
    /// The whole selector.
    full: &'a str,
    /// What precedes the last combinator, and whether that combinator is `>`; `None` for a
    /// single compound selector.
    context: Option<(&'a str, bool)>,
}

/// Splits a selector list at its top-level commas and each selector before its last compound.
///
/// Only the structure matters here (brackets, parentheses, strings, escapes); lol_html has
/// already accepted the text, so anything odd would also fail when the result is parsed.
fn split_list(text: &str) -> Vec<Part<'_>> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut cursor = Cursor::default();
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if cursor.top_level(b) && b == b',' {
            parts.push(split_last(text[start..i].trim()));
            start = i + 1;
        }
    }
    parts.push(split_last(text[start..].trim()));
    parts
}

fn split_last(full: &str) -> Part<'_> {
    let bytes = full.as_bytes();
    let mut cursor = Cursor::default();
    // (end of context, start of last compound, child?)
    let mut last: Option<(usize, usize, bool)> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if cursor.top_level(b) && (is_html_space(b) || b == b'>') {
            let context_end = i;
            let mut j = i;
            let mut child = false;
            while j < bytes.len() && (is_html_space(bytes[j]) || bytes[j] == b'>') {
                child |= bytes[j] == b'>';
                j += 1;
            }
            if j < bytes.len() {
                last = Some((context_end, j, child));
            }
            i = j;
            continue;
        }
        i += 1;
    }
    Part {
        full,
        context: last.map(|(end, _, child)| (&full[..end], child)),
    }
}

/// Tracks whether the scanner is inside brackets, parentheses, a string or an escape.
#[derive(Default)]
struct Cursor {
    depth: usize,
    quote: Option<u8>,
    escaped: bool,
}

impl Cursor {
    /// Consumes `b`; true if `b` itself sits at the top level (outside any nesting).
    fn top_level(&mut self, b: u8) -> bool {
        if self.escaped {
            self.escaped = false;
            return false;
        }
        if b == b'\\' {
            self.escaped = true;
            return false;
        }
        if let Some(q) = self.quote {
            if b == q {
                self.quote = None;
            }
            return false;
        }
        match b {
            b'"' | b'\'' => {
                self.quote = Some(b);
                false
            }
            b'[' | b'(' => {
                self.depth += 1;
                false
            }
            b']' | b')' => {
                self.depth = self.depth.saturating_sub(1);
                false
            }
            _ => self.depth == 0,
        }
    }
}

/// A selector matching every element that can be a tile's parent: for `A > B` it is `A`; for
/// `A B` it is `A` and everything inside it; for a bare `B` it is every element.
fn parents(parts: &[Part<'_>]) -> String {
    let mut out = String::new();
    for part in parts {
        let Some((context, child)) = part.context else {
            return "*".into();
        };
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(context);
        if !child {
            out.push_str(", ");
            out.push_str(context);
            out.push_str(" *");
        }
    }
    out
}

/// `{parent} > {companion}` for every pair, when every companion selector is a single
/// compound (with a combinator of its own, prefixing would change its meaning) and the
/// parents are not simply every element.
fn scoped_companions(parent_text: &str, companions: &str) -> Option<String> {
    if parent_text == "*" {
        return None;
    }
    let (parents, companions) = (split_list(parent_text), split_list(companions));
    if companions.iter().any(|c| c.context.is_some()) {
        return None;
    }
    let mut out = String::new();
    for parent in &parents {
        for companion in &companions {
            if !out.is_empty() {
                out.push_str(", ");
            }
            out.push_str(&format!("{} > {}", parent.full, companion.full));
        }
    }
    Some(out)
}

/// Escapes an attribute name for use as a CSS identifier.
pub(super) fn css_ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        let plain = c.is_ascii_alphabetic()
            || c == '_'
            || !c.is_ascii()
            || (i > 0 && (c.is_ascii_digit() || c == '-'));
        if plain {
            out.push(c);
        } else {
            // Hex escape with a terminating space works for every code point.
            out.push_str(&format!("\\{:x} ", c as u32));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(text: &str) -> Vec<Option<(&str, bool)>> {
        split_list(text).into_iter().map(|p| p.context).collect()
    }

    #[test]
    fn splits_before_the_last_compound() {
        assert_eq!(ctx("ul.products > li"), [Some(("ul.products", true))]);
        assert_eq!(ctx("div.a  >li"), [Some(("div.a", true))]);
        assert_eq!(ctx(".grid li.item"), [Some((".grid", false))]);
        assert_eq!(ctx("li.product"), [None]);
        assert_eq!(
            ctx("div.p > ul > li[layout], ol li"),
            [Some(("div.p > ul", true)), Some(("ol", false))]
        );
        assert_eq!(ctx(r#"ul > li[data-x="a > b, c"]"#), [Some(("ul", true))]);
        assert_eq!(ctx("ul > li:not(.a)"), [Some(("ul", true))]);
    }

    #[test]
    fn derived_selectors_parse() {
        let parts = split_list("div.grid li.item, ul > li");
        assert_eq!(parents(&parts), "div.grid, div.grid *, ul");
        assert_eq!(parents(&split_list("li, ul > li")), "*");
        assert_eq!(
            scoped_companions("div.grid, div.grid *, ul", "li.help").as_deref(),
            Some("div.grid > li.help, div.grid * > li.help, ul > li.help")
        );
        assert_eq!(scoped_companions("*", "li.help"), None);
        assert_eq!(scoped_companions("ul", "li.help, ol li"), None);
        assert_eq!(css_ident("1a:b"), "\\31 a\\3a b");
        assert!(parse_selector(&format!("li [{}]", css_ident("1a:b"))).is_ok());
    }
}
