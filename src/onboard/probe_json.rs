//! `probe` on a json block: the items of the listing array and their ids, a sample reorder,
//! and when the array or the id member is not where the block says, where they are.
//!
//! May depend on the engine (`rewrite::json`), `config`'s raw page and `probe`.

use serde_json::Value;

use super::fetch::Fetched;
use super::probe::{sample_ranking, ListingReport, ProbeArgs, ProbeReport, TileReport};
use crate::config::RawPage;
use crate::rewrite::json::{self, JsonRules};
use crate::rewrite::{Outcome, Unchanged};

pub(super) fn probe(
    page: &Fetched,
    raw: &RawPage,
    rules: &JsonRules,
    args: &ProbeArgs,
    report: &mut ProbeReport,
) {
    let Ok(doc) = serde_json::from_slice::<Value>(&page.body) else {
        report.outcome = "native; reason=not-listing (not one JSON document)".into();
        report.find(
            "the body is not JSON",
            "probe the listing API's URL, or use an html block",
        );
        return;
    };
    let before = match item_ids(&doc, raw) {
        Ok(ids) => ids,
        Err((problem, fix)) => {
            report.outcome = "native; reason=not-listing".into();
            report.find(problem, fix);
            return;
        }
    };
    let ids: Vec<String> = before.iter().flatten().cloned().collect();
    if ids.is_empty() {
        report.outcome = "native; reason=not-listing (no item has an id)".into();
        let members = doc
            .pointer(&raw.array)
            .and_then(|a| a.as_array()?.first()?.as_object().cloned())
            .map(|o| {
                o.keys()
                    .filter(|k| k.to_ascii_lowercase().contains("id"))
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        report.find(
            format!("no item has a string or number member {:?}", raw.product_id),
            format!(
                "members of the first item that look like ids: {}",
                members.join(", ")
            ),
        );
        return;
    }
    let out = json::reorder(&page.body, rules, &sample_ranking(&ids, args));
    let after = serde_json::from_slice::<Value>(&out.body)
        .ok()
        .and_then(|d| item_ids(&d, raw).ok())
        .unwrap_or_else(|| before.clone());
    let show = |ids: &[Option<String>]| -> Vec<String> {
        ids.iter()
            .map(|id| id.clone().unwrap_or_else(|| "-".into()))
            .collect()
    };
    report.listings.push(ListingReport {
        parent: format!("array {:?}", raw.array),
        tiles: before
            .iter()
            .map(|id| TileReport {
                element: "item".into(),
                id: id.clone(),
                pinned: id
                    .is_none()
                    .then(|| format!("no {:?} member: keeps its slot", raw.product_id)),
                ..TileReport::default()
            })
            .collect(),
        before: show(&before),
        after: show(&after),
    });
    (report.personalized, report.outcome) = match out.outcome {
        Outcome::Reordered(s) => (
            true,
            format!(
                "personalized ({} items with ids, {} ranked)",
                s.tiles, s.ranked
            ),
        ),
        Outcome::Unchanged(Unchanged::SameOrder) => (
            true,
            "personalized (the sample ranking left the order as it was)".into(),
        ),
        Outcome::Unchanged(other) => (false, format!("native; reason={other:?}")),
    };
}

type Problem = (String, String);

/// The id of each item of the array the block names.
fn item_ids(doc: &Value, raw: &RawPage) -> Result<Vec<Option<String>>, Problem> {
    let Some(array) = doc.pointer(&raw.array).and_then(Value::as_array) else {
        let mut found = Vec::new();
        arrays_of_objects(doc, String::new(), 0, &mut found);
        return Err((
            format!("array = {:?} names no array", raw.array),
            match found.first() {
                Some(p) => format!(
                    "arrays of objects in this document: {} (try array = {p:?})",
                    found.join(", ")
                ),
                None => "this document holds no array of objects".into(),
            },
        ));
    };
    Ok(array
        .iter()
        .map(|item| match item.get(&raw.product_id) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        })
        .collect())
}

fn arrays_of_objects(v: &Value, at: String, depth: usize, out: &mut Vec<String>) {
    if depth > 3 {
        return;
    }
    match v {
        Value::Array(items) if items.first().is_some_and(Value::is_object) => out.push(at),
        Value::Object(map) => {
            for (k, v) in map {
                let key = k.replace('~', "~0").replace('/', "~1");
                arrays_of_objects(v, format!("{at}/{key}"), depth + 1, out);
            }
        }
        _ => {}
    }
}
