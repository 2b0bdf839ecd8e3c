//! Body types and wrappers: the boxed body every request and response uses, an idle timeout for streamed
//! origin bodies, and the observer that writes the access log once a body is fully sent.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::{BodyExt, Full};
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};

/// Any error a body stream can end with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body of every request reshelf handles and forwards and of every response it sends.
/// `Sync` as well as `Send`, so a handler may hold a request across an await and still be
/// called from any task (and from tests, without a socket).
pub type Body = http_body_util::combinators::BoxBody<Bytes, BoxError>;

/// A complete body from bytes.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// An empty body.
pub fn empty() -> Body {
    full(Bytes::new())
}

/// Boxes any body whose error converts into [`BoxError`].
pub fn boxed<B>(body: B) -> Body
where
    B: HttpBody<Data = Bytes> + Send + Sync + 'static,
    B::Error: Into<BoxError>,
{
    body.map_err(Into::into).boxed()
}

/// The origin stopped sending body bytes for longer than the idle limit.
#[derive(Debug, thiserror::Error)]
#[error("origin body idle for more than {0:?}")]
pub struct IdleTimeout(pub Duration);

pin_project! {
    /// Ends a streamed body with [`IdleTimeout`] when no frame arrives within `limit`, so a
    /// stalled origin cannot hold a connection forever while a slow but live download can
    /// run as long as it needs.
    pub struct IdleTimeoutBody<B> {
        #[pin]
        inner: B,
        #[pin]
        sleep: Sleep,
        limit: Duration,
    }
}

impl<B> IdleTimeoutBody<B> {
    pub fn new(inner: B, limit: Duration) -> Self {
        Self {
            inner,
            sleep: tokio::time::sleep(limit),
            limit,
        }
    }
}

impl<B> HttpBody for IdleTimeoutBody<B>
where
    B: HttpBody<Data = Bytes>,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let mut this = self.project();
        match this.inner.poll_frame(cx) {
            Poll::Ready(frame) => {
                let limit = *this.limit;
                this.sleep.as_mut().reset(Instant::now() + limit);
                Poll::Ready(frame.map(|r| r.map_err(Into::into)))
            }
            Poll::Pending => match this.sleep.poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(IdleTimeout(*this.limit))))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// What an [`ObservedBody`] saw by the time it was finished or dropped.
#[derive(Debug, Clone, Copy)]
pub struct Transfer {
    /// Body bytes handed to the connection.
    pub bytes: u64,
    /// The body ended normally (not cut by an error or a client that went away).
    pub complete: bool,
}

pin_project! {
    /// Counts the bytes of a response body and calls `on_done` exactly once: when the body
    /// ends, fails, or is dropped because the client went away.
    pub struct ObservedBody<F: FnOnce(Transfer), B = Body> {
        #[pin]
        inner: B,
        bytes: u64,
        on_done: Option<F>,
    }

    impl<F: FnOnce(Transfer), B> PinnedDrop for ObservedBody<F, B> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            report(this.on_done, *this.bytes, false);
        }
    }
}

impl<F: FnOnce(Transfer), B: HttpBody> ObservedBody<F, B> {
    pub fn new(inner: B, on_done: F) -> Self {
        let mut body = Self {
            inner,
            bytes: 0,
            on_done: Some(on_done),
        };
        // An empty body (HEAD, 204, 304) may never be polled: report it as complete now.
        if body.inner.is_end_stream() {
            report(&mut body.on_done, 0, true);
        }
        body
    }
}

/// Calls the observer, the first time only.
fn report<F: FnOnce(Transfer)>(on_done: &mut Option<F>, bytes: u64, complete: bool) {
    if let Some(done) = on_done.take() {
        done(Transfer { bytes, complete });
    }
}

impl<F, B> HttpBody for ObservedBody<F, B>
where
    F: FnOnce(Transfer),
    B: HttpBody<Data = Bytes>,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let mut this = self.project();
        let polled = this.inner.as_mut().poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    *this.bytes += data.len() as u64;
                }
                // hyper stops polling a body that says it has ended, so report it here.
                if this.inner.is_end_stream() {
                    report(this.on_done, *this.bytes, true);
                }
            }
            Poll::Ready(end) => report(this.on_done, *this.bytes, end.is_none()),
            Poll::Pending => {}
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
