//! The command line of the README: `serve`, `check`, `probe`, `suggest`, `demo`, `sim`.
//!
//! Exit codes: 0 ok, 2 bad config or arguments, 1 runtime failure.
//!
//! The top of the crate: may depend on anything; `main.rs` alone calls it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Config, ConfigError};

#[derive(Debug, Parser)]
#[command(name = "reshelf", version, about = "Storefront-ordering edge proxy")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the proxy.
    Serve {
        /// Config file (TOML).
        #[arg(long, env = "RESHELF_CONFIG")]
        config: PathBuf,
    },
    /// Validate the config and print the effective config with secrets redacted.
    Check {
        #[arg(long, env = "RESHELF_CONFIG")]
        config: PathBuf,
    },
    /// Run one page through the config's rules as `serve` would, without serving.
    /// Exit 0: it would be personalized; 1: it would not; 2: bad config or arguments.
    Probe {
        #[arg(long, env = "RESHELF_CONFIG")]
        config: PathBuf,
        /// The page's URL (fetched from the config's origin, as `serve` would).
        #[arg(required_unless_present = "file", conflicts_with = "file")]
        url: Option<String>,
        /// A saved page instead of a URL.
        #[arg(long)]
        file: Option<PathBuf>,
        /// For --file: the path the page is served at (picks the [[pages]] block).
        #[arg(long, requires = "file")]
        path: Option<String>,
        /// The category id (instead of the one the route captures).
        #[arg(long)]
        category: Option<String>,
        /// The sample ranking, comma-separated ids (default: a shuffle of the page's ids).
        #[arg(long, value_delimiter = ',')]
        ranking: Option<Vec<String>>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Propose a verified [[pages]] block for a page.
    /// Exit 0: a block; 1: no listing found; 2: bad arguments or config, unreadable page, or
    /// no ids from Fashion.AI.
    Suggest {
        /// The page's URL (http://).
        #[arg(required_unless_present = "file", conflicts_with = "file")]
        url: Option<String>,
        /// A saved page instead of a URL.
        #[arg(long)]
        file: Option<PathBuf>,
        /// A few of the page's product ids, as the catalog spells them.
        #[arg(long, value_delimiter = ',', conflicts_with = "config")]
        ids: Vec<String>,
        /// With --category, instead of --ids: the config whose [fashionai] client fetches the
        /// catalog's ids from a categoryView answer (a URL is then fetched through its origin).
        #[arg(long, requires = "category")]
        config: Option<PathBuf>,
        /// The category id the categoryView event names (with --config).
        #[arg(long, requires = "config")]
        category: Option<String>,
        /// Print the suggestion as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Demo shop, Fashion.AI simulator and proxy, all on loopback.
    Demo {
        /// Public address of the proxy.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        #[command(flatten)]
        options: crate::demo::DemoOptions,
    },
    /// The Fashion.AI simulator alone (`--listen`), or simulated shoppers (`sim shoppers`).
    Sim(Sim),
}

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
struct Sim {
    #[command(subcommand)]
    command: Option<SimCommand>,
    #[command(flatten)]
    server: Option<crate::sim::SimArgs>,
}

#[derive(Debug, Subcommand)]
enum SimCommand {
    /// Simulated shoppers browsing and buying through reshelf (loopback only, bounded).
    Shoppers(crate::sim::shoppers::ShopperArgs),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Check { config } => match load(&config) {
            Ok(cfg) => {
                print!("{}", cfg.to_redacted_toml());
                ExitCode::SUCCESS
            }
            Err(e) => config_failure(&e),
        },
        Command::Serve { config: path } => match load(&path) {
            Ok(cfg) => {
                // Held until the process ends, so the runtime's last error line is written.
                let _log = crate::telemetry::init(cfg.log.format);
                run_runtime(crate::server::serve_until_signal(cfg, || load(&path)))
            }
            Err(e) => config_failure(&e),
        },
        Command::Probe {
            config,
            url,
            file,
            path,
            category,
            ranking,
            json,
        } => {
            let cfg = match load(&config) {
                Ok(cfg) => cfg,
                Err(e) => return config_failure(&e),
            };
            let page = match get_page(url.as_deref(), file.as_deref(), Some(&cfg.origin)) {
                Ok(page) => page,
                Err(code) => return code,
            };
            let args = crate::onboard::probe::ProbeArgs {
                path,
                category,
                ranking,
            };
            let report = crate::onboard::probe::probe(&cfg, &page, &args);
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                print!("{}", crate::onboard::report::probe_text(&report));
            }
            ExitCode::from(if report.personalized { 0 } else { 1 })
        }
        Command::Suggest {
            url,
            file,
            ids,
            config,
            category,
            json,
        } => {
            let cfg = match config.as_deref().map(load).transpose() {
                Ok(cfg) => cfg,
                Err(e) => return config_failure(&e),
            };
            let page = match get_page(
                url.as_deref(),
                file.as_deref(),
                cfg.as_ref().map(|c| &c.origin),
            ) {
                Ok(page) => page,
                Err(code) => return code,
            };
            let found = match (&cfg, &category) {
                (Some(cfg), Some(category)) => {
                    let catalog = match block_on(crate::onboard::catalog_ids::category_view_ids(
                        &cfg.fashionai,
                        category,
                    )) {
                        Ok(ids) => ids,
                        Err(code) => return code,
                    };
                    crate::onboard::catalog_ids::suggest_from_catalog(
                        &page.body,
                        page.charset.as_deref(),
                        category,
                        &catalog,
                    )
                }
                _ => crate::onboard::suggest::suggest(&page.body, page.charset.as_deref(), &ids),
            };
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&found).unwrap_or_default()
                );
            } else {
                let route = crate::onboard::report::route_for(page.path_and_query.as_deref());
                print!("{}", crate::onboard::report::suggest_text(&found, &route));
            }
            ExitCode::from(if found.block.is_some() { 0 } else { 1 })
        }
        Command::Demo { listen, options } => {
            let _log = crate::telemetry::init(crate::config::LogFormat::Text);
            run_runtime(crate::demo::run(listen, options))
        }
        Command::Sim(Sim {
            command: Some(SimCommand::Shoppers(args)),
            ..
        }) => match tokio::runtime::Runtime::new() {
            Ok(runtime) => ExitCode::from(runtime.block_on(crate::sim::shoppers::command(&args))),
            Err(e) => {
                eprintln!("reshelf: cannot start the async runtime: {e}");
                ExitCode::from(1)
            }
        },
        Command::Sim(Sim {
            server: Some(args), ..
        }) => run_runtime(crate::sim::run(args)),
        Command::Sim(Sim { .. }) => {
            eprintln!(
                "reshelf: sim needs --listen ADDR (the simulator) or a subcommand (shoppers)"
            );
            ExitCode::from(2)
        }
    }
}

