//! `reshelf sim shoppers`: simulated shoppers, a bounded load on loopback that shops through
//! reshelf in front of the demo shop, so the experiment readout (README, "Simulated
//! shoppers") has something to measure.
//!
//! Each shopper is one session with its own cookie jar: it arrives with a session cookie
//! drawn from the seed (a returning visitor; the same seed gives the same sessions, so the
//! same arms), keeps every cookie reshelf sets (the signed experiment cookie among them), and
//! views `--pages` category pages, opening, adding to the cart and checking out as `taste`
//! says. Its choices come from a generator seeded by the seed and its number, so a run is
//! repeatable whatever the concurrency; only rankings that miss reshelf's deadline can make
//! two runs differ.
//!
//! Each shopper browses from its own address, sent as `X-Forwarded-For`, so reshelf's per-client
//! rate limit of `/_reshelf` sees many clients when it trusts loopback as a proxy
//! (`[endpoints] trusted_proxies`, as the demo does); otherwise all shoppers share one budget
//! and their "Shop the look" calls soon answer 429, which fails their visits.
//!
//! Bounded three ways: `--shoppers`, `--pages` per shopper, and `--max-seconds` after which
//! no new shopper starts. The target must be a loopback address: this is a load generator
//! for one's own machine, never for a shop on the network.

pub mod report;
pub mod taste;
pub mod visit;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

use super::{Catalog, CatalogError};
pub use report::Summary;
pub use taste::Taste;
pub use visit::{Tally, VisitError};

/// `reshelf sim shoppers` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct ShopperArgs {
    /// reshelf's public side, on loopback: http://127.0.0.1:PORT.
    #[arg(long)]
    pub target: String,
    /// How many shoppers (one session each).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub shoppers: u32,
    /// Category pages each shopper views.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub pages: u32,
    /// Shoppers browsing at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,
    /// No shopper starts after this many seconds (those browsing finish their visit).
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub max_seconds: u64,
    /// Seed of the session ids and of every shopper's choices.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The catalog the shop serves (default: the embedded one, the demo's).
    #[arg(long)]
    pub catalog: Option<PathBuf>,
    /// reshelf's session cookie (`[identity] session_cookie`).
    #[arg(long, default_value = "reshelf_sid")]
    pub session_cookie: String,
    /// reshelf's admin listener, on loopback: the readout (GET /experiment) is printed after
    /// the run.
    #[arg(long)]
    pub admin: Option<String>,
}

/// Why the shoppers could not start (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ShopperSetupError {
    #[error("--{flag} {value:?}: {reason}")]
    Target {
        flag: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("cannot load the catalog")]
    Catalog(#[source] CatalogError),
    #[error("cannot build the HTTP client")]
    Client(#[source] reqwest::Error),
}

/// A validated run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub target: String,
    pub shoppers: u32,
    pub pages: u32,
    pub concurrency: u32,
    pub max_duration: Duration,
    pub seed: u64,
    pub session_cookie: String,
    pub catalog: Arc<Catalog>,
}

impl ShopperArgs {
    /// The run these arguments describe, after checking that the target is on loopback.
    pub fn to_plan(&self) -> Result<Plan, ShopperSetupError> {
        let catalog = match &self.catalog {
            Some(path) => Catalog::from_file(path).map_err(ShopperSetupError::Catalog)?,
            None => Catalog::embedded(),
        };
        Ok(Plan {
            target: loopback_origin("target", &self.target)?,
            shoppers: self.shoppers,
            pages: self.pages,
            concurrency: self.concurrency,
            max_duration: Duration::from_secs(self.max_seconds),
            seed: self.seed,
            session_cookie: self.session_cookie.clone(),
            catalog: Arc::new(catalog),
        })
    }

    /// The admin listener's origin, checked like the target.
    pub fn admin_origin(&self) -> Result<Option<String>, ShopperSetupError> {
        self.admin
            .as_deref()
            .map(|a| loopback_origin("admin", a))
            .transpose()
    }
}

/// `http://HOST:PORT` of `value` when it is an http URL (or a bare address) on loopback.
pub fn loopback_origin(flag: &'static str, value: &str) -> Result<String, ShopperSetupError> {
    let bad = |reason| ShopperSetupError::Target {
        flag,
        value: value.to_owned(),
        reason,
    };
    let text = if value.contains("://") {
        value.to_owned()
    } else {
        format!("http://{value}")
    };
    let url = reqwest::Url::parse(&text).map_err(|_| bad("not an http://HOST:PORT URL"))?;
    if url.scheme() != "http" {
        return Err(bad("only http:// (reshelf's listener on this machine)"));
    }
    let host = url.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return Err(bad(
            "not a loopback address (127.0.0.0/8, ::1 or localhost): simulated shoppers are a \
             load for one's own machine",
        ));
    }
    if url.path() != "/" || url.query().is_some() {
        return Err(bad("give the origin only, without a path"));
    }
    Ok(url.origin().ascii_serialization())
}

