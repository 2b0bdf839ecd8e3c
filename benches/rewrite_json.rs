//! JSON reorder throughput on the real listing APIs of `../shared/fixtures/storefronts`, against
//! the floor any RawValue-based engine stands on: serde_json splitting the same array into
//! `Vec<&RawValue>` (after walking down to it, for arrays below the root).
//!
//! Before the criterion groups it prints the peak heap a `reorder` call allocates per file,
//! relative to the input size (dhat's heap profiler counts every allocation and free made during
//! the call; the input and ranking exist before profiling starts and are not counted), and a
//! paired ratio (see [`print_paired_ratios`]).

use std::fmt;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use reshelf::ranked::Ranking;
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
    member: String,
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
            member,
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
        while let Some(is_first) = map.next_key_seed(KeyIs(first))? {
            if is_first {
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
        member: "id".into(),
        ranking: Ranking::new(ids.iter().rev()),
    }
}

/// What a `RawValue`-based engine would need before it could reorder anything: the baseline
/// split, then a second serde pass over each item to find its id member. It is the design the
/// scanner was measured against (serde cannot capture an item's raw bytes and look inside it in
/// one pass).
fn split_and_read_ids<'a>(
    body: &'a [u8],
    pointer: &str,
    member: &str,
) -> Vec<(&'a RawValue, Option<&'a RawValue>)> {
    split_with_serde(body, pointer)
        .into_iter()
        .map(|item| {
            let mut de = serde_json::Deserializer::from_str(item.get());
            (item, IdOf(member).deserialize(&mut de).expect("an object"))
        })
        .collect()
}

struct IdOf<'m>(&'m str);

impl<'de> DeserializeSeed<'de> for IdOf<'_> {
    type Value = Option<&'de RawValue>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for IdOf<'_> {
    type Value = Option<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an item object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut id = None;
        while let Some(is_id) = map.next_key_seed(KeyIs(self.0))? {
            if is_id {
                id = Some(map.next_value::<&RawValue>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(id)
    }
}

/// Whether a member name equals the given one, without allocating for it (serde's `Cow<str>`
/// always copies).
struct KeyIs<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
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

/// Reorder against the baseline measured in alternation, best of many short rounds each: on a
/// machine shared with other work this ratio is steadier than two criterion groups run minutes
/// apart, since both sides see the same background load.
fn print_paired_ratios(cases: &[Case]) {
    const ROUNDS: usize = 400;
    const CALLS: u32 = 20;
    println!("paired best-of-{ROUNDS} rounds ({CALLS} calls each), reorder vs serde_rawvalue:");
    for case in cases {
        let mut best = [Duration::MAX; 2];
        for _ in 0..ROUNDS {
            let start = Instant::now();
            for _ in 0..CALLS {
                black_box(reorder(black_box(&case.body), &case.rules, &case.ranking));
            }
            best[0] = best[0].min(start.elapsed() / CALLS);
            let start = Instant::now();
            for _ in 0..CALLS {
                black_box(split_with_serde(black_box(&case.body), &case.pointer));
            }
            best[1] = best[1].min(start.elapsed() / CALLS);
        }
        let mib_s = |d: Duration| case.body.len() as f64 / d.as_secs_f64() / f64::from(1 << 20);
        println!(
            "  {:<22} reorder {:>8.2?} ({:>5.0} MiB/s)  serde {:>8.2?} ({:>5.0} MiB/s)  ratio {:.2}",
            case.name,
            best[0],
            mib_s(best[0]),
            best[1],
            mib_s(best[1]),
            best[1].as_secs_f64() / best[0].as_secs_f64()
        );
    }
}

fn main() {
    let cases = cases();
    print_memory(&cases);
    print_paired_ratios(&cases);
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
        group.bench_function(
            BenchmarkId::from_parameter("serde_rawvalue_then_ids"),
            |b| b.iter(|| split_and_read_ids(&case.body, &case.pointer, &case.member)),
        );
        group.finish();
    }
    c.final_summary();
}
