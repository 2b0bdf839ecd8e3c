//! Memory per cached ranking: what the weigher charges (`ranking::cache::weight`, plus the
//! shared id tables through the cache's ledger) against what a `RankingCache` really holds,
//! per ranked id.
//!
//! Ids: short (8–12 alphanumerics), Shopify-like 13-digit numbers, UUIDs (36). Each of 40
//! categories has a catalog of N product ids, and every session's ranking of a category is a
//! shuffle of its catalog (what Fashion.AI answers: the category's products in that shopper's
//! order). Rankings are built two ways:
//!
//! - **inline**: `Ranking::new` (the representation before interning: one buffer of id text
//!   and 4 bytes of end offset per id);
//! - **interned**: `RankingCache::intern`, as the ranking service builds them (2-byte indexes
//!   into the category's shared table);
//! - **unshared**: interned, but the API answers new random ids on every call (nothing shared:
//!   the worst case for interning).
//!
//! 1. Real memory: each scenario runs in a fresh child process (this executable again, with
//!    `RESHELF_CACHE_CHILD` set) that inserts the rankings, then reports the growth of its
//!    resident set (`VmRSS` of `/proc/self/status`) and, in a second child, of its live heap
//!    (dhat's `HeapStats`, exact bytes requested).
//! 2. The bound: a cache with `max_bytes` = 32 MiB offered four times that; its RSS growth
//!    must stay near 32 MiB.
//!
//! Run: `cargo bench --bench ranking_cache` (a plain binary, `harness = false`; no criterion:
//! it measures bytes, not time).

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use rand::{rngs::SmallRng, seq::SliceRandom, Rng, SeedableRng};
use reshelf::ranked::Ranking;
use reshelf::ranking::cache::{Key, RankingCache};

/// dhat's allocator (the system one, counted when the heap profiler runs); with
/// `--features bench-jemalloc` the binary's own allocator instead (`bench-mimalloc`: the one it
/// had before), for the RSS figures only.
#[cfg(not(any(feature = "bench-jemalloc", feature = "bench-mimalloc")))]
#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;
#[cfg(feature = "bench-jemalloc")]
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;
#[cfg(all(feature = "bench-mimalloc", not(feature = "bench-jemalloc")))]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
/// Heap figures need dhat's allocator.
const HEAP: bool = cfg!(not(any(
    feature = "bench-jemalloc",
    feature = "bench-mimalloc"
)));

const CHILD: &str = "RESHELF_CACHE_CHILD";
const CATEGORIES: usize = 40;

#[derive(Clone, Copy, PartialEq)]
enum Ids {
    /// 8–12 alphanumerics, like SKUs or platform product ids.
    Short,
    /// 13 digits, like Shopify product ids.
    Digits,
    /// `8-4-4-4-12` hex, like commercetools or Fashion.AI UUIDs.
    Uuid,
}

#[derive(Clone, Copy, PartialEq)]
enum Build {
    Inline,
    Interned,
    Unshared,
}

const KINDS: [(Ids, &str, &str); 3] = [
    (Ids::Short, "short", "8–12 ch"),
    (Ids::Digits, "digits", "13 digits"),
    (Ids::Uuid, "uuid", "36 ch (UUID)"),
];
const BUILDS: [(Build, &str); 3] = [
    (Build::Inline, "inline"),
    (Build::Interned, "interned"),
    (Build::Unshared, "unshared"),
];

fn id(rng: &mut SmallRng, kind: Ids) -> String {
    const ALNUM: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    match kind {
        Ids::Short => (0..rng.random_range(8..=12))
            .map(|_| char::from(ALNUM[rng.random_range(0..ALNUM.len())]))
            .collect(),
        Ids::Digits => rng
            .random_range(1_000_000_000_000u64..10_000_000_000_000)
            .to_string(),
        Ids::Uuid => uuid::Builder::from_random_bytes(rng.random())
            .into_uuid()
            .to_string(),
    }
}

fn ids(rng: &mut SmallRng, kind: Ids, n: usize) -> Vec<String> {
    (0..n).map(|_| id(rng, kind)).collect()
}

/// A key as the service builds it: a minted session id, no user, category `cat-{i % 40}`.
fn key(i: usize) -> Key {
    Key {
        session: reshelf::identity::mint_session_id().into(),
        user: None,
        category: category(i).into(),
    }
}

