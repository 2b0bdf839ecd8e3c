//! One connection's life beside hyper: what it is doing ([`Activity`]: requests in progress,
//! when it went idle, whether a request head has begun), the watchdog that closes it when a
//! head is too slow or it sat idle too long (hyper-util's protocol sniffing has no timer, and
//! hyper's own header timer cannot tell idle time from head time), the response body that
//! marks a request finished ([`InFlight::track`]), and the clean refusal of a connection past the
//! budget ([`refuse`]).
//!
//! May depend on `kit` (the body type) and `config` (the timeouts); `server::accept` drives it.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::config::Connections;
use crate::kit::body::{Body, FlushBeforeError, ObservedBody, Transfer};

/// What a connection is doing, shared by its socket ([`super::io::Watched`]), its requests and
/// its watchdog. Times are milliseconds since the connection was accepted.
pub(super) struct Activity {
    born: Instant,
    /// Requests whose response has not finished.
    active: AtomicU32,
    /// Responses finished.
    served: AtomicU64,
    /// When the last response finished (0: none yet).
    idle_since_ms: AtomicU64,
    /// 1 + when the first byte after going idle arrived: a head has begun (0: none).
    head_started_ms: AtomicU64,
    /// HTTP/2: frames arrive while idle (pings, window updates) and are no request head.
    multiplexed: AtomicBool,
    send_timed_out: AtomicBool,
}

impl Activity {
    pub(super) fn new() -> Self {
        Self {
            born: Instant::now(),
            active: AtomicU32::new(0),
            served: AtomicU64::new(0),
            idle_since_ms: AtomicU64::new(0),
            head_started_ms: AtomicU64::new(0),
            multiplexed: AtomicBool::new(false),
            send_timed_out: AtomicBool::new(false),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.born.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Bytes came in. On an idle HTTP/1 connection they are the start of the next head.
    pub(super) fn bytes_arrived(&self) {
        if self.active.load(Relaxed) == 0
            && self.head_started_ms.load(Relaxed) == 0
            && !self.multiplexed.load(Relaxed)
        {
            self.head_started_ms.store(self.now_ms() + 1, Relaxed);
        }
    }

    /// A request's head arrived whole and its handler starts; the request is over when the
    /// returned [`InFlight`] (or the response body it becomes) is dropped.
    pub(super) fn request_started(self: &Arc<Self>, version: http::Version) -> InFlight {
        if version == http::Version::HTTP_2 {
            self.multiplexed.store(true, Relaxed);
        }
        self.active.fetch_add(1, Relaxed);
        self.head_started_ms.store(0, Relaxed);
        InFlight(Some(self.clone()))
    }

    /// A response was sent whole, or dropped.
    fn response_done(&self) {
        self.served.fetch_add(1, Relaxed);
        self.idle_since_ms.store(self.now_ms(), Relaxed);
        self.head_started_ms.store(0, Relaxed);
        self.active.fetch_sub(1, Relaxed);
    }

    pub(super) fn send_timed_out(&self) {
        self.send_timed_out.store(true, Relaxed);
    }

    /// A write stalled past the send timeout on this connection.
    pub(super) fn did_send_time_out(&self) -> bool {
        self.send_timed_out.load(Relaxed)
    }
}

/// Why the watchdog ended a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expired {
    /// A request head did not arrive whole in time (or a new connection sent none): close.
    Head,
    /// Idle between requests too long: close gracefully (HTTP/2: GOAWAY).
    Idle,
}

impl Expired {
    /// The `kind` label of `reshelf_connection_timeouts_total`.
    pub(super) fn label(self) -> &'static str {
        match self {
            Expired::Head => "head",
            Expired::Idle => "idle",
        }
    }
}

/// Resolves when the connection has outstayed a timeout: a first head not whole within the
/// head timeout of the accept, a later head not whole within it of its first byte, or no
/// request for the idle timeout after the last response. Never while a request is in
/// progress (the send timeout and the origin's timeouts bound those). Wakes at least once per
/// head timeout while idle, to see a head begin.
pub(super) async fn watchdog(activity: &Activity, limits: &Connections) -> Expired {
    let head = millis(limits.request_head_timeout);
    let idle = millis(limits.idle_timeout);
    loop {
        let now = activity.now_ms();
        let expiry = if activity.active.load(Relaxed) > 0 {
            None
        } else if activity.served.load(Relaxed) == 0 {
            Some((head, Expired::Head))
        } else {
            match activity.head_started_ms.load(Relaxed) {
                0 => Some((
                    activity.idle_since_ms.load(Relaxed).saturating_add(idle),
                    Expired::Idle,
                )),
                started => Some((started - 1 + head, Expired::Head)),
            }
        };
        if let Some((at, kind)) = expiry {
            if now >= at {
                return kind;
            }
        }
        let wake = expiry.map_or(now + head, |(at, _)| at.min(now + head));
        tokio::time::sleep_until(activity.born + Duration::from_millis(wake)).await;
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A request in progress on a connection, until its handler answers (then its response body,
/// carries it) or is dropped (the client reset the stream or left).
pub(super) struct InFlight(Option<Arc<Activity>>);

impl InFlight {
    /// The response body that ends the request when it ends or is dropped, and that lets
    /// what was sent before a failure reach the client ([`FlushBeforeError`]).
    pub(super) fn track(
        self,
        body: Body,
    ) -> ObservedBody<impl FnOnce(Transfer), FlushBeforeError<Body>> {
        ObservedBody::new(FlushBeforeError::new(body), move |_| drop(self))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(activity) = self.0.take() {
            activity.response_done();
        }
    }
}

/// The answer to a connection past the budget: HTTP/1.1, complete and closing, cheap enough to
/// write before reading anything.
const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
Retry-After: 1\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Length: 47\r\n\
Connection: close\r\n\
\r\n\
reshelf is at its connection limit; retry soon\n";

/// How long a refused connection may take to read the refusal while reshelf reads (and
/// discards) what it sent, and how much of it reshelf reads.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 64 * 1024;

/// Writes the 503 refusal, closes the write side and reads what the client sent for a moment
/// before closing: closing a socket with unread bytes sends a reset, which can destroy the
/// refusal before the client reads it.
pub(super) async fn refuse(mut stream: TcpStream) {
    let linger = async {
        stream.write_all(REFUSAL).await?;
        stream.shutdown().await?;
        let mut buf = [0u8; 4096];
        let mut read = 0;
        while read < LINGER_BYTES {
            match stream.read(&mut buf).await? {
                0 => break,
                n => read += n,
            }
        }
        Ok::<_, std::io::Error>(())
    };
    let _ = tokio::time::timeout(LINGER, linger).await;
}

#[cfg(test)]
mod tests {
    use super::REFUSAL;

    #[test]
    fn refusal_length_matches_its_body() {
        let text = std::str::from_utf8(REFUSAL).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(len, body.len());
    }
}
