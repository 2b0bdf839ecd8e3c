//! `GET {prefix}/search?query=Q[&size=S]`: the detailed product search of the Fashion.AI API
//! (README) for the shopper's session. The answer is rebuilt from Fashion.AI's: at most 5 products,
//! only the API's fields, each checked for type (a product that does not fit is dropped), and image
//! or link URLs that are not http(s) or site paths removed, since the frontend renders them.

use http::header::HeaderMap;
use http::Response;
use serde::{Deserialize, Serialize};

use super::error::{MAX_QUERY_CHARS, MAX_SIZE_CHARS};
use super::reply::{self, Endpoint, EndpointOutcome};
use super::upstream::{self, UpstreamError};
use super::EndpointError;
use super::Services;
use crate::identity;
use crate::kit::body::Body;
use crate::ranking::client::ApiError;

/// Most products answered (the README, "Fashion.AI API").
pub const MAX_PRODUCTS: usize = 5;
/// Most images kept per product (the README, "Fashion.AI API": "up to 2 images").
const MAX_IMAGES: usize = 2;

/// The validated query string.
#[derive(Debug, PartialEq, Eq)]
pub struct SearchParams {
    /// Trimmed, 1 to 200 characters.
    pub query: String,
    /// Trimmed, 1 to 16 characters; absent when blank.
    pub size: Option<String>,
}

/// Reads `query` and `size` (first occurrence of each) from the raw query string.
pub fn params(raw: Option<&str>) -> Result<SearchParams, EndpointError> {
    let mut query = None;
    let mut size = None;
    for (key, value) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match &*key {
            "query" if query.is_none() => query = Some(value.into_owned()),
            "size" if size.is_none() => size = Some(value.into_owned()),
            _ => {}
        }
    }
    let query = query.as_deref().map(str::trim).unwrap_or("");
    if query.is_empty() {
        return Err(EndpointError::MissingQuery);
    }
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(EndpointError::QueryTooLong);
    }
    let size = size.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if size.is_some_and(|s| s.chars().count() > MAX_SIZE_CHARS) {
        return Err(EndpointError::SizeTooLong);
    }
    if query
        .chars()
        .chain(size.unwrap_or("").chars())
        .any(char::is_control)
    {
        return Err(EndpointError::ControlCharacters);
    }
    Ok(SearchParams {
        query: query.to_owned(),
        size: size.map(str::to_owned),
    })
}

/// One product as the Fashion.AI API (README) documents it; unknown fields are dropped on the way
/// in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchProduct {
    pub product_id: String,
    pub sku: String,
    pub name: String,
    pub images: Vec<String>,
    pub price: f64,
    pub sale_price: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// `{"products": [...]}` with items not yet checked.
#[derive(Deserialize)]
struct RawAnswer {
    products: Vec<serde_json::Value>,
}

/// The products of a Fashion.AI answer: the first 5 that fit the API's shape, with unsafe
/// URLs removed. An answer that is not `{"products": [...]}` is an error.
pub fn products(body: &[u8]) -> Result<Vec<SearchProduct>, serde_json::Error> {
    let raw: RawAnswer = serde_json::from_slice(body)?;
    Ok(raw
        .products
        .into_iter()
        .filter_map(|item| serde_json::from_value::<SearchProduct>(item).ok())
        .filter(|p| !p.product_id.is_empty())
        .map(|mut p| {
            p.images.retain(|u| safe_url(u));
            p.images.truncate(MAX_IMAGES);
            p.link = p.link.filter(|u| safe_url(u));
            p
        })
        .take(MAX_PRODUCTS)
        .collect())
}

/// An absolute http(s) URL, a protocol-relative one, or a path on the shop: nothing a
/// browser would run (`javascript:`, `data:`).
fn safe_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let allowed =
        lower.starts_with("https://") || lower.starts_with("http://") || url.starts_with('/');
    allowed && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// Answers a search request.
