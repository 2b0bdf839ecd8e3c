//! `[[pages]]`: the kinds of listing page. Holds the typed [`Page`] and [`PageFormat`] and the
//! checks of every page block: routes, formats, the keys each format requires or forbids, and
//! compiling the reorder rules of the html and json engines.
//!
//! May depend on `problems`, `raw`, `route` and the rewrite engines' rule types
//! (`crate::rewrite`).

use crate::rewrite::html::{HtmlRules, HtmlSpec};
use crate::rewrite::json::JsonRules;

use super::problems::Problems;
use super::raw::RawPage;
use super::route::Route;

/// A kind of listing page: where it is and how to reorder it.
#[derive(Debug, Clone)]
pub struct Page {
    pub route: Route,
    pub format: PageFormat,
}

/// How a page's body is reordered, with its compiled rules.
#[derive(Debug, Clone)]
pub enum PageFormat {
    Html(HtmlRules),
    Json(JsonRules),
}

/// Validates every page; `endpoints_prefix` is the raw `[endpoints] prefix`, which no page may
/// claim.
pub(super) fn check(
    raw: &[RawPage],
    endpoints_prefix: &str,
    p: &mut Problems,
) -> Option<Vec<Page>> {
    if raw.is_empty() {
        p.add(
            "pages",
            "at least one [[pages]] block is required: without one reshelf personalizes nothing",
        );
        return None;
    }
    let checked: Vec<(Option<Route>, Option<PageFormat>)> = raw
        .iter()
        .enumerate()
        .map(|(i, page)| one_page(page, &format!("pages[{i}]"), endpoints_prefix, p))
        .collect();
    let routes: Vec<Option<&Route>> = checked.iter().map(|(route, _)| route.as_ref()).collect();
    shadowed(raw, &routes, p);
    checked
        .into_iter()
        .map(|(route, format)| {
            Some(Page {
                route: route?,
                format: format?,
            })
        })
        .collect()
}

/// The page's route and format, each `None` when it has a problem (checked independently so
/// that both get reported).
fn one_page(
    raw: &RawPage,
    key: &str,
    endpoints_prefix: &str,
    p: &mut Problems,
) -> (Option<Route>, Option<PageFormat>) {
    let route = match Route::parse(&raw.path, &raw.id_query) {
        Ok(route) => Some(route),
        Err(errors) => {
            for (sub, message) in errors {
                p.add(format!("{key}.{sub}"), message);
            }
            None
        }
    };
    if let Some(route) = &route {
        if claims_endpoints(route, endpoints_prefix) {
            p.add(
                format!("{key}.path"),
                format!(
                    "{:?} lies under the endpoints prefix {endpoints_prefix:?}, which reshelf \
                     answers itself",
                    raw.path
                ),
            );
        }
    }
    let format = match raw.format.as_str() {
        "html" => html(raw, key, p),
        "json" => json(raw, key, p),
        other => {
            p.add(
                format!("{key}.format"),
                format!("{other:?} is not \"html\" or \"json\""),
            );
            None
        }
    };
    (route, format)
}

fn claims_endpoints(route: &Route, prefix: &str) -> bool {
    let under = |path: &str| {
        path == prefix
            || path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    match route {
        Route::PathId {
            prefix: literal, ..
        } => under(literal.trim_end_matches('/')) || under(literal),
        Route::QueryId { path, .. } => under(path),
    }
}

fn html(raw: &RawPage, key: &str, p: &mut Problems) -> Option<PageFormat> {
    let before = p.count();
    if raw.tiles.is_empty() {
        p.add(
            format!("{key}.tiles"),
            "required for html pages: the CSS selector matching each product tile",
        );
    }
    if raw.product_id.is_empty() {
        p.add(
            format!("{key}.product_id"),
            "required for html pages: the attribute holding the product id",
        );
    }
    if !raw.array.is_empty() {
        p.add(
            format!("{key}.array"),
            "only for json pages; remove it or set format = \"json\"",
        );
    }
    let spec = HtmlSpec {
        tiles: &raw.tiles,
        product_id: &raw.product_id,
        product_id_pattern: &raw.product_id_pattern,
        companions: &raw.companions,
        slot_classes: &raw.slot_classes,
        slot_attributes: &raw.slot_attributes,
    };
    let rules = match HtmlRules::new(&spec) {
        Ok(rules) => Some(rules),
        Err(errors) => {
            for e in errors {
                engine_problem(p, key, e.key, e.message);
            }
            None
        }
    };
    p.unless_new(before, PageFormat::Html(rules?))
}

fn json(raw: &RawPage, key: &str, p: &mut Problems) -> Option<PageFormat> {
    let before = p.count();
    if raw.product_id.is_empty() {
        p.add(
            format!("{key}.product_id"),
            "required for json pages: the member of each item holding the product id",
        );
    }
    let html_only = [
        ("tiles", raw.tiles.is_empty()),
        ("companions", raw.companions.is_empty()),
        ("slot_classes", raw.slot_classes.is_empty()),
        ("slot_attributes", raw.slot_attributes.is_empty()),
    ];
    for (name, empty) in html_only {
        if !empty {
            p.add(
                format!("{key}.{name}"),
                "only for html pages; remove it or set format = \"html\"",
            );
        }
    }
    if !raw.product_id_pattern.is_empty() {
        p.add(
            format!("{key}.product_id_pattern"),
            "not supported for json pages: the product_id member's value is the id as it is",
        );
    }
    let rules = match JsonRules::new(&raw.array, &raw.product_id) {
        Ok(rules) => Some(rules),
        Err(errors) => {
            for e in errors {
                engine_problem(p, key, e.key, e.message);
            }
            None
        }
    };
    p.unless_new(before, PageFormat::Json(rules?))
}

/// An engine's complaint about a key, unless this pass already said something about that key
/// (an empty required key is reported once, in our words).
fn engine_problem(p: &mut Problems, page_key: &str, sub: &str, message: String) {
    let key = format!("{page_key}.{sub}");
    if !p.has(&key) {
        p.add(key, message);
    }
}

/// A page listed after another that already matches everything it would match never applies.
fn shadowed(raw: &[RawPage], routes: &[Option<&Route>], p: &mut Problems) {
    for (j, later) in routes.iter().enumerate() {
        let Some(later) = later else { continue };
        let earlier = routes[..j]
            .iter()
            .position(|route| route.is_some_and(|route| later.is_shadowed_by(route)));
        if let Some(i) = earlier {
            p.add(
                format!("pages[{j}].path"),
                format!(
                    "route {} is already matched by pages[{i}] ({}): the first match wins, so \
                     this page would never apply",
                    later.pattern(),
                    raw[i].path
                ),
            );
        }
    }
}
