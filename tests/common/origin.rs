//! A real HTTP/1.1 server on 127.0.0.1:0 whose behaviour each test supplies as a closure.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub type TestBody = BoxBody<Bytes, Box<dyn std::error::Error + Send + Sync>>;

/// A body from bytes.
pub fn full(b: impl Into<Bytes>) -> TestBody {
    Full::new(b.into()).map_err(|e| match e {}).boxed()
}

/// A running test server; stops when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    stop: CancellationToken,
    accepted: Arc<AtomicUsize>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl TestServer {
    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Serves every request with `handler` (HTTP/1.1, with upgrades).
    pub async fn start<H, F>(handler: H) -> TestServer
    where
        H: Fn(Request<Incoming>) -> F + Send + Sync + 'static,
        F: Future<Output = Response<TestBody>> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = CancellationToken::new();
        let handler = Arc::new(handler);
        let token = stop.clone();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            loop {
                let stream = tokio::select! {
                    r = listener.accept() => match r { Ok((s, _)) => s, Err(_) => continue },
                    () = token.cancelled() => return,
                };
                count.fetch_add(1, Ordering::SeqCst);
                let handler = handler.clone();
                let conn_token = token.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let fut = handler(req);
                        async move { Ok::<_, Infallible>(fut.await) }
                    });
                    let conn = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades();
                    tokio::select! {
                        _ = conn => {}
                        () = conn_token.cancelled() => {}
                    }
                });
            }
        });
        TestServer {
            addr,
            stop,
            accepted,
        }
    }
}

/// An address on loopback where nothing listens (bound, then released).
pub async fn dead_addr() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap()
}

/// An origin whose every request reports its arrival on the returned receiver, then waits for
/// a permit of the returned gate (each permit lets one request through) and answers
/// "from the origin".
pub async fn gated() -> (
    TestServer,
    Arc<tokio::sync::Semaphore>,
    tokio::sync::mpsc::UnboundedReceiver<()>,
) {
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let (arrived, arrivals) = tokio::sync::mpsc::unbounded_channel();
    let origin = {
        let gate = gate.clone();
        TestServer::start(move |_| {
            let (gate, arrived) = (gate.clone(), arrived.clone());
            async move {
                let _ = arrived.send(());
                gate.acquire().await.expect("the gate stays open").forget();
                Response::new(full("from the origin"))
            }
        })
        .await
    };
    (origin, gate, arrivals)
}
