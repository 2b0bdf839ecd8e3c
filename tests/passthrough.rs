//! The streamed passthrough against a real origin on port 0: bytes, statuses and headers
//! intact, hop-by-hop removed, forwarding headers set, the app token stripped, origin failures
//! mapped to 502/504.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::origin::{dead_addr, full, TestBody, TestServer};
use common::{client, config_toml, start_proxy, HTML_PAGE};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use hyper::{Request, Response, StatusCode};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2654435761).to_le_bytes()[1] ^ seed)
        .collect()
}

/// Echoes the request headers the origin received as `name: value` lines.
async fn echo_headers(req: Request<hyper::body::Incoming>) -> Response<TestBody> {
    let mut text = String::new();
    for (name, value) in req.headers() {
        text.push_str(&format!("{}: {}\n", name, value.to_str().unwrap_or("?")));
    }
    Response::builder()
        .header("connection", "x-resp-hop")
        .header("x-resp-hop", "1")
        .header("keep-alive", "timeout=5")
        .header("x-fashionai-app-token", "origin-leaked-token")
        .header("x-origin-kept", "yes")
        .body(full(text))
        .unwrap()
}

#[tokio::test]
async fn download_of_8_mib_is_streamed_and_byte_identical() {
    const SIZE: usize = 8 * 1024 * 1024;
    let data = Bytes::from(pattern(SIZE, 7));
    let (release_tx, release_rx) = mpsc::channel::<()>(1);
    let release_rx = std::sync::Arc::new(tokio::sync::Mutex::new(Some(release_rx)));
    let served = data.clone();
    let origin = TestServer::start(move |_req| {
        let data = served.clone();
        let release_rx = release_rx.clone();
        async move {
            let mut release = release_rx.lock().await.take().expect("one download");
            // First 64 KiB now; the rest only after the test has received the first bytes
            // through the proxy, which a buffering proxy would never deliver.
            let stream = async_stream(data, async move {
                release.recv().await;
            });
            Response::builder()
                .header("content-type", "application/octet-stream")
                .body(stream)
                .unwrap()
        }
    })
    .await;
    let proxy = start_proxy(&config_toml(origin.addr, None, HTML_PAGE)).await;
    let url = format!("http://{}/download", proxy.public_addr());
    let mut resp = client().get(url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let mut received = Vec::with_capacity(SIZE);
    let first = resp.chunk().await.unwrap().expect("first chunk");
    received.extend_from_slice(&first);
    release_tx.send(()).await.unwrap();
    while let Some(chunk) = resp.chunk().await.unwrap() {
        received.extend_from_slice(&chunk);
    }
    assert_eq!(received.len(), SIZE);
    assert!(
        received == data[..],
        "downloaded bytes differ from the origin's"
    );
    proxy.shutdown().await;
}

/// A body that yields 64 KiB, waits for `gate`, then yields the rest in 64 KiB frames.
fn async_stream(
    data: Bytes,
    gate: impl std::future::Future<Output = ()> + Send + 'static,
) -> TestBody {
    let (tx, rx) =
        mpsc::channel::<Result<Frame<Bytes>, Box<dyn std::error::Error + Send + Sync>>>(4);
    tokio::spawn(async move {
        let mut chunks = data.chunks(64 * 1024).map(Bytes::copy_from_slice);
        let _ = tx.send(Ok(Frame::data(chunks.next().unwrap()))).await;
        gate.await;
        for c in chunks {
            if tx.send(Ok(Frame::data(c))).await.is_err() {
                return;
            }
        }
    });
    let stream = tokio_stream_from(rx);
    StreamBody::new(stream).boxed()
}

fn tokio_stream_from<T: Send + 'static>(
    mut rx: mpsc::Receiver<T>,
) -> impl futures_util::Stream<Item = T> + Send {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[tokio::test]
async fn upload_of_300_kb_is_streamed_and_byte_identical() {
    const SIZE: usize = 300 * 1024;
    let data = Bytes::from(pattern(SIZE, 3));
    let (first_seen_tx, mut first_seen_rx) = mpsc::channel::<()>(1);
    let origin = TestServer::start(move |req| {
        let first_seen_tx = first_seen_tx.clone();
        async move {
            let mut body = req.into_body();
            let mut hasher = Sha256::new();
            let mut len = 0usize;
            while let Some(frame) = body.frame().await {
                if let Ok(data) = frame.unwrap().into_data() {
                    if len == 0 {
                        let _ = first_seen_tx.send(()).await;
                    }
                    len += data.len();
                    hasher.update(&data);
                }
            }
            Response::new(full(format!("{len} {:x}", hasher.finalize())))
        }
    })
    .await;
    let proxy = start_proxy(&config_toml(origin.addr, None, HTML_PAGE)).await;
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(2);
    let body = reqwest::Body::wrap_stream(tokio_stream_from(rx));
    let url = format!("http://{}/upload", proxy.public_addr());
    let request = tokio::spawn(client().post(url).body(body).send());
    let mut chunks = data.chunks(16 * 1024).map(Bytes::copy_from_slice);
    tx.send(Ok(chunks.next().unwrap())).await.unwrap();
    // The origin must see the first bytes while the client still holds the rest.
    first_seen_rx
        .recv()
        .await
        .expect("origin saw the first chunk");
    for c in chunks {
        tx.send(Ok(c)).await.unwrap();
    }
    drop(tx);
    let resp = request.await.unwrap().unwrap();
    assert_eq!(resp.status(), 200);
    let expected = format!("{SIZE} {:x}", Sha256::digest(&data));
    assert_eq!(resp.text().await.unwrap(), expected);
    proxy.shutdown().await;
}

#[tokio::test]
async fn status_codes_and_bodies_pass_through() {
    let origin = TestServer::start(|req| async move {
        let code: u16 = req
            .uri()
            .path()
            .trim_start_matches("/status/")
            .parse()
            .unwrap();
        let mut b = Response::builder()
            .status(code)
            .header("x-code", code.to_string());
        if code == 301 {
            b = b.header("location", "/elsewhere");
        }
        let body = if code == 204 || code == 304 {
            full("")
        } else {
            full(format!("body {code}"))
        };
        b.body(body).unwrap()
    })
    .await;
    let proxy = start_proxy(&config_toml(origin.addr, None, HTML_PAGE)).await;
    for code in [200u16, 201, 204, 301, 304, 404, 418, 500, 503] {
        let url = format!("http://{}/status/{code}", proxy.public_addr());
        let resp = client().get(url).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), code);
        assert_eq!(resp.headers()["x-code"], code.to_string().as_str());
        if code == 301 {
            assert_eq!(resp.headers()["location"], "/elsewhere");
        }
        let text = resp.text().await.unwrap();
        if code != 204 && code != 304 {
            assert_eq!(text, format!("body {code}"));
        }
    }
    proxy.shutdown().await;
}