pub(super) async fn answer(
    state: &Services<'_>,
    headers: &HeaderMap,
    raw_query: Option<&str>,
) -> Result<(Response<Body>, EndpointOutcome), EndpointError> {
    let params = params(raw_query)?;
    let shopper = identity::identify(headers, &state.config.identity);
    let budget = state.config.endpoints.search_timeout;
    let call = state
        .fashionai
        .search(&params.query, params.size.as_deref(), &shopper);
    let found = match upstream::call(state, Endpoint::Search, budget, call).await {
        Ok(body) => products(&body).map_err(|e| UpstreamError::Api(ApiError::Body(e))),
        Err(e) => Err(e),
    };
    let (found, outcome) = match found {
        Ok(found) => {
            let outcome = EndpointOutcome::of_products(found.len());
            (found, outcome)
        }
        Err(e) => {
            tracing::debug!(error = %crate::telemetry::error_chain(&e), "search failed");
            let outcome = match e {
                UpstreamError::Timeout(_) => EndpointOutcome::Timeout,
                UpstreamError::Busy | UpstreamError::Api(_) => EndpointOutcome::Error,
            };
            (Vec::new(), outcome)
        }
    };
    let json =
        serde_json::to_vec(&serde_json::json!({ "products": found })).expect("products serialise");
    let resp = reply::products(state, headers, &shopper, json, outcome);
    Ok((resp, outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_decoded_trimmed_and_bounded() {
        let p = params(Some("query=t%C3%AAnis+running&size=+42+")).unwrap();
        assert_eq!(p.query, "tênis running");
        assert_eq!(p.size.as_deref(), Some("42"));
        assert_eq!(params(Some("query=a&size=")).unwrap().size, None);
        let at_limit = format!("query={}", "é".repeat(200));
        assert!(params(Some(&at_limit)).is_ok());
        let over = format!("query={}", "é".repeat(201));
        assert!(matches!(
            params(Some(&over)),
            Err(EndpointError::QueryTooLong)
        ));
        let size = format!("query=a&size={}", "x".repeat(17));
        assert!(matches!(
            params(Some(&size)),
            Err(EndpointError::SizeTooLong)
        ));
        for missing in [
            None,
            Some(""),
            Some("query="),
            Some("query=++"),
            Some("q=a"),
        ] {
            assert!(
                matches!(params(missing), Err(EndpointError::MissingQuery)),
                "{missing:?}"
            );
        }
        assert!(matches!(
            params(Some("query=a%00b")),
            Err(EndpointError::ControlCharacters)
        ));
    }

    #[test]
    fn answer_keeps_five_well_typed_products_and_safe_urls() {
        let mut items: Vec<serde_json::Value> = (0..7)
            .map(|i| {
                serde_json::json!({
                    "productId": format!("P{i}"), "sku": "S", "name": "N",
                    "images": ["/i/a.svg", "javascript:alert(1)", "https://cdn.example/b.jpg", "/i/c.svg"],
                    "price": 10, "salePrice": 9.5, "stock": 3,
                    "link": if i == 1 { "javascript:alert(1)" } else { "https://shop.example/p" },
                })
            })
            .collect();
        items.insert(0, serde_json::json!({"productId": "bad", "price": "10"}));
        let body = serde_json::to_vec(&serde_json::json!({ "products": items })).unwrap();
        let got = products(&body).unwrap();
        assert_eq!(got.len(), 5);
        assert_eq!(got[0].product_id, "P0");
        assert_eq!(got[0].images, ["/i/a.svg", "https://cdn.example/b.jpg"]);
        assert_eq!(got[1].link, None);
        let out = serde_json::to_value(&got[0]).unwrap();
        let mut keys: Vec<&str> = out
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "images",
                "link",
                "name",
                "price",
                "productId",
                "salePrice",
                "sku"
            ]
        );
        assert!(products(b"{\"products\": 3}").is_err());
        assert!(products(b"<html>").is_err());
    }
}
