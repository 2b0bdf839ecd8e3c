//! The page an onboarding command looks at: a file, or a URL fetched through the origin
//! client ([`OriginClient`]) with its connect and response timeouts, asking for the codings
//! a browser's listing request would get (`Accept-Encoding` as `serve` sends it) and decoding
//! the answer.
//!
//! May depend on `config` (the origin's settings), `origin` (the client) and `kit` (codings,
//! bodies).

use std::time::Duration;

use http::{header, HeaderMap, HeaderValue, Request, StatusCode, Uri};
use http_body_util::BodyExt;

use super::OnboardError;
use crate::config::Origin;
use crate::kit::body;
use crate::kit::codec::{self, Coding};
use crate::origin::{Forward, OriginClient, OriginError};

/// What a browser sends; `serve` narrows it to what reshelf decodes.
const BROWSER_ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";

/// The most a page may decode to (the rewrite limit applies later, as `serve` applies it).
const DECODE_LIMIT: usize = 256 << 20;

/// A page and what its response said about it.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The decoded body.
    pub body: Vec<u8>,
    /// The path and query it was served at (`None` for a file).
    pub path_and_query: Option<String>,
    /// `charset` of the Content-Type, if any.
    pub charset: Option<String>,
    /// The Content-Type's essence (`text/html`), if any.
    pub content_type: Option<String>,
    pub status: Option<StatusCode>,
}

/// Reads a page saved to a file.
pub fn from_file(path: &std::path::Path) -> Result<Fetched, OnboardError> {
    let body = std::fs::read(path).map_err(|source| OnboardError::ReadPage {
        path: path.display().to_string(),
        source,
    })?;
    Ok(Fetched {
        body,
        path_and_query: None,
        charset: None,
        content_type: None,
        status: None,
    })
}

/// The origin settings for a bare URL (no config): its host, default timeouts.
pub fn origin_of(url: &str) -> Result<Origin, OnboardError> {
    let uri: Uri = url.parse().map_err(|_| bad(url))?;
    if uri.scheme_str() != Some("http") || uri.authority().is_none() {
        return Err(bad(url));
    }
    Ok(Origin {
        url: uri,
        connect_timeout: Duration::from_millis(1000),
        timeout: Duration::from_millis(15000),
        max_rewrite_bytes: 4 * 1024 * 1024,
        max_connections: None,
        queue_timeout: Duration::ZERO,
    })
}

fn bad(url: &str) -> OnboardError {
    OnboardError::BadUrl {
        url: url.to_owned(),
    }
}

/// Fetches `url`'s path and query from `origin` (the config's origin, or the URL's own host).
pub async fn from_url(url: &str, origin: &Origin) -> Result<Fetched, OnboardError> {
    let uri: Uri = url.parse().map_err(|_| bad(url))?;
    let path_and_query = uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let mut browser = HeaderMap::new();
    browser.insert(
        header::ACCEPT_ENCODING,
        HeaderValue::from_static(BROWSER_ACCEPT_ENCODING),
    );
    let host = uri
        .authority()
        .map(|a| a.as_str().to_owned())
        .unwrap_or_default();
    let req = Request::get(path_and_query.as_str())
        .header(header::HOST, host)
        .header(header::ACCEPT, "text/html,application/json;q=0.9,*/*;q=0.8")
        .header(header::USER_AGENT, "reshelf-onboard")
        .header(
            header::ACCEPT_ENCODING,
            codec::origin_accept_encoding(&browser),
        )
        .body(body::empty())
        .map_err(|_| bad(url))?;
    let client = OriginClient::new(origin);
    let resp = client.send(req).await.map_err(OnboardError::Fetch)?;
    let (parts, body) = resp.into_parts();
    let timeout = origin.timeout;
    let wire = tokio::time::timeout(timeout, body.collect())
        .await
        .map_err(|_| OnboardError::Fetch(OriginError::Timeout(timeout)))?
        .map_err(|e| OnboardError::Fetch(OriginError::Body(e)))?
        .to_bytes();
    let coding = Coding::of_response(&parts.headers).map_err(OnboardError::Decode)?;
    let decoded = codec::decode(coding, &wire, DECODE_LIMIT).map_err(OnboardError::Decode)?;
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut params = content_type.split(';');
    let essence = params.next().map(|e| e.trim().to_ascii_lowercase());
    let charset = params.find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_owned())
    });
    Ok(Fetched {
        body: decoded.into_owned(),
        path_and_query: Some(path_and_query),
        charset,
        content_type: essence.filter(|e| !e.is_empty()),
        status: Some(parts.status),
    })
}
