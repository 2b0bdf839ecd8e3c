//! A client that speaks HTTP/1.1 by hand on a real socket: half-sent heads, idle keep-alive
//! connections, many connections at once, and responses read byte for byte (a refusal must be
//! a whole HTTP response, not a reset).

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A response as read off the wire.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// `GET path` with `Host: shop`, as one write.
pub fn get_head(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: shop\r\nUser-Agent: raw-test\r\n\r\n").into_bytes()
}

/// Connects and sends `GET path`; returns the connection and the response read off it.
pub async fn get(addr: SocketAddr, path: &str) -> io::Result<(TcpStream, RawResponse)> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(&get_head(path)).await?;
    let response = read_response(&mut stream).await?;
    Ok((stream, response))
}

/// Reads one response: its head, then a `Content-Length` body (or everything up to the close
/// when it has none).
pub async fn read_response(stream: &mut TcpStream) -> io::Result<RawResponse> {
    let mut buf = Vec::new();
    let end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).await? {
            0 => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "closed before a head",
                ))
            }
            n => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut body = buf.split_off(end + 4);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, head.clone()))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut response = RawResponse {
        status,
        headers,
        body: Vec::new(),
    };
    match response.header("content-length").map(str::parse::<usize>) {
        Some(Ok(len)) => {
            while body.len() < len {
                let mut chunk = [0u8; 4096];
                match stream.read(&mut chunk).await? {
                    0 => break,
                    n => body.extend_from_slice(&chunk[..n]),
                }
            }
        }
        _ => {
            stream.read_to_end(&mut body).await?;
        }
    }
    response.body = body;
    Ok(response)
}

/// Reads until the peer closes the connection (what arrives is discarded); `true` when it
/// closed (end of stream or reset), `false` on another error.
pub async fn closed(stream: &mut TcpStream) -> bool {
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) => return e.kind() == io::ErrorKind::ConnectionReset,
        }
    }
}
