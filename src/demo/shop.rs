//! The demo shop origin: server-rendered category pages (`ul.products > li.product` tiles with
//! `data-product-id`), a JSON listing API, product pages, SVG placeholder images and a
//! stylesheet, all from a [`Catalog`] in its native (file) order.
//!
//! Routes (GET and HEAD; other methods 405; anything else 404):
//!
//! | path | answer |
//! | --- | --- |
//! | `/` | home page linking to every category |
//! | `/category/{id}` | the category's products as tiles |
//! | `/api/categories/{id}/products` | `{"category": {"id", "name"}, "products": [{"id", "name", "price", "salePrice", "image", "link"}]}` |
//! | `/api/products?ids=A,B` | `{"products": [{"id", "name", "price", "salePrice", "image", "link", "inStock"}]}` |
//! | `/product/{id}` | product page with `<div id="shop-the-look" data-product-id>` and its drawer |
//! | `/search?query=Q` | the shop's own (native) name search |
//! | `/images/{id}.svg`, `/images/{id}-back.svg` | a drawing of the product's kind (dress, shoe, bag, …) in its colour |
//! | `/static/shop.css`, `/static/shop.js` | stylesheet; the search box and "Shop the look" drawer, which call reshelf's `/_reshelf` endpoints |
//! | `POST /cart/add` (form `product=ID`) | "added to the bag" page with a checkout form; unknown product 400 |
//! | `POST /checkout` (form `items=A,B`) | order confirmed, its value in `X-Order-Value` (`123.40`); no known item 400 |
//!
//! The two POST routes are the demo experiment's goals (see `cart`); other methods there 405.
//!
//! Pages and the API are `Cache-Control: no-cache` (the order may change per visit); images
//! and CSS may be cached for an hour.
//!
//! Started by the demo with a [`Lens`] ([`start_with_compare`]), it also serves the demo's
//! compare page at `/demo/compare` (see [`super::compare`]) and links it from the home page.

mod api;
pub mod cart;
pub(super) mod pages;
mod svg;

use std::net::SocketAddr;
use std::sync::Arc;

use http::header::{ALLOW, CACHE_CONTROL};
use http::{HeaderValue, Method, Response, StatusCode};
use hyper::body::Incoming;
use hyper::Request;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::compare::Lens;
use crate::sim::net::{self, Body};
use crate::sim::Catalog;

const CSS: &str = include_str!("assets/shop.css");
const JS: &str = include_str!("assets/shop.js");

/// Starts the shop on an already bound listener and returns at once. It serves until the
/// handle is shut down or dropped.
pub async fn start(catalog: Arc<Catalog>, listener: TcpListener) -> ShopHandle {
    serve(catalog, None, listener)
}

/// As [`start`], also serving the compare page of `lens` (and linking it from the home page).
pub async fn start_with_compare(
    catalog: Arc<Catalog>,
    lens: Arc<Lens>,
    listener: TcpListener,
) -> ShopHandle {
    serve(catalog, Some(lens), listener)
}

fn serve(catalog: Arc<Catalog>, lens: Option<Arc<Lens>>, listener: TcpListener) -> ShopHandle {
    let addr = listener
        .local_addr()
        .expect("a bound TCP listener has a local address");
    let shutdown = CancellationToken::new();
    let task = net::spawn_server(listener, shutdown.clone(), move |req| {
        let catalog = Arc::clone(&catalog);
        let lens = lens.clone();
        async move {
            if let Some(lens) = &lens {
                if let Some(page) = lens.serve(&req).await {
                    return page;
                }
            }
            handle(&catalog, lens.is_some(), req).await
        }
    });
    ShopHandle {
        addr,
        shutdown,
        task: Some(task),
    }
}

/// A running demo shop. Dropping it stops the server too (without waiting).
#[derive(Debug)]
pub struct ShopHandle {
    addr: SocketAddr,
    shutdown: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl ShopHandle {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, no trailing slash: the `origin.url` to configure.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, drops open connections and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            // The loop never panics; a JoinError could only be a cancelled runtime.
            let _ = task.await;
        }
    }
}

