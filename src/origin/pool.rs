//! The origin's keep-alive connections: one origin, HTTP/1.1 only, so reshelf keeps them itself
//! instead of going through hyper-util's generic client. A request takes the connection that
//! went idle last (or opens one with hyper-util's connector, which keeps the connect timeout,
//! `TCP_NODELAY` and TCP keepalive), and its response body hands the connection back when it
//! ends whole ([`OriginBody`]). hyper-util's client spawned a task per request to wait for the
//! connection to become idle and went through a keyed pool under a lock on every request; this
//! is the pool that is left of that (BENCHMARKS.md "Passthrough speed").

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response, Uri};
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::client::legacy::connect::HttpConnector;
use pin_project_lite::pin_project;
use tokio::sync::OwnedSemaphorePermit;
use tower_service::Service;

use super::OriginError;
use crate::kit::body::{Body, BoxError, IdleTimeoutBody};

/// Idle connections kept (hyper-util's `pool_max_idle_per_host` before this pool).
pub(super) const MAX_IDLE: usize = 256;
/// How long a connection may sit idle before it is closed instead of reused.
pub(super) const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Keep-alive connections to the one origin.
pub(super) struct Pool {
    connector: HttpConnector,
    /// `scheme://authority`, what the connector connects to.
    target: Uri,
    /// Newest last; a request takes the newest, the one least likely to have been closed.
    idle: Mutex<Vec<Idle>>,
}

struct Idle {
    sender: SendRequest<Body>,
    since: Instant,
}

/// A connection in use by one request, until its response body ends.
pub(super) struct Lease {
    pool: Arc<Pool>,
    sender: SendRequest<Body>,
}

impl Pool {
    pub(super) fn new(connector: HttpConnector, target: Uri) -> Arc<Self> {
        Arc::new(Self {
            connector,
            target,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Sends `req` (origin-form URI, `Host` set) on an idle connection or a new one. A request
    /// a reused connection gave back unsent (the origin closed it in the meantime) is sent
    /// again on another, as hyper-util's client retried it.
    pub(super) async fn send(
        self: &Arc<Self>,
        mut req: Request<Body>,
    ) -> Result<(Response<Incoming>, Lease), OriginError> {
        loop {
            let (mut sender, reused) = match self.take().await {
                Some(sender) => (sender, true),
                None => (self.connect().await?, false),
            };
            match sender.try_send_request(req).await {
                Ok(resp) => {
                    let lease = Lease {
                        pool: self.clone(),
                        sender,
                    };
                    return Ok((resp, lease));
                }
                Err(mut e) => match e.take_message() {
                    Some(unsent) if reused => req = unsent,
                    _ => return Err(OriginError::Protocol(e.into_error())),
                },
            }
        }
    }

    /// The newest idle connection that is still open and ready for a request.
    async fn take(&self) -> Option<SendRequest<Body>> {
        loop {
            let mut idle = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop()?;
            if idle.sender.is_closed() || idle.since.elapsed() >= IDLE_TIMEOUT {
                continue;
            }
            // Given back when its last response body ended, it may still be finishing that
            // response; an error means it closed.
            if idle.sender.ready().await.is_ok() {
                return Some(idle.sender);
            }
        }
    }

    async fn connect(&self) -> Result<SendRequest<Body>, OriginError> {
        let mut connector = self.connector.clone();
        std::future::poll_fn(|cx| connector.poll_ready(cx))
            .await
            .map_err(|e| OriginError::Connect(e.into()))?;
        let io = connector
            .call(self.target.clone())
            .await
            .map_err(|e| OriginError::Connect(e.into()))?;
        let (sender, conn) = http1::handshake(io)
            .await
            .map_err(|e| OriginError::Connect(e.into()))?;
        tokio::spawn(async move {
            if let Err(e) = conn.with_upgrades().await {
                tracing::debug!(error = %e, "origin connection ended with an error");
            }
        });
        Ok(sender)
    }

    fn put(&self, sender: SendRequest<Body>) {
        if sender.is_closed() {
            return;
        }
        let now = Instant::now();
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        // Oldest first: requests take from the end, so a connection left at the front could
        // otherwise stay open for as long as the origin lets it.
        let expired = idle.partition_point(|i| now.duration_since(i.since) >= IDLE_TIMEOUT);
        idle.drain(..expired);
        if idle.len() < MAX_IDLE {
            idle.push(Idle { sender, since: now });
        }
    }
}

pin_project! {
    /// The origin's response body as reshelf relays it, in one layer: ends with
    /// [`crate::kit::body::IdleTimeout`] when the origin pauses longer than the limit, holds
    /// the request's place under `origin.max_connections` until it ends or is dropped, and
    /// gives the connection (`None` after an upgrade) back to the pool when it ended whole (a
    /// body cut short leaves the connection unusable: hyper closes it).
    pub(super) struct OriginBody {
        #[pin]
        inner: IdleTimeoutBody<Incoming>,
        lease: Option<Lease>,
        slot: Option<OwnedSemaphorePermit>,
    }
}

impl OriginBody {
    pub(super) fn new(
        inner: Incoming,
        idle: Duration,
        lease: Option<Lease>,
        slot: Option<OwnedSemaphorePermit>,
    ) -> Self {
        let mut body = Self {
            inner: IdleTimeoutBody::new(inner, idle),
            lease,
            slot,
        };
        // An empty body (HEAD, 204, 304) may never be polled: done now.
        if body.inner.is_end_stream() {
            finish(&mut body.lease, &mut body.slot, true);
        }
        body
    }
}

fn finish(lease: &mut Option<Lease>, slot: &mut Option<OwnedSemaphorePermit>, whole: bool) {
    if let Some(lease) = lease.take() {
        if whole {
            lease.pool.put(lease.sender);
        }
    }
    slot.take();
}

impl HttpBody for OriginBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let mut this = self.project();
        let polled = this.inner.as_mut().poll_frame(cx);
        match &polled {
            // hyper stops polling a body that says it has ended.
            Poll::Ready(Some(Ok(_))) if this.inner.is_end_stream() => {
                finish(this.lease, this.slot, true);
            }
            Poll::Ready(None) => finish(this.lease, this.slot, true),
            Poll::Ready(Some(Err(_))) => finish(this.lease, this.slot, false),
            Poll::Ready(Some(Ok(_))) | Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connection's handle over an in-memory stream, its connection driven by a task.
    async fn sender() -> SendRequest<Body> {
        let (ours, _theirs) = tokio::io::duplex(1024);
        let (sender, conn) = http1::handshake(hyper_util::rt::TokioIo::new(ours))
            .await
            .unwrap();
        tokio::spawn(conn);
        sender
    }

    #[tokio::test]
    async fn connections_idle_past_the_timeout_are_dropped_when_one_is_given_back() {
        let pool = Pool::new(
            HttpConnector::new(),
            Uri::from_static("http://127.0.0.1:1/"),
        );
        let long_ago = Instant::now() - IDLE_TIMEOUT - Duration::from_secs(1);
        for since in [long_ago, long_ago, Instant::now()] {
            let sender = sender().await;
            pool.idle.lock().unwrap().push(Idle { sender, since });
        }
        pool.put(sender().await);
        let idle = pool.idle.lock().unwrap();
        assert_eq!(
            idle.len(),
            2,
            "the two expired ones are gone, the fresh one and the new stay"
        );
        assert!(idle.iter().all(|i| i.since.elapsed() < IDLE_TIMEOUT));
    }
}
