//! `[identity]`: where session and user ids come from. Holds the typed [`Identity`] and its
//! check (cookie names as RFC 6265 tokens, a valid header name).
//!
//! May depend on `problems` and `raw`.

use std::str::FromStr;

use super::problems::Problems;
use super::raw::RawIdentity;

/// `[identity]`.
#[derive(Debug, Clone)]
pub struct Identity {
    /// A valid cookie name (RFC 6265 token). Default `reshelf_sid`.
    pub session_cookie: String,
    /// `None` when the file says `""` (the default).
    pub user_cookie: Option<String>,
    /// `None` when the file says `""` (the default).
    pub user_header: Option<http::HeaderName>,
}

/// The typed `[identity]`, or `None` after recording at least one problem.
pub(super) fn check(raw: &RawIdentity, p: &mut Problems) -> Option<Identity> {
    let before = p.count();
    if !is_token(&raw.session_cookie) {
        p.add(
            "identity.session_cookie",
            format!(
                "{:?} is not a cookie name (RFC 6265 token: letters, digits, !#$%&'*+-.^_`|~)",
                raw.session_cookie
            ),
        );
    }
    let user_cookie = (!raw.user_cookie.is_empty()).then(|| raw.user_cookie.clone());
    if user_cookie.is_some() && !is_token(&raw.user_cookie) {
        p.add(
            "identity.user_cookie",
            format!(
                "{:?} is not a cookie name (RFC 6265 token: letters, digits, !#$%&'*+-.^_`|~)",
                raw.user_cookie
            ),
        );
    }
    let user_header = if raw.user_header.is_empty() {
        None
    } else {
        match http::HeaderName::from_str(&raw.user_header) {
            Ok(name) => Some(name),
            Err(e) => {
                p.add(
                    "identity.user_header",
                    format!("{:?} is not a header name ({e})", raw.user_header),
                );
                None
            }
        }
    };
    p.unless_new(
        before,
        Identity {
            session_cookie: raw.session_cookie.clone(),
            user_cookie,
            user_header,
        },
    )
}

/// RFC 9110 `token` (what RFC 6265 requires of a cookie name): one or more `tchar`.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}
