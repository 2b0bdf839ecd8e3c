//! Benches of the reorder engines, one criterion group function per format.
//!
//! `html`: each real page of `../shared/fixtures/storefronts/manifest.json` and synthetic
//! tag-dense listings of 24, 48, 96 and 500 tiles; in each group `noop` is lol_html parsing the
//! page with the same tile selector and a no-op element handler (the floor any lol_html engine
//! stands on) and `full` is `rewrite::html::reorder` moving every tile (reversed ranking).
//! The two are timed alternately (see [`paired`]), and before each group a line
//! `html interleaved ...` gives both medians from calls made side by side and their ratio
//! (see [`interleaved`]). Throughput is in page bytes.
//! `stream` is `rewrite::html::HtmlStream` over the same page fed in 16 KiB pieces, the ranking
//! decided before the first piece, every piece's ready bytes taken; a line `html stream ...`
//! gives its median beside `full`'s from calls made side by side.
//! Run: `cargo bench --bench rewrite -- html`; with `--features bench-jemalloc` under the
//! binary's allocator (jemalloc) instead of the system one, for both sides of every pair
//! (`--features bench-mimalloc`: under mimalloc, the binary's allocator before jemalloc).

#[path = "html/cases.rs"]
mod cases;

use std::borrow::Cow;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lol_html::html_content::Element;
use lol_html::{ElementContentHandlers, HtmlRewriter, Selector, Settings};
use reshelf::ranked::Ranking;
use reshelf::rewrite::html::{self, HtmlStream, StreamOutcome};
use reshelf::rewrite::Outcome;

use cases::{html_real_pages, html_synthetic, HtmlCase};

/// The allocator `reshelf` itself runs under (see `src/main.rs`), when asked for.
#[cfg(feature = "bench-jemalloc")]
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The allocator `reshelf` ran under before jemalloc, when asked for (BENCHMARKS.md
/// "Allocator"); `bench-jemalloc` wins when both are on.
#[cfg(all(feature = "bench-mimalloc", not(feature = "bench-jemalloc")))]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// lol_html over the page with the tile selector and a handler that does nothing.
fn html_noop(input: &[u8], tiles: &Selector) {
    let settings = Settings::new().append_element_content_handler((
        Cow::Borrowed(tiles),
        ElementContentHandlers::default().element(|el: &mut Element<'_, '_>| {
            black_box(el);
            Ok(())
        }),
    ));
    let mut rewriter = HtmlRewriter::new(settings, |chunk: &[u8]| {
        black_box(chunk);
    });
    rewriter.write(input).expect("lol_html parses the page");
    rewriter.end().expect("lol_html ends the page");
}

/// Which side of a pair a measurement reports.
#[derive(Clone, Copy)]
enum Side {
    Noop,
    Full,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Noop => "noop",
            Side::Full => "full",
        }
    }
}

/// Runs the baseline and the rewrite alternately and returns the time of one side: both
/// sides are then measured under the same machine conditions (this bench shares its cores),
/// so their ratio holds even when absolute times drift.
fn paired(iters: u64, side: Side, noop: impl Fn(), full: impl Fn()) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        noop();
        let noop_time = start.elapsed();
        let start = Instant::now();
        full();
        let full_time = start.elapsed();
        total += match side {
            Side::Noop => noop_time,
            Side::Full => full_time,
        };
    }
    total
}

/// Alternates baseline and rewrite call by call for about `budget` and returns the median of
/// each side. Criterion samples the two benches seconds apart, and on a shared machine the
/// load moves in between; medians taken side by side give a ratio that holds.
fn interleaved(budget: Duration, noop: impl Fn(), full: impl Fn()) -> (Duration, Duration) {
    let start = Instant::now();
    noop();
    full();
    let reps = (budget.as_secs_f64() / start.elapsed().as_secs_f64()).clamp(21.0, 20_000.0);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..reps as usize {
        let start = Instant::now();
        noop();
        a.push(start.elapsed());
        let start = Instant::now();
        full();
        b.push(start.elapsed());
    }
    a.sort();
    b.sort();
    (a[a.len() / 2], b[b.len() / 2])
}

/// Whether the command line asks for the html benches: no filter, or one naming html
/// (option values are numbers or start with `-`; anything else is taken as a filter).
fn wants_interleaved() -> bool {
    let words: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-') && a.parse::<f64>().is_err())
        .collect();
    words.is_empty() || words.iter().any(|w| w.contains("html"))
}

