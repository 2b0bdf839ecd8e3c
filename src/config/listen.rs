//! `[listen]`: where the public and admin listeners bind, and how the public one treats its
//! connections (timeouts, connection budget). Holds the typed [`Listen`] and its check (two
//! addresses that must not collide, timeouts within sane bounds).
//!
//! May depend on `problems` and `raw`.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use super::problems::{in_range, Problems};
use super::raw::RawListen;

/// `[listen]`.
#[derive(Debug, Clone)]
pub struct Listen {
    /// Storefront traffic. Default `0.0.0.0:8080`.
    pub public: SocketAddr,
    /// Metrics and health. Default `127.0.0.1:9100`.
    pub admin: SocketAddr,
    /// Send `X-Reshelf` on listing pages (as a trailer when the page streams and the client
    /// takes trailers). Default `true`.
    pub debug_header: bool,
    /// Stream listing pages: the head and the bytes before a listing go out as they arrive,
    /// only the listing region is held. `false`: the whole page is read, then sent, with
    /// `X-Reshelf` in its head. Default `true`.
    pub stream_listings: bool,
    /// Timeouts and budget of the public listener's connections.
    pub connections: Connections,
}

/// How the public listener treats its connections. The README's "Connections" section says
/// why each default is what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connections {
    /// A request head must arrive whole within this: the first from accept, a later one from
    /// its first byte. Default 10 s.
    pub request_head_timeout: Duration,
    /// A keep-alive connection idle between requests is closed after this. Default 60 s.
    pub idle_timeout: Duration,
    /// A response write making no progress this long drops the connection. Default 60 s.
    pub send_timeout: Duration,
    /// HTTP/2 PING interval; `None` = no pings. Default 30 s.
    pub h2_keepalive_interval: Option<Duration>,
    /// An unanswered PING closes the connection after this. Default 10 s.
    pub h2_keepalive_timeout: Duration,
    /// Open public connections; `None` = derived from the file-descriptor budget at start.
    pub max_connections: Option<usize>,
    /// How long a connection past the budget waits for a slot before a 503. Default 500 ms.
    pub connection_wait: Duration,
    /// Requests in progress at once (HTTP/2 streams included), past which a request gets
    /// 503 at once; `None` = the connection budget. Default `None`.
    pub max_requests: Option<usize>,
}

impl Default for Connections {
    fn default() -> Self {
        let raw = RawListen::default();
        connections(&raw)
    }
}

/// Bounds of the timeouts, milliseconds: at least 100 ms (a smaller value closes healthy
/// connections on any hiccup), at most a day.
const TIMEOUT_MS: std::ops::RangeInclusive<u64> = 100..=86_400_000;

fn connections(raw: &RawListen) -> Connections {
    let ms = Duration::from_millis;
    Connections {
        request_head_timeout: ms(raw.request_head_timeout_ms),
        idle_timeout: ms(raw.idle_timeout_ms),
        send_timeout: ms(raw.send_timeout_ms),
        h2_keepalive_interval: (raw.h2_keepalive_interval_ms > 0)
            .then(|| ms(raw.h2_keepalive_interval_ms)),
        h2_keepalive_timeout: ms(raw.h2_keepalive_timeout_ms),
        max_connections: (raw.max_connections > 0)
            .then(|| usize::try_from(raw.max_connections).unwrap_or(usize::MAX)),
        connection_wait: ms(raw.connection_wait_ms),
        max_requests: (raw.max_requests > 0)
            .then(|| usize::try_from(raw.max_requests).unwrap_or(usize::MAX)),
    }
}

fn check_connections(raw: &RawListen, p: &mut Problems) {
    for (value, key) in [
        (
            raw.request_head_timeout_ms,
            "listen.request_head_timeout_ms",
        ),
        (raw.idle_timeout_ms, "listen.idle_timeout_ms"),
        (raw.send_timeout_ms, "listen.send_timeout_ms"),
        (
            raw.h2_keepalive_timeout_ms,
            "listen.h2_keepalive_timeout_ms",
        ),
    ] {
        in_range(value, TIMEOUT_MS, key, p);
    }
    if raw.h2_keepalive_interval_ms != 0 {
        in_range(
            raw.h2_keepalive_interval_ms,
            TIMEOUT_MS,
            "listen.h2_keepalive_interval_ms",
            p,
        );
    }
    in_range(
        raw.max_connections,
        0..=10_000_000,
        "listen.max_connections",
        p,
    );
    in_range(raw.max_requests, 0..=10_000_000, "listen.max_requests", p);
    in_range(
        raw.connection_wait_ms,
        0..=60_000,
        "listen.connection_wait_ms",
        p,
    );
}

/// The typed `[listen]`, or `None` after recording at least one problem.
pub(super) fn check(raw: &RawListen, p: &mut Problems) -> Option<Listen> {
    let before = p.count();
    check_connections(raw, p);
    let public = socket_addr(&raw.public, "listen.public", p);
    let admin = socket_addr(&raw.admin, "listen.admin", p);
    let (public, admin) = (public?, admin?);
    // Port 0 asks the kernel for a fresh port each time, so two such listeners never collide.
    let overlap =
        public.ip() == admin.ip() || public.ip().is_unspecified() || admin.ip().is_unspecified();
    if public.port() != 0 && public.port() == admin.port() && overlap {
        p.add(
            "listen.admin",
            format!(
                "{admin} collides with listen.public ({public}); the admin listener must be a \
                 separate address so that it is never exposed with the storefront"
            ),
        );
        return None;
    }
    p.unless_new(
        before,
        Listen {
            public,
            admin,
            debug_header: raw.debug_header,
            stream_listings: raw.stream_listings,
            connections: connections(raw),
        },
    )
}

fn socket_addr(text: &str, key: &str, p: &mut Problems) -> Option<SocketAddr> {
    match SocketAddr::from_str(text) {
        Ok(addr) => Some(addr),
        Err(e) => {
            p.add(key, format!("{text:?} is not an IP:port address ({e})"));
            None
        }
    }
}
