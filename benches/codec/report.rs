//! The markdown tables of `benches/codec.rs`: criterion's median of each benchmark (read back
//! from its `estimates.json`, written by this run only), throughput and compressed sizes.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use reshelf::kit::codec::{self, Coding};

use crate::{label, path_label, Page, PATHS};

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Where criterion writes: as criterion decides it, minus `cargo metadata` (the bench
/// executable sits in `<target>/<profile>/deps/`).
fn criterion_home() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return Some(home.into());
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(target).join("criterion"));
    }
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.parent()?.parent()?.join("criterion"))
}

/// Criterion's median for `group/function/page`, if this run measured it.
fn median(group: &str, function: &str, page: &str, since: SystemTime) -> Option<Duration> {
    let path = criterion_home()?
        .join(group)
        .join(function)
        .join(page)
        .join("new/estimates.json");
    let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
    if modified < since {
        return None;
    }
    let estimates: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    let ns = estimates["median"]["point_estimate"].as_f64()?;
    Some(Duration::from_secs_f64(ns / 1e9))
}

/// "1.23 | 456" (median ms | MiB/s of `bytes`), or dashes when not measured.
fn timing(median: Option<Duration>, bytes: usize) -> String {
    match median {
        Some(t) => format!(
            "{:.2} | {:.0}",
            ms(t),
            bytes as f64 / t.as_secs_f64() / f64::from(1 << 20)
        ),
        None => "– | –".to_owned(),
    }
}

pub fn tables(
    pages: &[Page],
    levels: &[(Coding, &[u32])],
    origin: &[(Coding, u32)],
    since: SystemTime,
) {
    println!("\n### Encode the reordered page (criterion medians)\n");
    print!("| coding-level |");
    for page in pages {
        print!(" {} ms | MiB/s | bytes | ratio |", page.name);
    }
    println!();
    println!("|---|{}", "---:|---:|---:|---:|".repeat(pages.len()));
    for &(coding, levels) in levels {
        for &level in levels {
            let name = label(coding, level);
            print!("| {name} |");
            for page in pages {
                let size = codec::encode_at(coding, level, &page.reordered).len();
                print!(
                    " {} | {size} | {:.3} |",
                    timing(
                        median("encode", &name, &page.name, since),
                        page.reordered.len()
                    ),
                    size as f64 / page.reordered.len() as f64
                );
            }
            println!();
        }
    }

    println!("\n### Decode what the origin sent (criterion medians; MiB/s of decoded bytes)\n");
    print!("| origin coding |");
    for page in pages {
        print!(" {} ms | MiB/s | ratio |", page.name);
    }
    println!();
    println!("|---|{}", "---:|---:|---:|".repeat(pages.len()));
    for &(coding, level) in origin {
        let name = label(coding, level);
        print!("| {name} |");
        for page in pages {
            let size = codec::encode_at(coding, level, &page.input).len();
            print!(
                " {} | {:.3} |",
                timing(median("decode", &name, &page.name, since), page.input.len()),
                size as f64 / page.input.len() as f64
            );
        }
        println!();
    }

    println!("\n### Reorder and the whole listing path (criterion medians)\n");
    print!("| page | bytes | reorder ms |");
    for p in PATHS {
        print!(
            " {} → {} ms |",
            label(p.origin.0, p.origin.1),
            label(p.client.0, p.client.1)
        );
    }
    println!("\n|---|---:|---:|{}", "---:|".repeat(PATHS.len()));
    for page in pages {
        let at = |group: &str, function: &str| {
            median(group, function, &page.name, since)
                .map_or("–".to_owned(), |t| format!("{:.2}", ms(t)))
        };
        print!(
            "| {} | {} | {} |",
            page.name,
            page.input.len(),
            at("reorder", "html")
        );
        for path in PATHS {
            print!(" {} |", at("path", &path_label(path)));
        }
        println!();
    }
}
