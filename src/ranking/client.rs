//! The Fashion.AI HTTP client: one pooled reqwest client that adds the app token to every call.
//! Event bodies are `{"userId", "sessionId", "eventType", "data": {"id"}}` (no `userId` for an
//! anonymous shopper); the token goes nowhere but the `X-FashionAI-APP-Token` header of
//! requests to `fashionai.base_url`.

use std::time::Duration;

use serde::Serialize;

use crate::config::{self, Secret};
use crate::identity::Shopper;
use crate::ranked::Ranking;

/// The most a call may take even in the background; past it the answer is given up.
pub const CALL_CAP: Duration = Duration::from_secs(5);

/// Why a Fashion.AI call gave no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("Fashion.AI request failed")]
    Transport(#[source] reqwest::Error),
    #[error("Fashion.AI answered {0}")]
    Status(http::StatusCode),
    #[error("Fashion.AI answer is not the documented JSON")]
    Body(#[source] serde_json::Error),
    #[error("Fashion.AI gave no answer within {0:?}")]
    Timeout(Duration),
}

/// `userId` as Fashion.AI takes it: a number when the id is all digits, else a string.
#[derive(Debug, Serialize, PartialEq)]
#[serde(untagged)]
pub enum UserId<'a> {
    Number(u64),
    Text(&'a str),
}

impl<'a> UserId<'a> {
    pub fn from_id(id: &'a str) -> Self {
        // Leading zeros would be lost in a number, so such ids stay strings.
        let canonical_digits =
            id.bytes().all(|b| b.is_ascii_digit()) && (id == "0" || !id.starts_with('0'));
        match id.parse::<u64>() {
            Ok(n) if canonical_digits => UserId::Number(n),
            _ => UserId::Text(id),
        }
    }
}

/// The body of a personalization event (`categoryView` or `shopTheLook`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId<'a>>,
    pub session_id: &'a str,
    pub event_type: &'static str,
    pub data: EventData<'a>,
}

#[derive(Debug, Serialize)]
pub struct EventData<'a> {
    pub id: &'a str,
}

impl<'a> EventBody<'a> {
    pub fn new(event_type: &'static str, shopper: &'a Shopper, id: &'a str) -> Self {
        Self {
            user_id: shopper.user_id.as_deref().map(UserId::from_id),
            session_id: &shopper.session_id,
            event_type,
            data: EventData { id },
        }
    }
}

/// `{"products": [...]}` as both events answer.
#[derive(serde::Deserialize)]
struct ProductIds {
    products: Vec<String>,
}

/// A client for the three Fashion.AI APIs.
#[derive(Clone)]
pub struct FashionAiClient {
    http: reqwest::Client,
    recommendation_url: String,
    search_url: String,
    profile_url: String,
    token: Secret,
}

impl FashionAiClient {
    pub fn new(cfg: &config::FashionAi) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_secs(1))
            .timeout(CALL_CAP)
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(90))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            http,
            recommendation_url: format!("{}{}", cfg.base_url, cfg.recommendation_path),
            search_url: format!("{}{}", cfg.base_url, cfg.search_path),
            profile_url: format!("{}{}", cfg.base_url, cfg.profile_path),
            token: cfg.token.clone(),
        })
    }

    /// Sends an event (`categoryView` or `shopTheLook`) and returns the ranked product ids as
    /// an inline [`Ranking`] (the ranking service interns them instead: [`Self::event_ids`]).
    pub async fn event(&self, body: &EventBody<'_>) -> Result<Ranking, ApiError> {
        Ok(Ranking::new(self.event_ids(body).await?))
    }

    /// Sends an event and returns the product ids it answered, best first.
    pub async fn event_ids(&self, body: &EventBody<'_>) -> Result<Vec<String>, ApiError> {
        let bytes = self
            .send(self.http.post(&self.recommendation_url).json(body))
            .await?;
        let ids: ProductIds = serde_json::from_slice(&bytes).map_err(ApiError::Body)?;
        Ok(ids.products)
    }

    /// Detailed product search (`fashionai.search_path`); returns the answer's raw JSON bytes.
    pub async fn search(
        &self,
        query: &str,
        size: Option<&str>,
        shopper: &Shopper,
    ) -> Result<bytes::Bytes, ApiError> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            session_id: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            user_id: Option<&'a str>,
        }
        let mut params = vec![("query", query)];
        if let Some(size) = size {
            params.push(("size", size));
        }
        let req = self.http.post(&self.search_url).query(&params).json(&Body {
            session_id: &shopper.session_id,
            user_id: shopper.user_id.as_deref(),
        });
        self.send(req).await
    }

    /// The CRM profile for an e-mail address (`fashionai.profile_path`); returns the raw JSON
    /// bytes.
    pub async fn profile(&self, email: &str) -> Result<bytes::Bytes, ApiError> {
        let encoded =
            percent_encoding::utf8_percent_encode(email, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let url = self.profile_url.replace("{email}", &encoded);
        self.send(self.http.get(url)).await
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<bytes::Bytes, ApiError> {
        let mut token = http::HeaderValue::from_str(self.token.expose())
            .expect("config validation keeps the token a valid header value");
        // Sensitive values are left out of HTTP/2 header compression tables and debug output.
        token.set_sensitive(true);
        let resp = req
            .header("X-FashionAI-APP-Token", token)
            .header(http::header::CONTENT_TYPE, "application/json")
            .send()
            .await
            .map_err(ApiError::Transport)?;
        let status = resp.status();
        if !status.is_success() {
            return Err(ApiError::Status(status));
        }
        resp.bytes().await.map_err(ApiError::Transport)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_id_number_when_all_digits() {
        assert_eq!(UserId::from_id("90"), UserId::Number(90));
        assert_eq!(UserId::from_id("0"), UserId::Number(0));
        assert_eq!(UserId::from_id("007"), UserId::Text("007"));
        assert_eq!(UserId::from_id("u90"), UserId::Text("u90"));
        assert_eq!(
            UserId::from_id("99999999999999999999999"),
            UserId::Text("99999999999999999999999")
        );
    }

    #[test]
    fn event_body_has_the_api_shape() {
        let shopper = Shopper {
            session_id: "sess456".into(),
            user_id: Some("90".into()),
            minted: false,
        };
        let body = serde_json::to_string(&EventBody::new("categoryView", &shopper, "category789"))
            .unwrap();
        assert_eq!(
            body,
            r#"{"userId":90,"sessionId":"sess456","eventType":"categoryView","data":{"id":"category789"}}"#
        );
        let anonymous = Shopper {
            user_id: None,
            ..shopper
        };
        let body = serde_json::to_string(&EventBody::new("shopTheLook", &anonymous, "p1")).unwrap();
        assert_eq!(
            body,
            r#"{"sessionId":"sess456","eventType":"shopTheLook","data":{"id":"p1"}}"#
        );
    }
}
