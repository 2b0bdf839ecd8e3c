//! The socket as hyper sees it: a TCP stream that tells the connection's [`Activity`] when
//! bytes arrive (so the watchdog can tell an idle connection from a request head in progress)
//! and fails a write that has made no progress for the send timeout (a client that stopped
//! reading its response is dropped instead of pinning the response, its buffers and the origin
//! connection behind it).
//!
//! May depend on `server::conn` (the [`Activity`] it reports to) and nothing else in the crate.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use super::conn::Activity;

pin_project! {
    /// A TCP stream watched for read activity and write stalls.
    pub(super) struct Watched {
        #[pin]
        stream: TcpStream,
        activity: Arc<Activity>,
        send_timeout: Duration,
        // Armed when a write returns `Pending`, cleared by any write that makes progress;
        // allocated on the first stall only, so a connection that never stalls pays nothing.
        stall: Option<Pin<Box<Sleep>>>,
        stalled: bool,
    }
}

impl Watched {
    pub(super) fn new(stream: TcpStream, activity: Arc<Activity>, send_timeout: Duration) -> Self {
        Self {
            stream,
            activity,
            send_timeout,
            stall: None,
            stalled: false,
        }
    }
}

/// The error a stalled write ends with; hyper then closes the connection.
fn send_timed_out(limit: Duration) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!("client read nothing of the response for {limit:?}"),
    )
}

impl Watched {
    /// Passes a write's result through, timing how long writes have been blocked: progress
    /// disarms the timer, `Pending` arms it (once per stall) and polls it, so the task wakes
    /// when it expires and the next poll fails.
    fn watch_write<T>(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        let this = self.project();
        if polled.is_ready() {
            *this.stalled = false;
            return polled;
        }
        let limit = *this.send_timeout;
        let deadline = Instant::now() + limit;
        let sleep = this
            .stall
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        if !*this.stalled {
            *this.stalled = true;
            sleep.as_mut().reset(deadline);
        }
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => {
                this.activity.send_timed_out();
                Poll::Ready(Err(send_timed_out(limit)))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        let before = buf.filled().len();
        let polled = this.stream.poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.bytes_arrived();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = self.as_mut().project().stream.poll_write(cx, buf);
        self.watch_write(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = self.as_mut().project().stream.poll_write_vectored(cx, bufs);
        self.watch_write(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = self.as_mut().project().stream.poll_flush(cx);
        self.watch_write(cx, polled)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().stream.poll_shutdown(cx)
    }
}
