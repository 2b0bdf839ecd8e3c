//! The lexical half of the JSON scanner: whitespace, strings, numbers and literals exactly as
//! RFC 8259 spells them. Each function takes the offset where its token starts and returns the
//! offset just past it, so the scanner never copies or decodes anything it does not need.
//!
//! Bytes >= 0x80 can only be valid inside strings, so checking each string that holds one is
//! checking the whole document is UTF-8, without a separate pass over it.

/// A place where the input stops being JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON at byte {offset}: {problem}")]
pub(crate) struct Syntax {
    /// Byte offset into the body.
    pub offset: usize,
    pub problem: &'static str,
}

pub(super) fn fail<T>(offset: usize, problem: &'static str) -> Result<T, Syntax> {
    Err(Syntax { offset, problem })
}

/// The offset of the first non-whitespace byte at or after `i` (RFC 8259 `ws`).
#[inline(always)]
pub(super) fn skip_ws(b: &[u8], i: usize) -> usize {
    // Compact JSON has no whitespace at all: one comparison settles the common case.
    match b.get(i) {
        Some(&c) if c > b' ' => i,
        _ => skip_ws_run(b, i),
    }
}

fn skip_ws_run(b: &[u8], mut i: usize) -> usize {
    loop {
        match b.get(i) {
            Some(b' ' | b'\r' | b'\t') => i += 1,
            Some(b'\n') => {
                i += 1;
                // Pretty-printed listings indent every line; step over indentation in words.
                while b.get(i..).and_then(<[u8]>::first_chunk::<8>) == Some(&[b' '; 8]) {
                    i += 8;
                }
            }
            _ => return i,
        }
    }
}

/// Skips the string whose opening quote is at `i`; returns the offset past its closing quote and
/// whether it holds any escape (so callers know whether its bytes are its value).
#[inline(always)]
pub(super) fn string(b: &[u8], start: usize) -> Result<(usize, bool), Syntax> {
    let mut i = start + 1;
    let mut escaped = false;
    let mut non_ascii = false;
    loop {
        // Empty strings and runs of escapes (`\u003c\u003c`) need no word scan.
        if !matches!(b.get(i), Some(b'"' | b'\\')) {
            i = to_special(b, i, &mut non_ascii);
        }
        match b.get(i) {
            Some(b'"') => {
                // Quotes, backslashes and control bytes are never part of a multi-byte UTF-8
                // sequence, so the string's bounds are right even before this check.
                if non_ascii {
                    if let Err(e) = std::str::from_utf8(&b[start + 1..i]) {
                        return fail(start + 1 + e.valid_up_to(), "invalid UTF-8 in a string");
                    }
                }
                return Ok((i + 1, escaped));
            }
            Some(b'\\') => {
                escaped = true;
                i = escape(b, i)?;
            }
            Some(_) => return fail(i, "control character in a string"),
            None => return fail(i, "unterminated string"),
        }
    }
}

/// The offset of the first `"`, `\` or control byte at or after `i`, or `b.len()`; sets
/// `non_ascii` when a byte >= 0x80 may lie before it (it may also lie past it, in the same
/// word: that costs a needless check, never a missed one).
///
/// Strings are most of a listing's bytes, so this looks at a word at a time (Mycroft's
/// has-zero-byte trick, as serde_json does): the lowest flagged byte of a word is always a true
/// hit, borrows only ever flag bytes above it.
#[inline]
fn to_special(b: &[u8], mut i: usize, non_ascii: &mut bool) -> usize {
    let mut seen = 0u64;
    while let Some(chunk) = b.get(i..).and_then(<[u8]>::first_chunk::<16>) {
        let (low, high) = chunk.split_at(8);
        let low = u64::from_le_bytes(low.try_into().unwrap_or_default());
        let high = u64::from_le_bytes(high.try_into().unwrap_or_default());
        seen |= low | high;
        let hits = specials(low);
        if hits != 0 {
            i += (hits.trailing_zeros() / 8) as usize;
            *non_ascii |= seen & HIGH != 0;
            return i;
        }
        let hits = specials(high);
        if hits != 0 {
            i += 8 + (hits.trailing_zeros() / 8) as usize;
            *non_ascii |= seen & HIGH != 0;
            return i;
        }
        i += 16;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        seen |= u64::from(c);
        i += 1;
    }
    *non_ascii |= seen & HIGH != 0;
    i
}

const ONES: u64 = u64::MAX / 255;
const HIGH: u64 = ONES << 7;

/// The high bit of each byte of `word` that is `"`, `\` or below 0x20 (and of no byte below
/// the lowest such one that is not). Those three all have a clear high bit, so one `& !word`
/// serves all three has-zero-byte tests.
#[inline(always)]
fn specials(word: u64) -> u64 {
    let control = word.wrapping_sub(ONES * 0x20);
    let quote = (word ^ (ONES * u64::from(b'"'))).wrapping_sub(ONES);
    let backslash = (word ^ (ONES * u64::from(b'\\'))).wrapping_sub(ONES);
    (control | quote | backslash) & !word & HIGH
}

