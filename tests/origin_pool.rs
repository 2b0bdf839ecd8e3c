//! reshelf's own origin connection pool, seen from a real origin: keep-alive connections are
//! reused across requests (whatever the body's framing), an origin that closes after each
//! response still answers every request, connections opened for concurrent requests serve
//! the requests that follow, and an idle connection the origin closes is closed on reshelf's
//! side too (no socket left in `CLOSE_WAIT`).

mod common;

use bytes::Bytes;
use http::{header, Response};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;

use common::origin::{full, gated, TestBody, TestServer};
use common::raw;
use common::{client, config_toml, start_proxy, HTML_PAGE as PAGES};

/// A body sent chunked (no length known ahead).
fn chunked(parts: &[&'static str]) -> TestBody {
    let frames = parts
        .iter()
        .map(|p| Ok::<_, Box<dyn std::error::Error + Send + Sync>>(Frame::data(Bytes::from(*p))));
    StreamBody::new(futures_util::stream::iter(frames.collect::<Vec<_>>())).boxed()
}

async fn get(url: &str) -> (u16, String) {
    let resp = client().get(url).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test]
async fn sequential_requests_share_one_origin_connection() {
    let origin = TestServer::start(|req| async move {
        match req.uri().path() {
            "/chunked" => Response::new(chunked(&["a", "b", "c"])),
            "/empty" => Response::builder().status(204).body(full("")).unwrap(),
            _ => Response::new(full("sized")),
        }
    })
    .await;
    let proxy = start_proxy(&config_toml(origin.addr, None, PAGES)).await;
    let base = format!("http://{}", proxy.public_addr());
    for _ in 0..3 {
        assert_eq!(get(&format!("{base}/sized")).await, (200, "sized".into()));
        assert_eq!(get(&format!("{base}/chunked")).await, (200, "abc".into()));
        assert_eq!(get(&format!("{base}/empty")).await, (204, String::new()));
        let head = client().head(format!("{base}/sized")).send().await.unwrap();
        assert_eq!(head.status(), 200);
    }
    assert_eq!(
        origin.connections(),
        1,
        "every request reused the first connection"
    );
    proxy.shutdown().await;
}

#[tokio::test]
async fn an_origin_that_closes_after_each_response_answers_every_request() {
    let origin = TestServer::start(|_| async move {
        Response::builder()
            .header(header::CONNECTION, "close")
            .body(full("once"))
            .unwrap()
    })
    .await;
    let proxy = start_proxy(&config_toml(origin.addr, None, PAGES)).await;
    let url = format!("http://{}/", proxy.public_addr());
    for _ in 0..4 {
        assert_eq!(get(&url).await, (200, "once".into()));
    }
    assert_eq!(
        origin.connections(),
        4,
        "a closed connection is never reused"
    );
    proxy.shutdown().await;
}

#[tokio::test]
async fn connections_opened_for_concurrent_requests_serve_the_next_ones() {
    let (origin, gate, mut arrivals) = gated().await;
    let proxy = start_proxy(&config_toml(origin.addr, None, PAGES)).await;
    let url = format!("http://{}/", proxy.public_addr());
    let held: Vec<_> = (0..4)
        .map(|_| tokio::spawn(get_owned(url.clone())))
        .collect();
    for _ in 0..4 {
        arrivals.recv().await.unwrap();
    }
    assert_eq!(
        origin.connections(),
        4,
        "one connection per request in progress"
    );
    gate.add_permits(4);
    for request in held {
        assert_eq!(request.await.unwrap(), (200, "from the origin".into()));
    }
    gate.add_permits(8);
    for _ in 0..8 {
        assert_eq!(get(&url).await, (200, "from the origin".into()));
    }
    assert_eq!(origin.connections(), 4, "the idle connections were reused");
    proxy.shutdown().await;
}

async fn get_owned(url: String) -> (u16, String) {
    get(&url).await
}

/// An origin that keeps a connection open after answering and later closes it on its own
/// (its keep-alive timeout), the way nginx and most servers do: reshelf must close its end
/// too, not hold the socket until a request happens to take that connection.
#[tokio::test]
async fn an_idle_connection_the_origin_closes_is_closed_by_reshelf() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let origin = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = start_proxy(&config_toml(origin.local_addr().unwrap(), None, PAGES)).await;
    let url = format!("http://{}/", proxy.public_addr());
    let answer = |mut conn: tokio::net::TcpStream| async move {
        let mut request = Vec::new();
        while !request.ends_with(b"\r\n\r\n") {
            let mut chunk = [0u8; 1024];
            let n = conn.read(&mut chunk).await.unwrap();
            assert!(n > 0, "a whole GET before the end of stream");
            request.extend_from_slice(&chunk[..n]);
        }
        conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nonce")
            .await
            .unwrap();
        conn
    };
    let request = tokio::spawn(async move { get(&url).await });
    let (conn, _) = origin.accept().await.unwrap();
    let mut conn = answer(conn).await;
    assert_eq!(request.await.unwrap(), (200, "once".into()));

    conn.shutdown().await.unwrap();
    // A bound for a failing run only: reshelf closes its end as soon as it reads the origin's.
    let closed = tokio::time::timeout(std::time::Duration::from_secs(20), raw::closed(&mut conn));
    assert!(
        closed.await.unwrap_or(false),
        "reshelf closed its end of the connection the origin closed"
    );

    let url = format!("http://{}/", proxy.public_addr());
    let request = tokio::spawn(async move { get(&url).await });
    let (conn, _) = origin.accept().await.unwrap();
    let _conn = answer(conn).await;
    assert_eq!(
        request.await.unwrap(),
        (200, "once".into()),
        "on a new connection"
    );
    proxy.shutdown().await;
}
