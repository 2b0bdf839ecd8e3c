//! Starting the listeners, waiting for a signal, draining: the proxy's life from `serve` to
//! exit. The public listener serves [`crate::proxy::handle`], the admin listener
//! [`crate::admin::handle`], both with the live [`AppState`] (swapped on reload).
//!
//! At start the soft `nofile` limit is raised to the hard limit and the public listener's
//! connection budget derived from it ([`budget`]); the admin listener has a small budget of
//! its own, so probes and scrapes are answered while the public side is saturated.
//!
//! May depend on: `proxy`, `admin`, `app`, `config`, `metrics`, `kit`. `cli` and `demo` call
//! in.

mod accept;
pub mod budget;
mod conn;
mod gather;
mod io;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::app::AppState;
use crate::config::{Config, ConfigError, Connections};
use crate::metrics::Metrics;
use crate::RunError;

/// How long in-flight requests may run after SIGTERM before their connections are closed.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A running proxy: both listeners bound and serving.
pub struct Running {
    public_addr: SocketAddr,
    admin_addr: SocketAddr,
    shutdown: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    live: Arc<ArcSwap<AppState>>,
}

impl Running {
    /// Where storefront traffic is accepted.
    pub fn public_addr(&self) -> SocketAddr {
        self.public_addr
    }

    /// Where `/metrics`, `/healthz` and `/readyz` are served.
    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_addr
    }

    /// The state requests are served with now.
    pub fn state(&self) -> Arc<AppState> {
        self.live.load_full()
    }

    /// Swaps in a new config atomically: requests under way finish on the old one, new
    /// requests use the new one; connections, metrics and the ranking cache are kept.
    pub fn reload(&self, config: Config) -> Result<(), RunError> {
        let current = self.live.load_full();
        if config.listen.public != current.config.listen.public
            || config.listen.admin != current.config.listen.admin
            || config.listen.connections != current.config.listen.connections
        {
            tracing::warn!(
                "listen addresses, timeouts or connection budget changed; they take effect on \
                 restart"
            );
        }
        let next = current.reloaded(Arc::new(config))?;
        self.live.store(Arc::new(next));
        Ok(())
    }

    /// Stops accepting, lets in-flight requests finish (at most [`SHUTDOWN_GRACE`]), returns
    /// when both listeners are closed.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// The listen backlog: connections the kernel completes for reshelf before it accepts them
/// (the kernel caps it at `net.core.somaxconn`, 4096 on current kernels). Tokio's default of
/// 1024 dropped SYNs under a burst of thousands of connections, which clients retry only after
/// 1 s, then 3 s; nginx is commonly run with the same 4096.
const LISTEN_BACKLOG: u32 = 4096;

fn bind(what: &'static str, addr: SocketAddr) -> Result<TcpListener, RunError> {
    let err = |source| RunError::Bind { what, addr, source };
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()
    } else {
        tokio::net::TcpSocket::new_v6()
    }
    .map_err(err)?;
    // As std's and tokio's own bind: a restart may take the port while old connections of the
    // previous process linger in TIME_WAIT.
    socket.set_reuseaddr(true).map_err(err)?;
    socket.bind(addr).map_err(err)?;
    socket.listen(LISTEN_BACKLOG).map_err(err)
}

/// Binds both listeners and starts serving.
pub async fn start(config: Config) -> Result<Running, RunError> {
    let config = Arc::new(config);
    let public = bind("public", config.listen.public)?;
    let admin = bind("admin", config.listen.admin)?;
    let local = |l: &TcpListener, what, addr| {
        l.local_addr()
            .map_err(|source| RunError::Bind { what, addr, source })
    };
    let public_addr = local(&public, "public", config.listen.public)?;
    let admin_addr = local(&admin, "admin", config.listen.admin)?;
    let metrics = Metrics::new();
    let limits = config.listen.connections.clone();
    let (public_options, max_requests) = public_budget(&limits, &metrics);
    let admin_options = accept::Options {
        limits: limits.clone(),
        max_connections: budget::ADMIN_MAX_CONNECTIONS,
        waiting_room: budget::ADMIN_WAITING_ROOM,
        wait: Duration::ZERO,
    };
    let state = AppState::new(config, metrics.clone())?;
    state.requests.set_limit(max_requests);
    let live = Arc::new(ArcSwap::from_pointee(state));
    let shutdown = CancellationToken::new();

    let public_state = live.clone();
    let public_task = tokio::spawn(accept::serve(
        "public",
        public,
        move |peer, req| crate::proxy::handle(public_state.load_full(), peer, req),
        public_options,
        metrics.clone(),
        shutdown.clone(),
        SHUTDOWN_GRACE,
    ));
    let admin_state = live.clone();
    let admin_task = tokio::spawn(accept::serve(
        "admin",
        admin,
        move |_peer, req| crate::admin::handle(admin_state.load_full(), req),
        admin_options,
        metrics,
        shutdown.clone(),
        SHUTDOWN_GRACE,
    ));
    Ok(Running {
        public_addr,
        admin_addr,
        shutdown,
        tasks: vec![public_task, admin_task],
        live,
    })
}

