//! Listing pages from origins that frame their bodies the way real shops do: chunked with
//! 1-byte, 7-byte and 16 KiB chunks (PHP, Node), close-delimited HTTP/1.0, trailers, and
//! compressed bodies over chunked. Each must come back personalized, with one framing of
//! reshelf's own choosing and no hop-by-hop header of the origin's.

mod common;

use std::io::{Read, Write};
use std::net::SocketAddr;

use common::api::{ids, FakeApi, Mode};
use common::wire::{self, Framing, WireOrigin};
use common::{config_toml, fetch, shop, start_proxy};

/// An origin answering every path with `body` (of `content_type`, coded as `coding`) in
/// `framing`.
async fn origin(
    framing: Framing,
    content_type: &'static str,
    body: Vec<u8>,
    coding: Option<&'static str>,
) -> WireOrigin {
    WireOrigin::start(move |_| {
        let mut headers = vec![
            ("content-type", content_type),
            ("cache-control", "public, max-age=60"),
            ("keep-alive", "timeout=5"),
        ];
        if let Some(c) = coding {
            headers.push(("content-encoding", c));
        }
        wire::response(&headers, &body, framing)
    })
    .await
}

async fn proxy_for(origin: &WireOrigin, api: &FakeApi) -> reshelf::server::Running {
    let toml = config_toml(origin.addr, Some(&api.base_url()), shop::PAGES)
        .replace("[fashionai]", "[fashionai]\ntimeout_ms = 1000");
    start_proxy(&toml).await
}

/// A whole HTTP/1.1 exchange on a raw socket: the response's head and body bytes as sent.
fn raw_get(addr: SocketAddr, path: &str, extra: &str) -> (String, Vec<u8>) {
    let extra = format!("te: trailers\r\n{extra}");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nhost: shop.test\r\nconnection: close\r\n{extra}\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let end = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head: {:?}", String::from_utf8_lossy(&out)));
    let head = String::from_utf8_lossy(&out[..end]).to_ascii_lowercase();
    (head, out[end + 4..].to_vec())
}

#[tokio::test]
async fn chunked_and_close_delimited_html_origins_are_personalized() {
    let api = FakeApi::start(Mode::Answer(ids(&["p4", "p2"]))).await;
    for framing in Framing::ALL {
        let origin = origin(
            framing,
            "text/html; charset=utf-8",
            shop::html_page().into_bytes(),
            None,
        )
        .await;
        let proxy = proxy_for(&origin, &api).await;
        let resp = fetch::page(proxy.public_addr(), "/category/dresses", &[]).await;
        assert_eq!(resp.status, 200, "{framing:?}");
        assert_eq!(
            resp.verdict().as_deref(),
            Some("personalized"),
            "{framing:?} {resp:?}"
        );
        assert!(resp.headers.get("keep-alive").is_none(), "{framing:?}");
        let trailer = resp.headers.get("trailer").map(|v| v.to_str().unwrap());
        assert!(
            matches!(trailer, None | Some("x-reshelf")),
            "{framing:?}: {trailer:?}"
        );
        let body = resp.text();
        assert_eq!(
            shop::order(&body),
            ["p4", "p2", "p1", "p3", "p5", "p6"],
            "{framing:?}"
        );
        assert_eq!(body.len(), shop::html_page().len(), "{framing:?}");
        proxy.shutdown().await;
    }
}

#[tokio::test]
async fn the_client_gets_one_framing_whatever_the_origin_used() {
    let api = FakeApi::start(Mode::Answer(ids(&["p6"]))).await;
    for framing in Framing::ALL {
        let origin = origin(framing, "text/html", shop::html_page().into_bytes(), None).await;
        let proxy = proxy_for(&origin, &api).await;
        let addr = proxy.public_addr();
        let (head, body) = tokio::task::spawn_blocking(move || raw_get(addr, "/category/c", ""))
            .await
            .unwrap();
        let lengths = head.matches("\r\ncontent-length:").count();
        let chunked = head.contains("\r\ntransfer-encoding:");
        assert!(
            (lengths == 1) != chunked,
            "{framing:?}: exactly one framing expected\n{head}"
        );
        let tail = String::from_utf8_lossy(&body[body.len().saturating_sub(64)..]).to_lowercase();
        assert!(
            tail.ends_with("\r\n0\r\nx-reshelf: personalized\r\n\r\n"),
            "{framing:?}: the verdict in the trailer\n{head}\n{tail}"
        );
        assert!(!head.contains("\r\nkeep-alive:"), "{framing:?}\n{head}");
        if lengths == 1 {
            assert!(
                head.contains(&format!("content-length: {}", body.len())),
                "{framing:?}\n{head}"
            );
        }
        proxy.shutdown().await;
    }
}

