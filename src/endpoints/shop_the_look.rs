//! `GET {prefix}/shop-the-look/{productId}`: fires `shopTheLook` (the README, "Fashion.AI API") for
//! the shopper and answers the product ids that complete the look. Whatever goes wrong upstream,
//! the shopper gets `{"products": []}` with 200 (the drawer simply shows nothing); `X-Reshelf`
//! says why. Answers are cached per (session, product) for [`LOOK_TTL`], which also folds a
//! double click into one event.

use std::sync::Arc;
use std::time::Duration;

use http::header::HeaderMap;
use http::Response;
use percent_encoding::percent_decode_str;

use super::reply::{self, Endpoint, EndpointOutcome};
use super::upstream::{self, UpstreamError};
use super::EndpointError;
use super::Services;
use crate::identity;
use crate::kit::body::Body;
use crate::ranking::client::EventBody;

/// How long a session's look for a product is reused: 60 s.
pub const LOOK_TTL: Duration = Duration::from_secs(60);
/// Most (session, product) looks cached at once.
pub const LOOK_CACHE_ENTRIES: u64 = 50_000;
/// Most product ids answered; Fashion.AI's looks are a handful.
pub const MAX_LOOK_PRODUCTS: usize = 24;
/// Longest product id accepted, in bytes (decoded).
const MAX_ID_BYTES: usize = 128;

/// Cached looks by (session id, product id).
pub type LookCache = moka::future::Cache<(String, String), Arc<[String]>>;

pub(super) fn cache() -> LookCache {
    moka::future::Cache::builder()
        .max_capacity(LOOK_CACHE_ENTRIES)
        .time_to_live(LOOK_TTL)
        .build()
}

/// Answers a shop-the-look request for the still percent-encoded `raw_id` path segment.
pub(super) async fn answer(
    state: &Services<'_>,
    headers: &HeaderMap,
    raw_id: &str,
) -> Result<(Response<Body>, EndpointOutcome), EndpointError> {
    let id = product_id(raw_id)?;
    let shopper = identity::identify(headers, &state.config.identity);
    let budget = state.config.endpoints.shop_the_look_timeout;
    let key = (shopper.session_id.clone(), id.clone());
    // Cached even for a minted session: the browser sends that cookie from now on.
    let looked = state
        .endpoints
        .looks
        .try_get_with(key, async {
            let event = EventBody::new("shopTheLook", &shopper, &id);
            let fired = state.fashionai.event(&event);
            let ranking = upstream::call(state, Endpoint::ShopTheLook, budget, fired).await?;
            Ok::<_, UpstreamError>(
                ranking
                    .iter()
                    .take(MAX_LOOK_PRODUCTS)
                    .map(str::to_owned)
                    .collect::<Arc<[String]>>(),
            )
        })
        .await;
    let (ids, outcome) = match looked {
        Ok(ids) => {
            let outcome = EndpointOutcome::of_products(ids.len());
            (ids, outcome)
        }
        Err(e) => {
            tracing::debug!(error = %crate::telemetry::error_chain(&*e), "shopTheLook failed");
            let outcome = match *e {
                UpstreamError::Timeout(_) => EndpointOutcome::Timeout,
                UpstreamError::Busy | UpstreamError::Api(_) => EndpointOutcome::Error,
            };
            (Arc::from([]), outcome)
        }
    };
    let json = serde_json::to_vec(&serde_json::json!({ "products": &*ids }))
        .expect("a list of strings serialises");
    let resp = reply::products(state, headers, &shopper, json, outcome);
    Ok((resp, outcome))
}

/// The decoded product id: UTF-8, 1 to 128 bytes, no control characters or slashes.
fn product_id(raw: &str) -> Result<String, EndpointError> {
    let id = percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| EndpointError::BadProductId)?;
    let ok = !id.is_empty()
        && id.len() <= MAX_ID_BYTES
        && !id.chars().any(|c| c.is_control() || c == '/');
    if ok {
        Ok(id.into_owned())
    } else {
        Err(EndpointError::BadProductId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_ids_are_decoded_and_checked() {
        assert_eq!(product_id("P1001").unwrap(), "P1001");
        assert_eq!(product_id("cal%C3%A7a%20azul").unwrap(), "calça azul");
        for bad in ["", "%FF", "a%2Fb", "a%0Ab", &"x".repeat(129)] {
            assert!(product_id(bad).is_err(), "{bad:?}");
        }
    }
}
