//! `reshelf demo`: a demo shop origin, the Fashion.AI simulator and the proxy, on loopback.

pub mod shop;

use std::net::SocketAddr;

/// Runs the demo until SIGINT/SIGTERM.
pub async fn run(listen: SocketAddr) -> Result<(), crate::RunError> {
    let _ = listen;
    Ok(())
}
