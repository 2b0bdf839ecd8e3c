//! `reshelf probe`: one page through a config's rules as `serve` would reorder it, without
//! serving. Which `[[pages]]` block matches and the category id; the listings the engine finds,
//! each tile's id (or why none), companions and slot marks; a sample reorder as before/after
//! id orders; and every problem with the fix to try.
//!
//! May depend on `config`, the engine (`rewrite`, `ranked`), and `fetch`, `dom`, `ids`,
//! `tiles`, `slots` and `suggest` (for the fixes it proposes).

use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::Serialize;

use super::dom::Dom;
use super::fetch::Fetched;
use super::{diagnose, probe_json};
use crate::config::{Config, PageFormat, RawPage};
use crate::ranked::Ranking;
use crate::rewrite::html;
use crate::rewrite::{Outcome, Unchanged};

/// What to probe.
#[derive(Debug, Clone, Default)]
pub struct ProbeArgs {
    /// For a file: the path it is served at (else the first block of the file's format).
    pub path: Option<String>,
    /// Overrides the category id the route captures.
    pub category: Option<String>,
    /// The sample ranking; `None`: a shuffle of the page's ids.
    pub ranking: Option<Vec<String>>,
}

/// The report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProbeReport {
    /// Index of the `[[pages]]` block that applies, and its route.
    pub block: Option<usize>,
    pub route: Option<String>,
    pub category: Option<String>,
    pub format: Option<String>,
    pub listings: Vec<ListingReport>,
    /// Whether `serve` would personalize this page (given a ranking naming its products).
    pub personalized: bool,
    /// `personalized`, or `native; reason=...` with the detail.
    pub outcome: String,
    pub findings: Vec<Finding>,
}

/// One listing.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ListingReport {
    /// Where it sits (the tiles' parent), for people.
    pub parent: String,
    pub tiles: Vec<TileReport>,
    /// Ids in native order (`-` for a pinned tile), and after the sample reorder.
    pub before: Vec<String>,
    pub after: Vec<String>,
}

/// One tile.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TileReport {
    pub element: String,
    pub id: Option<String>,
    /// Why it has no id (it then keeps its slot).
    pub pinned: Option<String>,
    pub companions: Vec<String>,
    pub slot_marks: Vec<String>,
}

/// A problem and the fix to try.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    pub problem: String,
    pub fix: String,
}

impl ProbeReport {
    pub(super) fn find(&mut self, problem: impl Into<String>, fix: impl Into<String>) {
        self.findings.push(Finding {
            problem: problem.into(),
            fix: fix.into(),
        });
    }
}

/// Probes `page` against `config`.
pub fn probe(config: &Config, page: &Fetched, args: &ProbeArgs) -> ProbeReport {
    let mut report = ProbeReport::default();
    let Some((index, category)) = match_block(config, page, args, &mut report) else {
        report.outcome = "native; reason=not-listing (no [[pages]] block applies)".into();
        return report;
    };
    let raw = &config.raw.pages[index];
    report.block = Some(index);
    report.route = Some(config.pages[index].route.pattern());
    report.category = args.category.clone().or(category);
    report.format = Some(raw.format.clone());
    if let Some(status) = page.status.filter(|s| *s != http::StatusCode::OK) {
        report.find(
            format!("the origin answered {status}"),
            "probe a URL the origin answers with 200 (serve passes other answers through)",
        );
        report.outcome = "native; reason=origin-status".into();
        return report;
    }
    if page.body.len() > config.origin.max_rewrite_bytes {
        report.find(
            format!(
                "the page is {} bytes, over origin.max_rewrite_bytes",
                page.body.len()
            ),
            "raise origin.max_rewrite_bytes",
        );
        report.outcome = "native; reason=too-large".into();
        return report;
    }
    match &config.pages[index].format {
        PageFormat::Html(rules) => probe_html(page, raw, rules, args, &mut report),
        PageFormat::Json(rules) => probe_json::probe(page, raw, rules, args, &mut report),
    }
    report
}

/// The block for the page and the category id its route captures.
fn match_block(
    config: &Config,
    page: &Fetched,
    args: &ProbeArgs,
    report: &mut ProbeReport,
) -> Option<(usize, Option<String>)> {
    let at = args.path.clone().or_else(|| page.path_and_query.clone());
    let Some(at) = at else {
        // A file without a path: the first block of its format.
        let json = matches!(
            page.body.iter().find(|b| !b.is_ascii_whitespace()),
            Some(b'{' | b'[')
        );
        let wanted = if json { "json" } else { "html" };
        let found = config.raw.pages.iter().position(|p| p.format == wanted);
        if found.is_none() {
            report.find(
                format!("no {wanted} [[pages]] block in the config"),
                "add one (`reshelf suggest --file PAGE` proposes an html block)",
            );
        }
        return found.map(|i| (i, None));
    };
    let (path, query) = match at.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (at.clone(), None),
    };
    let found = config.pages.iter().enumerate().find_map(|(i, p)| {
        p.route
            .match_request(&path, query.as_deref())
            .map(|id| (i, Some(id)))
    });
    if found.is_none() {
        let routes: Vec<String> = config.pages.iter().map(|p| p.route.pattern()).collect();
        report.find(
            format!(
                "no [[pages]] block matches {at} (routes: {})",
                routes.join(", ")
            ),
            "fix the block's path so that {id} captures this page's category id",
        );
    }
    found
}

