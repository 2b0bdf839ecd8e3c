//! The public listener's connections on real loopback sockets: a half-sent request head and an
//! idle keep-alive connection are closed by their timeouts, slow-header clients do not hold up
//! a shopper, a connection past the budget gets a clean 503 with `Retry-After` while the
//! admin listener keeps answering, and a client that stops reading (over HTTP/1.1 or HTTP/2)
//! is dropped and its response counted as incomplete. Every wait is bounded; none is a sleep.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::origin::{full, TestBody, TestServer};
use common::raw::{self, RawResponse};
use common::{client, config_toml, metrics_text, start_proxy, HTML_PAGE};
use http_body::Frame;
use http_body_util::StreamBody;
use hyper::Response;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, Semaphore};

/// The bound of every wait for something that should happen within a second.
const BOUND: Duration = Duration::from_secs(10);

async fn within<F: std::future::Future>(what: &str, f: F) -> F::Output {
    tokio::time::timeout(BOUND, f)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {BOUND:?}"))
}

/// A proxy in front of `origin` with `listen` added to `[listen]`.
async fn proxy(origin: &TestServer, listen: &str) -> reshelf::server::Running {
    let toml = config_toml(origin.addr, None, HTML_PAGE)
        .replace("[listen]", &format!("[listen]\n{listen}"));
    start_proxy(&toml).await
}

async fn ok_origin() -> TestServer {
    TestServer::start(|_| async { Response::new(full("ok")) }).await
}

#[tokio::test]
async fn a_half_sent_request_head_is_closed_within_the_head_timeout() {
    let origin = ok_origin().await;
    let proxy = proxy(&origin, "request_head_timeout_ms = 300").await;
    let addr = proxy.public_addr();

    // A new connection that sends half a head.
    let mut fresh = TcpStream::connect(addr).await.unwrap();
    fresh
        .write_all(b"GET / HTTP/1.1\r\nHost: shop\r\nUser-")
        .await
        .unwrap();
    let started = Instant::now();
    assert!(within("fresh half head closed", raw::closed(&mut fresh)).await);
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );

    // A keep-alive connection (idle timeout 60 s) whose second head stops halfway: the head
    // timeout counts from its first byte, not the idle timeout.
    let (mut kept, first) = raw::get(addr, "/a").await.unwrap();
    assert_eq!(first.status, 200);
    kept.write_all(b"GET /b HTTP/1.1\r\nHo").await.unwrap();
    let started = Instant::now();
    assert!(within("second half head closed", raw::closed(&mut kept)).await);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    let metrics = metrics_text(proxy.admin_addr()).await;
    assert!(
        metrics.contains(r#"reshelf_connection_timeouts_total{kind="head"} 2"#),
        "{metrics}"
    );
    proxy.shutdown().await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let origin = ok_origin().await;
    let proxy = proxy(&origin, "idle_timeout_ms = 300").await;
    let (mut stream, first) = raw::get(proxy.public_addr(), "/a").await.unwrap();
    assert_eq!(first.status, 200);
    // Still usable right after the response.
    stream.write_all(&raw::get_head("/b")).await.unwrap();
    assert_eq!(raw::read_response(&mut stream).await.unwrap().status, 200);
    let idle_from = Instant::now();
    assert!(within("idle connection closed", raw::closed(&mut stream)).await);
    assert!(
        idle_from.elapsed() >= Duration::from_millis(250),
        "{:?}",
        idle_from.elapsed()
    );
    let metrics = metrics_text(proxy.admin_addr()).await;
    assert!(
        metrics.contains(r#"reshelf_connection_timeouts_total{kind="idle"} 1"#),
        "{metrics}"
    );
    proxy.shutdown().await;
}

#[tokio::test]
async fn slow_header_clients_do_not_hold_up_a_shopper() {
    let origin = ok_origin().await;
    let proxy = proxy(&origin, "request_head_timeout_ms = 3000").await;
    let addr = proxy.public_addr();
    let mut slow = Vec::new();
    for _ in 0..300 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: shop\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(s);
    }
    let started = Instant::now();
    let resp = client()
        .get(format!("http://{addr}/shopper"))
        .timeout(Duration::from_secs(2))
        .send()
        .await
        .expect("the shopper is answered while 300 heads dawdle");
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(2));
    // And the slow ones are closed by the head timeout.
    for s in &mut slow {
        assert!(within("slow header connection closed", raw::closed(s)).await);
    }
    proxy.shutdown().await;
}

/// An origin that reports each request's arrival and answers once the gate opens.
async fn gated_origin(
    gate: std::sync::Arc<Semaphore>,
) -> (TestServer, mpsc::UnboundedReceiver<()>) {
    let (arrived, arrivals) = mpsc::unbounded_channel();
    let origin = TestServer::start(move |_| {
        let (gate, arrived) = (gate.clone(), arrived.clone());
        async move {
            let _ = arrived.send(());
            let _permit = gate.acquire().await.unwrap();
            Response::new(full("ok"))
        }
    })
    .await;
    (origin, arrivals)
}