/// The page of `probe` or `suggest`: a file, or a URL fetched from `origin` (else from the
/// URL's own host). A failure is printed and becomes exit code 2.
fn get_page(
    url: Option<&str>,
    file: Option<&std::path::Path>,
    origin: Option<&crate::config::Origin>,
) -> Result<crate::onboard::fetch::Fetched, ExitCode> {
    use crate::onboard::fetch;
    let fail = onboard_failure;
    if let Some(file) = file {
        return fetch::from_file(file).map_err(fail);
    }
    let url = url.unwrap_or_default();
    let own;
    let origin = match origin {
        Some(origin) => origin,
        None => {
            own = fetch::origin_of(url).map_err(fail)?;
            &own
        }
    };
    block_on(fetch::from_url(url, origin))
}

/// Runs an onboarding step on a runtime of its own; a failure is printed and becomes exit
/// code 2.
fn block_on<T, F>(future: F) -> Result<T, ExitCode>
where
    F: std::future::Future<Output = Result<T, crate::onboard::OnboardError>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| onboard_failure(crate::onboard::OnboardError::Runtime(e)))?;
    runtime.block_on(future).map_err(onboard_failure)
}

fn onboard_failure(e: crate::onboard::OnboardError) -> ExitCode {
    eprintln!("reshelf: {}", crate::telemetry::error_chain(&e));
    ExitCode::from(2)
}

fn load(path: &std::path::Path) -> Result<Config, ConfigError> {
    Config::load_file(path, &|name| std::env::var(name).ok())
}

fn config_failure(e: &ConfigError) -> ExitCode {
    eprintln!("reshelf: {}", crate::telemetry::error_chain(e));
    ExitCode::from(2)
}

fn run_runtime<F>(future: F) -> ExitCode
where
    F: std::future::Future<Output = Result<(), crate::RunError>>,
{
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("reshelf: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(future) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %crate::telemetry::error_line(&e), "reshelf stopped");
            eprintln!("reshelf: {}", crate::telemetry::error_chain(&e));
            ExitCode::from(e.exit_code())
        }
    }
}
