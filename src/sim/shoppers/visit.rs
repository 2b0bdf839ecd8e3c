//! One simulated shopper's visit: a browser-like session against reshelf in front of the demo
//! shop. It keeps the cookies reshelf sets (the session cookie, the signed experiment cookie),
//! views category pages and reads their tile order, opens the product it picks with its
//! "Shop the look" drawer (the page's script calls reshelf's `/_reshelf/shop-the-look/{id}`,
//! which is what tells Fashion.AI the shopper's taste), adds to the cart and checks out as
//! the model in `taste` says.

use std::sync::LazyLock;

use cookie::{Cookie, CookieJar};
use http::header::{COOKIE, SET_COOKIE, USER_AGENT};
use rand::rngs::StdRng;
use rand::Rng;
use regex::Regex;

use super::taste::{self, Taste};
use crate::sim::Catalog;

/// A tile of the demo shop's category pages (`src/demo/shop/pages.rs` writes them, and reshelf
/// moves them whole) and the product it names. A pattern for the shop's own fixed markup rather
/// than an HTML parser: an unoptimized build parses a page with `lol_html` in about 10 ms,
/// which would make the shoppers, not reshelf, the load of a test run.
static TILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"<li class="product" data-product-id="([^"]+)""#).expect("a valid pattern")
});
/// A browser's User-Agent, so reshelf does not take the shopper for a crawler (crawlers are in
/// no arm of the experiment).
pub const BROWSER: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
/// Longest page read, in bytes.
const MAX_PAGE_BYTES: usize = 8 << 20;

/// Why a visit stopped early.
#[derive(Debug, thiserror::Error)]
pub enum VisitError {
    #[error("{method} {path} failed")]
    Request {
        method: &'static str,
        path: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{method} {path} answered {status}")]
    Status {
        method: &'static str,
        path: String,
        status: http::StatusCode,
    },
    #[error("{path} answered a page larger than {MAX_PAGE_BYTES} bytes")]
    TooLarge { path: String },
}

/// What one visit did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    /// Category pages viewed.
    pub pages: u64,
    /// Of those, pages whose tiles were not in the catalog's (native) order.
    pub reordered: u64,
    /// Of those, pages of the holdout arm (`X-Reshelf: native; reason=holdout`).
    pub holdout: u64,
    /// Products opened.
    pub products: u64,
    /// Add-to-cart requests.
    pub carts: u64,
    /// Checkouts.
    pub orders: u64,
    /// Value of the orders, in the shop's currency.
    pub revenue: f64,
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        self.pages += other.pages;
        self.reordered += other.reordered;
        self.holdout += other.holdout;
        self.products += other.products;
        self.carts += other.carts;
        self.orders += other.orders;
        self.revenue += other.revenue;
    }
}

/// A shopper's browser: the client, reshelf's address, the cookie jar and the address the
/// shopper browses from.
pub struct Browser<'a> {
    pub client: &'a reqwest::Client,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base: &'a str,
    pub jar: CookieJar,
    /// Sent as `X-Forwarded-For`: shoppers come from many addresses, and reshelf's per-client
    /// rate limit of its `/_reshelf` endpoints counts them apart when it trusts loopback as a
    /// proxy (the demo does; README, "Simulated shoppers").
    pub address: std::net::Ipv4Addr,
}

/// A page as the shopper got it.
struct Got {
    verdict: String,
    body: String,
}

impl Browser<'_> {
    async fn send(
        &mut self,
        method: &'static str,
        path: &str,
        form: Option<String>,
    ) -> Result<Got, VisitError> {
        let url = format!("{}{path}", self.base);
        let cookies: Vec<String> = self
            .jar
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect();
        let mut req = match &form {
            Some(_) => self.client.post(url),
            None => self.client.get(url),
        }
        .header(USER_AGENT, BROWSER)
        .header("x-forwarded-for", self.address.to_string());
        if !cookies.is_empty() {
            req = req.header(COOKIE, cookies.join("; "));
        }
        if let Some(form) = form {
            req = req
                .header(
                    http::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(form);
        }
        let failed = |source| VisitError::Request {
            method,
            path: path.to_owned(),
            source,
        };
        let mut resp = req.send().await.map_err(failed)?;
        for value in resp.headers().get_all(SET_COOKIE) {
            let Some(c) = value.to_str().ok().and_then(|v| Cookie::parse(v).ok()) else {
                continue;
            };
            let c = c.into_owned();
            if c.max_age().is_some_and(|age| age.is_zero()) {
                self.jar.remove(c);
            } else {
                self.jar.add(c);
            }
        }
        let status = resp.status();
        if !status.is_success() {
            return Err(VisitError::Status {
                method,
                path: path.to_owned(),
                status,
            });
        }
        let verdict = resp
            .headers()
            .get("x-reshelf")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(failed)? {
            if bytes.len() + chunk.len() > MAX_PAGE_BYTES {
                return Err(VisitError::TooLarge {
                    path: path.to_owned(),
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Ok(Got { verdict, body })
    }
}

/// A visit of `pages` category pages by a shopper of `taste`, its choices drawn from `rng`.
pub async fn visit(
    browser: &mut Browser<'_>,
    catalog: &Catalog,
    taste: &Taste,
    pages: u32,
    rng: &mut StdRng,
) -> Result<Tally, VisitError> {
    let mut tally = Tally::default();
    let mut cart: Vec<String> = Vec::new();
    let categories = catalog.categories();
    for _ in 0..pages {
        let category = &categories[rng.random_range(0..categories.len())];
        let path = format!("/category/{}", encode(&category.id));
        let page = browser.send("GET", &path, None).await?;
        tally.pages += 1;
        // A streamed page may tell its verdict in a trailer only; the holdout verdict is in
        // the head, and a reorder shows in the tiles.
        if page.verdict == "native; reason=holdout" {
            tally.holdout += 1;
        }
        let ids = tile_ids(&page.body);
        let tiles: Vec<_> = ids.iter().filter_map(|id| catalog.product(id)).collect();
        let native = catalog
            .category_products(&category.id)
            .into_iter()
            .flatten();
        if !tiles.iter().map(|p| &p.id).eq(native.map(|p| &p.id)) {
            tally.reordered += 1;
        }
        let scroll: f64 = rng.random();
        let buy: f64 = rng.random();
        let Some(pick) = taste::choose(taste, &tiles, scroll) else {
            continue;
        };
        let id = &tiles[pick.position].id;
        browser
            .send("GET", &format!("/product/{}", encode(id)), None)
            .await?;
        browser
            .send(
                "GET",
                &format!("/_reshelf/shop-the-look/{}", encode(id)),
                None,
            )
            .await?;
        tally.products += 1;
        if buy < taste::cart_propensity(pick) {
            let form = form(&[("product", id)]);
            browser.send("POST", "/cart/add", Some(form)).await?;
            tally.carts += 1;
            cart.push(id.clone());
        }
    }
    if !cart.is_empty() && rng.random::<f64>() < taste::CHECKOUT {
        let items = cart.join(",");
        browser
            .send("POST", "/checkout", Some(form(&[("items", &items)])))
            .await?;
        tally.orders += 1;
        tally.revenue += cart
            .iter()
            .filter_map(|id| catalog.product(id))
            .map(|p| p.sale_price)
            .sum::<f64>();
    }
    Ok(tally)
}

/// The product ids of a category page's tiles, in page order.
pub fn tile_ids(html: &str) -> Vec<String> {
    TILE.captures_iter(html).map(|c| c[1].to_owned()).collect()
}

fn encode(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn form(fields: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}