fn category(i: usize) -> String {
    format!("cat-{}", i % CATEGORIES)
}

/// Resident set in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmRSS");
    kb * 1024
}

#[derive(Clone, Copy)]
struct Scenario {
    kind: Ids,
    build: Build,
    ids: usize,
    entries: usize,
}

/// The rankings of each length, and how many entries of them.
const SIZES: [(usize, usize); 3] = [(50, 20_000), (500, 4_000), (5_000, 400)];

fn scenarios() -> Vec<Scenario> {
    let mut all = Vec::new();
    for (kind, _, _) in KINDS {
        for (ids, entries) in SIZES {
            for build in [Build::Inline, Build::Interned] {
                all.push(Scenario {
                    kind,
                    build,
                    ids,
                    entries,
                });
            }
        }
    }
    for kind in [Ids::Digits, Ids::Uuid] {
        all.push(Scenario {
            kind,
            build: Build::Unshared,
            ids: 500,
            entries: 4_000,
        });
    }
    all
}

/// What a child measured: growth of RSS or live heap, the weigher's total, the ledger's
/// unpaid bytes, id text bytes, entries held, allocations held (heap mode).
#[derive(Default)]
struct Measured {
    grown: u64,
    weighed: u64,
    unpaid: i64,
    text: u64,
    entries: u64,
    blocks: u64,
}

/// Child: fills a cache (max_bytes `cap`) with `s.entries` rankings, measuring `mode` (`rss`
/// or `heap`) growth around it; prints one line of numbers.
fn child(mode: &str, s: Scenario, cap: u64) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut rng = SmallRng::seed_from_u64(4);
    let catalogs: Vec<Vec<String>> = (0..CATEGORIES)
        .map(|_| ids(&mut rng, s.kind, s.ids))
        .collect();
    let cache = RankingCache::new(cap, Duration::from_secs(3600));
    // Warm the allocator and the runtime before the baseline, in a category of its own.
    let warm = cache.intern("warm", &ids(&mut rng, s.kind, s.ids));
    rt.block_on(cache.insert(key(0), Arc::new(warm)));
    let (weighed0, entries0) = rt.block_on(cache.usage());
    let unpaid0 = cache.unpaid_bytes();
    let profiler = (mode == "heap").then(|| dhat::Profiler::builder().testing().build());
    let heap = || dhat::HeapStats::get();
    let (rss0, heap0) = (rss(), profiler.as_ref().map(|_| heap()));
    let mut text = 0u64;
    let mut fetched = Vec::with_capacity(s.ids);
    for i in 0..s.entries {
        fetched.clear();
        match s.build {
            Build::Unshared => fetched.extend((0..s.ids).map(|_| id(&mut rng, s.kind))),
            _ => {
                fetched.extend_from_slice(&catalogs[i % CATEGORIES]);
                fetched.shuffle(&mut rng);
            }
        }
        text += fetched.iter().map(|s| s.len() as u64).sum::<u64>();
        let ranking = match s.build {
            Build::Inline => Ranking::new(fetched.drain(..)),
            _ => cache.intern(&category(i), &fetched),
        };
        rt.block_on(cache.insert(key(i), Arc::new(ranking)));
    }
    // The last answer's ids are not the cache's.
    drop(fetched);
    let (held, entries) = rt.block_on(cache.usage());
    let unpaid = cache.unpaid_bytes();
    let weighed = (held - weighed0) as i64 - (unpaid.max(0) - unpaid0.max(0));
    let (grown, blocks) = match (heap0, profiler.as_ref().map(|_| heap())) {
        (Some(before), Some(after)) => (
            (after.curr_bytes - before.curr_bytes) as u64,
            (after.curr_blocks - before.curr_blocks) as u64,
        ),
        _ => (rss() - rss0, 0),
    };
    println!(
        "{grown} {weighed} {} {text} {} {blocks}",
        unpaid - unpaid0,
        entries - entries0
    );
    drop(cache);
}

