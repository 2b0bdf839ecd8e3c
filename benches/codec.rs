//! What re-encoding a reordered listing page costs, on the real pages of
//! `../shared/fixtures/storefronts` (the ~480 KB BigCommerce and ~456 KB WooCommerce pages are
//! the "500 KB listing"; the 905 KB Dawn page is the large case).
//!
//! Timed with criterion: encoding the reordered page at gzip 1–6, brotli 1–6 and zstd 1–6;
//! decoding what an origin typically sends (gzip 6, br 5, br 11, zstd 3); the reorder itself;
//! and the whole listing path (decode what the origin sent + reorder + encode at reshelf's
//! levels, `codec::encode`). Then, under `--bench`, it prints the medians as markdown tables
//! (read back from criterion's `estimates.json`) and a separate pass of 200 timed runs of the
//! whole path for its p50/p99, the figure the budget (added p99 ≤ 3 ms) is about.
//!
//! Times are on-CPU time of the benchmarking thread (`codec/cpu.rs`), not wall time: the
//! bench machine is shared by other jobs, and wall time there mostly measures waiting for a
//! core. The tail pass prints wall time beside it, and the load average around it.
//!
//! Run: `cargo bench --bench codec`.

#[path = "codec/cpu.rs"]
mod cpu;
#[path = "codec/report.rs"]
mod report;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use cpu::{on_cpu, CpuTime};
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use reshelf::kit::codec::{self, Coding};
use reshelf::ranked::Ranking;
use reshelf::rewrite::html::{self, HtmlRules, HtmlSpec};
use reshelf::rewrite::Outcome;

/// The manifest entries benchmarked.
const PAGES: [&str; 3] = ["bigcommerce_halo", "woo_woostify", "shopify_dawn"];
/// Levels tried per coding when encoding for the client (brotli 0 too: its one-pass mode).
const LEVELS: [(Coding, &[u32]); 3] = [
    (Coding::Gzip, &[1, 2, 3, 4, 5, 6]),
    (Coding::Brotli, &[0, 1, 2, 3, 4, 5, 6]),
    (Coding::Zstd, &[1, 2, 3, 4, 5, 6]),
];
/// What an origin typically sends: nginx/Apache gzip 6, dynamic brotli 5, static brotli 11,
/// zstd's default 3.
const ORIGIN: [(Coding, u32); 4] = [
    (Coding::Gzip, 6),
    (Coding::Brotli, 5),
    (Coding::Brotli, 11),
    (Coding::Zstd, 3),
];
/// A whole listing path: what the origin sent, then what reshelf encodes for the client.
#[derive(Clone, Copy)]
pub struct Path {
    pub origin: (Coding, u32),
    pub client: (Coding, u32),
}

/// The candidate levels for the client's coding, from an origin at its typical level (the
/// level set in `src/kit/codec.rs` is one of them).
pub const PATHS: [Path; 8] = [
    path(Coding::Identity, 0, Coding::Identity, 0),
    path(Coding::Gzip, 6, Coding::Gzip, 1),
    path(Coding::Gzip, 6, Coding::Gzip, 2),
    path(Coding::Gzip, 6, Coding::Brotli, 0),
    path(Coding::Gzip, 6, Coding::Brotli, 1),
    path(Coding::Brotli, 5, Coding::Brotli, 0),
    path(Coding::Brotli, 5, Coding::Brotli, 1),
    path(Coding::Zstd, 3, Coding::Zstd, 3),
];

const fn path(origin: Coding, level: u32, client: Coding, client_level: u32) -> Path {
    Path {
        origin: (origin, level),
        client: (client, client_level),
    }
}
const LIMIT: usize = 16 << 20;

/// One real page, its rules, and the reverse of its native order as the ranking (every tile
/// moves, the most work a reorder can have).
pub struct Page {
    pub name: String,
    pub input: Vec<u8>,
    rules: HtmlRules,
    ranking: Ranking,
    /// The reordered page: what `encode` is given in the proxy.
    pub reordered: Vec<u8>,
}

fn pages() -> Vec<Page> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/storefronts");
    let Ok(manifest) = std::fs::read(dir.join("manifest.json")) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "storefront fixtures missing under CI: {}",
            dir.display()
        );
        eprintln!("skipped: {} is absent", dir.display());
        return Vec::new();
    };
    let manifest: Vec<serde_json::Value> = serde_json::from_slice(&manifest).expect("manifest");
    PAGES
        .iter()
        .map(|&name| {
            let entry = manifest
                .iter()
                .find(|e| e["name"] == name)
                .unwrap_or_else(|| panic!("{name} not in the manifest"));
            let text = |key: &str| entry[key].as_str().unwrap_or("").to_owned();
            let list = |key: &str| -> Vec<String> {
                entry[key].as_array().map_or_else(Vec::new, |a| {
                    a.iter()
                        .map(|v| v.as_str().expect(key).to_owned())
                        .collect()
                })
            };
            let (classes, attributes) = (list("slot_classes"), list("slot_attributes"));
            let (tiles, product_id, pattern, companions) = (
                text("tiles"),
                text("product_id"),
                text("product_id_pattern"),
                text("companions"),
            );
            let rules = HtmlRules::new(&HtmlSpec {
                tiles: &tiles,
                product_id: &product_id,
                product_id_pattern: &pattern,
                companions: &companions,
                slot_classes: &classes,
                slot_attributes: &attributes,
            })
            .unwrap_or_else(|e| panic!("{name}: rules: {e:?}"));
            let input = std::fs::read(dir.join(text("file"))).expect("fixture file");
            let ids = html::listing_ids(&input, None, &rules).expect("a listing");
            let ranking = Ranking::new(ids.concat().into_iter().flatten().rev());
            let out = html::reorder(&input, None, &rules, &ranking);
            assert!(
                matches!(out.outcome, Outcome::Reordered(_)),
                "{name}: {:?}",
                out.outcome
            );
            let reordered = out.body.into_owned();
            Page {
                name: name.to_owned(),
                input,
                rules,
                ranking,
                reordered,
            }
        })
        .collect()
}

