//! The text `probe` and `suggest` print for people (their `--json` form is the reports'
//! serde serialization): probe's report, and suggest's block as TOML with a comment per
//! choice, ready to paste into a config.
//!
//! May depend on `probe` and `suggest` (the reports it renders).

use std::fmt::Write;

use super::probe::ProbeReport;
use super::suggest::{Block, Suggestion};

/// `probe`'s report as text.
pub fn probe_text(r: &ProbeReport) -> String {
    let mut out = String::new();
    match (r.block, &r.route) {
        (Some(i), Some(route)) => {
            let _ = writeln!(
                out,
                "block: pages[{i}] (path {route}, format {})",
                r.format.as_deref().unwrap_or("?")
            );
        }
        _ => out.push_str("block: none applies\n"),
    }
    if let Some(category) = &r.category {
        let _ = writeln!(out, "category: {category}");
    }
    let _ = writeln!(out, "listings: {}", r.listings.len());
    for (i, listing) in r.listings.iter().enumerate() {
        let _ = writeln!(
            out,
            "\nlisting {} under `{}`: {} tiles",
            i + 1,
            listing.parent,
            listing.tiles.len()
        );
        for (slot, tile) in listing.tiles.iter().enumerate() {
            let what = match (&tile.id, &tile.pinned) {
                (Some(id), _) => format!("id {id}"),
                (None, Some(why)) => format!("pinned: {why}"),
                (None, None) => "pinned".into(),
            };
            let _ = write!(out, "  {:>3}. {}  {what}", slot + 1, tile.element);
            if !tile.companions.is_empty() {
                let _ = write!(out, "  companions: {}", tile.companions.join(", "));
            }
            if !tile.slot_marks.is_empty() {
                let _ = write!(out, "  slot: {}", tile.slot_marks.join(", "));
            }
            out.push('\n');
        }
        let _ = writeln!(out, "  before: {}", listing.before.join(" "));
        let _ = writeln!(out, "  after:  {}", listing.after.join(" "));
    }
    let _ = writeln!(out, "\noutcome: {}", r.outcome);
    if !r.findings.is_empty() {
        out.push_str("\nproblems:\n");
        for f in &r.findings {
            let _ = writeln!(out, "  - {}\n    fix: {}", f.problem, f.fix);
        }
    }
    out
}

/// `suggest`'s answer as a commented `[[pages]]` block (or why there is none).
pub fn suggest_text(s: &Suggestion, path: &str) -> String {
    let mut out = String::new();
    for note in &s.notes {
        let _ = writeln!(out, "# note: {note}");
    }
    let Some(block) = &s.block else {
        out.push_str("# no [[pages]] block to suggest for this page\n");
        return out;
    };
    if let Some(v) = &s.verified {
        let given = if v.given > 0 {
            format!(", {} of the {} ids given", v.given_read, v.given)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "# verified on this page: {} listing(s), {} tiles, {} ids read{given}, {} pinned; a \
             sample reorder moves them",
            v.listings, v.tiles, v.ids_read, v.pinned
        );
    }
    if !s.sure {
        out.push_str("# UNSURE: check the choice below against the candidates at the end\n");
    }
    out.push_str(&block_toml(block, path));
    if !s.candidates.is_empty() {
        out.push_str("\n# other candidates:\n");
        for c in &s.candidates {
            for line in block_toml(c, path).lines() {
                let _ = writeln!(out, "# {line}");
            }
            out.push_str("#\n");
        }
    }
    out
}

fn block_toml(b: &Block, path: &str) -> String {
    let mut out = String::from("[[pages]]\n");
    let _ = writeln!(
        out,
        "# the route of such pages: {{id}} captures the category id (adjust to your URLs)"
    );
    let _ = writeln!(out, "path = {}", quote(path));
    out.push_str("format = \"html\"\n");
    let comment = |key: &str| -> String {
        b.comments
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, why)| format!("# {why}\n"))
            .collect()
    };
    let mut key = |name: &str, value: String, empty: bool| {
        if !empty {
            out.push_str(&comment(name));
            let _ = writeln!(out, "{name} = {value}");
        }
    };
    key("tiles", quote(&b.tiles), false);
    key("product_id", quote(&b.product_id), false);
    key(
        "product_id_pattern",
        quote(&b.product_id_pattern),
        b.product_id_pattern.is_empty(),
    );
    key("companions", quote(&b.companions), b.companions.is_empty());
    key(
        "slot_classes",
        list(&b.slot_classes),
        b.slot_classes.is_empty(),
    );
    key(
        "slot_attributes",
        list(&b.slot_attributes),
        b.slot_attributes.is_empty(),
    );
    out
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A route for a page served at `path`: its last segment becomes `{id}`
/// (`/collections/shoes` gives `/collections/{id}`).
pub fn route_for(path: Option<&str>) -> String {
    let Some(path) = path else {
        return "/category/{id}".into();
    };
    let path = path.split('?').next().unwrap_or("/");
    let trailing = path.ends_with('/') && path.len() > 1;
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(i) if i + 1 < trimmed.len() => {
            let last = &trimmed[i + 1..];
            let suffix = last.find('.').map(|d| &last[d..]).unwrap_or("");
            format!(
                "{}{{id}}{suffix}{}",
                &trimmed[..=i],
                if trailing { "/" } else { "" }
            )
        }
        _ => "/category/{id}".into(),
    }
}
