//! Header hygiene between client and origin: hop-by-hop removal (RFC 9110 §7.6.1), the
//! `X-Forwarded-*` set, request ids, and the app token that must never cross reshelf.

use std::net::IpAddr;

use http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// The header Fashion.AI reads the app token from; stripped from every request and response.
pub const APP_TOKEN: HeaderName = HeaderName::from_static("x-fashionai-app-token");
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const KEEP_ALIVE: HeaderName = HeaderName::from_static("keep-alive");
const PROXY_CONNECTION: HeaderName = HeaderName::from_static("proxy-connection");

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1).
const HOP_BY_HOP: [HeaderName; 9] = [
    header::CONNECTION,
    KEEP_ALIVE,
    PROXY_CONNECTION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
];

/// Removes hop-by-hop headers, including every header the `Connection` header names.
pub fn remove_hop_by_hop(headers: &mut HeaderMap) {
    // Without a `Connection` header (most requests) there is nothing more to look up, and
    // with one its values are cloned (a reference count, not a copy) so that the headers they
    // name can be removed by name as text, without a list of parsed names per message.
    let mut values = headers.get_all(header::CONNECTION).iter();
    if let Some(first) = values.next().cloned() {
        let rest: Vec<HeaderValue> = values.cloned().collect();
        for value in std::iter::once(&first).chain(&rest) {
            let Ok(text) = value.to_str() else { continue };
            for name in text.split(',') {
                headers.remove(name.trim());
            }
        }
    }
    for name in &HOP_BY_HOP {
        headers.remove(name);
    }
}

/// Whether the request asks to switch protocols (WebSocket) on HTTP/1.1.
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(header::UPGRADE)
        && headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
}

/// The request id to use: the client's when it is a sane token, else a fresh UUID.
pub fn request_id(headers: &HeaderMap) -> HeaderValue {
    headers
        .get(&X_REQUEST_ID)
        .filter(|v| {
            let b = v.as_bytes();
            !b.is_empty() && b.len() <= 128 && b.iter().all(|c| c.is_ascii_graphic())
        })
        .cloned()
        .unwrap_or_else(|| {
            // From the thread-local RNG: `Uuid::new_v4` makes a getrandom(2) syscall for
            // every request (about 2% of the passthrough's CPU under load).
            let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
            HeaderValue::try_from(id.to_string()).expect("uuid is ASCII")
        })
}

/// Sets `X-Forwarded-For` (appending the peer), `-Proto` and `-Host`. A peer in
/// `trusted` may have set `-Proto` and `-Host` already; from anyone else they are replaced.
pub fn set_forwarded(
    headers: &mut HeaderMap,
    peer: IpAddr,
    peer_trusted: bool,
    host: Option<&HeaderValue>,
) {
    let peer_text = peer.to_string();
    let xff = match headers.get(&X_FORWARDED_FOR).and_then(|v| v.to_str().ok()) {
        Some(prior) if !prior.trim().is_empty() => format!("{prior}, {peer_text}"),
        _ => peer_text,
    };
    if let Ok(v) = HeaderValue::try_from(xff) {
        headers.insert(X_FORWARDED_FOR, v);
    }
    if !(peer_trusted && headers.contains_key(&X_FORWARDED_PROTO)) {
        headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static("http"));
    }
    if !(peer_trusted && headers.contains_key(&X_FORWARDED_HOST)) {
        match host {
            Some(h) => {
                headers.insert(X_FORWARDED_HOST, h.clone());
            }
            None => {
                headers.remove(&X_FORWARDED_HOST);
            }
        }
    }
}

/// Whether `X-Forwarded-*` from `peer` is believed: it is in one of the `trusted` networks
/// (`endpoints.trusted_proxies`).
pub fn is_trusted(trusted: &[ipnet::IpNet], peer: IpAddr) -> bool {
    trusted.iter().any(|net| net.contains(&peer))
}

/// Whether the client reached us over HTTPS, as the (trusted) edge said in `X-Forwarded-Proto`.
pub fn forwarded_https(headers: &HeaderMap) -> bool {
    headers
        .get(&X_FORWARDED_PROTO)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("https")
        })
}

/// The value of the request cookie `name` (the first one, as browsers send the most specific
/// path first), read from every `Cookie` header.
pub fn request_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_headers_named_by_connection() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONNECTION,
            HeaderValue::from_static("close, X-Secret-Hop"),
        );
        h.insert("x-secret-hop", HeaderValue::from_static("1"));
        h.insert(header::TE, HeaderValue::from_static("trailers"));
        h.insert("x-kept", HeaderValue::from_static("1"));
        remove_hop_by_hop(&mut h);
        assert_eq!(h.len(), 1);
        assert!(h.contains_key("x-kept"));
    }

    #[test]
    fn bad_request_ids_are_replaced() {
        let mut h = HeaderMap::new();
        h.insert(&X_REQUEST_ID, HeaderValue::from_static("abc-123"));
        assert_eq!(request_id(&h), "abc-123");
        h.insert(&X_REQUEST_ID, HeaderValue::from_static("has space"));
        assert_ne!(request_id(&h), "has space");
    }
}
