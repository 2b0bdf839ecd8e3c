//! The router and the flows without a socket: requests handed to `proxy::handle` with a
//! scripted origin behind the `Forward` trait. Classification, the endpoints' refusal shapes
//! and the listing fallbacks, as a client sees them. (The loopback tests in the other files
//! check the same flows end to end.)

mod common;

use common::scripted::{empty, get, oneshot, oneshot_with_trailers, page, state, ScriptedOrigin};
use common::{config_toml, shop};
use http::StatusCode;
use reshelf::kit::body;
use reshelf::origin::OriginError;
use reshelf::proxy::{classify, Target};

/// A config in front of an origin that is never dialled (the scripted one answers).
fn toml() -> String {
    config_toml(
        "127.0.0.1:9".parse().unwrap(),
        None,
        &format!(
            "{}\n[[pages]]\npath = \"/api/categories/{{id}}/products\"\nformat = \"json\"\narray = \"/products\"\nproduct_id = \"id\"\n",
            shop::PAGE
        ),
    )
}

fn html_origin() -> std::sync::Arc<ScriptedOrigin> {
    ScriptedOrigin::new(|req| {
        if req.method() == http::Method::HEAD {
            // A real origin's HEAD answer: the GET's headers, no body.
            let (parts, _) = page("text/html", shop::html_page()).into_parts();
            return Ok(http::Response::from_parts(parts, body::empty()));
        }
        Ok(match req.uri().path() {
            "/category/gone" => http::Response::builder()
                .status(404)
                .body(body::full("no such category"))
                .unwrap(),
            "/category/plain" => page("text/plain", "just text"),
            "/category/huge" => page("text/html", vec![b'x'; 5 << 20]),
            _ => page("text/html; charset=utf-8", shop::html_page()),
        })
    })
}

#[test]
fn classify_sends_each_request_to_its_flow() {
    let state = state(&toml(), html_origin());
    let req = |method: &str, uri: &str, upgrade: bool| {
        let mut b = http::Request::builder().method(method).uri(uri);
        if upgrade {
            b = b
                .header("connection", "upgrade")
                .header("upgrade", "websocket");
        }
        b.body(()).unwrap()
    };
    let listing =
        |t: &Target<'_>| matches!(t, Target::Listing { category, .. } if category == "dresses");
    assert!(listing(&classify(
        &state,
        &req("GET", "/category/dresses", false)
    )));
    assert!(listing(&classify(
        &state,
        &req("HEAD", "/category/dresses", false)
    )));
    assert!(matches!(
        classify(&state, &req("POST", "/category/dresses", false)),
        Target::Passthrough
    ));
    assert!(matches!(
        classify(&state, &req("GET", "/category/dresses", true)),
        Target::Passthrough
    ));
    assert!(matches!(
        classify(&state, &req("GET", "/_reshelf/search", false)),
        Target::Endpoint
    ));
    assert!(matches!(
        classify(&state, &req("GET", "/_reshelfx/search", false)),
        Target::Passthrough
    ));
    assert!(matches!(
        classify(&state, &req("GET", "/product/p1", false)),
        Target::Passthrough
    ));
}

