//! Peak extra heap of one HTML `reorder` call, per page, relative to the page size (issue 3's
//! target: at most 2×).
//!
//! dhat's heap profiler is the global allocator of this binary only (its bookkeeping would
//! skew the timings of `rewrite`): it is started after the page, the rules and the ranking
//! exist, one `reorder` runs, and `HeapStats::max_bytes` is the most bytes live at once during
//! the call — the output body, the scan's records, lol_html's buffers and selector program,
//! the id and order tables. Each page is measured twice: with rules that have not read a page
//! yet ("cold": the exact carrier read, then learning the carriers' names and paths) and with
//! rules that have ("warm": the proxy's steady state).
//!
//! Run: `cargo bench --bench rewrite_html_memory`.

#[path = "html/cases.rs"]
mod cases;

use reshelf::ranked::Ranking;
use reshelf::rewrite::html::{self, HtmlRules};
use reshelf::rewrite::Outcome;

use cases::{html_real_pages, html_synthetic, HtmlCase};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Peak bytes live during one `reorder` of `case` with `rules` (everything moves).
fn peak(case: &HtmlCase, rules: &HtmlRules, ranking: &Ranking) -> u64 {
    let profiler = dhat::Profiler::builder().testing().build();
    let out = html::reorder(&case.input, None, rules, ranking);
    let peak = dhat::HeapStats::get().max_bytes;
    drop(profiler);
    assert!(
        matches!(out.outcome, Outcome::Reordered(_)),
        "{}: {:?}",
        case.name,
        out.outcome
    );
    peak as u64
}

fn main() {
    let mut cases = html_real_pages();
    cases.extend([24, 48, 96, 500].map(html_synthetic));
    println!("peak heap of one html reorder call, relative to the page:");
    for case in &cases {
        let ids = html::listing_ids(&case.input, None, &case.rules).expect("page has a listing");
        let ranking = Ranking::new(ids.concat().into_iter().flatten().rev());
        // `case.rules` has read the page once (listing_ids): warm. A clone shares what it
        // learned, so the cold figure needs rules compiled afresh from the same settings.
        let cold_rules = case.fresh_rules();
        let cold = peak(case, &cold_rules, &ranking);
        let warm = peak(case, &case.rules, &ranking);
        let size = case.input.len() as f64;
        println!(
            "html memory {:<18} {:>8} B  warm peak {:>8} B = {:.2}x  cold peak {:>8} B = {:.2}x",
            case.name,
            case.input.len(),
            warm,
            warm as f64 / size,
            cold,
            cold as f64 / size,
        );
    }
}
