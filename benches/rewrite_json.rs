//! JSON reorder throughput on the real listing APIs of `../shared/fixtures/storefronts`, against
//! the floor any RawValue-based engine stands on: serde_json splitting the same array into
//! `Vec<&RawValue>` (after walking down to it, for arrays below the root).
//!
//! Before timing, it prints the peak heap a `reorder` call allocates per file (dhat's heap
//! profiler counts every allocation and free made during the call; the input is allocated
//! before profiling starts and so is not counted), relative to the input size.

use std::fmt;
use std::path::PathBuf;

use criterion::{BenchmarkId, Criterion, Throughput};
use reshelf::ranking::Ranking;
use reshelf::rewrite::json::{reorder, JsonRules};
use reshelf::rewrite::Outcome;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// One real JSON listing, with the reverse of its native order as the ranking (every item
/// moves, the most work a reorder can have).
struct Case {
    name: String,
    body: Vec<u8>,
    rules: JsonRules,
    pointer: String,
    ranking: Ranking,
}

fn cases() -> Vec<Case> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/storefronts");
    let Ok(manifest) = std::fs::read(dir.join("manifest.json")) else {
        eprintln!("skipped: {} is absent", dir.display());
        return Vec::new();
    };
    let manifest: Vec<serde_json::Value> = serde_json::from_slice(&manifest).expect("manifest");
    let mut cases = Vec::new();
    for page in manifest.iter().filter(|p| p["format"] == "json") {
        let text = |key: &str| page[key].as_str().expect(key).to_owned();
        let body = std::fs::read(dir.join(text("file"))).expect("fixture");
        let pointer = text("array");
        let member = text("product_id");
        let doc: serde_json::Value = serde_json::from_slice(&body).expect("fixture is JSON");
        let items = doc
            .pointer(&pointer)
            .and_then(|v| v.as_array())
            .expect("array");
        let ids = items.iter().rev().map(|item| match &item[&member] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        cases.push(Case {
            name: text("name"),
            rules: JsonRules::new(&pointer, &member).expect("rules"),
            ranking: Ranking::new(ids),
            body,
            pointer,
        });
    }
    cases
}

/// The baseline: serde_json down to the array at `pointer` (object members only, which is what
/// the real APIs use), then the array as borrowed raw values.
fn split_with_serde<'a>(body: &'a [u8], pointer: &str) -> Vec<&'a RawValue> {
    let keys: Vec<&str> = pointer.split('/').skip(1).collect();
    let mut de = serde_json::Deserializer::from_slice(body);
    let items = Descend(&keys).deserialize(&mut de).expect("baseline parse");
    de.end().expect("baseline end");
    items
}

struct Descend<'k>(&'k [&'k str]);

impl<'de> DeserializeSeed<'de> for Descend<'_> {
    type Value = Vec<&'de RawValue>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        if self.0.is_empty() {
            Vec::<&RawValue>::deserialize(d)
        } else {
            d.deserialize_map(self)
        }
    }
}

impl<'de> Visitor<'de> for Descend<'_> {
    type Value = Vec<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (first, rest) = self.0.split_first().expect("non-empty path");
        let mut found = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == *first {
                found = Some(map.next_value_seed(Descend(rest))?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        found.ok_or_else(|| serde::de::Error::missing_field("pointer target"))
    }
}

/// The worst case for the item table: 10,000 tiny items (`{"id":"N"}`), reversed.
fn tiny_items() -> Case {
    let ids: Vec<String> = (0..10_000).map(|n| n.to_string()).collect();
    let items: Vec<String> = ids.iter().map(|id| format!(r#"{{"id":"{id}"}}"#)).collect();
    Case {
        name: "synthetic_10k_tiny".into(),
        body: format!("[{}]", items.join(",")).into_bytes(),
        rules: JsonRules::new("", "id").expect("rules"),
        pointer: String::new(),
        ranking: Ranking::new(ids.iter().rev()),
    }
}

fn print_memory(cases: &[Case]) {
    println!("peak heap allocated by one reorder call, relative to the input:");
    for case in cases.iter().chain([&tiny_items()]) {
        let profiler = dhat::Profiler::builder().testing().build();
        let out = reorder(&case.body, &case.rules, &case.ranking);
        let peak = dhat::HeapStats::get().max_bytes;
        drop(profiler);
        assert!(
            matches!(out.outcome, Outcome::Reordered(_)),
            "{}",
            case.name
        );
        println!(
            "  {:<22} input {:>6} B  peak extra {:>6} B  = {:.2}x",
            case.name,
            case.body.len(),
            peak,
            peak as f64 / case.body.len() as f64
        );
    }
}

fn main() {
    let cases = cases();
    print_memory(&cases);
    let mut c = Criterion::default().configure_from_args();
    for case in &cases {
        let reordered = reorder(&case.body, &case.rules, &case.ranking);
        assert!(matches!(reordered.outcome, Outcome::Reordered(_)));
        let baseline = split_with_serde(&case.body, &case.pointer);
        assert!(!baseline.is_empty());
        let mut group = c.benchmark_group(format!("rewrite_json/{}", case.name));
        group.throughput(Throughput::Bytes(case.body.len() as u64));
        group.bench_function(BenchmarkId::from_parameter("reorder"), |b| {
            b.iter(|| reorder(&case.body, &case.rules, &case.ranking))
        });
        group.bench_function(BenchmarkId::from_parameter("serde_rawvalue"), |b| {
            b.iter(|| split_with_serde(&case.body, &case.pointer))
        });
        group.finish();
    }
    c.final_summary();
}
