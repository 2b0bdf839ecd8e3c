//! Memory per cached ranking: what the weigher charges (`ranking::cache::weight`) against
//! what a `RankingCache` really holds, per ranked id.
//!
//! 1. The weigher's bytes per id for one entry, with short ids (8–12 characters) and
//!    UUID-like ids (36), and its overhead per id beyond the id text.
//! 2. Real memory: each scenario runs in a fresh child process (this executable again, with
//!    `RESHELF_CACHE_CHILD` set) that inserts N rankings built the way the API client builds
//!    them (a `Vec<String>` turned into a `Ranking`), then reports the growth of its resident
//!    set (`VmRSS` of `/proc/self/status`, the resident count of `/proc/self/statm` in kB) and,
//!    in a second child, of its live heap (dhat's `HeapStats`, exact bytes requested).
//! 3. The bound: a cache with `max_bytes` = 32 MiB offered four times that; its RSS growth
//!    must stay near 32 MiB.
//!
//! Run: `cargo bench --bench ranking_cache` (a plain binary, `harness = false`; no criterion:
//! it measures bytes, not time).

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::{rngs::SmallRng, Rng, SeedableRng};
use reshelf::ranking::cache::{weight, Entry, Key, RankingCache};
use reshelf::ranking::Ranking;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const CHILD: &str = "RESHELF_CACHE_CHILD";

#[derive(Clone, Copy)]
enum Ids {
    /// 8–12 alphanumerics, like SKUs or platform product ids.
    Short,
    /// `8-4-4-4-12` hex, like commercetools or Fashion.AI UUIDs.
    Uuid,
}

fn ids(rng: &mut SmallRng, kind: Ids, n: usize) -> Vec<String> {
    const ALNUM: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    (0..n)
        .map(|_| match kind {
            Ids::Short => (0..rng.random_range(8..=12))
                .map(|_| char::from(ALNUM[rng.random_range(0..ALNUM.len())]))
                .collect(),
            Ids::Uuid => uuid::Builder::from_random_bytes(rng.random())
                .into_uuid()
                .to_string(),
        })
        .collect()
}

/// A key as the service builds it: a minted session id, no user, a short category.
fn key(i: usize) -> Key {
    Key {
        session: reshelf::identity::mint_session_id().into(),
        user: None,
        category: format!("cat-{}", i % 40).into(),
    }
}

fn entry(ranking: Ranking) -> Entry {
    Entry {
        ranking: Arc::new(ranking),
        fetched: Instant::now(),
    }
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

struct Scenario {
    kind: Ids,
    ids: usize,
    entries: usize,
}

const SCENARIOS: [Scenario; 5] = [
    Scenario {
        kind: Ids::Short,
        ids: 50,
        entries: 20_000,
    },
    Scenario {
        kind: Ids::Short,
        ids: 500,
        entries: 4_000,
    },
    Scenario {
        kind: Ids::Short,
        ids: 5_000,
        entries: 400,
    },
    Scenario {
        kind: Ids::Uuid,
        ids: 500,
        entries: 4_000,
    },
    Scenario {
        kind: Ids::Uuid,
        ids: 5_000,
        entries: 400,
    },
];

fn kind_name(kind: Ids) -> &'static str {
    match kind {
        Ids::Short => "8–12 ch",
        Ids::Uuid => "36 ch",
    }
}

/// What a child measured: growth of RSS or live heap, the weigher's total, id text bytes,
/// entries held, allocations held (heap mode).
struct Measured {
    grown: u64,
    weighed: u64,
    text: u64,
    entries: u64,
    blocks: u64,
}

/// Child: fills a cache (max_bytes `cap`) with `n` entries of `ids` ids, measuring `mode`
/// (`rss` or `heap`) growth around it; prints one line of numbers.
fn child(mode: &str, kind: Ids, ids_per: usize, n: usize, cap: u64) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut rng = SmallRng::seed_from_u64(4);
    let cache = RankingCache::new(cap, Duration::from_secs(3600));
    // Warm the allocator and the runtime before the baseline.
    rt.block_on(cache.insert(key(0), Arc::new(Ranking::new(ids(&mut rng, kind, ids_per)))));
    rt.block_on(cache.usage());
    let profiler = (mode == "heap").then(|| dhat::Profiler::builder().testing().build());
    let heap = || dhat::HeapStats::get();
    let (rss0, heap0) = (rss(), profiler.as_ref().map(|_| heap()));
    let mut text = 0u64;
    for i in 1..=n {
        let fetched = ids(&mut rng, kind, ids_per);
        text += fetched.iter().map(|s| s.len() as u64).sum::<u64>();
        rt.block_on(cache.insert(key(i), Arc::new(Ranking::new(fetched))));
    }
    let (weighed, entries) = rt.block_on(cache.usage());
    let (grown, blocks) = match (heap0, profiler.as_ref().map(|_| heap())) {
        (Some(before), Some(after)) => (
            (after.curr_bytes - before.curr_bytes) as u64,
            (after.curr_blocks - before.curr_blocks) as u64,
        ),
        _ => (rss() - rss0, 0),
    };
    println!("{grown} {weighed} {text} {entries} {blocks}");
    drop(cache);
}