/// Prints the interleaved medians of baseline and rewrite for one page.
fn html_interleaved(case: &HtmlCase, tiles: &Selector, ranking: &Ranking) {
    let (noop_median, full_median) = interleaved(
        Duration::from_millis(1500),
        || html_noop(black_box(&case.input), tiles),
        || {
            black_box(html::reorder(
                black_box(&case.input),
                None,
                &case.rules,
                ranking,
            ));
        },
    );
    println!(
        "html interleaved {:<18} {:>8} B  noop {:>9.1} µs  full {:>9.1} µs  full/noop {:.2}",
        case.name,
        case.input.len(),
        noop_median.as_secs_f64() * 1e6,
        full_median.as_secs_f64() * 1e6,
        noop_median.as_secs_f64() / full_median.as_secs_f64(),
    );
}

/// The page through [`HtmlStream`] in 16 KiB pieces, decided before the first.
fn html_stream(input: &[u8], rules: &html::HtmlRules, ranking: &Ranking) -> StreamOutcome {
    let mut stream = HtmlStream::new(rules, None, usize::MAX);
    // The proxy hands the engine the cache's `Arc`; the clone stands in for that handle.
    stream.decide(Some(std::sync::Arc::new(ranking.clone())));
    for piece in input.chunks(16 << 10) {
        stream.push(piece);
        while let Some(ready) = stream.take_ready() {
            black_box(ready);
        }
    }
    let outcome = stream.finish();
    while let Some(rest) = stream.take_ready() {
        black_box(rest);
    }
    outcome
}

/// Prints the interleaved medians of the buffered rewrite and the stream for one page.
fn html_stream_interleaved(case: &HtmlCase, ranking: &Ranking) {
    let (full_median, stream_median) = interleaved(
        Duration::from_millis(1500),
        || {
            black_box(html::reorder(
                black_box(&case.input),
                None,
                &case.rules,
                ranking,
            ));
        },
        || {
            black_box(html_stream(black_box(&case.input), &case.rules, ranking));
        },
    );
    println!(
        "html stream      {:<18} {:>8} B  full {:>9.1} µs  stream {:>9.1} µs  stream/full {:.3}",
        case.name,
        case.input.len(),
        full_median.as_secs_f64() * 1e6,
        stream_median.as_secs_f64() * 1e6,
        stream_median.as_secs_f64() / full_median.as_secs_f64(),
    );
}

/// Prints the time of the first `reorder` by rules that have read no page yet (the exact
/// carrier read, then learning the carriers' names and paths), median of 5 fresh rules.
fn html_cold(case: &HtmlCase, ranking: &Ranking) {
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let rules = case.fresh_rules();
            let start = Instant::now();
            black_box(html::reorder(black_box(&case.input), None, &rules, ranking));
            start.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "html cold        {:<18} first reorder with fresh rules {:>9.1} µs",
        case.name,
        times[2].as_secs_f64() * 1e6
    );
}

fn html(c: &mut Criterion) {
    let mut cases = html_real_pages();
    cases.extend([24, 48, 96, 500].map(html_synthetic));
    for case in &cases {
        let ids = html::listing_ids(&case.input, None, &case.rules).expect("page has a listing");
        let ranking = Ranking::new(ids.concat().into_iter().flatten().rev());
        let check = html::reorder(&case.input, None, &case.rules, &ranking);
        assert!(
            matches!(check.outcome, Outcome::Reordered(_)),
            "{}: {:?}",
            case.name,
            check.outcome
        );
        let tiles: Selector = case.tiles.parse().expect("tile selector");

        let streamed = html_stream(&case.input, &case.rules, &ranking);
        assert_eq!(
            streamed,
            StreamOutcome::Done(check.outcome.clone()),
            "{}",
            case.name
        );
        if wants_interleaved() {
            html_interleaved(case, &tiles, &ranking);
            html_stream_interleaved(case, &ranking);
            html_cold(case, &ranking);
        }

        let mut group = c.benchmark_group(format!("html/{}", case.name));
        group.throughput(Throughput::Bytes(case.input.len() as u64));
        let noop = || html_noop(black_box(&case.input), &tiles);
        let full = || {
            black_box(html::reorder(
                black_box(&case.input),
                None,
                &case.rules,
                &ranking,
            ));
        };
        for side in [Side::Noop, Side::Full] {
            group.bench_function(BenchmarkId::from_parameter(side.name()), |b| {
                b.iter_custom(|iters| paired(iters, side, noop, full));
            });
        }
        group.bench_function(BenchmarkId::from_parameter("stream"), |b| {
            b.iter(|| html_stream(black_box(&case.input), &case.rules, &ranking));
        });
        group.finish();
    }
}

criterion_group!(html_benches, html);
criterion_main!(html_benches);
