//! HTTP/2 writes gathered into one system call per wake-up of the connection's task.
//!
//! The h2 crate writes every DATA frame with a `writev` of its own and flushes after it. A
//! client's frames are at most 16 KiB (its `SETTINGS_MAX_FRAME_SIZE`, which browsers and h2load
//! leave at the default), so a 256 KiB response took at least 16 system calls and as many trips
//! through the kernel's TCP path, where nginx writes its frames in chains: in a profile of
//! 256 KiB responses over HTTP/2, four-fifths of reshelf's CPU was the kernel's (BENCHMARKS.md,
//! "HTTP/2 at 256 KiB: where the time goes"). On an HTTP/2 connection, writes here are copied
//! into a buffer and sent when it holds [`GATHER`] bytes, or when the connection's task has done
//! everything it can for now ([`Gathered::poll_send`], polled after the connection by
//! `server::accept`), the point where Go's HTTP/2 server flushes its buffered writer. Nothing
//! waits for more bytes to come: what a poll wrote is handed to the socket before the task
//! sleeps, or the task waits for the socket to take it. Nothing is added behind a send the
//! socket took only part of, so a slow client holds at most [`GATHER`] bytes here and is
//! subject to the send timeout as before.
//!
//! HTTP/1 connections, upgraded ones included, write straight through: hyper already writes a
//! response's head and body chunk in one `writev`, and an upgraded connection is driven by
//! another task, which this module's flush never sees.
//!
//! May depend on `server::io` (the socket it writes to) and nothing else in the crate.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::io::Watched;

/// Bytes gathered before they are sent without waiting for the task's poll to end. Measured
/// against 64 KiB on 256 KiB responses over HTTP/2: 0.73–0.90× the CPU per request and
/// 1.08–1.33× the requests per second, in four rounds (BENCHMARKS.md, "HTTP/2 writes gathered").
/// hyper lets a stream queue 400 KiB for sending, so one poll rarely has more than this.
pub(super) const GATHER: usize = 256 * 1024;

/// The buffer's first allocation; it grows to [`GATHER`] at once when a second write does not
/// fit, and is freed when all of it is sent, so an idle connection holds nothing here.
const START: usize = 8 * 1024;

/// What every HTTP/2 connection starts with (RFC 9113, section 3.4).
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The socket as hyper sees it, shared with the connection's task, which sends what a poll
/// gathered ([`Gathered::poll_send`]). The lock is only ever contended by an upgraded HTTP/1
/// connection's tunnel, which writes straight through.
#[derive(Clone)]
pub(super) struct Gathered(Arc<Mutex<Inner>>);

struct Inner {
    io: Watched,
    mode: Mode,
    /// Gathered bytes, and how many of them are already written.
    out: Vec<u8>,
    sent: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The first bytes read so far match this much of the HTTP/2 preface.
    Sniffing(usize),
    Http1,
    Http2,
}

