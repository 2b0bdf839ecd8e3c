//! Criterion bench of the streamed passthrough path, in process.
//!
//! A tiny hyper origin on 127.0.0.1:0 answers every request with a fixed body (1 KiB or
//! 64 KiB, chosen by path); the reshelf proxy runs in front of it; one keep-alive hyper client
//! connection sends requests either straight to the origin (`direct`) or through the proxy
//! (`reshelf`), in the same group, so the ratio of the two is the proxy's cost per request.
//! `reshelf+log` does the same with a tracing subscriber that formats the access-log line
//! (into a sink), as `reshelf serve` does, to show what logging adds.
//!
//! Everything runs on one current-thread Tokio runtime: client, proxy and origin take turns on
//! the bench thread, so a request's time is the CPU and syscall work of all three with no
//! cross-thread wake-ups, which keeps the figures steady on a shared 2-core machine. Each
//! measured request is a real TCP round trip over loopback (two of them through the proxy).
//!
//! Run: `cargo bench --bench passthrough` (about 1 minute once built).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use http_body_util::{BodyExt, Empty, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

/// The body sizes measured, in bytes, with the origin path that returns each.
const SIZES: [(usize, &str); 2] = [(1024, "/static/1k"), (64 * 1024, "/static/64k")];

/// Starts the fixed-body origin: `/static/64k` gets 64 KiB, every other path 1 KiB.
async fn start_origin() -> SocketAddr {
    let small = Bytes::from(vec![b'a'; SIZES[0].0]);
    let large = Bytes::from(vec![b'b'; SIZES[1].0]);
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("origin binds");
    let addr = listener.local_addr().expect("origin address");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let (small, large) = (small.clone(), large.clone());
            let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                let body = if req.uri().path() == SIZES[1].1 {
                    large.clone()
                } else {
                    small.clone()
                };
                async move {
                    let resp = Response::builder()
                        .header("content-type", "application/octet-stream")
                        .body(Full::new(body))
                        .expect("static response");
                    Ok::<_, Infallible>(resp)
                }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    addr
}

/// Starts reshelf in front of `origin`, with one listing page that the bench never requests
/// (at least one `[[pages]]` block is required) and Fashion.AI pointed at a dead port.
async fn start_proxy(origin: SocketAddr) -> reshelf::server::Running {
    let toml = format!(
        r#"
[listen]
public = "127.0.0.1:0"
admin = "127.0.0.1:0"

[origin]
url = "http://{origin}"

[fashionai]
base_url = "http://127.0.0.1:9"

[[pages]]
path = "/category/{{id}}"
format = "html"
tiles = "ul.products > li"
product_id = "data-product-id"
"#
    );
    let env = HashMap::from([("FASHIONAI_APP_TOKEN", "bench-token")]);
    let config =
        reshelf::config::Config::from_toml(&toml, &|name| env.get(name).map(|v| (*v).to_owned()))
            .expect("bench config is valid");
    reshelf::server::start(config).await.expect("proxy starts")
}

/// One keep-alive HTTP/1.1 client connection to `addr`.
async fn connect(addr: SocketAddr) -> SendRequest<Empty<Bytes>> {
    let stream = TcpStream::connect(addr).await.expect("connects");
    stream.set_nodelay(true).expect("nodelay");
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    sender
}

/// Sends one GET for `path` and reads the whole body; panics unless it is `expect` bytes, so
/// a broken proxy cannot look fast.
async fn get(sender: &mut SendRequest<Empty<Bytes>>, path: &str, expect: usize) {
    sender.ready().await.expect("connection ready");
    let req = Request::get(path)
        .header("host", "bench.local")
        .body(Empty::new())
        .expect("request");
    let resp = sender.send_request(req).await.expect("response");
    assert!(resp.status().is_success(), "status {}", resp.status());
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    assert_eq!(body.len(), expect);
}

/// Times `iters` sequential requests on one connection.
fn run(
    rt: &Runtime,
    sender: &mut SendRequest<Empty<Bytes>>,
    path: &str,
    size: usize,
    iters: u64,
) -> Duration {
    rt.block_on(async {
        let started = Instant::now();
        for _ in 0..iters {
            get(sender, path, size).await;
        }
        started.elapsed()
    })
}

fn passthrough(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (origin, proxy) = rt.block_on(async {
        let origin = start_origin().await;
        (origin, start_proxy(origin).await)
    });
    let (mut direct, mut through) =
        rt.block_on(async { (connect(origin).await, connect(proxy.public_addr()).await) });
    // The access-log line is formatted as `reshelf serve` would, then thrown away, so the
    // figure shows formatting cost without disk or terminal noise.
    let log_to_sink = tracing::Dispatch::new(
        tracing_subscriber::fmt()
            .with_writer(std::io::sink)
            .with_ansi(false)
            .finish(),
    );

    let mut group = c.benchmark_group("passthrough");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(1));
    for (size, path) in SIZES {
        let label = format!("{}k", size / 1024);
        group.bench_function(format!("direct/{label}"), |b| {
            b.iter_custom(|iters| run(&rt, &mut direct, path, size, iters))
        });
        group.bench_function(format!("reshelf/{label}"), |b| {
            b.iter_custom(|iters| run(&rt, &mut through, path, size, iters))
        });
        group.bench_function(format!("reshelf+log/{label}"), |b| {
            b.iter_custom(|iters| {
                // Thread-local default: the current-thread runtime polls every task on this
                // thread, so the proxy's access-log event reaches this subscriber.
                tracing::dispatcher::with_default(&log_to_sink, || {
                    run(&rt, &mut through, path, size, iters)
                })
            })
        });
    }
    group.finish();
    // Closing the client connections first lets the graceful drain finish at once.
    drop((direct, through));
    rt.block_on(proxy.shutdown());
}

criterion_group!(benches, passthrough);
criterion_main!(benches);
