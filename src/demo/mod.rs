//! `reshelf demo`: the embedded default. A demo shop origin, the Fashion.AI simulator and the
//! proxy in front of the shop, all on loopback, so a newcomer can watch listings reorder, and
//! a compare page ([`compare`], served by the shop) that shows why.
//!
//! With `--holdout-percent` the demo runs the experiment (README, "The experiment readout"):
//! the shop's `POST /cart/add` and `POST /checkout` are its goals, the cookie key is drawn at
//! start, and `reshelf sim shoppers` can shop in it. `--no-personalization` makes the
//! simulator answer every `categoryView` with an empty ranking, so both arms see the native
//! order: an A/A run, which must show no difference.
//!
//! May depend on: `server`, `sim`, `config`, and for the compare page's reading of the
//! proxy's state `app`, `identity`, `ranking` and `rewrite` (an entry point: nothing below
//! calls it).

pub mod compare;
pub mod shop;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::config::Config;
use crate::sim::{self, Catalog, SimConfig};
use crate::RunError;

/// The demo's proxy config; the origin and simulator addresses are filled in at start.
const DEMO_CONFIG: &str = r#"
[listen]
public = "{public}"
admin = "127.0.0.1:0"

[origin]
url = "http://{shop}"

[fashionai]
base_url = "http://{sim}"
token_env = "RESHELF_DEMO_APP_TOKEN"
timeout_ms = 150

[[pages]]
path = "/category/{id}"
format = "html"
tiles = "ul.products > li.product"
product_id = "data-product-id"

[[pages]]
path = "/api/categories/{id}/products"
format = "json"
array = "/products"
product_id = "id"

[endpoints]
# Simulated shoppers (`reshelf sim shoppers`) name their own addresses in X-Forwarded-For, so
# the per-client rate limit counts each apart; a browser on this machine sends none.
trusted_proxies = ["127.0.0.1", "::1"]

[experiment]
name = "demo"
holdout_percent = {holdout}
cookie_key_env = "RESHELF_DEMO_EXPERIMENT_KEY"

[[experiment.goals]]
name = "cart"
method = "POST"
path = "/cart/add"

[[experiment.goals]]
name = "order"
method = "POST"
path = "/checkout"
value_header = "x-order-value"
"#;

/// What `reshelf demo` runs besides the defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::Args)]
pub struct DemoOptions {
    /// Share of sessions held out of personalization, 0 to 50 (0: no experiment).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=50))]
    pub holdout_percent: u32,
    /// The simulator answers every categoryView with an empty ranking: no page is
    /// personalized, in either arm (an A/A run).
    #[arg(long)]
    pub no_personalization: bool,
}

/// Everything the demo runs.
pub struct Demo {
    pub proxy: crate::server::Running,
    pub sim: sim::SimHandle,
    pub shop: shop::ShopHandle,
}

impl Demo {
    /// Starts shop, simulator and proxy; the proxy's public side on `listen`.
    pub async fn start(listen: SocketAddr) -> Result<Demo, RunError> {
        Demo::start_with(listen, DemoOptions::default()).await
    }

    /// [`Demo::start`] with an experiment, or without personalization.
    pub async fn start_with(listen: SocketAddr, options: DemoOptions) -> Result<Demo, RunError> {
        let catalog = Arc::new(Catalog::embedded());
        let bind = |what| async move {
            let addr = SocketAddr::from(([127, 0, 0, 1], 0));
            TcpListener::bind(addr)
                .await
                .map_err(|source| RunError::Bind { what, addr, source })
        };
        // The shop's listener is bound first (the proxy's config needs its address) and
        // served last (its compare page reads the running proxy); connections wait in the
        // backlog meanwhile.
        let shop_listener = bind("demo shop").await?;
        let shop_addr = shop_listener
            .local_addr()
            .expect("a bound TCP listener has a local address");
        let sim_config = SimConfig {
            catalog: catalog.clone(),
            // Never enough prior events: every ranking is empty.
            min_events: if options.no_personalization {
                u32::MAX
            } else {
                SimConfig::default().min_events
            },
            ..SimConfig::default()
        };
        let token = sim_config.token.clone();
        let sim = sim::start(sim_config, bind("simulator").await?).await;
        let text = DEMO_CONFIG
            .replace("{public}", &listen.to_string())
            .replace("{shop}", &shop_addr.to_string())
            .replace("{sim}", &sim.addr().to_string())
            .replace("{holdout}", &options.holdout_percent.to_string());
        let env = HashMap::from([
            ("RESHELF_DEMO_APP_TOKEN", token),
            ("RESHELF_DEMO_EXPERIMENT_KEY", cookie_key()),
        ]);
        let config =
            Config::from_toml(&text, &|name| env.get(name).cloned()).map_err(RunError::Config)?;
        let proxy = crate::server::start(config).await?;
        let lens = compare::Lens::new(catalog.clone(), sim.inspector(), &proxy.state());
        let shop = shop::start_with_compare(catalog, Arc::new(lens), shop_listener).await;
        Ok(Demo { proxy, sim, shop })
    }

    pub async fn shutdown(self) {
        self.proxy.shutdown().await;
        self.sim.shutdown().await;
        self.shop.shutdown().await;
    }
}

/// A fresh experiment cookie key: 48 random letters and digits (the config wants 32 bytes or
/// more). A new key per run is enough: the demo's counts live as long as its process.
fn cookie_key() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), 48)
}

/// Runs the demo until SIGINT/SIGTERM.
pub async fn run(listen: SocketAddr, options: DemoOptions) -> Result<(), RunError> {
    let mut signals = crate::server::Signals::install()?;
    let demo = Demo::start_with(listen, options).await?;
    let public = demo.proxy.public_addr();
    println!("reshelf demo is running.");
    println!();
    println!("  Open http://{public}/ and browse a few category pages: after a couple of views");
    println!("  the product order follows your session's ranking (response header X-Reshelf).");
    println!("  See your order beside the shop's, and what the simulator learned about you:");
    println!("  http://{public}{}", compare::PATH);
    println!();
    println!("  shop origin (native order)  {}", demo.shop.base_url());
    println!("  Fashion.AI simulator        {}", demo.sim.base_url());
    let admin = demo.proxy.admin_addr();
    println!("  metrics                     http://{admin}/metrics");
    if options.holdout_percent > 0 {
        println!("  experiment readout          http://{admin}/experiment");
        println!();
        println!(
            "  {}% of sessions are held out{}. Simulated shoppers:",
            options.holdout_percent,
            if options.no_personalization {
                ", and no page is personalized (A/A)"
            } else {
                ""
            }
        );
        println!("    reshelf sim shoppers --target http://{public} --shoppers 2000");
    }
    println!();
    println!("Press Ctrl-C to stop.");
    signals.shutdown().await;
    demo.shutdown().await;
    Ok(())
}
