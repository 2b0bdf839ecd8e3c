//! The command line of the README: `serve`, `check`, `demo`, `sim`.
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
    /// Demo shop, Fashion.AI simulator and proxy, all on loopback.
    Demo {
        /// Public address of the proxy.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
    },
    /// The Fashion.AI simulator alone.
    Sim(crate::sim::SimArgs),
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
        Command::Demo { listen } => {
            let _log = crate::telemetry::init(crate::config::LogFormat::Text);
            run_runtime(crate::demo::run(listen))
        }
        Command::Sim(args) => run_runtime(crate::sim::run(args)),
    }
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
