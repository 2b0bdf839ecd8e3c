//! A small real storefront origin for listing tests: an HTML category page and a JSON listing
//! API with six products, compressed the way the request's `Accept-Encoding` asks (br, then
//! gzip), with validators and public caching headers a personalized answer must not keep.

use std::io::Write;
use std::sync::{Arc, Mutex};

use hyper::{Request, Response};

use super::origin::{full, TestBody, TestServer};

/// The `[[pages]]` block for this shop's HTML category page.
pub const PAGE: &str = r#"
[[pages]]
path = "/category/{id}"
format = "html"
tiles = "ul.products > li.product"
product_id = "data-product-id"
"#;

/// The `[[pages]]` blocks for both of this shop's listings: the HTML category page and the
/// JSON listing API.
pub const PAGES: &str = r#"
[[pages]]
path = "/category/{id}"
format = "html"
tiles = "ul.products > li.product"
product_id = "data-product-id"

[[pages]]
path = "/api/categories/{id}/products"
format = "json"
array = "/products"
product_id = "id"
"#;

pub const PRODUCTS: [&str; 6] = ["p1", "p2", "p3", "p4", "p5", "p6"];

/// The HTML page, tiles in native order p1..p6.
pub fn html_page() -> String {
    let tiles: String = PRODUCTS
        .iter()
        .map(|id| format!("\n    <li class=\"product\" data-product-id=\"{id}\"><a href=\"/p/{id}\">Product {id}</a></li>"))
        .collect();
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Dresses</title></head>\n<body>\n  <ul class=\"products\">{tiles}\n  </ul>\n</body></html>\n"
    )
}

/// The JSON listing, items in native order.
pub fn json_listing() -> String {
    let items: Vec<String> = PRODUCTS
        .iter()
        .map(|id| {
            format!("{{\"id\": \"{id}\", \"price\": 1.0000, \"name\": \"\\u003c{id}\\u003e\"}}")
        })
        .collect();
    format!(
        "{{\"category\": \"dresses\", \"products\": [{}]}}",
        items.join(", ")
    )
}

/// What the origin saw of listing requests.
#[derive(Debug, Default, Clone)]
pub struct OriginLog {
    pub conditional_or_range: usize,
    pub requests: usize,
}

pub struct Shop {
    pub server: TestServer,
    pub log: Arc<Mutex<OriginLog>>,
}

/// Paths: `/category/{id}` (HTML), `/api/categories/{id}/products` (JSON), `/category/gone`
/// (404), `/category/plain` (text/plain).
pub async fn start() -> Shop {
    let log = Arc::new(Mutex::new(OriginLog::default()));
    let l = log.clone();
    let server = TestServer::start(move |req| {
        let log = l.clone();
        async move { serve(req, &log) }
    })
    .await;
    Shop { server, log }
}

fn serve(req: Request<hyper::body::Incoming>, log: &Mutex<OriginLog>) -> Response<TestBody> {
    {
        let mut log = log.lock().unwrap();
        log.requests += 1;
        let h = req.headers();
        if h.contains_key("if-none-match")
            || h.contains_key("if-modified-since")
            || h.contains_key("range")
        {
            log.conditional_or_range += 1;
        }
    }
    let path = req.uri().path();
    let (body, content_type) = match path {
        "/category/gone" => {
            return Response::builder()
                .status(404)
                .body(full("no such category"))
                .unwrap()
        }
        "/category/plain" => (b"just text".to_vec(), "text/plain"),
        p if p.starts_with("/category/") => (html_page().into_bytes(), "text/html; charset=utf-8"),
        p if p.starts_with("/api/categories/") => (json_listing().into_bytes(), "application/json"),
        _ => {
            return Response::builder()
                .status(404)
                .body(full("not found"))
                .unwrap()
        }
    };
    let accept = req
        .headers()
        .get("accept-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let mut builder = Response::builder()
        .header("content-type", content_type)
        .header("etag", "\"native-v1\"")
        .header("last-modified", "Mon, 02 Nov 2026 10:00:00 GMT")
        .header("cache-control", "public, max-age=600");
    let body = if accept.contains("br") {
        builder = builder.header("content-encoding", "br");
        let mut out = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
            w.write_all(&body).unwrap();
        }
        out
    } else if accept.contains("gzip") {
        builder = builder.header("content-encoding", "gzip");
        let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        w.write_all(&body).unwrap();
        w.finish().unwrap()
    } else {
        body
    };
    builder
        .header("content-length", body.len())
        .body(full(body))
        .unwrap()
}

/// The product ids of a page or listing body, in document order.
pub fn order(body: &str) -> Vec<String> {
    let re = regex::Regex::new(r#"(?:data-product-id="|"id": ")(p\d)""#).unwrap();
    re.captures_iter(body).map(|c| c[1].to_owned()).collect()
}