impl Gathered {
    pub(super) fn new(io: Watched) -> Self {
        Self(Arc::new(Mutex::new(Inner {
            io,
            mode: Mode::Sniffing(0),
            out: Vec::new(),
            sent: 0,
        })))
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Poisoned only by a panic inside a socket call; the bytes are still in order.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends what is gathered. `Ready(Ok)` once the buffer is empty.
    pub(super) fn poll_send(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.lock().poll_send(cx)
    }
}

impl Inner {
    fn poll_send(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.out.len() {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &self.out[self.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        self.sent = 0;
        self.out = Vec::new();
        Poll::Ready(Ok(()))
    }

    /// Makes room to gather `len` more bytes, after [`Inner::poll_room`]: the buffer grows
    /// once, to [`GATHER`].
    fn reserve(&mut self, len: usize) {
        if self.out.capacity() - self.out.len() < len {
            let want = if self.out.is_empty() {
                len.max(START)
            } else {
                GATHER
            };
            self.out.reserve(want.saturating_sub(self.out.len()));
        }
    }

    /// Updates the mode from bytes just read at the start of the connection.
    fn sniff(&mut self, read: &[u8]) {
        let Mode::Sniffing(seen) = self.mode else {
            return;
        };
        let rest = &PREFACE[seen..];
        let n = read.len().min(rest.len());
        self.mode = if read[..n] != rest[..n] {
            Mode::Http1
        } else if seen + n == PREFACE.len() {
            Mode::Http2
        } else {
            Mode::Sniffing(seen + n)
        };
    }

    /// Makes room for `len` more bytes: sends what is gathered first if they would not fit.
    /// `Ready(true)` when they should be written straight through instead (a buffer that is
    /// empty and a write that is a whole send by itself).
    fn poll_room(&mut self, cx: &mut Context<'_>, len: usize) -> Poll<io::Result<bool>> {
        // Nothing is added behind a send in progress (a client reading slowly): the buffer
        // holds at most GATHER bytes, and a full socket holds the connection back.
        if self.sent > 0 || self.out.len() + len > GATHER {
            ready!(self.poll_send(cx))?;
        }
        Poll::Ready(Ok(self.out.is_empty() && len >= GATHER))
    }
}

impl AsyncRead for Gathered {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut inner = self.lock();
        let before = buf.filled().len();
        let polled = Pin::new(&mut inner.io).poll_read(cx, buf);
        if matches!(inner.mode, Mode::Sniffing(_)) {
            inner.sniff(&buf.filled()[before..]);
        }
        polled
    }
}

impl AsyncWrite for Gathered {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut inner = self.lock();
        let len = bufs.iter().map(|b| b.len()).sum();
        if inner.mode != Mode::Http2 || ready!(inner.poll_room(cx, len))? {
            return Pin::new(&mut inner.io).poll_write_vectored(cx, bufs);
        }
        inner.reserve(len);
        for b in bufs {
            inner.out.extend_from_slice(b);
        }
        Poll::Ready(Ok(len))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// Over HTTP/2 a flush is left to the connection's task, after its poll: h2 flushes after
    /// every frame.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut inner = self.lock();
        if inner.mode == Mode::Http2 {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut inner.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut inner = self.lock();
        ready!(inner.poll_send(cx))?;
        Pin::new(&mut inner.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;
    use std::sync::Arc;
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    use super::*;
    use crate::server::conn::Activity;

    /// A served socket as hyper would see it, and the client's end.
    async fn pair() -> (Gathered, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        served(listener, client).await
    }

    /// The same with small socket buffers both ways, so that sends are partial.
    async fn narrow_pair() -> (Gathered, TcpStream) {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_send_buffer_size(8 * 1024).unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(1).unwrap();
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(8 * 1024).unwrap();
        let client = socket
            .connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        served(listener, client).await
    }

    async fn served(listener: TcpListener, client: TcpStream) -> (Gathered, TcpStream) {
        let (served, _) = listener.accept().await.unwrap();
        let io = Watched::new(served, Arc::new(Activity::new()), Duration::from_secs(5));
        (Gathered::new(io), client)
    }

    fn mode(io: &Gathered) -> Mode {
        io.lock().mode
    }

    /// Whether the client can read anything right now.
    fn nothing_arrived(client: &TcpStream) -> bool {
        let mut byte = [0u8; 1];
        matches!(client.try_read(&mut byte), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
    }

    #[tokio::test]
    async fn the_http2_preface_is_told_from_http1_even_when_it_arrives_in_pieces() {
        let (mut io, mut client) = pair().await;
        let mut buf = [0u8; 64];
        for piece in [&PREFACE[..3], &PREFACE[3..20], &PREFACE[20..]] {
            client.write_all(piece).await.unwrap();
            let mut read = ReadBuf::new(&mut buf);
            poll_fn(|cx| Pin::new(&mut io).poll_read(cx, &mut read))
                .await
                .unwrap();
            assert_eq!(read.filled(), piece);
        }
        assert_eq!(mode(&io), Mode::Http2);

        for (first, second, expect) in [
            (&b"GET / HTTP/1.1\r\n"[..], &b""[..], Mode::Http1),
            (b"PRI", b" / HTTP/1.1\r\n", Mode::Http1),
            (b"PRI * HTTP/2.0\r\n", b"", Mode::Sniffing(16)),
        ] {
            let (mut io, mut client) = pair().await;
            client.write_all(first).await.unwrap();
            client.write_all(second).await.unwrap();
            let mut got = Vec::new();
            while got.len() < first.len() + second.len() {
                let mut read = ReadBuf::new(&mut buf);
                poll_fn(|cx| Pin::new(&mut io).poll_read(cx, &mut read))
                    .await
                    .unwrap();
                got.extend_from_slice(read.filled());
            }
            assert_eq!(mode(&io), expect, "{first:?} {second:?}");
        }
    }

    #[tokio::test]
    async fn http2_frames_leave_together_when_the_task_sends_and_http1_writes_go_at_once() {
        let (mut io, mut client) = pair().await;
        io.lock().mode = Mode::Http2;
        let frame = vec![7u8; 16 * 1024];
        for _ in 0..3 {
            let header = [0u8; 9];
            let bufs = [IoSlice::new(&header), IoSlice::new(&frame)];
            let n = poll_fn(|cx| Pin::new(&mut io).poll_write_vectored(cx, &bufs))
                .await
                .unwrap();
            assert_eq!(n, 9 + frame.len());
            poll_fn(|cx| Pin::new(&mut io).poll_flush(cx))
                .await
                .unwrap();
        }
        assert!(
            nothing_arrived(&client),
            "gathered bytes were written early"
        );
        poll_fn(|cx| io.poll_send(cx)).await.unwrap();
        let mut got = vec![0u8; 3 * (9 + frame.len())];
        client.read_exact(&mut got).await.unwrap();
        assert!(got
            .chunks(9 + frame.len())
            .all(|f| f[..9] == [0; 9] && f[9..] == frame[..]));

        // Past GATHER bytes, what was gathered goes first, in order.
        let big = vec![1u8; GATHER];
        poll_fn(|cx| Pin::new(&mut io).poll_write(cx, b"head"))
            .await
            .unwrap();
        poll_fn(|cx| Pin::new(&mut io).poll_write(cx, &big))
            .await
            .unwrap();
        let mut got = vec![0u8; 4];
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"head");

        let (mut io, mut client) = pair().await;
        io.lock().mode = Mode::Http1;
        poll_fn(|cx| Pin::new(&mut io).poll_write(cx, b"HTTP/1.1 200 OK\r\n"))
            .await
            .unwrap();
        let mut got = vec![0u8; 17];
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"HTTP/1.1 200 OK\r\n");
    }

    #[tokio::test]
    async fn a_slow_reader_makes_the_connection_wait_and_holds_at_most_one_gathering() {
        // A client that reads slowly (a thousand bytes at a time, on a thread of its own):
        // sends are partial, and the buffer stays within GATHER.
        let (mut io, client) = narrow_pair().await;
        io.lock().mode = Mode::Http2;
        let mut client = client.into_std().unwrap();
        client.set_nonblocking(false).unwrap();
        let reader = std::thread::spawn(move || {
            let mut sip = [0u8; 1000];
            while std::io::Read::read(&mut client, &mut sip).is_ok_and(|n| n > 0) {}
        });
        let (mut taken, frame) = (0, vec![7u8; 9 + 16 * 1024]);
        while taken < 4 * 1024 * 1024 {
            taken += poll_fn(|cx| Pin::new(&mut io).poll_write(cx, &frame))
                .await
                .unwrap();
            // What the connection's task does after each poll: one attempt to send.
            if let Poll::Ready(sent) = poll_fn(|cx| Poll::Ready(io.poll_send(cx))).await {
                sent.unwrap();
            }
            let held = io.lock().out.capacity();
            assert!(held <= GATHER, "{held} bytes held after {taken} taken");
        }
        drop(io);
        reader.join().unwrap();
    }
}
