//! RFC 6901 JSON pointers, parsed once at config load into the reference tokens the scanner
//! compares against while it walks the document.

/// One reference token of a pointer, unescaped (`~1` → `/`, `~0` → `~`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// The token as an object member name.
    pub key: String,
    /// The token as an array index: `Some` only for `0` or a decimal without a leading zero
    /// (RFC 6901 §4); `-` and anything else never matches an array element.
    pub index: Option<usize>,
}

/// Why a pointer string is not an RFC 6901 pointer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PointerError {
    #[error("must be \"\" (the whole document) or start with \"/\", got {0:?}")]
    NoLeadingSlash(String),
    #[error("\"~\" at byte {0} must be followed by \"0\" or \"1\"")]
    BadEscape(usize),
}

/// Splits and unescapes `pointer` into its reference tokens.
pub(crate) fn parse(pointer: &str) -> Result<Vec<Token>, PointerError> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(PointerError::NoLeadingSlash(pointer.to_owned()));
    };
    let mut tokens = Vec::new();
    // Byte offset of the current token within `pointer`, for error messages.
    let mut offset = 1;
    for raw in rest.split('/') {
        tokens.push(unescape(raw, offset)?);
        offset += raw.len() + 1;
    }
    Ok(tokens)
}

/// Unescapes one token left to right, which is what RFC 6901 §4's "`~1` first, then `~0`"
/// amounts to: `~01` is `~1`, never `/`.
fn unescape(raw: &str, offset: usize) -> Result<Token, PointerError> {
    let mut key = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((at, c)) = chars.next() {
        if c != '~' {
            key.push(c);
            continue;
        }
        match chars.next() {
            Some((_, '0')) => key.push('~'),
            Some((_, '1')) => key.push('/'),
            _ => return Err(PointerError::BadEscape(offset + at)),
        }
    }
    let index = array_index(&key);
    Ok(Token { key, index })
}

/// `Some(n)` when `token` is an RFC 6901 `array-index`: `0` or `[1-9][0-9]*` that fits.
fn array_index(token: &str) -> Option<usize> {
    let bytes = token.as_bytes();
    let canonical = match bytes {
        [b'0'] => true,
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if canonical {
        token.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(pointer: &str) -> Vec<String> {
        parse(pointer).unwrap().into_iter().map(|t| t.key).collect()
    }

    #[test]
    fn rfc_6901_examples() {
        assert!(keys("").is_empty());
        assert_eq!(keys("/"), [""]);
        assert_eq!(keys("/foo/0"), ["foo", "0"]);
        assert_eq!(keys("/a~1b"), ["a/b"]);
        assert_eq!(keys("/m~0n"), ["m~n"]);
        assert_eq!(keys("/~01"), ["~1"]);
        assert_eq!(keys("/ /k\"l"), [" ", "k\"l"]);
    }

    #[test]
    fn indexes_are_canonical_decimals_only() {
        let index = |p: &str| parse(p).unwrap()[0].index;
        assert_eq!(index("/0"), Some(0));
        assert_eq!(index("/17"), Some(17));
        assert_eq!(index("/01"), None);
        assert_eq!(index("/-"), None);
        assert_eq!(index("/+1"), None);
        assert_eq!(index("/99999999999999999999999999"), None);
    }

    #[test]
    fn rejects_bad_pointers() {
        assert_eq!(
            parse("products"),
            Err(PointerError::NoLeadingSlash("products".into()))
        );
        assert_eq!(
            parse("#/a"),
            Err(PointerError::NoLeadingSlash("#/a".into()))
        );
        assert_eq!(parse("/a~2"), Err(PointerError::BadEscape(2)));
        assert_eq!(parse("/ok/b~"), Err(PointerError::BadEscape(5)));
    }
}