#[tokio::test]
async fn hop_by_hop_headers_are_removed_both_ways() {
    let origin = TestServer::start(echo_headers).await;
    let proxy = start_proxy(&config_toml(origin.addr, None, HTML_PAGE)).await;
    let resp = client()
        .get(format!("http://{}/h", proxy.public_addr()))
        .header("connection", "keep-alive, x-hop")
        .header("x-hop", "secret")
        .header("te", "trailers")
        .header("proxy-authorization", "Basic Zm9vOmJhcg==")
        .header("x-end-to-end", "kept")
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("x-resp-hop").is_none());
    assert!(resp.headers().get("keep-alive").is_none());
    assert_eq!(resp.headers()["x-origin-kept"], "yes");
    let seen = resp.text().await.unwrap();
    assert!(!seen.contains("x-hop:"), "{seen}");
    assert!(!seen.contains("te:"), "{seen}");
    assert!(!seen.contains("proxy-authorization"), "{seen}");
    assert!(seen.contains("x-end-to-end: kept"), "{seen}");
    proxy.shutdown().await;
}

#[tokio::test]
async fn forwarding_headers_set_host_kept_and_request_id_propagated() {
    let origin = TestServer::start(echo_headers).await;
    let proxy = start_proxy(&config_toml(origin.addr, None, HTML_PAGE)).await;
    let resp = client()
        .get(format!("http://{}/h", proxy.public_addr()))
        .header("host", "shop.example")
        .header("x-forwarded-for", "203.0.113.9")
        .header("x-forwarded-proto", "https")
        .header("x-request-id", "req-42")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "req-42");
    let seen = resp.text().await.unwrap();
    assert!(seen.contains("host: shop.example\n"), "{seen}");
    assert!(
        seen.contains("x-forwarded-for: 203.0.113.9, 127.0.0.1\n"),
        "{seen}"
    );
    // 127.0.0.1 is not a trusted proxy here, so its claim of https is replaced.
    assert!(seen.contains("x-forwarded-proto: http\n"), "{seen}");
    assert!(seen.contains("x-forwarded-host: shop.example\n"), "{seen}");
    assert!(seen.contains("x-request-id: req-42\n"), "{seen}");

    let resp = client()
        .get(format!("http://{}/h", proxy.public_addr()))
        .send()
        .await
        .unwrap();
    let generated = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(generated.len(), 36, "a UUID is generated: {generated}");
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains(&format!("x-request-id: {generated}\n")));
    proxy.shutdown().await;
}

