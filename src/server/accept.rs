//! The accept loop shared by the public and admin listeners: HTTP/1.1 and HTTP/2 (h2c prior
//! knowledge) with upgrades, each listener with its own connection budget, the connection
//! timeouts, and a graceful drain on shutdown. Request bodies become the crate's own [`Body`]
//! here, at the edge, so every handler can be called without a socket.
//!
//! Budget: a connection is served when one of `max_connections` slots is free; otherwise it
//! waits up to `wait` for one and is then refused with a 503 ([`conn::refuse`]). At most
//! `waiting_room` connections wait or are being refused at once; past that the loop stops
//! accepting until one leaves, so the sockets reshelf holds never exceed the budget.
//!
//! May depend on `kit`, `config` and `metrics`, and on `server::conn`, `server::gather` and
//! `server::io`.

use std::convert::Infallible;
use std::future::{poll_fn, Future};
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use http::{Request, Response};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::conn::{self, Activity, Expired};
use super::gather::Gathered;
use super::io::Watched;
use crate::config::Connections;
use crate::kit::body::{boxed, Body};
use crate::metrics::Metrics;

/// HTTP/2 streams one connection may have open at once (Envoy's edge guidance; nginx's
/// default is 128). Each may hold an origin connection.
const H2_MAX_CONCURRENT_STREAMS: u32 = 100;

/// hyper's HTTP/1 read and write buffer bound per connection (its default is 408 KiB): a
/// request head larger than this is refused with 431 (Envoy's default head limit is 60 KiB,
/// nginx's 4 × 8 KiB), and an upload can no longer grow every connection's read buffer to
/// 408 KiB and leave it there.
const H1_MAX_BUF: usize = 64 * 1024;

/// How a listener treats its connections.
#[derive(Debug, Clone)]
pub struct Options {
    pub limits: Connections,
    /// Connections served at once.
    pub max_connections: usize,
    /// Connections that may wait for a slot or be answering their refusal at once.
    pub waiting_room: usize,
    /// How long a connection past the budget waits for a slot.
    pub wait: Duration,
}

/// hyper's own settings: HTTP/2 pings (they need the timer) and stream limit, the HTTP/1
/// buffer bound. hyper's HTTP/1 header-read timeout is switched off (with a timer set it
/// would default to 30 s): it restarts whenever hyper waits for a head, idle keep-alive time
/// included, so it cannot be a 10 s head bound beside a 60 s idle timeout, hyper-util's
/// protocol sniffing runs before it without any timer, and it arms and cancels a timer on
/// every request (8–10 % more CPU per 1 KiB passthrough request under load, BENCHMARKS.md
/// "Connections"). The watchdog ([`conn::watchdog`]) bounds heads and idle time instead, with
/// one timer per connection.
fn builder(limits: &Connections) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .header_read_timeout(None)
        .max_buf_size(H1_MAX_BUF);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(limits.h2_keepalive_interval)
        .keep_alive_timeout(limits.h2_keepalive_timeout)
        .max_concurrent_streams(H2_MAX_CONCURRENT_STREAMS);
    builder
}

/// Serves connections from `listener` with `handler` until `shutdown` fires, then stops
/// accepting and lets open connections finish for at most `grace`.
pub async fn serve<H, F>(
    name: &'static str,
    listener: TcpListener,
    handler: H,
    options: Options,
    metrics: Metrics,
    shutdown: CancellationToken,
    grace: Duration,
) where
    H: Fn(SocketAddr, Request<Body>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<Response<Body>, Infallible>> + Send + 'static,
{
    let builder = Arc::new(builder(&options.limits));
    let limits = Arc::new(options.limits.clone());
    let total = options.max_connections.saturating_add(options.waiting_room);
    let total = total.min(Semaphore::MAX_PERMITS).min(u32::MAX as usize);
    let slots = Arc::new(Semaphore::new(total));
    let served = Arc::new(Semaphore::new(options.max_connections.min(total)));
    // Fired when the grace period is over: connections still open are dropped.
    let hard = CancellationToken::new();
    metrics
        .connections_max
        .with_label_values(&[name])
        .set(i64::try_from(options.max_connections).unwrap_or(i64::MAX));
    // Exported from the start (at 0), so that a rate over them never starts from nothing.
    metrics.connections_open.with_label_values(&[name]);
    metrics.connections_refused.with_label_values(&[name]);
    metrics.accept_errors.with_label_values(&[name]);
    for kind in ["head", "idle", "send"] {
        metrics.connection_timeouts.with_label_values(&[kind]);
    }
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = shutdown.cancelled() => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors or similar: back off instead of spinning.
                    metrics.accept_errors.with_label_values(&[name]).inc();
                    tracing::warn!(listener = name, error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        let _ = stream.set_nodelay(true);
        let permit = served.clone().try_acquire_owned().ok();
        let (served, builder, limits, handler) = (
            served.clone(),
            builder.clone(),
            limits.clone(),
            handler.clone(),
        );
        let (metrics, shutdown, hard) = (metrics.clone(), shutdown.clone(), hard.clone());
        let wait = options.wait;
        tokio::spawn(async move {
            let _slot = slot;
            let _permit = match permit {
                Some(permit) => permit,
                None => match tokio::time::timeout(wait, served.acquire_owned()).await {
                    Ok(Ok(permit)) => permit,
                    _ => {
                        metrics.connections_refused.with_label_values(&[name]).inc();
                        conn::refuse(stream).await;
                        return;
                    }
                },
            };
            let open = metrics.connections_open.with_label_values(&[name]);
            open.inc();
            let conn = Conn {
                name,
                peer,
                limits: &limits,
                metrics: &metrics,
            };
            conn.serve(&builder, stream, handler, &shutdown, &hard)
                .await;
            open.dec();
        });
    }
    drop(listener);
    let all = u32::try_from(total).unwrap_or(u32::MAX);
    if tokio::time::timeout(grace, slots.acquire_many(all))
        .await
        .is_ok()
    {
        tracing::info!(listener = name, "drained");
    } else {
        tracing::warn!(
            listener = name,
            ?grace,
            "grace period over; closing remaining connections"
        );
        hard.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(1), slots.acquire_many(all)).await;
    }
}