fn run_child(mode: &str, s: &Scenario, cap: u64) -> Measured {
    let exe = std::env::current_exe().expect("current_exe");
    let kind = match s.kind {
        Ids::Short => "short",
        Ids::Uuid => "uuid",
    };
    let arg = format!("{mode} {kind} {} {} {cap}", s.ids, s.entries);
    let out = Command::new(exe).env(CHILD, arg).output().expect("child");
    assert!(out.status.success(), "child failed: {out:?}");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let v: Vec<u64> = text
        .split_whitespace()
        .map(|n| n.parse().expect("number"))
        .collect();
    Measured {
        grown: v[0],
        weighed: v[1],
        text: v[2],
        entries: v[3],
        blocks: v[4],
    }
}

fn weigher_table() {
    println!("### Weigher, one entry (key: 22-char session, no user, 6-char category)\n");
    println!("| ids | id length | weight B | B/id | id text B/id | overhead B/id |");
    println!("|---:|---|---:|---:|---:|---:|");
    let mut rng = SmallRng::seed_from_u64(1);
    for s in &SCENARIOS {
        let fetched = ids(&mut rng, s.kind, s.ids);
        let text: usize = fetched.iter().map(String::len).sum();
        let w = f64::from(weight(&key(1), &entry(Ranking::new(fetched))));
        let per = |b: f64| b / s.ids as f64;
        println!(
            "| {} | {} | {w:.0} | {:.1} | {:.1} | {:.1} |",
            s.ids,
            kind_name(s.kind),
            per(w),
            per(text as f64),
            per(w - text as f64),
        );
    }
}

fn memory_table() {
    println!("\n### Real memory: N entries in a fresh process, per ranked id\n");
    println!(
        "| ids × entries | id length | weigher B/id | heap B/id | heap allocs/entry \
         | RSS B/id | RSS overhead beyond text B/id | RSS / weigher | RSS − weigher B/entry |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for s in &SCENARIOS {
        let rss = run_child("rss", s, u64::MAX / 2);
        let heap = run_child("heap", s, u64::MAX / 2);
        assert_eq!(rss.entries, s.entries as u64 + 1, "nothing evicted");
        let total = (s.ids * s.entries) as f64;
        let per = |b: u64| b as f64 / total;
        println!(
            "| {} × {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} | {:.0} |",
            s.ids,
            s.entries,
            kind_name(s.kind),
            per(rss.weighed),
            per(heap.grown),
            heap.blocks as f64 / s.entries as f64,
            per(rss.grown),
            per(rss.grown) - per(rss.text),
            rss.grown as f64 / rss.weighed as f64,
            (rss.grown as f64 - rss.weighed as f64) / s.entries as f64,
        );
    }
}

fn bound_table() {
    const CAP: u64 = 32 << 20;
    println!("\n### Bound: max_bytes = 32 MiB, offered 4× that (500 short ids per entry)\n");
    println!("| entries held | weighed MiB | RSS growth MiB | RSS / max_bytes |");
    println!("|---:|---:|---:|---:|");
    let mib = |b: u64| b as f64 / f64::from(1 << 20);
    let s = Scenario {
        kind: Ids::Short,
        ids: 500,
        entries: (4 * CAP / (500 * 14)) as usize,
    };
    let m = run_child("rss", &s, CAP);
    println!(
        "| {} | {:.1} | {:.1} | {:.2} |",
        m.entries,
        mib(m.weighed),
        mib(m.grown),
        m.grown as f64 / CAP as f64
    );
}

fn main() {
    if let Ok(arg) = std::env::var(CHILD) {
        let a: Vec<&str> = arg.split(' ').collect();
        let kind = if a[1] == "uuid" {
            Ids::Uuid
        } else {
            Ids::Short
        };
        let num = |i: usize| a[i].parse::<u64>().expect("number");
        child(a[0], kind, num(2) as usize, num(3) as usize, num(4));
        return;
    }
    // `cargo test --benches` runs bench targets too; the measurement is for `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    weigher_table();
    memory_table();
    bound_table();
}