/// Runs the shoppers of `plan`, `concurrency` at a time, and sums what they did.
pub async fn run(plan: &Plan) -> Result<Summary, ShopperSetupError> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(plan.concurrency as usize)
        .build()
        .map_err(ShopperSetupError::Client)?;
    let started = Instant::now();
    let deadline = started + plan.max_duration;
    let client = &client;
    let outcomes = futures_util::stream::iter(0..plan.shoppers)
        .map(|i| async move {
            if Instant::now() >= deadline {
                return None;
            }
            Some(shopper(plan, client, i).await)
        })
        .buffer_unordered(plan.concurrency as usize);
    let mut summary = outcomes
        .fold(Summary::default(), |mut summary, outcome| async move {
            summary.record(outcome);
            summary
        })
        .await;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// `reshelf sim shoppers`: runs the shoppers, prints their summary (and, with `--admin`, the
/// readout), and answers the exit code: 0 done, 1 a visit failed or the readout could not be
/// read, 2 bad arguments.
pub async fn command(args: &ShopperArgs) -> u8 {
    let setup = args
        .to_plan()
        .and_then(|plan| Ok((plan, args.admin_origin()?)));
    let (plan, admin) = match setup {
        Ok(ready) => ready,
        Err(e) => {
            eprintln!("reshelf: {}", crate::telemetry::error_chain(&e));
            return 2;
        }
    };
    let summary = match run(&plan).await {
        Ok(summary) => summary,
        Err(e) => {
            eprintln!("reshelf: {}", crate::telemetry::error_chain(&e));
            return 1;
        }
    };
    print!("{}", summary.text());
    let mut code = u8::from(summary.failed > 0);
    if let Some(admin) = admin {
        match report::fetch_readout(&reqwest::Client::new(), &admin).await {
            Ok(json) => print!("{}", report::readout_text(&json)),
            Err(e) => {
                eprintln!("reshelf: {}", crate::telemetry::error_chain(&e));
                code = 1;
            }
        }
    }
    code
}

/// Shopper `i`'s address: 198.18.0.0/15 (RFC 2544, set aside for benchmarks) holds 131,072,
/// more than `--shoppers` allows.
pub fn address(i: u32) -> std::net::Ipv4Addr {
    std::net::Ipv4Addr::from(u32::from(std::net::Ipv4Addr::new(198, 18, 0, 0)) + i)
}

/// Shopper `i`'s session id: the same for the same seed.
pub fn session_id(seed: u64, i: u32) -> String {
    format!("shopper-{seed}-{i}")
}

async fn shopper(plan: &Plan, client: &reqwest::Client, i: u32) -> Result<Tally, VisitError> {
    let seed: [u8; 32] = Sha256::new()
        .chain_update(plan.seed.to_le_bytes())
        .chain_update(i.to_le_bytes())
        .finalize()
        .into();
    let mut rng = StdRng::from_seed(seed);
    let taste = Taste::draw(&plan.catalog, rng.random(), rng.random());
    let mut browser = visit::Browser {
        client,
        base: &plan.target,
        jar: cookie::CookieJar::new(),
        address: address(i),
    };
    browser.jar.add(cookie::Cookie::new(
        plan.session_cookie.clone(),
        session_id(plan.seed, i),
    ));
    visit::visit(&mut browser, &plan.catalog, &taste, plan.pages, &mut rng).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets() {
        let ok = |v: &str| loopback_origin("target", v).unwrap();
        assert_eq!(ok("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(ok("127.0.0.2:9"), "http://127.0.0.2:9");
        assert_eq!(ok("http://localhost:8080/"), "http://localhost:8080");
        assert_eq!(ok("http://[::1]:80"), "http://[::1]");
        for bad in [
            "http://10.0.0.1:8080",
            "http://shop.example",
            "https://127.0.0.1:8443",
            "http://127.0.0.1:8080/category/x",
            "not a url at all",
        ] {
            assert!(loopback_origin("target", bad).is_err(), "{bad}");
        }
    }
}
