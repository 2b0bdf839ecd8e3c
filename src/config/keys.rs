//! The keys a config file may hold, and the first step of reading one: the TOML is parsed
//! with its spans, every key reshelf does not know is reported (with its line and the closest
//! known key) and dropped, and what remains is deserialized into a [`RawConfig`]. So an
//! unknown key is reported together with every validation problem instead of ending the parse.
//!
//! May depend on `problems` (the [`Problem`] it reports) and `raw` (the known keys are the
//! ones [`RawConfig`] serializes); nothing else in the crate.

use serde::Deserialize;
use toml::de::{DeTable, DeValue};

use super::problems::Problem;
use super::raw::{RawConfig, RawOrigin, RawPage};

/// Parses `text` into the raw config, dropping unknown keys, which come back as problems.
///
/// Errors: the text is not TOML, or a known key holds a value of the wrong type (the first
/// such error, with its line).
pub(super) fn parse(text: &str) -> Result<(RawConfig, Vec<Problem>), toml::de::Error> {
    let mut root = DeTable::parse(text)?;
    let known = Known::new();
    let mut problems = Vec::new();
    screen_root(text, root.get_mut(), &known, &mut problems);
    let raw = RawConfig::deserialize(toml::de::Deserializer::from(root)).map_err(|mut e| {
        e.set_input(Some(text));
        e
    })?;
    Ok((raw, problems))
}

/// Every key the file may hold: sections with their keys, then the keys of a `[[pages]]`
/// block. Read from what the raw structs serialize, so a new field is known at once.
struct Known {
    sections: Vec<(String, Vec<String>)>,
    page: Vec<String>,
}

impl Known {
    fn new() -> Self {
        let full = RawConfig {
            origin: RawOrigin {
                url: Some(String::new()),
                ..RawOrigin::default()
            },
            ..RawConfig::default()
        };
        let keys_of = |value: &toml::Value| -> Vec<String> {
            value
                .as_table()
                .map(|t| t.keys().cloned().collect())
                .unwrap_or_default()
        };
        let table = toml::Value::try_from(&full).unwrap_or(toml::Value::Table(Default::default()));
        let mut sections: Vec<(String, Vec<String>)> = table
            .as_table()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), keys_of(v))).collect())
            .unwrap_or_default();
        if !sections.iter().any(|(name, _)| name == "pages") {
            sections.push(("pages".into(), Vec::new()));
        }
        let page = toml::Value::try_from(RawPage::default())
            .map(|v| keys_of(&v))
            .unwrap_or_default();
        Self { sections, page }
    }

    fn section(&self, name: &str) -> Option<&[String]> {
        self.sections
            .iter()
            .find(|(section, _)| section == name)
            .map(|(_, keys)| keys.as_slice())
    }

    /// Every dotted key, for a suggestion across sections.
    fn dotted(&self) -> impl Iterator<Item = String> + '_ {
        let sections = self
            .sections
            .iter()
            .filter(|(name, _)| name != "pages")
            .flat_map(|(name, keys)| keys.iter().map(move |k| format!("{name}.{k}")));
        sections.chain(self.page.iter().map(|k| format!("pages.{k}")))
    }
}

fn screen_root(text: &str, root: &mut DeTable<'_>, known: &Known, out: &mut Vec<Problem>) {
    let names: Vec<String> = root.keys().map(|k| k.get_ref().to_string()).collect();
    for name in names {
        let Some(keys) = known.section(&name) else {
            let section_names: Vec<&str> = known.sections.iter().map(|(n, _)| n.as_str()).collect();
            let hint = closest(&name, section_names.iter().copied())
                .map(|section| format!("; did you mean `{section}`?"));
            let span = root.keys().find(|k| *k.get_ref() == name).map(|k| k.span());
            out.push(unknown(text, &name, span, hint, "section"));
            root.remove(name.as_str());
            continue;
        };
        let Some(value) = root.get_mut(name.as_str()) else {
            continue;
        };
        match value.get_mut() {
            DeValue::Table(table) if name != "pages" => {
                screen_table(text, table, &name, keys, known, out);
            }
            DeValue::Array(blocks) if name == "pages" => {
                for (i, block) in blocks.iter_mut().enumerate() {
                    if let DeValue::Table(table) = block.get_mut() {
                        screen_table(text, table, &format!("pages[{i}]"), &known.page, known, out);
                    }
                }
            }
            // A wrong shape is the deserializer's to report, with its line.
            _ => {}
        }
    }
}

fn screen_table(
    text: &str,
    table: &mut DeTable<'_>,
    prefix: &str,
    keys: &[String],
    known: &Known,
    out: &mut Vec<Problem>,
) {
    let unknown_keys: Vec<(String, std::ops::Range<usize>)> = table
        .keys()
        .filter(|k| !keys.iter().any(|known| known == k.get_ref().as_ref()))
        .map(|k| (k.get_ref().to_string(), k.span()))
        .collect();
    for (name, span) in unknown_keys {
        let hint = closest(&name, keys.iter().map(String::as_str))
            .map(|key| format!("; did you mean `{key}`?"));
        // Nothing close in this table: perhaps the key belongs to another section.
        let hint = hint.or_else(|| {
            let dotted: Vec<String> = known.dotted().collect();
            closest(
                &name,
                dotted.iter().map(|d| d.rsplit('.').next().unwrap_or(d)),
            )
            .and_then(|short| dotted.iter().find(|d| d.ends_with(&format!(".{short}"))))
            .map(|d| format!("; did you mean `{d}` (in another section)?"))
        });
        out.push(unknown(
            text,
            &format!("{prefix}.{name}"),
            Some(span),
            hint,
            "key",
        ));
        table.remove(name.as_str());
    }
}

fn unknown(
    text: &str,
    key: &str,
    span: Option<std::ops::Range<usize>>,
    hint: Option<String>,
    what: &str,
) -> Problem {
    let line = span
        .map(|s| format!(" (line {})", line_of(text, s.start)))
        .unwrap_or_default();
    let hint = hint.unwrap_or_default();
    Problem {
        key: key.to_owned(),
        message: format!("unknown {what}{line}{hint}"),
    }
}

/// 1-based line of byte `at`.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The candidate closest to `name` by edit distance, if it is close enough to be a typo
/// (at most a third of the longer name, at least 1), or one contains the other.
pub(super) fn closest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let name_lower = name.to_ascii_lowercase();
    candidates
        .filter_map(|c| {
            let d = distance(&name_lower, &c.to_ascii_lowercase());
            let limit = (name.len().max(c.len()) / 3).max(1);
            let contained = name.len() >= 3 && (c.contains(name) || name.contains(c));
            (d <= limit || contained).then_some((d, c))
        })
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos_and_not_strangers() {
        let keys = ["ttl_seconds", "max_bytes"];
        assert_eq!(
            closest("ttl_secs", keys.iter().copied()),
            Some("ttl_seconds")
        );
        assert_eq!(closest("max_byte", keys.iter().copied()), Some("max_bytes"));
        assert_eq!(closest("colour", keys.iter().copied()), None);
    }

    #[test]
    fn spans_become_lines() {
        assert_eq!(line_of("a\nb\nc", 4), 3);
    }
}