#[tokio::test]
async fn endpoint_refusals_are_small_json_errors_and_never_reach_the_origin() {
    let origin = html_origin();
    let state = state(&toml(), origin.clone());
    let cases = [
        ("GET", "/_reshelf/nothing-here", StatusCode::NOT_FOUND),
        ("GET", "/_reshelf/search", StatusCode::BAD_REQUEST),
        ("GET", "/_reshelf/search?query=%20", StatusCode::BAD_REQUEST),
        (
            "POST",
            "/_reshelf/search?query=dress",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        ("GET", "/_reshelf/shop-the-look/", StatusCode::BAD_REQUEST),
    ];
    for (method, uri, status) in cases {
        let (parts, bytes) = oneshot(&state, empty(get(uri).method(method))).await;
        assert_eq!(parts.status, status, "{method} {uri}");
        assert_eq!(parts.headers["content-type"], "application/json", "{uri}");
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert!(json["error"].is_string(), "{uri}: {json}");
        assert!(parts.headers.contains_key("x-request-id"), "{uri}");
        if status == StatusCode::METHOD_NOT_ALLOWED {
            assert_eq!(parts.headers["allow"], "GET");
        }
    }
    assert!(
        origin.seen().is_empty(),
        "no endpoint request reaches the origin"
    );
}

#[tokio::test]
async fn listing_fallbacks_keep_the_origin_s_answer_with_their_reason() {
    let state = state(&toml(), html_origin());
    let cases = [
        ("/category/gone", 404, "native; reason=origin-status", false),
        ("/category/plain", 200, "native; reason=not-listing", true),
        ("/category/huge", 200, "native; reason=too-large", true),
        // The Fashion.AI base URL is a closed port: the ranking fails.
        ("/category/dresses", 200, "native; reason=error", true),
    ];
    for (path, status, verdict, private) in cases {
        let req = empty(get(path).header("te", "trailers"));
        let (parts, bytes, trailers) = oneshot_with_trailers(&state, req).await;
        assert_eq!(parts.status, status, "{path}");
        // Final when the head leaves: in the head; else in the trailer after the body.
        let sent = parts
            .headers
            .get("x-reshelf")
            .or_else(|| trailers.as_ref()?.get("x-reshelf"));
        assert_eq!(sent.unwrap(), verdict, "{path}");
        let cache = parts
            .headers
            .get("cache-control")
            .map(|v| v.to_str().unwrap());
        let is_private = cache.is_some_and(|c| c.starts_with("private"));
        assert_eq!(is_private, private, "{path}: {cache:?}");
        assert_eq!(parts.headers.contains_key("set-cookie"), private, "{path}");
        if path == "/category/dresses" {
            assert_eq!(bytes, shop::html_page().as_bytes(), "native bytes");
        }
    }
}

#[tokio::test]
async fn crawlers_and_head_requests_fire_nothing_and_keep_caches() {
    let origin = html_origin();
    let state = state(&toml(), origin.clone());
    let bot = get("/category/dresses").header(
        "user-agent",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    );
    let (parts, bytes) = oneshot(&state, empty(bot)).await;
    assert_eq!(parts.headers["x-reshelf"], "native; reason=bot");
    assert_eq!(parts.headers["cache-control"], "public, max-age=60");
    assert!(!parts.headers.contains_key("set-cookie"));
    assert_eq!(bytes, shop::html_page().as_bytes());

    let (parts, bytes) = oneshot(&state, empty(get("/category/dresses").method("HEAD"))).await;
    assert_eq!(parts.status, 200);
    assert!(bytes.is_empty());
    assert!(
        !parts.headers.contains_key("x-reshelf"),
        "HEAD shows no order"
    );
    assert!(parts.headers["cache-control"]
        .to_str()
        .unwrap()
        .starts_with("private"));
    let metrics = String::from_utf8(state.metrics.encode()).unwrap();
    assert!(
        metrics.contains("reshelf_listing_pages_total{outcome=\"native\",reason=\"bot\"} 1"),
        "{metrics}"
    );
    assert!(!metrics.contains("reason=\"none\""), "HEAD is not counted");
}

#[tokio::test]
async fn origin_failures_map_to_502_and_504_pages() {
    let failing = ScriptedOrigin::new(|req| match req.uri().path() {
        "/slow" => Err(OriginError::Timeout(std::time::Duration::from_millis(5))),
        _ => Err(OriginError::Body("reset".into())),
    });
    let state = state(&toml(), failing);
    for (path, status) in [
        ("/slow", StatusCode::GATEWAY_TIMEOUT),
        ("/broken", StatusCode::BAD_GATEWAY),
        ("/category/x", StatusCode::BAD_GATEWAY),
    ] {
        let (parts, bytes) =
            oneshot(&state, empty(get(path).header("x-request-id", "req-7"))).await;
        assert_eq!(parts.status, status, "{path}");
        assert_eq!(parts.headers["cache-control"], "no-store");
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(text.contains("Request id: req-7"), "{text}");
    }
}

#[tokio::test]
async fn the_origin_sees_a_clean_listing_request() {
    let origin = html_origin();
    let state = state(&toml(), origin.clone());
    let req = get("/category/dresses?page=2")
        .header("if-none-match", "\"v1\"")
        .header("range", "bytes=0-9")
        .header("connection", "x-hop")
        .header("x-hop", "1")
        .header("x-fashionai-app-token", "stolen")
        .header("accept-encoding", "gzip, br");
    oneshot(&state, empty(req)).await;
    let seen = origin.seen();
    let h = &seen[0].headers;
    assert_eq!(
        seen[0].uri.path_and_query().unwrap(),
        "/category/dresses?page=2"
    );
    for absent in [
        "if-none-match",
        "range",
        "x-hop",
        "connection",
        "x-fashionai-app-token",
    ] {
        assert!(
            !h.contains_key(absent),
            "{absent} reached the origin: {h:?}"
        );
    }
    assert_eq!(h["x-forwarded-for"], "127.0.0.1");
    assert_eq!(h["host"], "shop.test");
}
