//! Streamed listing pages (`listen.stream_listings`, the default): the head leaves as soon as
//! the origin's head arrives, the verdict travels as an `X-Reshelf` trailer where the client
//! takes trailers (HTTP/2 always, HTTP/1.1 with `TE: trailers`), and an origin that fails
//! after the head aborts the shopper's response instead of ending it as if complete.

mod common;

use std::time::Duration;

use common::api::{ids, FakeApi, Mode};
use common::fetch::{self, Proto};
use common::wire::{self, Framing, Gate, Step, WireOrigin};
use common::{config_toml, metrics_text, shop, start_proxy};

const HTML: &[(&str, &str)] = &[("content-type", "text/html; charset=utf-8")];

/// A proxy in front of `origin` with the HTML shop page block; `extra` goes into `[listen]`.
async fn proxy(origin: &WireOrigin, api: &FakeApi, listen: &str) -> reshelf::server::Running {
    let toml = config_toml(origin.addr, Some(&api.base_url()), shop::PAGE)
        .replace("[fashionai]", "[fashionai]\ntimeout_ms = 1000")
        .replace("[listen]", &format!("[listen]\n{listen}"));
    start_proxy(&toml).await
}

/// The shop page whole, in 7-byte chunks.
async fn chunked_page() -> WireOrigin {
    WireOrigin::start(|_| wire::response(HTML, shop::html_page().as_bytes(), Framing::Chunked(7)))
        .await
}

#[tokio::test]
async fn the_verdict_is_a_trailer_for_clients_that_take_trailers() {
    let api = FakeApi::start(Mode::Answer(ids(&["p5"]))).await;
    let origin = chunked_page().await;
    let proxy = proxy(&origin, &api, "").await;
    let addr = proxy.public_addr();
    let cases = [
        (Proto::H2, vec![], true),
        (Proto::H1, vec![("te", "trailers")], true),
        (Proto::H1, vec![], false),
    ];
    for (proto, headers, trailer) in cases {
        let resp = fetch::get(addr, proto, "/category/dresses", &headers).await;
        let case = format!("{proto:?} {headers:?}");
        assert_eq!(resp.status, 200, "{case}");
        assert!(
            resp.headers.get("x-reshelf").is_none(),
            "{case}: not final at the head"
        );
        assert_eq!(shop::order(&resp.text())[0], "p5", "{case}");
        let sent = resp.trailers.as_ref().and_then(|t| t.get("x-reshelf"));
        if trailer {
            assert_eq!(sent.unwrap(), "personalized", "{case}");
            if proto == Proto::H1 {
                assert_eq!(resp.headers["trailer"], "x-reshelf", "{case}");
            }
        } else {
            assert!(sent.is_none(), "{case}");
            assert!(resp.headers.get("trailer").is_none(), "{case}");
        }
    }
    let metrics = metrics_text(proxy.admin_addr()).await;
    assert!(
        metrics.contains("reshelf_listing_pages_total{outcome=\"personalized\",reason=\"none\"} 3"),
        "every streamed page is counted when it ends:\n{metrics}"
    );
    proxy.shutdown().await;
}

#[tokio::test]
async fn the_head_and_the_bytes_before_the_listing_leave_before_the_origin_s_body_is_complete() {
    for coding in [None, Some("gzip")] {
        early_bytes(coding).await;
    }
}