/// Raises `nofile`, derives the public listener's budget from it (or takes
/// `listen.max_connections`), and logs the budget. Also gives the bound on requests in
/// progress: `listen.max_requests`, or the connection budget, so that HTTP/2 streams hold no
/// more origin connections than HTTP/1.1 connections could.
fn public_budget(limits: &Connections, metrics: &Metrics) -> (accept::Options, usize) {
    let fds = budget::raise_nofile();
    let b = budget::connection_budget(fds.nofile, limits.max_connections);
    let max_requests = limits.max_requests.unwrap_or(b.max_connections);
    metrics.open_files_limit.set(
        fds.nofile
            .map_or(i64::MAX, |n| i64::try_from(n).unwrap_or(i64::MAX)),
    );
    tracing::info!(
        nofile = fds.nofile,
        raised_from = fds.raised_from,
        max_connections = b.max_connections,
        waiting_room = b.waiting_room,
        max_requests,
        admin_max_connections = budget::ADMIN_MAX_CONNECTIONS,
        "file-descriptor budget"
    );
    if b.max_connections > b.derived {
        tracing::warn!(
            nofile = fds.nofile,
            max_connections = b.max_connections,
            fits = b.derived,
            "listen.max_connections is more than the nofile limit leaves room for (each \
             connection may also hold an origin connection): raise the limit (LimitNOFILE, \
             ulimit -n) or lower max_connections, or connections will fail with \
             \"Too many open files\""
        );
    }
    let options = accept::Options {
        limits: limits.clone(),
        max_connections: b.max_connections,
        waiting_room: b.waiting_room,
        wait: limits.connection_wait,
    };
    (options, max_requests)
}

/// `reshelf serve` (the caller sets up logging): serves until SIGTERM or SIGINT, then drains.
/// SIGHUP calls `reload` for a new config: a valid one is swapped in, an invalid one is logged
/// with its problems while the old config keeps serving.
pub async fn serve_until_signal<R>(config: Config, reload: R) -> Result<(), RunError>
where
    R: Fn() -> Result<Config, ConfigError>,
{
    // Handlers go in before the listeners open: a signal that arrives once we announce
    // ourselves must be handled, not take the default action.
    let mut signals = Signals::install()?;
    let mut hangup = install(SignalKind::hangup(), "SIGHUP")?;
    let running = start(config).await?;
    tracing::info!(
        public = %running.public_addr(),
        admin = %running.admin_addr(),
        "reshelf listening"
    );
    let signal = loop {
        tokio::select! {
            signal = signals.shutdown() => break signal,
            _ = hangup.recv() => reload_now(&running, &reload),
        }
    };
    tracing::info!(signal, "shutting down: draining in-flight requests");
    running.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

fn reload_now<R>(running: &Running, reload: &R)
where
    R: Fn() -> Result<Config, ConfigError>,
{
    let reloads = &running.state().metrics.config_reloads;
    match reload()
        .map_err(RunError::Config)
        .and_then(|c| running.reload(c))
    {
        Ok(()) => {
            reloads.with_label_values(&["success"]).inc();
            tracing::info!("config reloaded");
        }
        Err(e) => {
            reloads.with_label_values(&["failure"]).inc();
            tracing::error!(
                error = %crate::telemetry::error_line(&e),
                "config reload rejected; the previous config keeps serving"
            );
        }
    }
}

fn install(kind: SignalKind, name: &'static str) -> Result<Signal, RunError> {
    signal(kind).map_err(|source| RunError::Signal {
        signal: name,
        source,
    })
}

/// SIGTERM and SIGINT handlers, installed when created.
pub struct Signals {
    term: Signal,
    int: Signal,
}

impl Signals {
    /// Installs the handlers; from here on these signals no longer end the process at once.
    pub fn install() -> Result<Self, RunError> {
        Ok(Self {
            term: install(SignalKind::terminate(), "SIGTERM")?,
            int: install(SignalKind::interrupt(), "SIGINT")?,
        })
    }

    /// Waits for SIGTERM or SIGINT and says which arrived.
    pub async fn shutdown(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        }
    }
}
