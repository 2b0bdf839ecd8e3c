//! Body types and wrappers: the boxed body every request and response uses, an idle timeout for streamed
//! origin bodies, the observer that writes the access log once a body is fully sent, and the
//! wrapper that lets the bytes before a failure reach the client.

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

pin_project! {
    /// Reports a body's failure one poll later when data came just before it, so the server
    /// writes that data out first. hyper's server buffers a response's head and frames and
    /// writes them when the body has nothing more for now; a failure in between discards what
    /// it buffered. Without this, an origin that resets right after sending a head and some
    /// of a page (all read in one poll) leaves the client with no answer at all instead of
    /// the head and a cut body it can tell apart from a whole one.
    ///
    /// It buys one flush, not a drained socket: what the client's socket takes at once goes
    /// out, but hyper polls the body again as soon as its buffer has room, so a backlog left
    /// by a slow client is still discarded with the failure. Over HTTP/2 the yield lets the
    /// connection's task write the frames the stream queued, in tokio's usual order; that
    /// is likely, not guaranteed.
    pub struct FlushBeforeError<B: HttpBody> {
        #[pin]
        inner: B,
        // A frame was handed on since the last `Pending`.
        delivered: bool,
        failed: Option<B::Error>,
    }
}

impl<B: HttpBody> FlushBeforeError<B> {
    /// Wraps `inner`; it behaves the same except for the timing of a failure.
    pub fn new(inner: B) -> Self {
        Self {
            inner,
            delivered: false,
            failed: None,
        }
    }
}

impl<B: HttpBody> HttpBody for FlushBeforeError<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        let this = self.project();
        if let Some(failed) = this.failed.take() {
            return Poll::Ready(Some(Err(failed)));
        }
        match this.inner.poll_frame(cx) {
            Poll::Ready(Some(Err(e))) if *this.delivered => {
                *this.delivered = false;
                *this.failed = Some(e);
                // The server writes out what it holds before polling again.
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            polled => {
                *this.delivered = matches!(polled, Poll::Ready(Some(Ok(_))));
                polled
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.failed.is_none() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// What a client reads of `body` served by hyper's HTTP/1.1 server over a real socket,
    /// to the end of the connection.
    async fn served(body: Body) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let body = std::sync::Mutex::new(Some(body));
        tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let service = hyper::service::service_fn(move |_| {
                let body = body.lock().unwrap().take().expect("one request");
                async move { Ok::<_, std::convert::Infallible>(http::Response::new(body)) }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
        let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
        client
            .write_all(b"GET / HTTP/1.1\r\nhost: shop\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut got = Vec::new();
        // The server aborts the connection: the read ends with a reset or an end of stream.
        // A failure lost on the way would leave the connection open: the bound says so.
        let read = tokio::time::timeout(Duration::from_secs(10), client.read_to_end(&mut got));
        assert!(read.await.is_ok(), "the server ended the connection");
        String::from_utf8(got).unwrap()
    }

    /// Some bytes and then a failure, both ready at once (an origin's last bytes and its reset
    /// read together).
    fn bytes_then_failure() -> Body {
        let frames: Vec<Result<Frame<Bytes>, BoxError>> = vec![
            Ok(Frame::data(Bytes::from_static(b"the page so far"))),
            Err("origin reset".into()),
        ];
        boxed(http_body_util::StreamBody::new(futures_util::stream::iter(
            frames,
        )))
    }

    #[tokio::test]
    async fn what_came_before_a_failure_reaches_the_client_as_a_cut_response() {
        let bare = served(bytes_then_failure()).await;
        assert_eq!(
            bare, "",
            "hyper alone discards the head and bytes it buffered (why the wrapper exists; \
             if a hyper upgrade sends them, this assertion and perhaps the wrapper can go)"
        );
        let got = served(boxed(FlushBeforeError::new(bytes_then_failure()))).await;
        assert!(got.starts_with("HTTP/1.1 200 OK\r\n"), "{got:?}");
        assert!(got.contains("the page so far"), "{got:?}");
        assert!(
            !got.ends_with("0\r\n\r\n"),
            "no last chunk: the client can tell the response was cut: {got:?}"
        );
    }

    #[tokio::test]
    async fn a_failure_with_nothing_before_it_and_a_whole_body_pass_unchanged() {
        let failing = FlushBeforeError::new(http_body_util::StreamBody::new(
            futures_util::stream::iter(vec![Err::<Frame<Bytes>, BoxError>("refused".into())]),
        ));
        let mut failing = std::pin::pin!(failing);
        let first = std::future::poll_fn(|cx| failing.as_mut().poll_frame(cx)).await;
        assert!(
            matches!(first, Some(Err(_))),
            "failed at once, not a poll later"
        );
        let whole = served(boxed(FlushBeforeError::new(full("whole")))).await;
        assert!(whole.ends_with("\r\n\r\nwhole"), "{whole:?}");
    }
}
