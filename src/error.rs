//! [`RunError`]: why a long-running command (`serve`, `demo`, `sim`) stopped.
//!
//! May depend on: `config`.

use std::net::SocketAddr;

use crate::config::ConfigError;

/// Why `serve`, `demo` or `sim` stopped with a failure.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("invalid configuration")]
    Config(#[source] ConfigError),
    #[error("cannot listen on {addr} ({what})")]
    Bind {
        what: &'static str,
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot install the {signal} signal handler")]
    Signal {
        signal: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot build the Fashion.AI client")]
    HttpClient(#[source] reqwest::Error),
    /// `reshelf sim` arguments that cannot work (token variable unset, bad catalog file).
    #[error("cannot start the Fashion.AI simulator")]
    Sim(#[source] crate::sim::SimSetupError),
}

impl RunError {
    /// The process exit code of the README: 2 for configuration, 1 for the rest.
    pub fn exit_code(&self) -> u8 {
        match self {
            RunError::Config(_) | RunError::Sim(_) => 2,
            RunError::Bind { .. } | RunError::Signal { .. } | RunError::HttpClient(_) => 1,
        }
    }
}
