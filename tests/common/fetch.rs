//! A client that sees what reqwest hides: the response's trailers (an `X-Reshelf` trailer
//! comes after a streamed body) and when the head and each body frame arrived, over
//! HTTP/1.1 or HTTP/2 (prior knowledge), on a real socket.

use std::net::SocketAddr;

use bytes::Bytes;
use http::{HeaderMap, Request};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

/// The protocol to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    H1,
    H2,
}

/// A whole response as received.
#[derive(Debug)]
pub struct Fetched {
    pub status: http::StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub trailers: Option<HeaderMap>,
    /// The body ended with an error (an aborted response), after `body` arrived.
    pub aborted: bool,
}

impl Fetched {
    /// `X-Reshelf` from the head, else from the trailers.
    pub fn verdict(&self) -> Option<String> {
        self.headers
            .get("x-reshelf")
            .or_else(|| self.trailers.as_ref()?.get("x-reshelf"))
            .map(|v| v.to_str().unwrap().to_owned())
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).unwrap()
    }
}

/// A response whose head has arrived; its body is read on demand.
pub struct Streaming {
    pub status: http::StatusCode,
    pub headers: HeaderMap,
    body: hyper::body::Incoming,
    _conn: tokio::task::JoinHandle<()>,
}

impl Streaming {
    /// The next data bytes (skipping trailers); `None` at the end.
    pub async fn next_data(&mut self) -> Option<Result<Bytes, hyper::Error>> {
        loop {
            match self.body.frame().await? {
                Ok(frame) => {
                    if let Ok(data) = frame.into_data() {
                        return Some(Ok(data));
                    }
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// Reads the rest of the response.
    pub async fn rest(mut self, mut body: Vec<u8>) -> Fetched {
        let mut trailers = None;
        let mut aborted = false;
        while let Some(frame) = self.body.frame().await {
            match frame {
                Ok(frame) => match frame.into_data() {
                    Ok(data) => body.extend_from_slice(&data),
                    Err(frame) => trailers = frame.into_trailers().ok(),
                },
                Err(_) => {
                    aborted = true;
                    break;
                }
            }
        }
        Fetched {
            status: self.status,
            headers: self.headers,
            body: Bytes::from(body),
            trailers,
            aborted,
        }
    }
}

/// Sends `GET path` with `headers` and returns once the response head arrived.
pub async fn start(
    addr: SocketAddr,
    proto: Proto,
    path: &str,
    headers: &[(&str, &str)],
) -> Streaming {
    let stream = TcpStream::connect(addr).await.unwrap();
    let io = TokioIo::new(stream);
    let mut req = Request::get(format!("http://{addr}{path}"));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let req = req.body(Empty::<Bytes>::new()).unwrap();
    let (resp, conn) = match proto {
        Proto::H1 => {
            let (mut send, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
            let conn = tokio::spawn(async move {
                let _ = conn.await;
            });
            (send.send_request(req).await.unwrap(), conn)
        }
        Proto::H2 => {
            let (mut send, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
                .await
                .unwrap();
            let conn = tokio::spawn(async move {
                let _ = conn.await;
            });
            (send.send_request(req).await.unwrap(), conn)
        }
    };
    let (parts, body) = resp.into_parts();
    Streaming {
        status: parts.status,
        headers: parts.headers,
        body,
        _conn: conn,
    }
}

/// `GET path` over HTTP/1.1 as a browser-like client that takes trailers (`TE: trailers`),
/// so a streamed listing's `X-Reshelf` trailer arrives.
pub async fn page(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Fetched {
    let mut all = vec![("te", "trailers"), ("host", "shop.test")];
    all.extend_from_slice(headers);
    get(addr, Proto::H1, path, &all).await
}

/// The whole response to `GET path`.
pub async fn get(addr: SocketAddr, proto: Proto, path: &str, headers: &[(&str, &str)]) -> Fetched {
    start(addr, proto, path, headers)
        .await
        .rest(Vec::new())
        .await
}