/// The listing path of the proxy after the origin body (`wire`) arrived: decode, reorder,
/// encode for the client (`codec::encode` is `encode_at` at the configured level). Returns the
/// body sent.
fn listing_path(page: &Page, path: Path, wire: &[u8]) -> Vec<u8> {
    let decoded = codec::decode(path.origin.0, wire, LIMIT).expect("decodes");
    let out = html::reorder(&decoded, None, &page.rules, &page.ranking);
    codec::encode_at(path.client.0, path.client.1, &out.body)
}

fn label(coding: Coding, level: u32) -> String {
    format!("{}-{level}", coding.token())
}

/// The benchmark name of a path: origin coding-level, then the client's.
fn path_label(p: Path) -> String {
    format!(
        "{}_to_{}",
        label(p.origin.0, p.origin.1),
        label(p.client.0, p.client.1)
    )
}

fn bench(c: &mut Criterion<CpuTime>, pages: &[Page]) {
    let mut group = c.benchmark_group("reorder");
    group.sampling_mode(SamplingMode::Flat);
    for page in pages {
        group.throughput(Throughput::Bytes(page.input.len() as u64));
        group.bench_with_input(BenchmarkId::new("html", &page.name), page, |b, p| {
            b.iter(|| {
                html::reorder(&p.input, None, &p.rules, &p.ranking)
                    .body
                    .len()
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("encode");
    group.sampling_mode(SamplingMode::Flat);
    for page in pages {
        group.throughput(Throughput::Bytes(page.reordered.len() as u64));
        for (coding, levels) in LEVELS {
            for &level in levels {
                let id = BenchmarkId::new(label(coding, level), &page.name);
                group.bench_with_input(id, page, |b, p| {
                    b.iter(|| codec::encode_at(coding, level, &p.reordered).len())
                });
            }
        }
    }
    group.finish();

    let mut group = c.benchmark_group("decode");
    group.sampling_mode(SamplingMode::Flat);
    for page in pages {
        group.throughput(Throughput::Bytes(page.input.len() as u64));
        for (coding, level) in ORIGIN {
            let wire = codec::encode_at(coding, level, &page.input);
            let id = BenchmarkId::new(label(coding, level), &page.name);
            group.bench_with_input(id, &wire, |b, wire| {
                b.iter(|| codec::decode(coding, wire, LIMIT).expect("decodes").len())
            });
        }
    }
    group.finish();

    let mut group = c.benchmark_group("path");
    group.sampling_mode(SamplingMode::Flat);
    for page in pages {
        group.throughput(Throughput::Bytes(page.input.len() as u64));
        for path in PATHS {
            let wire = codec::encode_at(path.origin.0, path.origin.1, &page.input);
            let id = BenchmarkId::new(path_label(path), &page.name);
            group.bench_with_input(id, &wire, |b, wire| {
                b.iter(|| listing_path(page, path, wire).len())
            });
        }
    }
    group.finish();
}

/// p50/p99/max of `runs` runs of the whole listing path per page and coding, on-CPU and wall.
fn tail_latency(pages: &[Page], runs: usize) {
    println!("\n### Listing path (decode + reorder + encode), {runs} runs each\n");
    println!("| page | origin → client | CPU p50 ms | CPU p99 ms | CPU max ms | wall p50 ms | wall p99 ms |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for page in pages {
        for path in PATHS {
            let wire = codec::encode_at(path.origin.0, path.origin.1, &page.input);
            for _ in 0..runs / 10 {
                std::hint::black_box(listing_path(page, path, &wire));
            }
            let (mut cpu, mut wall): (Vec<Duration>, Vec<Duration>) = (0..runs)
                .map(|_| {
                    let (started, cpu0) = (Instant::now(), on_cpu());
                    std::hint::black_box(listing_path(page, path, &wire));
                    (on_cpu().saturating_sub(cpu0), started.elapsed())
                })
                .unzip();
            cpu.sort_unstable();
            wall.sort_unstable();
            let at = |times: &[Duration], q: f64| {
                report::ms(times[((runs as f64 * q) as usize).min(runs - 1)])
            };
            println!(
                "| {} | {} → {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
                page.name,
                label(path.origin.0, path.origin.1),
                label(path.client.0, path.client.1),
                at(&cpu, 0.50),
                at(&cpu, 0.99),
                at(&cpu, 1.0),
                at(&wall, 0.50),
                at(&wall, 0.99),
            );
        }
    }
}

/// The 1-, 5- and 15-minute load averages: this machine is shared, and a tail measured while
/// other work runs shows the scheduler as much as the code.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn main() {
    let pages = pages();
    if pages.is_empty() {
        return;
    }
    let started = std::time::SystemTime::now();
    let mut c = Criterion::default()
        .with_measurement(CpuTime)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_millis(800))
        .sample_size(20)
        .without_plots()
        .configure_from_args();
    bench(&mut c, &pages);
    c.final_summary();
    // `cargo test --benches` runs each benchmark once; the tables are for `cargo bench`.
    if std::env::args().any(|a| a == "--bench") {
        println!("\nload average before the tables: {}", load());
        report::tables(&pages, &LEVELS, &ORIGIN, started);
        tail_latency(&pages, 200);
        println!("\nload average after: {}", load());
    }
}