/// The origin flushes the document up to the listing (its encoder too, when it compresses),
/// then holds the rest at a gate; the shopper must have the head and those bytes, decodable,
/// before the gate opens.
async fn early_bytes(coding: Option<&'static str>) {
    use std::io::Write;
    let api = FakeApi::start(Mode::Answer(ids(&["p2"]))).await;
    let gate = Gate::new();
    let page = shop::html_page();
    let (head, rest) = page.split_at(page.find("<ul").unwrap());
    let (first, second) = match coding {
        None => (head.as_bytes().to_vec(), rest.as_bytes().to_vec()),
        Some(_) => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(head.as_bytes()).unwrap();
            gz.flush().unwrap();
            let first = std::mem::take(gz.get_mut());
            gz.write_all(rest.as_bytes()).unwrap();
            (first, gz.finish().unwrap())
        }
    };
    let script = {
        let gate = gate.clone();
        move |_: &wire::RequestHead| {
            let mut headers = HTML.to_vec();
            headers.extend(coding.map(|c| ("content-encoding", c)));
            let mut steps = vec![Step::Write(wire::head(&headers, Framing::Chunked(0), 0))];
            steps.extend(wire::body_part(&first, Framing::Chunked(64)));
            steps.push(Step::Wait(gate.clone()));
            steps.extend(wire::body_steps(&second, Framing::Chunked(64)));
            steps
        }
    };
    let origin = WireOrigin::start(script).await;
    let proxy = proxy(&origin, &api, "").await;
    let mut headers = vec![("te", "trailers")];
    headers.extend(coding.map(|c| ("accept-encoding", c)));
    let started = fetch::start(
        proxy.public_addr(),
        Proto::H1,
        "/category/dresses",
        &headers,
    );
    // The origin holds its body at the gate: the head must arrive anyway.
    let mut streaming = tokio::time::timeout(Duration::from_secs(10), started)
        .await
        .expect("the response head arrives while the origin's body is held");
    assert_eq!(streaming.status, 200);
    assert!(streaming.headers["cache-control"]
        .to_str()
        .unwrap()
        .starts_with("private"));
    assert!(streaming.headers.contains_key("set-cookie"));
    // And the document before the listing: all of it but what the tokenizer may still hold
    // (whitespace that a next tag would end), decodable as it is.
    let mut wire_bytes = Vec::new();
    let mut decoder = flate2::write::GzDecoder::new(Vec::new());
    let decoded = |wire: &[u8], d: &mut flate2::write::GzDecoder<Vec<u8>>| match coding {
        None => wire.to_vec(),
        Some(_) => {
            d.flush().unwrap();
            d.get_ref().clone()
        }
    };
    let mut early = Vec::new();
    while early.len() + 16 < head.len() {
        let data = tokio::time::timeout(Duration::from_secs(10), streaming.next_data())
            .await
            .unwrap_or_else(|_| panic!("{coding:?}: the bytes before the listing arrive early"))
            .expect("more body")
            .expect("no error");
        wire_bytes.extend_from_slice(&data);
        if coding.is_some() {
            decoder.write_all(&data).unwrap();
        }
        early = decoded(&wire_bytes, &mut decoder);
    }
    assert!(
        head.as_bytes().starts_with(&early),
        "{coding:?}: only the origin's own bytes, in order"
    );
    gate.open();
    let resp = streaming.rest(wire_bytes).await;
    let body = wire::decompress(coding, &resp.body);
    assert_eq!(resp.verdict().unwrap(), "personalized", "{coding:?}");
    assert_eq!(
        shop::order(&String::from_utf8(body.clone()).unwrap())[0],
        "p2"
    );
    assert_eq!(body.len(), page.len(), "{coding:?}");
    proxy.shutdown().await;
}