#[tokio::test]
async fn past_the_budget_a_connection_gets_503_with_retry_after_and_admin_answers() {
    let gate = std::sync::Arc::new(Semaphore::new(0));
    let (origin, mut arrivals) = gated_origin(gate.clone()).await;
    let proxy = proxy(&origin, "max_connections = 2\nconnection_wait_ms = 200").await;
    let addr = proxy.public_addr();
    let mut held = Vec::new();
    for path in ["/one", "/two"] {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(&raw::get_head(path)).await.unwrap();
        held.push(s);
        within("request reaches the origin", arrivals.recv()).await;
    }

    let (_, refused) = within("refusal", raw::get(addr, "/three")).await.unwrap();
    assert_refusal(&refused);
    let health = client()
        .get(format!("http://{}/healthz", proxy.admin_addr()))
        .timeout(Duration::from_secs(2))
        .send()
        .await
        .expect("healthz answers while the public side is full");
    assert_eq!(health.status(), 200);
    let metrics = metrics_text(proxy.admin_addr()).await;
    for line in [
        r#"reshelf_connections_refused_total{listener="public"} 1"#,
        r#"reshelf_connections_open{listener="public"} 2"#,
        r#"reshelf_connections_max{listener="public"} 2"#,
    ] {
        assert!(metrics.contains(line), "{line}\n{metrics}");
    }

    gate.add_permits(2);
    for s in &mut held {
        assert_eq!(
            within("held answered", raw::read_response(s))
                .await
                .unwrap()
                .status,
            200
        );
    }
    proxy.shutdown().await;
}

/// A clean refusal: a whole 503 response that says when to retry and closes.
pub fn assert_refusal(resp: &RawResponse) {
    assert_eq!(resp.status, 503, "{resp:?}");
    assert_eq!(resp.header("retry-after"), Some("1"), "{resp:?}");
    assert_eq!(resp.header("connection"), Some("close"), "{resp:?}");
    assert!(String::from_utf8_lossy(&resp.body).contains("connection limit"));
}

/// A body that never ends, in 64 KiB chunks; `alive` is dropped with it.
fn endless(alive: mpsc::Sender<()>) -> TestBody {
    static CHUNK: [u8; 64 * 1024] = [b'x'; 64 * 1024];
    let frames = futures_util::stream::repeat_with(move || {
        let _alive = &alive;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(Frame::data(Bytes::from_static(&CHUNK)))
    });
    http_body_util::BodyExt::boxed(StreamBody::new(frames))
}

/// A client that sends `hello` (a request for an endless download) through a 4 KiB receive
/// buffer and then reads nothing: reshelf must drop it at the send timeout, and with it the
/// origin's body, and count the response as incomplete.
async fn client_that_stops_reading(hello: &[u8]) {
    let (alive, mut dropped) = mpsc::channel::<()>(1);
    let alive = std::sync::Mutex::new(Some(alive));
    let origin = TestServer::start(move |_| {
        let body = endless(alive.lock().unwrap().take().expect("one request"));
        async move { Response::new(body) }
    })
    .await;
    let proxy = proxy(&origin, "send_timeout_ms = 300").await;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stream = socket.connect(proxy.public_addr()).await.unwrap();
    stream.write_all(hello).await.unwrap();
    // Read nothing. Once reshelf drops the connection, the origin's body is dropped too.
    within("the origin body is dropped", dropped.recv()).await;
    let metrics = metrics_text(proxy.admin_addr()).await;
    for line in [
        r#"reshelf_connection_timeouts_total{kind="send"} 1"#,
        r#"reshelf_requests_total{complete="false",route="passthrough",status_class="2xx"} 1"#,
        "reshelf_inflight_requests 0",
    ] {
        assert!(metrics.contains(line), "{line}\n{metrics}");
    }
    proxy.shutdown().await;
}

#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_and_its_response_counted_incomplete() {
    client_that_stops_reading(&raw::get_head("/download")).await;
}

/// An HTTP/2 frame: 9-byte header, then the payload.
fn h2_frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).unwrap().to_be_bytes();
    let mut frame = vec![len[1], len[2], len[3], kind, flags];
    frame.extend_from_slice(&stream.to_be_bytes());
    frame.extend_from_slice(payload);
    frame
}

/// The same client over HTTP/2, written by hand so that it can stop reading its socket (a
/// library client reads its socket for as long as the flow-control window allows). Its
/// windows are opened to the maximum, so only the socket holds reshelf back.
#[tokio::test]
async fn an_http2_client_that_stops_reading_is_dropped_and_its_response_counted_incomplete() {
    let mut hello = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    // SETTINGS_INITIAL_WINDOW_SIZE = 2^31 - 1; the connection window raised to the same.
    hello.extend(h2_frame(0x4, 0, 0, &[0, 4, 0x7f, 0xff, 0xff, 0xff]));
    hello.extend(h2_frame(0x8, 0, 0, &0x7fff_0000u32.to_be_bytes()));
    // HEADERS, END_STREAM | END_HEADERS: GET http://shop/download (HPACK static indices).
    let mut fields = vec![0x82, 0x86, 0x44, 9];
    fields.extend_from_slice(b"/download");
    fields.extend_from_slice(&[0x41, 4]);
    fields.extend_from_slice(b"shop");
    hello.extend(h2_frame(0x1, 0x5, 1, &fields));
    client_that_stops_reading(&hello).await;
}

#[tokio::test]
async fn a_request_head_over_64_kib_is_refused_with_431() {
    let origin = ok_origin().await;
    let proxy = proxy(&origin, "").await;
    let mut s = TcpStream::connect(proxy.public_addr()).await.unwrap();
    let big = "c".repeat(70 * 1024);
    let head = format!("GET / HTTP/1.1\r\nHost: shop\r\nCookie: {big}\r\n\r\n");
    // reshelf may answer and close before reading all of it.
    let _ = s.write_all(head.as_bytes()).await;
    let resp = within("431", raw::read_response(&mut s)).await.unwrap();
    assert_eq!(resp.status, 431, "{resp:?}");
    proxy.shutdown().await;
}