impl Drop for ShopHandle {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// The shop's routes; `compare`: the home page links the compare page.
async fn handle(catalog: &Catalog, compare: bool, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path();
    if path == "/cart/add" || path == "/checkout" {
        return cart(catalog, req).await;
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return not_allowed("GET, HEAD");
    }
    let segments: Vec<String> = req
        .uri()
        .path()
        .split('/')
        .skip(1)
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let found = match segments.as_slice() {
        [""] => Some(page(pages::home(catalog, compare))),
        ["category", id] => catalog
            .category(id)
            .map(|c| page(pages::category(catalog, c))),
        ["api", "categories", id, "products"] => catalog.category(id).map(|c| {
            let products: Vec<_> = catalog
                .category_products(&c.id)
                .into_iter()
                .flatten()
                .map(|p| {
                    json!({
                        "id": p.id,
                        "name": p.name,
                        "price": p.price,
                        "salePrice": p.sale_price,
                        "image": pages::image_path(&p.id, false),
                        "link": pages::product_path(&p.id),
                    })
                })
                .collect();
            let body = json!({
                "category": {"id": c.id, "name": c.name},
                "products": products,
            });
            no_cache(net::json(StatusCode::OK, &body))
        }),
        ["api", "products"] => Some(no_cache(net::json(
            StatusCode::OK,
            &api::products(catalog, req.uri().query()),
        ))),
        ["product", id] => catalog
            .product(id)
            .map(|p| page(pages::product(catalog, p))),
        ["search"] => {
            let query = form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
                .find(|(k, _)| k == "query")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            Some(page(pages::search(catalog, &query)))
        }
        ["images", file] => file
            .strip_suffix(".svg")
            .and_then(|name| svg::lookup(catalog, name))
            .map(|(p, back)| {
                let body = svg::placeholder(catalog, p, back);
                cached(net::respond(StatusCode::OK, "image/svg+xml", body))
            }),
        ["static", "shop.css"] => Some(cached(net::respond(
            StatusCode::OK,
            "text/css; charset=utf-8",
            CSS,
        ))),
        ["static", "shop.js"] => Some(cached(net::respond(
            StatusCode::OK,
            "text/javascript; charset=utf-8",
            JS,
        ))),
        _ => None,
    };
    found.unwrap_or_else(|| {
        let mut response = page(pages::not_found(catalog));
        *response.status_mut() = StatusCode::NOT_FOUND;
        response
    })
}

/// The cart's POST routes (`cart`).
async fn cart(catalog: &Catalog, req: Request<Incoming>) -> Response<Body> {
    if req.method() != Method::POST {
        return not_allowed("POST");
    }
    let checkout = req.uri().path() == "/checkout";
    let Ok(form) = net::read_body(req.into_body(), cart::MAX_FORM_BYTES).await else {
        return net::respond(
            StatusCode::BAD_REQUEST,
            "text/plain; charset=utf-8",
            "unreadable or too large form\n",
        );
    };
    let answer = if checkout {
        cart::checkout(catalog, &form)
    } else {
        cart::add(catalog, &form)
    };
    match answer {
        cart::CartPage::Done { html, order_value } => {
            let mut response = page(html);
            if let Some(value) = order_value {
                let text = cart::order_value_text(value);
                response.headers_mut().insert(
                    "x-order-value",
                    HeaderValue::from_str(&text).expect("a number is a header value"),
                );
            }
            response
        }
        cart::CartPage::NoProduct => net::respond(
            StatusCode::BAD_REQUEST,
            "text/plain; charset=utf-8",
            "no known product in the form\n",
        ),
    }
}

fn not_allowed(allow: &'static str) -> Response<Body> {
    let mut response = net::respond(
        StatusCode::METHOD_NOT_ALLOWED,
        "text/plain; charset=utf-8",
        "method not allowed\n",
    );
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    response
}

fn page(html: String) -> Response<Body> {
    no_cache(net::respond(
        StatusCode::OK,
        "text/html; charset=utf-8",
        html,
    ))
}

fn no_cache(mut response: Response<Body>) -> Response<Body> {
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn cached(mut response: Response<Body>) -> Response<Body> {
    response.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}