/// Sends what the connection's last poll gathered; never ends but with a failed write.
async fn sending(io: &Gathered) -> std::io::Error {
    poll_fn(|cx| match io.poll_send(cx) {
        Poll::Ready(Err(e)) => Poll::Ready(e),
        Poll::Ready(Ok(())) | Poll::Pending => Poll::Pending,
    })
    .await
}

/// One served connection.
struct Conn<'a> {
    name: &'static str,
    peer: SocketAddr,
    limits: &'a Connections,
    metrics: &'a Metrics,
}

impl Conn<'_> {
    /// Runs the connection until it ends, a timeout closes it, or shutdown drains it.
    async fn serve<H, F>(
        self,
        builder: &auto::Builder<TokioExecutor>,
        stream: TcpStream,
        handler: H,
        shutdown: &CancellationToken,
        hard: &CancellationToken,
    ) where
        H: Fn(SocketAddr, Request<Body>) -> F + Clone + Send + Sync + 'static,
        F: Future<Output = Result<Response<Body>, Infallible>> + Send + 'static,
    {
        let peer = self.peer;
        let activity = Arc::new(Activity::new());
        let io = Gathered::new(Watched::new(
            stream,
            activity.clone(),
            self.limits.send_timeout,
        ));
        let service = {
            let activity = activity.clone();
            service_fn(move |req: Request<hyper::body::Incoming>| {
                let in_flight = activity.request_started(req.version());
                let answer = handler(peer, req.map(boxed));
                async move {
                    let response = answer.await?;
                    Ok::<_, Infallible>(response.map(|body| in_flight.track(body)))
                }
            })
        };
        let mut conn =
            pin!(builder.serve_connection_with_upgrades(TokioIo::new(io.clone()), service));
        let mut watchdog = pin!(conn::watchdog(&activity, self.limits));
        // At shutdown, the connection finishes what it has.
        let mut closing = false;
        let result = loop {
            tokio::select! {
                // The connection first: it is what wakes this task almost every time.
                biased;
                result = conn.as_mut() => break result,
                // Polled right after the connection: what its poll gathered goes out before
                // the task sleeps. Ends only with a failed write.
                failed = sending(&io) => break Err(failed.into()),
                expired = watchdog.as_mut(), if !closing => {
                    self.metrics.connection_timeouts.with_label_values(&[expired.label()]).inc();
                    // Both close the socket at once: a half-sent head has nothing to answer,
                    // and an idle connection has no request in flight (hyper's graceful
                    // shutdown could leave an idle HTTP/1 connection open until the client
                    // spoke again). A request racing the idle close is the keep-alive race
                    // every client retries, as with nginx's keepalive_timeout.
                    match expired {
                        Expired::Head | Expired::Idle => return,
                    }
                }
                () = shutdown.cancelled(), if !closing => {
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
                () = hard.cancelled(), if closing => return,
            }
        };
        // Over HTTP/2 hyper shuts the socket down at the end, which sends what is gathered;
        // this is for an end without it.
        let result = match result {
            Ok(()) => tokio::select! {
                sent = poll_fn(|cx| io.poll_send(cx)) => sent.map_err(Into::into),
                () = hard.cancelled() => Ok(()),
            },
            failed => failed,
        };
        if activity.did_send_time_out() {
            self.metrics
                .connection_timeouts
                .with_label_values(&["send"])
                .inc();
        }
        if let Err(e) = result {
            tracing::debug!(listener = self.name, %peer, error = %e, "connection ended with an error");
        }
    }
}