#[tokio::test]
async fn compressed_bodies_over_chunked_are_personalized() {
    let api = FakeApi::start(Mode::Answer(ids(&["p3"]))).await;
    for coding in ["gzip", "br", "zstd"] {
        for framing in [
            Framing::Chunked(7),
            Framing::Chunked(16 * 1024),
            Framing::Close,
        ] {
            let page = wire::compress(coding, shop::html_page().as_bytes());
            let origin = origin(framing, "text/html", page, Some(coding)).await;
            let proxy = proxy_for(&origin, &api).await;
            let resp = fetch::page(
                proxy.public_addr(),
                "/category/dresses",
                &[("accept-encoding", coding)],
            )
            .await;
            let case = format!("{coding} {framing:?}");
            assert_eq!(resp.verdict().unwrap(), "personalized", "{case}");
            let sent = resp
                .headers
                .get("content-encoding")
                .map(|v| v.to_str().unwrap().to_owned());
            let bytes = resp.body.clone();
            let body = String::from_utf8(wire::decompress(sent.as_deref(), &bytes)).unwrap();
            assert_eq!(shop::order(&body)[0], "p3", "{case}");
            assert_eq!(body.len(), shop::html_page().len(), "{case}");
            proxy.shutdown().await;
        }
    }
}

#[tokio::test]
async fn chunked_json_listings_are_personalized() {
    let api = FakeApi::start(Mode::Answer(ids(&["p5", "p1"]))).await;
    for framing in Framing::ALL {
        let origin = origin(
            framing,
            "application/json",
            shop::json_listing().into_bytes(),
            None,
        )
        .await;
        let proxy = proxy_for(&origin, &api).await;
        let resp = fetch::page(proxy.public_addr(), "/api/categories/dresses/products", &[]).await;
        assert_eq!(resp.verdict().unwrap(), "personalized", "{framing:?}");
        let body = resp.text();
        assert_eq!(
            shop::order(&body),
            ["p5", "p1", "p2", "p3", "p4", "p6"],
            "{framing:?}"
        );
        proxy.shutdown().await;
    }
}

#[tokio::test]
async fn native_fallbacks_from_chunked_origins_are_byte_identical() {
    let api = FakeApi::start(Mode::Answer(vec![])).await;
    for framing in Framing::ALL {
        let origin = origin(framing, "text/html", shop::html_page().into_bytes(), None).await;
        let proxy = proxy_for(&origin, &api).await;
        let resp = fetch::page(proxy.public_addr(), "/category/dresses", &[]).await;
        assert_eq!(
            resp.verdict().unwrap(),
            "native; reason=empty",
            "{framing:?}"
        );
        assert_eq!(resp.text(), shop::html_page(), "{framing:?}");
        proxy.shutdown().await;
    }
}

#[tokio::test]
async fn an_http10_origin_does_not_make_the_client_s_response_http10() {
    let api = FakeApi::start(Mode::Answer(ids(&["p6"]))).await;
    let origin = origin(Framing::Close, "text/css", b"body{}".to_vec(), None).await;
    let proxy = proxy_for(&origin, &api).await;
    let addr = proxy.public_addr();
    for path in ["/assets/site.css", "/category/c"] {
        let (head, body) = tokio::task::spawn_blocking(move || raw_get(addr, path, ""))
            .await
            .unwrap();
        assert!(head.starts_with("http/1.1 200"), "{path}: {head}");
        if path.starts_with("/assets") {
            // HTTP/1.1 frames the close-delimited body itself: chunked.
            assert_eq!(body, b"6\r\nbody{}\r\n0\r\n\r\n", "{path}");
        }
    }
    proxy.shutdown().await;
}
