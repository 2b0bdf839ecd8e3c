//! The three APIs' request parsing and answers, once the token has been checked.

use http::{Response, StatusCode};
use serde::Deserialize;
use serde_json::json;

use super::learn::Who;
use super::net::{self, Body};
use super::server::{error, Shared};
use super::{profile as profiles, search as searching};

/// A user id as Fashion.AI accepts it: a number (`90`) or a string (`"user-456"`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum UserId {
    Number(serde_json::Number),
    Text(String),
}

impl UserId {
    fn key(&self) -> String {
        match self {
            UserId::Number(n) => n.to_string(),
            UserId::Text(s) => s.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
enum EventType {
    #[serde(rename = "categoryView")]
    CategoryView,
    #[serde(rename = "shopTheLook")]
    ShopTheLook,
}

#[derive(Debug, Deserialize)]
struct EventData {
    id: String,
}

/// Body of the recommendation API (the README, "Fashion.AI API").
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    #[serde(default)]
    user_id: Option<UserId>,
    session_id: String,
    event_type: EventType,
    data: EventData,
}

/// Body of the search API (the README, "Fashion.AI API").
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchBody {
    session_id: String,
    #[serde(default)]
    #[allow(dead_code)] // Required shape only: search does not personalise.
    user_id: Option<UserId>,
}

/// `categoryView` or `shopTheLook`; 400 with the reason on a malformed body.
pub(crate) fn recommendation(shared: &Shared, body: &[u8]) -> Response<Body> {
    let event: Event = match serde_json::from_slice(body) {
        Ok(event) => event,
        Err(e) => return error(StatusCode::BAD_REQUEST, &format!("invalid body: {e}")),
    };
    if event.session_id.is_empty() || event.data.id.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "sessionId and data.id must not be empty",
        );
    }
    let user = event.user_id.as_ref().map(UserId::key);
    let who = Who {
        session: &event.session_id,
        user: user.as_deref(),
    };
    let catalog = &shared.config.catalog;
    let products = match event.event_type {
        EventType::CategoryView => shared.brain.category_view(catalog, who, &event.data.id),
        EventType::ShopTheLook => shared.brain.shop_the_look(catalog, who, &event.data.id),
    };
    net::json(StatusCode::OK, &json!({ "products": products }))
}

/// Detailed search; any error in the request answers `{"products": []}` as the API documents.
pub(crate) fn search(shared: &Shared, query: Option<&str>, body: &[u8]) -> Response<Body> {
    let empty = || net::json(StatusCode::OK, &json!({ "products": [] }));
    let valid_body =
        serde_json::from_slice::<SearchBody>(body).is_ok_and(|b| !b.session_id.is_empty());
    if !valid_body {
        return empty();
    }
    let mut text = None;
    let mut size = None;
    for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match &*key {
            "query" => text = Some(value.into_owned()),
            "size" if !value.trim().is_empty() => size = Some(value.into_owned()),
            _ => {}
        }
    }
    let Some(text) = text else {
        return empty();
    };
    let hits = searching::search(
        &shared.config.catalog,
        &text,
        size.as_deref(),
        shared.config.shop_url.as_deref(),
    );
    net::json(StatusCode::OK, &json!({ "products": hits }))
}

/// The profile of an address; 400 when it is not an address, 404 for the "unknown" rule.
pub(crate) fn profile(shared: &Shared, email: &str) -> Response<Body> {
    let Some((local, domain)) = email.split_once('@') else {
        return error(StatusCode::BAD_REQUEST, "not an e-mail address");
    };
    if local.is_empty() || domain.is_empty() || domain.contains('@') {
        return error(StatusCode::BAD_REQUEST, "not an e-mail address");
    }
    let prefix = &shared.config.unknown_profile_prefix;
    if !prefix.is_empty() && local.to_lowercase().starts_with(&prefix.to_lowercase()) {
        return error(StatusCode::NOT_FOUND, "profile not found");
    }
    net::json(
        StatusCode::OK,
        &profiles::profile(&shared.config.catalog, email),
    )
}