#[tokio::test]
async fn an_origin_reset_after_the_head_aborts_the_shopper_s_response() {
    let api = FakeApi::start(Mode::Answer(ids(&["p2"]))).await;
    let page = shop::html_page();
    let inside_listing = page.find("p3").unwrap();
    let after_listing = page.find("</ul>").unwrap() + 5;
    for cut in [inside_listing, after_listing] {
        let prefix = page.as_bytes()[..cut].to_vec();
        let origin = WireOrigin::start(move |_| {
            let mut steps = vec![Step::Write(wire::head(HTML, Framing::Chunked(0), 0))];
            steps.extend(wire::body_part(&prefix, Framing::Chunked(16)));
            steps.push(Step::Reset);
            steps
        })
        .await;
        let proxy = proxy(&origin, &api, "").await;
        for proto in [Proto::H1, Proto::H2] {
            let resp = fetch::get(proxy.public_addr(), proto, "/category/dresses", &[]).await;
            assert_eq!(resp.status, 200, "{proto:?} cut at {cut}");
            assert!(
                resp.aborted,
                "{proto:?} cut at {cut}: must not look complete"
            );
            assert!(resp.trailers.is_none(), "{proto:?} cut at {cut}");
        }
        let metrics = metrics_text(proxy.admin_addr()).await;
        assert!(
            metrics.contains("reshelf_listing_pages_total{outcome=\"aborted\",reason=\"none\"} 2"),
            "cut at {cut}:\n{metrics}"
        );
        assert!(
            !metrics.contains("outcome=\"personalized\""),
            "cut at {cut}"
        );
        // The request metrics tell the same: a 2xx head, a body that did not arrive whole.
        assert!(
            metrics.contains(
                r#"reshelf_requests_total{complete="false",route="listing",status_class="2xx"} 2"#
            ),
            "cut at {cut}:\n{metrics}"
        );
        assert!(
            !metrics.contains(r#"reshelf_requests_total{complete="true""#),
            "cut at {cut}:\n{metrics}"
        );
        proxy.shutdown().await;
    }
}

#[tokio::test]
async fn buffered_mode_keeps_the_verdict_and_an_exact_length_in_the_head() {
    let api = FakeApi::start(Mode::Answer(ids(&["p6"]))).await;
    let origin = chunked_page().await;
    let proxy = proxy(&origin, &api, "stream_listings = false").await;
    let resp = fetch::get(proxy.public_addr(), Proto::H1, "/category/dresses", &[]).await;
    assert_eq!(resp.headers["x-reshelf"], "personalized");
    assert_eq!(
        resp.headers["content-length"],
        resp.body.len().to_string().as_str()
    );
    assert_eq!(shop::order(&resp.text())[0], "p6");
    proxy.shutdown().await;
}

/// Two listings (a grid and a "recently viewed" row) on one page.
fn two_listing_page() -> String {
    let tiles = |ids: &[&str]| -> String {
        ids.iter()
            .map(|id| format!("<li class=\"product\" data-product-id=\"{id}\">{id}</li>"))
            .collect()
    };
    format!(
        "<!doctype html><html><head><title>t</title></head><body>\n\
         <ul class=\"products\">{}</ul>\n<p>between</p>\n<ul class=\"products\">{}</ul>\n\
         <footer>end</footer></body></html>\n",
        tiles(&["p1", "p2", "p3"]),
        tiles(&["p4", "p5", "p6"])
    )
}

#[tokio::test]
async fn each_listing_on_a_page_is_reordered_on_its_own() {
    let api = FakeApi::start(Mode::Answer(ids(&["p6", "p3"]))).await;
    let page = two_listing_page();
    let body = page.clone();
    let origin =
        WireOrigin::start(move |_| wire::response(HTML, body.as_bytes(), Framing::Chunked(5)))
            .await;
    let proxy = proxy(&origin, &api, "").await;
    let resp = fetch::get(proxy.public_addr(), Proto::H2, "/category/c", &[]).await;
    assert_eq!(resp.verdict().unwrap(), "personalized");
    assert_eq!(
        shop::order(&resp.text()),
        ["p3", "p1", "p2", "p6", "p4", "p5"]
    );
    assert_eq!(resp.body.len(), page.len());
    proxy.shutdown().await;
}

#[tokio::test]
async fn a_listing_larger_than_the_bound_streams_through_native() {
    let api = FakeApi::start(Mode::Answer(ids(&["p6"]))).await;
    let origin = chunked_page().await;
    // No Content-Length from a chunked origin: the bound is found while streaming.
    let toml = config_toml(origin.addr, Some(&api.base_url()), shop::PAGE).replace(
        "timeout_ms = 2000",
        "timeout_ms = 2000\nmax_rewrite_bytes = 200",
    );
    let proxy = start_proxy(&toml).await;
    let resp = fetch::get(proxy.public_addr(), Proto::H2, "/category/c", &[]).await;
    assert_eq!(resp.verdict().unwrap(), "native; reason=too-large");
    assert_eq!(resp.text(), shop::html_page(), "native bytes");
    proxy.shutdown().await;
}

#[tokio::test]
async fn a_compressed_body_cut_short_aborts_instead_of_ending_clean() {
    let api = FakeApi::start(Mode::Answer(ids(&["p6"]))).await;
    let gzip = wire::compress("gzip", shop::html_page().as_bytes());
    let half = gzip[..gzip.len() / 2].to_vec();
    // The framing ends properly; the gzip stream inside it does not.
    let origin = WireOrigin::start(move |_| {
        let headers = [HTML[0], ("content-encoding", "gzip")];
        wire::response(&headers, &half, Framing::Chunked(64))
    })
    .await;
    let proxy = proxy(&origin, &api, "").await;
    for proto in [Proto::H1, Proto::H2] {
        let resp = fetch::get(proxy.public_addr(), proto, "/category/c", &[]).await;
        assert!(resp.aborted, "{proto:?}: a cut page must not look complete");
    }
    proxy.shutdown().await;
}