fn probe_html(
    page: &Fetched,
    raw: &RawPage,
    rules: &html::HtmlRules,
    args: &ProbeArgs,
    report: &mut ProbeReport,
) {
    let charset = page.charset.as_deref();
    let dom = Dom::parse(&page.body);
    let listings = match html::tiles(&page.body, charset, rules) {
        Ok(listings) => listings,
        Err(why) => {
            let reason = match why {
                Unchanged::NotListing(reason) => reason,
                other => format!("{other:?}"),
            };
            report.outcome = format!("native; reason=not-listing ({reason})");
            diagnose::not_listing(&dom, &page.body, charset, raw, &reason, report);
            return;
        }
    };
    let ids: Vec<String> = listings
        .iter()
        .flatten()
        .filter_map(|t| t.id.clone())
        .collect();
    let ranking = sample_ranking(&ids, args);
    let out = html::reorder(&page.body, charset, rules, &ranking);
    let after = match &out.outcome {
        Outcome::Reordered(_) => html::listing_ids(&out.body, charset, rules).ok(),
        _ => None,
    };
    for (i, listing) in listings.iter().enumerate() {
        let before: Vec<String> = listing
            .iter()
            .map(|t| t.id.clone().unwrap_or_else(|| "-".into()))
            .collect();
        let after = after
            .as_ref()
            .and_then(|a| a.get(i))
            .map(|l| {
                l.iter()
                    .map(|id| id.clone().unwrap_or_else(|| "-".into()))
                    .collect()
            })
            .unwrap_or_else(|| before.clone());
        let parent = dom
            .at(listing[0].parent)
            .map(|p| dom.path(p, 2))
            .unwrap_or_else(|| format!("element at byte {}", listing[0].parent));
        let tiles = listing.iter().map(|t| tile_report(&dom, raw, t)).collect();
        report.listings.push(ListingReport {
            parent,
            tiles,
            before,
            after,
        });
    }
    report.personalized = true;
    report.outcome = match out.outcome {
        Outcome::Reordered(stats) => format!(
            "personalized ({} listing(s), {} tiles with ids, {} ranked)",
            stats.listings, stats.tiles, stats.ranked
        ),
        Outcome::Unchanged(Unchanged::SameOrder) => {
            "personalized (the sample ranking left the order as it was)".into()
        }
        Outcome::Unchanged(other) => {
            report.personalized = false;
            format!("native; reason={other:?}")
        }
    };
    diagnose::listing_hints(&dom, raw, &listings, report);
}

fn tile_report(dom: &Dom, raw: &RawPage, t: &html::TileSpan) -> TileReport {
    let node = dom.at(t.start);
    let element = node.map_or_else(|| "?".into(), |n| dom.nodes[n].describe(2));
    let companions = node
        .map(|n| {
            dom.nodes
                .iter()
                .filter(|c| {
                    c.start >= t.own_end && c.start < t.end && c.parent == dom.nodes[n].parent
                })
                .map(|c| c.describe(2))
                .collect()
        })
        .unwrap_or_default();
    let mut slot_marks = Vec::new();
    if let Some(n) = node {
        let tile = &dom.nodes[n];
        slot_marks.extend(
            tile.classes()
                .filter(|c| raw.slot_classes.iter().any(|s| s == c))
                .map(|c| format!("class {c}")),
        );
        for name in &raw.slot_attributes {
            if let Some(value) = tile.attr(&name.to_ascii_lowercase()) {
                slot_marks.push(format!("{name}=\"{value}\""));
            }
        }
    }
    let pinned = t.id.is_none().then(|| {
        let pattern = if raw.product_id_pattern.is_empty() {
            String::new()
        } else {
            " that product_id_pattern matches".to_owned()
        };
        format!(
            "no `{}`{pattern} on the tile or inside it: keeps its slot",
            raw.product_id
        )
    });
    TileReport {
        element,
        id: t.id.clone(),
        pinned,
        companions,
        slot_marks,
    }
}

/// `--ranking`, or the page's ids shuffled (the same shuffle every run).
pub(super) fn sample_ranking(ids: &[String], args: &ProbeArgs) -> Ranking {
    if let Some(given) = &args.ranking {
        return Ranking::new(given.iter());
    }
    let mut shuffled = ids.to_vec();
    let mut rng = rand::rngs::StdRng::seed_from_u64(15);
    shuffled.shuffle(&mut rng);
    if shuffled.len() > 1 && shuffled == ids {
        shuffled.reverse();
    }
    Ranking::new(shuffled.iter())
}
