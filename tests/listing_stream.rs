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
async fn the_head_leaves_before_the_origin_s_body_is_complete() {
    let api = FakeApi::start(Mode::Answer(ids(&["p2"]))).await;
    let gate = Gate::new();
    let page = shop::html_page();
    let (head, rest) = page.split_at(page.find("<ul").unwrap());
    let script = {
        let gate = gate.clone();
        let (head, rest) = (head.to_owned(), rest.to_owned());
        move |_: &wire::RequestHead| {
            let mut steps = vec![Step::Write(wire::head(HTML, Framing::Chunked(0), 0))];
            steps.extend(wire::body_part(head.as_bytes(), Framing::Chunked(64)));
            steps.push(Step::Wait(gate.clone()));
            steps.extend(wire::body_steps(rest.as_bytes(), Framing::Chunked(64)));
            steps
        }
    };
    let origin = WireOrigin::start(script).await;
    let proxy = proxy(&origin, &api, "").await;
    let started = fetch::start(
        proxy.public_addr(),
        Proto::H1,
        "/category/dresses",
        &[("te", "trailers")],
    );
    // The origin holds its body at the gate: the head must arrive anyway.
    let streaming = tokio::time::timeout(Duration::from_secs(10), started)
        .await
        .expect("the response head arrives while the origin's body is held");
    assert_eq!(streaming.status, 200);
    assert!(streaming.headers["cache-control"]
        .to_str()
        .unwrap()
        .starts_with("private"));
    assert!(streaming.headers.contains_key("set-cookie"));
    gate.open();
    let resp = streaming.rest(Vec::new()).await;
    assert_eq!(resp.verdict().unwrap(), "personalized");
    assert_eq!(shop::order(&resp.text())[0], "p2");
    assert_eq!(resp.body.len(), page.len());
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
