//! An origin that writes exact bytes on a real socket: the framings real shops use (chunked
//! with tiny or large chunks, close-delimited HTTP/1.0, trailers, `Content-Length`), pauses on
//! gates the test opens, and resets. `hyper`'s server always picks its own framing, so tests
//! that must see what PHP, Node or an HTTP/1.0 backend really send use this one.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// How the body is framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `Content-Length`, one write.
    Length,
    /// `Transfer-Encoding: chunked`, chunks of this many bytes, each its own write.
    Chunked(usize),
    /// Chunked, then a trailer section (`X-Origin-Trailer: done`).
    ChunkedTrailers(usize),
    /// HTTP/1.0 without a length: the body ends when the origin closes the connection.
    Close,
}

impl Framing {
    /// Every framing tests should cover.
    pub const ALL: [Framing; 6] = [
        Framing::Length,
        Framing::Chunked(1),
        Framing::Chunked(7),
        Framing::Chunked(16 * 1024),
        Framing::ChunkedTrailers(7),
        Framing::Close,
    ];
}

/// A one-shot gate: the origin waits at it until the test opens it.
#[derive(Clone)]
pub struct Gate(Arc<Semaphore>);

impl Default for Gate {
    fn default() -> Self {
        Self::new()
    }
}

impl Gate {
    pub fn new() -> Self {
        Gate(Arc::new(Semaphore::new(0)))
    }

    pub fn open(&self) {
        self.0.add_permits(1 << 20);
    }

    async fn wait(&self) {
        let _ = self.0.acquire().await.expect("gate never closed");
    }
}

/// One step of a scripted response.
#[derive(Clone)]
pub enum Step {
    /// Write these bytes and flush.
    Write(Vec<u8>),
    /// Wait until the gate opens.
    Wait(Gate),
    /// Reset the connection (RST, not FIN) and stop.
    Reset,
    /// Close the connection (FIN) and stop.
    Close,
}

/// A whole response: status line and headers are written first, then the body framed as asked.
pub fn response(headers: &[(&str, &str)], body: &[u8], framing: Framing) -> Vec<Step> {
    let mut steps = vec![Step::Write(head(headers, framing, body.len()))];
    steps.extend(body_steps(body, framing));
    if framing == Framing::Close {
        steps.push(Step::Close);
    }
    steps
}

/// The status line and headers (ending in the blank line) for `framing`.
pub fn head(headers: &[(&str, &str)], framing: Framing, len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let version = if framing == Framing::Close {
        "HTTP/1.0"
    } else {
        "HTTP/1.1"
    };
    write!(out, "{version} 200 OK\r\n").unwrap();
    for (name, value) in headers {
        write!(out, "{name}: {value}\r\n").unwrap();
    }
    match framing {
        Framing::Length => write!(out, "content-length: {len}\r\n").unwrap(),
        Framing::Chunked(_) => write!(out, "transfer-encoding: chunked\r\n").unwrap(),
        Framing::ChunkedTrailers(_) => write!(
            out,
            "transfer-encoding: chunked\r\ntrailer: x-origin-trailer\r\n"
        )
        .unwrap(),
        Framing::Close => write!(out, "connection: close\r\n").unwrap(),
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// The body's writes for `framing`, with the closing chunk (and trailers) where chunked.
pub fn body_steps(body: &[u8], framing: Framing) -> Vec<Step> {
    let mut steps = body_part(body, framing);
    match framing {
        Framing::Chunked(_) => steps.push(Step::Write(b"0\r\n\r\n".to_vec())),
        Framing::ChunkedTrailers(_) => {
            steps.push(Step::Write(b"0\r\nx-origin-trailer: done\r\n\r\n".to_vec()))
        }
        Framing::Length | Framing::Close => {}
    }
    steps
}

/// Part of a body, framed but without the end of the body: lets a test put gates or a reset
/// between parts.
pub fn body_part(body: &[u8], framing: Framing) -> Vec<Step> {
    match framing {
        Framing::Length | Framing::Close => vec![Step::Write(body.to_vec())],
        Framing::Chunked(size) | Framing::ChunkedTrailers(size) => body
            .chunks(size.max(1))
            .map(|chunk| {
                let mut out = format!("{:x}\r\n", chunk.len()).into_bytes();
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\r\n");
                Step::Write(out)
            })
            .collect(),
    }
}

/// The request line and headers the origin received.
#[derive(Debug, Clone)]
pub struct RequestHead {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl RequestHead {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A running scripted origin; stops when dropped.
pub struct WireOrigin {
    pub addr: SocketAddr,
    stop: CancellationToken,
}

impl Drop for WireOrigin {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl WireOrigin {
    /// Answers every request with the steps `script` returns for it. Connections are kept
    /// alive unless the script closes or resets them.
    pub async fn start<S>(script: S) -> WireOrigin
    where
        S: Fn(&RequestHead) -> Vec<Step> + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = CancellationToken::new();
        let script = Arc::new(script);
        let token = stop.clone();
        tokio::spawn(async move {
            loop {
                let stream = tokio::select! {
                    r = listener.accept() => match r { Ok((s, _)) => s, Err(_) => continue },
                    () = token.cancelled() => return,
                };
                let script = script.clone();
                let token = token.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        () = serve_connection(stream, &*script) => {}
                        () = token.cancelled() => {}
                    }
                });
            }
        });
        WireOrigin { addr, stop }
    }
}

async fn serve_connection<S>(mut stream: TcpStream, script: &S)
where
    S: Fn(&RequestHead) -> Vec<Step>,
{
    let mut buf = Vec::new();
    loop {
        let Some(head) = read_head(&mut stream, &mut buf).await else {
            return;
        };
        for step in script(&head) {
            match step {
                Step::Write(bytes) => {
                    if stream.write_all(&bytes).await.is_err() {
                        return;
                    }
                    let _ = stream.flush().await;
                }
                Step::Wait(gate) => gate.wait().await,
                Step::Reset => {
                    let _ = stream.set_zero_linger();
                    return;
                }
                Step::Close => {
                    let _ = stream.shutdown().await;
                    return;
                }
            }
        }
    }
}

/// Reads one request head (requests to a listing origin carry no body).
async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<RequestHead> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let text = String::from_utf8_lossy(&buf[..end]).into_owned();
            buf.drain(..end + 4);
            let mut lines = text.split("\r\n");
            let mut first = lines.next()?.split(' ');
            let method = first.next()?.to_owned();
            let target = first.next()?.to_owned();
            let headers = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
                .collect();
            return Some(RequestHead {
                method,
                target,
                headers,
            });
        }
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// `body` compressed with `coding` (`gzip`, `br` or `zstd`) by the real encoders.
pub fn compress(coding: &str, body: &[u8]) -> Vec<u8> {
    match coding {
        "gzip" => {
            let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            w.write_all(body).unwrap();
            w.finish().unwrap()
        }
        "br" => {
            let mut out = Vec::new();
            {
                let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                w.write_all(body).unwrap();
            }
            out
        }
        "zstd" => zstd::encode_all(body, 3).unwrap(),
        other => panic!("no encoder for {other}"),
    }
}

/// `body` decompressed from `coding`, as a client would.
pub fn decompress(coding: Option<&str>, body: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    match coding {
        None | Some("identity") => return body.to_vec(),
        Some("gzip") => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("br") => {
            brotli::Decompressor::new(body, 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("zstd") => out = zstd::decode_all(body).unwrap(),
        Some(other) => panic!("no decoder for {other}"),
    }
    out
}