#[tokio::test]
async fn client_sent_app_token_is_stripped_and_never_returned() {
    let origin = TestServer::start(echo_headers).await;
    let proxy = start_proxy(&config_toml(origin.addr, None, HTML_PAGE)).await;
    let resp = client()
        .get(format!("http://{}/h", proxy.public_addr()))
        .header("x-fashionai-app-token", "client-guess")
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("x-fashionai-app-token").is_none());
    let seen = resp.text().await.unwrap();
    assert!(
        !seen.to_ascii_lowercase().contains("x-fashionai-app-token"),
        "{seen}"
    );
    assert!(!seen.contains(common::TEST_TOKEN));
    proxy.shutdown().await;
}

#[tokio::test]
async fn origin_down_gives_502() {
    let proxy = start_proxy(&config_toml(dead_addr().await, None, HTML_PAGE)).await;
    let resp = client()
        .get(format!("http://{}/x", proxy.public_addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    let rid = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    let text = resp.text().await.unwrap();
    assert!(text.contains("502") && text.contains(&rid), "{text}");
    proxy.shutdown().await;
}

#[tokio::test]
async fn hanging_origin_gives_504_within_the_timeout() {
    // Accepts the request and never answers.
    let origin = TestServer::start(|_req| std::future::pending::<Response<TestBody>>()).await;
    let toml = config_toml(origin.addr, None, HTML_PAGE)
        .replace("connect_timeout_ms = 500", "connect_timeout_ms = 200")
        .replace("timeout_ms = 2000", "timeout_ms = 300");
    let proxy = start_proxy(&toml).await;
    let started = Instant::now();
    let resp = client()
        .get(format!("http://{}/x", proxy.public_addr()))
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(resp.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_millis(2000), "{took:?}");
    proxy.shutdown().await;
}

#[tokio::test]
async fn http2_prior_knowledge_clients_are_served() {
    let origin = TestServer::start(echo_headers).await;
    let proxy = start_proxy(&config_toml(origin.addr, None, HTML_PAGE)).await;
    let h2 = reqwest::Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let resp = h2
        .get(format!("http://{}/h2", proxy.public_addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.version(), reqwest::Version::HTTP_2);
    assert_eq!(resp.status(), 200);
    let seen = resp.text().await.unwrap();
    assert!(
        seen.contains(&format!("host: {}\n", proxy.public_addr())),
        "{seen}"
    );
    proxy.shutdown().await;
}

#[tokio::test]
async fn websocket_upgrade_is_tunneled() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let origin = TestServer::start(|mut req| async move {
        let on_upgrade = hyper::upgrade::on(&mut req);
        tokio::spawn(async move {
            let upgraded = on_upgrade.await.unwrap();
            let mut io = hyper_util::rt::TokioIo::new(upgraded);
            let mut buf = [0u8; 5];
            io.read_exact(&mut buf).await.unwrap();
            io.write_all(&buf.to_ascii_uppercase()).await.unwrap();
        });
        Response::builder()
            .status(101)
            .header("connection", "upgrade")
            .header("upgrade", "websocket")
            .body(full(""))
            .unwrap()
    })
    .await;
    let proxy = start_proxy(&config_toml(origin.addr, None, HTML_PAGE)).await;
    let mut s = tokio::net::TcpStream::connect(proxy.public_addr())
        .await
        .unwrap();
    s.write_all(
        b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    )
    .await
    .unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut b = [0u8; 1];
        s.read_exact(&mut b).await.unwrap();
        head.push(b[0]);
    }
    let head = String::from_utf8(head).unwrap();
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    s.write_all(b"hello").await.unwrap();
    let mut echo = [0u8; 5];
    s.read_exact(&mut echo).await.unwrap();
    assert_eq!(&echo, b"HELLO");
    proxy.shutdown().await;
}

#[tokio::test]
async fn client_leaving_mid_download_does_not_hurt_the_proxy() {
    let data = Bytes::from(pattern(4 * 1024 * 1024, 1));
    let origin = TestServer::start(move |_req| {
        let data = data.clone();
        async move {
            let frames = futures_util::stream::iter(
                data.chunks(32 * 1024)
                    .map(|c| {
                        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(Frame::data(
                            Bytes::copy_from_slice(c),
                        ))
                    })
                    .collect::<Vec<_>>(),
            );
            Response::new(StreamBody::new(frames).boxed())
        }
    })
    .await;
    let proxy = start_proxy(&config_toml(origin.addr, None, HTML_PAGE)).await;
    let url = format!("http://{}/big", proxy.public_addr());
    let mut resp = client().get(&url).send().await.unwrap();
    resp.chunk().await.unwrap().unwrap();
    drop(resp);
    let again = client().get(&url).send().await.unwrap();
    assert_eq!(again.bytes().await.unwrap().len(), 4 * 1024 * 1024);
    let metrics = common::metrics_text(proxy.admin_addr()).await;
    assert!(metrics.contains("reshelf_inflight_requests 0"), "{metrics}");
    proxy.shutdown().await;
}

/// Chunk sizes an origin really sends: tiny, one past an HTTP/2 frame, larger than reshelf
/// gathers for one write, odd.
const CHUNKS: [usize; 8] = [
    1,
    7,
    16 * 1024 + 1,
    100 * 1024,
    3,
    300 * 1024,
    16 * 1024,
    4095,
];

#[tokio::test]
async fn http2_download_in_odd_chunks_is_byte_identical_and_a_small_answer_is_not_held_behind_it() {
    let total: usize = CHUNKS.iter().sum::<usize>() * 4;
    let data = Bytes::from(pattern(total, 3));
    let (release_tx, release_rx) = mpsc::channel::<()>(1);
    let release_rx = std::sync::Arc::new(tokio::sync::Mutex::new(Some(release_rx)));
    let served = data.clone();
    let origin = TestServer::start(move |req| {
        let (data, release_rx) = (served.clone(), release_rx.clone());
        async move {
            if req.uri().path() == "/small" {
                return Response::new(full("small"));
            }
            let (tx, rx) = mpsc::channel(4);
            tokio::spawn(async move {
                let mut release = release_rx.lock().await.take().expect("one download");
                let sizes = CHUNKS.iter().cycle();
                let mut at = 0;
                for (i, size) in sizes.enumerate() {
                    if at == data.len() {
                        break;
                    }
                    // The first two chunks (8 bytes) now, the rest once released.
                    if i == 2 {
                        release.recv().await;
                    }
                    let chunk = data.slice(at..(at + size).min(data.len()));
                    at += chunk.len();
                    let frame =
                        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(Frame::data(chunk));
                    if tx.send(frame).await.is_err() {
                        return;
                    }
                }
            });
            Response::new(StreamBody::new(tokio_stream_from(rx)).boxed())
        }
    })
    .await;
    let proxy = start_proxy(&config_toml(origin.addr, None, HTML_PAGE)).await;
    let addr = proxy.public_addr();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (send, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await
    .unwrap();
    tokio::spawn(conn);
    let get = |path: &str| {
        let mut send = send.clone();
        let req = Request::get(format!("http://{addr}{path}"))
            .body(http_body_util::Empty::<Bytes>::new())
            .unwrap();
        async move { send.send_request(req).await.unwrap() }
    };
    let bound = Duration::from_secs(10);

    let mut big = get("/big").await.into_body();
    let mut received = Vec::with_capacity(total);
    // 8 bytes are all the origin sent so far: they must not wait for more to be gathered.
    while received.len() < 8 {
        let frame = tokio::time::timeout(bound, big.frame())
            .await
            .expect("the first 8 bytes");
        received.extend_from_slice(&frame.unwrap().unwrap().into_data().unwrap());
    }
    // The same connection answers a second request while the first is open.
    let small = tokio::time::timeout(bound, async { get("/small").await.collect().await })
        .await
        .expect("the small answer while the download is open");
    assert_eq!(small.unwrap().to_bytes(), "small");

    release_tx.send(()).await.unwrap();
    let rest = tokio::time::timeout(bound, big.collect())
        .await
        .expect("the rest");
    received.extend_from_slice(&rest.unwrap().to_bytes());
    assert_eq!(received.len(), total);
    assert!(
        received == data[..],
        "downloaded bytes differ from the origin's"
    );
    proxy.shutdown().await;
}
