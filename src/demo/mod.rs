//! `reshelf demo`: the embedded default. A demo shop origin, the Fashion.AI simulator and the
//! proxy in front of the shop, all on loopback, so a newcomer can watch listings reorder, and
//! a compare page ([`compare`], served by the shop) that shows why.
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
"#;

/// Everything the demo runs.
pub struct Demo {
    pub proxy: crate::server::Running,
    pub sim: sim::SimHandle,
    pub shop: shop::ShopHandle,
}

impl Demo {
    /// Starts shop, simulator and proxy; the proxy's public side on `listen`.
    pub async fn start(listen: SocketAddr) -> Result<Demo, RunError> {
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
            ..SimConfig::default()
        };
        let token = sim_config.token.clone();
        let sim = sim::start(sim_config, bind("simulator").await?).await;
        let text = DEMO_CONFIG
            .replace("{public}", &listen.to_string())
            .replace("{shop}", &shop_addr.to_string())
            .replace("{sim}", &sim.addr().to_string());
        let env = HashMap::from([("RESHELF_DEMO_APP_TOKEN", token)]);
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

/// Runs the demo until SIGINT/SIGTERM.
pub async fn run(listen: SocketAddr) -> Result<(), RunError> {
    let mut signals = crate::server::Signals::install()?;
    let demo = Demo::start(listen).await?;
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
    println!(
        "  metrics                     http://{}/metrics",
        demo.proxy.admin_addr()
    );
    println!();
    println!("Press Ctrl-C to stop.");
    signals.shutdown().await;
    demo.shutdown().await;
    Ok(())
}
