//! What `reshelf sim shoppers` prints: the shoppers' own tally ([`Summary`]), and with
//! `--admin` the experiment readout reshelf computed from the same traffic (`GET /experiment`
//! as JSON, README "The experiment readout"), a line per goal.

use std::fmt::Write;
use std::time::Duration;

use serde_json::Value;

use super::visit::{Tally, VisitError};

/// What all shoppers did.
#[derive(Debug, Default)]
pub struct Summary {
    /// Shoppers whose visit ended (with or without an error).
    pub shoppers: u64,
    /// Shoppers not started because `--max-seconds` had passed.
    pub not_started: u64,
    /// Visits that stopped on an error.
    pub failed: u64,
    /// The first error.
    pub first_error: Option<VisitError>,
    pub tally: Tally,
    pub elapsed: Duration,
}

impl Summary {
    /// Adds one shopper's outcome (`None`: not started).
    pub fn record(&mut self, outcome: Option<Result<Tally, VisitError>>) {
        match outcome {
            None => self.not_started += 1,
            Some(Ok(tally)) => {
                self.shoppers += 1;
                self.tally.add(&tally);
            }
            Some(Err(e)) => {
                self.shoppers += 1;
                self.failed += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }

    /// The summary for the terminal.
    pub fn text(&self) -> String {
        let t = &self.tally;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} shoppers in {:.1} s: {} category pages ({} reordered, {} held out), \
             {} products opened, {} added to cart, {} orders (R$ {:.2})",
            self.shoppers,
            self.elapsed.as_secs_f64(),
            t.pages,
            t.reordered,
            t.holdout,
            t.products,
            t.carts,
            t.orders,
            t.revenue
        );
        if self.not_started > 0 {
            let _ = writeln!(
                out,
                "{} shoppers not started: --max-seconds passed",
                self.not_started
            );
        }
        if let Some(e) = &self.first_error {
            let _ = writeln!(
                out,
                "{} visits failed; the first: {}",
                self.failed,
                crate::telemetry::error_chain(e)
            );
        }
        out
    }
}

/// The readout's JSON, a few lines for the terminal: the split and its check, then per goal
/// the conversion per arm, the relative uplift with its interval, and the verdict.
pub fn readout_text(json: &Value) -> String {
    let mut out = String::new();
    let arms = json["arms"].as_array().cloned().unwrap_or_default();
    let sessions: Vec<String> = arms
        .iter()
        .map(|a| format!("{} {}", a["arm"].as_str().unwrap_or("?"), a["sessions"]))
        .collect();
    let _ = write!(out, "readout: sessions {}", sessions.join(", "));
    match json["srm"].as_object() {
        Some(srm) => {
            let _ = writeln!(
                out,
                "; sample-ratio check {} (p = {:.3})",
                srm["status"].as_str().unwrap_or("?"),
                srm["p_value"].as_f64().unwrap_or(f64::NAN)
            );
        }
        None => out.push('\n'),
    }
    for goal in json["goals"].as_array().into_iter().flatten() {
        let rate = |i: usize| {
            goal["arms"][i]["conversion_rate"]
                .as_f64()
                .map_or_else(|| "-".to_owned(), |r| format!("{:.1} %", r * 100.0))
        };
        let relative = &goal["conversion"]["relative"];
        let uplift = match (
            relative["estimate"].as_f64(),
            relative["low"].as_f64(),
            relative["high"].as_f64(),
        ) {
            (Some(e), Some(l), Some(h)) => format!(
                "{:+.1} % [{:+.1} %, {:+.1} %]",
                e * 100.0,
                l * 100.0,
                h * 100.0
            ),
            _ => "-".to_owned(),
        };
        let _ = writeln!(
            out,
            "  {}: {} {} vs {} {}, relative uplift {uplift}: {}",
            goal["name"].as_str().unwrap_or("?"),
            goal["arms"][0]["arm"].as_str().unwrap_or("?"),
            rate(0),
            goal["arms"][1]["arm"].as_str().unwrap_or("?"),
            rate(1),
            goal["verdict"].as_str().unwrap_or("?"),
        );
    }
    out
}

/// Why the readout could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadoutError {
    #[error("GET {url} failed")]
    Request {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("GET {url} answered {status}")]
    Status {
        url: String,
        status: http::StatusCode,
    },
}

/// Fetches the readout JSON from the admin listener at `origin`.
pub async fn fetch_readout(client: &reqwest::Client, origin: &str) -> Result<Value, ReadoutError> {
    let url = format!("{origin}/experiment");
    let failed = |source| ReadoutError::Request {
        url: url.clone(),
        source,
    };
    let resp = client
        .get(&url)
        .header(http::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(failed)?;
    if !resp.status().is_success() {
        return Err(ReadoutError::Status {
            url: url.clone(),
            status: resp.status(),
        });
    }
    resp.json().await.map_err(failed)
}