/// Skips the escape whose backslash is at `i`. `\u` needs four hex digits; whether they form a
/// valid code point matters only to a decoder (serde_json's `RawValue` accepts lone surrogates
/// too), so an id holding one is treated as unreadable by the caller rather than here.
fn escape(b: &[u8], i: usize) -> Result<usize, Syntax> {
    match b.get(i + 1) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(i + 2),
        Some(b'u') => match b.get(i + 2..i + 6) {
            Some(hex) if hex.iter().all(u8::is_ascii_hexdigit) => Ok(i + 6),
            _ => fail(i, "\\u needs four hex digits"),
        },
        _ => fail(i, "invalid escape"),
    }
}

/// Skips the number starting at `i`: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
/// What may follow it is the caller's business (`01` fails there, on the `1`).
#[inline]
pub(super) fn number(b: &[u8], mut i: usize) -> Result<usize, Syntax> {
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(b, i + 1),
        _ => return fail(i, "expected a digit"),
    }
    if b.get(i) == Some(&b'.') {
        i = at_least_one_digit(b, i + 1)?;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        i = at_least_one_digit(b, i)?;
    }
    Ok(i)
}

fn digits(b: &[u8], mut i: usize) -> usize {
    while let Some(b'0'..=b'9') = b.get(i) {
        i += 1;
    }
    i
}

fn at_least_one_digit(b: &[u8], i: usize) -> Result<usize, Syntax> {
    let end = digits(b, i);
    if end == i {
        fail(i, "expected a digit")
    } else {
        Ok(end)
    }
}

/// Skips `word` (`true`, `false` or `null`) at `i`.
#[inline]
pub(super) fn literal(b: &[u8], i: usize, word: &'static [u8]) -> Result<usize, Syntax> {
    match b.get(i..) {
        Some(rest) if rest.starts_with(word) => Ok(i + word.len()),
        _ => fail(i, "expected a value"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_end_at_the_unescaped_quote() {
        let s = br#""plain" "#;
        assert_eq!(string(s, 0), Ok((7, false)));
        let s = br#""a\"b\\\u00e9\/ long enough to use whole words" x"#;
        assert_eq!(string(s, 0), Ok((s.len() - 2, true)));
        // A quote in every position of an eight-byte word.
        for pad in 0..16 {
            let s = format!("\"{}\"", "é".repeat(pad));
            assert_eq!(string(s.as_bytes(), 0), Ok((s.len(), false)));
        }
    }

    #[test]
    fn every_position_of_a_word_is_seen() {
        for len in 0..40 {
            for (special, problem) in [
                (b'\n', "control character in a string"),
                (0xff, "invalid UTF-8 in a string"),
            ] {
                for at in 0..len {
                    let mut s = vec![b'"'];
                    s.extend(std::iter::repeat_n(b'a', len));
                    s[1 + at] = special;
                    s.push(b'"');
                    assert_eq!(string(&s, 0), fail(1 + at, problem), "{len} {at}");
                }
            }
            let mut s = vec![b'"'];
            s.extend(std::iter::repeat_n(b'a', len));
            s.extend(b"\"...");
            assert_eq!(string(&s, 0), Ok((len + 2, false)), "{len}");
        }
    }

    #[test]
    fn strings_reject_what_json_forbids() {
        assert_eq!(string(b"\"abc", 0), fail(4, "unterminated string"));
        assert_eq!(string(b"\"abcdefghij\nk\"", 0).unwrap_err().offset, 11);
        assert_eq!(string(b"\"\x7f\"", 0), Ok((3, false)));
        // Invalid UTF-8, in the word loop and in the tail loop.
        let bad = b"\"0123456789\xff\"";
        assert_eq!(string(bad, 0), fail(11, "invalid UTF-8 in a string"));
        assert_eq!(string(b"\"\xc3\"", 0), fail(1, "invalid UTF-8 in a string"));
        assert_eq!(string("\"é\"".as_bytes(), 0), Ok((4, false)));
        assert!(string(br#""\x""#, 0).is_err());
        assert!(string(br#""\u12G4""#, 0).is_err());
        assert!(string(br#""\u12"#, 0).is_err());
        assert!(string(b"\"\\", 0).is_err());
    }

    #[test]
    fn numbers_follow_the_grammar() {
        for ok in ["0", "-0", "23", "1.0000", "-1.5e+10", "2E3", "0.5"] {
            assert_eq!(number(ok.as_bytes(), 0), Ok(ok.len()), "{ok}");
        }
        assert_eq!(number(b"01", 0), Ok(1));
        for bad in ["-", "+1", ".5", "1.", "1e", "1e+", "-x"] {
            assert!(number(bad.as_bytes(), 0).is_err(), "{bad}");
        }
    }

    #[test]
    fn literals_and_whitespace() {
        assert_eq!(literal(b"true,", 0, b"true"), Ok(4));
        assert!(literal(b"tru", 0, b"true").is_err());
        assert_eq!(skip_ws(b" \t\r\n x", 0), 5);
        assert_eq!(skip_ws(b"  ", 0), 2);
    }
}