fn run_child(mode: &str, s: &Scenario, cap: u64) -> Measured {
    let exe = std::env::current_exe().expect("current_exe");
    let kind = KINDS.iter().find(|k| k.0 == s.kind).expect("kind").1;
    let build = BUILDS.iter().find(|b| b.0 == s.build).expect("build").1;
    let arg = format!("{mode} {kind} {build} {} {} {cap}", s.ids, s.entries);
    let out = Command::new(exe).env(CHILD, arg).output().expect("child");
    assert!(out.status.success(), "child failed: {out:?}");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let v: Vec<i64> = text
        .split_whitespace()
        .map(|n| n.parse().expect("number"))
        .collect();
    Measured {
        grown: v[0] as u64,
        weighed: v[1] as u64,
        unpaid: v[2],
        text: v[3] as u64,
        entries: v[4] as u64,
        blocks: v[5] as u64,
    }
}

fn memory_table() {
    println!("### Real memory: N entries in a fresh process, per ranked id\n");
    println!(
        "| ids × entries | id length | ranking | id text B/id | weigher B/id | unpaid B/id \
         | heap B/id | heap allocs/entry | RSS B/id | RSS / weigher | RSS − weigher B/entry |"
    );
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for s in &scenarios() {
        let rss = run_child("rss", s, u64::MAX / 2);
        let heap = if HEAP {
            run_child("heap", s, u64::MAX / 2)
        } else {
            Measured::default()
        };
        assert_eq!(rss.entries, s.entries as u64, "nothing evicted");
        let total = (s.ids * s.entries) as f64;
        let per = |b: f64| b / total;
        println!(
            "| {} × {} | {} | {} | {:.1} | {:.1} | {:.2} | {:.1} | {:.1} | {:.1} | {:.2} | {:.0} |",
            s.ids,
            s.entries,
            KINDS.iter().find(|k| k.0 == s.kind).expect("kind").2,
            BUILDS.iter().find(|b| b.0 == s.build).expect("build").1,
            per(rss.text as f64),
            per(rss.weighed as f64),
            per(rss.unpaid as f64),
            per(heap.grown as f64),
            heap.blocks as f64 / s.entries as f64,
            per(rss.grown as f64),
            rss.grown as f64 / rss.weighed as f64,
            (rss.grown as f64 - rss.weighed as f64) / s.entries as f64,
        );
    }
}

fn bound_table() {
    const CAP: u64 = 32 << 20;
    println!("\n### Bound: max_bytes = 32 MiB, offered 4× that (500 ids per entry)\n");
    println!(
        "| ids | ranking | entries offered | entries held | weighed MiB | unpaid MiB \
         | RSS growth MiB | RSS / max_bytes |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    let mib = |b: f64| b / f64::from(1 << 20);
    for (kind, build, per_entry) in [
        (Ids::Short, Build::Inline, 500 * 14),
        (Ids::Short, Build::Interned, 500 * 2 + 700),
        (Ids::Digits, Build::Interned, 500 * 2 + 700),
        (Ids::Uuid, Build::Interned, 500 * 2 + 700),
        (Ids::Digits, Build::Unshared, 500 * 25),
    ] {
        let s = Scenario {
            kind,
            build,
            ids: 500,
            entries: (4 * CAP / per_entry) as usize,
        };
        let m = run_child("rss", &s, CAP);
        println!(
            "| {} | {} | {} | {} | {:.1} | {:.2} | {:.1} | {:.2} |",
            KINDS.iter().find(|k| k.0 == kind).expect("kind").2,
            BUILDS.iter().find(|b| b.0 == build).expect("build").1,
            s.entries,
            m.entries,
            mib(m.weighed as f64),
            mib(m.unpaid as f64),
            mib(m.grown as f64),
            m.grown as f64 / CAP as f64
        );
    }
}

fn main() {
    if let Ok(arg) = std::env::var(CHILD) {
        let a: Vec<&str> = arg.split(' ').collect();
        let kind = KINDS.iter().find(|k| k.1 == a[1]).expect("kind").0;
        let build = BUILDS.iter().find(|b| b.1 == a[2]).expect("build").0;
        let num = |i: usize| a[i].parse::<u64>().expect("number");
        let s = Scenario {
            kind,
            build,
            ids: num(3) as usize,
            entries: num(4) as usize,
        };
        child(a[0], s, num(5));
        return;
    }
    // `cargo test --benches` runs bench targets too; the measurement is for `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    memory_table();
    bound_table();
}
