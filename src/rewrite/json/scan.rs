//! The structural half of the JSON scanner: one pass over the whole document that validates it
//! and records the byte range and product id of every item of the array the pointer names.
//!
//! It is iterative, with one bit per open container on a heap stack, so nesting depth costs no
//! call stack and at most one bit per input byte.

use std::borrow::Cow;

use super::lex::{self, fail, skip_ws, Syntax};
use super::pointer::Token;

/// One element of the listing array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item<'a> {
    /// Byte range of the element in the body, from its first to past its last byte.
    pub start: usize,
    pub end: usize,
    /// The element's product id as text; `None` when it is not an object, lacks the member, or
    /// the member is not a string or number (the element then keeps its slot).
    pub id: Option<Cow<'a, str>>,
}

/// Why the scanner found no listing array.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ScanError {
    #[error(transparent)]
    Syntax(#[from] Syntax),
    #[error("nothing at the array pointer")]
    Missing,
    #[error("the array pointer names {0}, not an array")]
    NotArray(&'static str),
}

/// Validates `input` as one JSON document (after an optional UTF-8 byte order mark, which
/// RFC 8259 §8.1 lets a parser ignore) and returns the items of the array at `path`, whose
/// product ids are read from member `member`. Duplicate member names resolve to the last one,
/// as in JavaScript and serde_json.
pub(crate) fn items<'a>(
    input: &'a [u8],
    path: &[Token],
    member: &str,
) -> Result<Vec<Item<'a>>, ScanError> {
    let start = if input.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let mut walk = Walk {
        b: input,
        path,
        member,
        stack: BitStack::default(),
        on_path: 0,
        counters: Vec::with_capacity(path.len() + 1),
        target: None,
        items: Vec::new(),
        item_start: 0,
        item_id: None,
        want_id: false,
    };
    walk.run(start)?;
    match walk.target {
        None => Err(ScanError::Missing),
        Some(Kind::Array) => Ok(walk.items),
        Some(Kind::Other(what)) => Err(ScanError::NotArray(what)),
    }
}

/// What the pointer turned out to name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Array,
    Other(&'static str),
}

struct Walk<'a, 'p> {
    /// The body; bytes >= 0x80 are only accepted inside strings, each checked to be UTF-8.
    b: &'a [u8],
    path: &'p [Token],
    member: &'p str,
    /// Open containers, innermost last; `true` for an object.
    stack: BitStack,
    /// How many of the open containers, counted from the root, lie on the pointer's path; the
    /// target array itself counts, so inside it `on_path == path.len() + 1`.
    on_path: usize,
    /// The element index within each open on-path container (unused for objects).
    counters: Vec<usize>,
    target: Option<Kind>,
    items: Vec<Item<'a>>,
    /// Where the item being read started.
    item_start: usize,
    item_id: Option<Cow<'a, str>>,
    /// The next value is the current item's id member.
    want_id: bool,
}

impl<'a> Walk<'a, '_> {
    /// Walks the document from `start` to its end: a loop over values, with containers on
    /// [`BitStack`] instead of the call stack.
    fn run(&mut self, start: usize) -> Result<(), Syntax> {
        let b = self.b;
        let n = self.path.len();
        let mut i = skip_ws(b, start);
        // Whether the value at `i` lies on the pointer's path; the root lies on every path.
        let mut on_path = true;
        loop {
            // A value starts at `i`, at depth `level`.
            let level = self.stack.len();
            if on_path {
                // A later duplicate member replaces an earlier one, so each new value on the
                // path forgets what an earlier one led to.
                self.target = (level == n).then(|| kind(b.get(i)));
                self.items.clear();
            }
            if level == n + 1 && self.on_path == n + 1 {
                self.item_start = i;
                self.item_id = None;
            }
            let is_id = std::mem::take(&mut self.want_id);
            if is_id {
                // Only a string or number below sets it again (the last duplicate wins).
                self.item_id = None;
            }
            match b.get(i) {
                Some(&open @ (b'{' | b'[')) => {
                    let object = open == b'{';
                    self.stack.push(object);
                    // The target counts as on path only when it is an array, so that its
                    // elements, not an object's members, are taken as items.
                    if on_path && (level < n || !object) {
                        self.on_path = level + 1;
                        self.counters.push(0);
                    }
                    i = skip_ws(b, i + 1);
                    let close = if object { b'}' } else { b']' };
                    if b.get(i) == Some(&close) {
                        self.close();
                        i += 1;
                    } else {
                        on_path = if object {
                            let (next, key_on_path) = self.key(i)?;
                            i = next;
                            key_on_path
                        } else {
                            self.element_on_path()
                        };
                        continue;
                    }
                }
                Some(b'"') => {
                    let (end, escaped) = lex::string(b, i)?;
                    if is_id {
                        self.item_id = string_value(b, i, end, escaped);
                    }
                    i = end;
                }
                Some(b'-' | b'0'..=b'9') => {
                    let end = lex::number(b, i)?;
                    if is_id {
                        // A number is ASCII, so this never fails.
                        self.item_id = std::str::from_utf8(&b[i..end]).ok().map(Cow::Borrowed);
                    }
                    i = end;
                }
                Some(b't') => i = lex::literal(b, i, b"true")?,
                Some(b'f') => i = lex::literal(b, i, b"false")?,
                Some(b'n') => i = lex::literal(b, i, b"null")?,
                _ => return fail(i, "expected a value"),
            }
            // A value ended at `i`; close every container that ends right after it.
            loop {
                let level = self.stack.len();
                if level == n + 1 && self.on_path == n + 1 {
                    self.items.push(Item {
                        start: self.item_start,
                        end: i,
                        id: self.item_id.take(),
                    });
                }
                i = skip_ws(b, i);
                let Some(object) = self.stack.top() else {
                    return if i == b.len() {
                        Ok(())
                    } else {
                        fail(i, "trailing characters after the document")
                    };
                };
                match b.get(i) {
                    Some(b',') => {
                        i = skip_ws(b, i + 1);
                        on_path = if object {
                            let (next, key_on_path) = self.key(i)?;
                            i = next;
                            key_on_path
                        } else {
                            if let Some(counter) = self.counters.get_mut(level - 1) {
                                *counter += 1;
                            }
                            self.element_on_path()
                        };
                        break;
                    }
                    Some(b'}') if object => {}
                    Some(b']') if !object => {}
                    _ => return fail(i, "expected a comma or the end of the container"),
                }
                self.close();
                i += 1;
            }
        }
    }

    /// Reads the member name at `i` and its colon; returns where the value starts and whether
    /// the value lies on the pointer's path. Flags the value when it is an item's id member.
    #[inline(always)]
    fn key(&mut self, i: usize) -> Result<(usize, bool), Syntax> {
        let b = self.b;
        if b.get(i) != Some(&b'"') {
            return fail(i, "expected a member name");
        }
        let (end, escaped) = lex::string(b, i)?;
        let depth = self.stack.len();
        let n = self.path.len();
        let mut on_path = false;
        if depth == self.on_path && depth <= n {
            on_path = self.key_is(i, end, escaped, &self.path[depth - 1].key);
        } else if depth == n + 2 && self.on_path == n + 1 {
            self.want_id = self.key_is(i, end, escaped, self.member);
        }
        let colon = skip_ws(b, end);
        if b.get(colon) != Some(&b':') {
            return fail(colon, "expected a colon");
        }
        Ok((skip_ws(b, colon + 1), on_path))
    }

    /// Whether the member name spanning `start..end` (quotes included) decodes to `want`.
    fn key_is(&self, start: usize, end: usize, escaped: bool, want: &str) -> bool {
        if escaped {
            string_value(self.b, start, end, true).is_some_and(|key| key == want)
        } else {
            &self.b[start + 1..end - 1] == want.as_bytes()
        }
    }

    /// Whether the next element of the innermost container (an array) lies on the path.
    fn element_on_path(&self) -> bool {
        let depth = self.stack.len();
        depth == self.on_path
            && depth <= self.path.len()
            && self.path[depth - 1].index == self.counters.get(depth - 1).copied()
    }

    fn close(&mut self) {
        if self.stack.len() == self.on_path {
            self.on_path -= 1;
            self.counters.pop();
        }
        self.stack.pop();
    }
}

/// The decoded value of the string spanning `start..end` (quotes included, already checked to
/// be UTF-8). Strings without escapes are borrowed; the rare escaped one is decoded by
/// serde_json, and one that does not decode (a lone surrogate) has no value.
pub(super) fn string_value(
    b: &[u8],
    start: usize,
    end: usize,
    escaped: bool,
) -> Option<Cow<'_, str>> {
    if escaped {
        serde_json::from_slice::<String>(&b[start..end])
            .ok()
            .map(Cow::Owned)
    } else {
        std::str::from_utf8(&b[start + 1..end - 1])
            .ok()
            .map(Cow::Borrowed)
    }
}

pub(super) fn kind(first: Option<&u8>) -> Kind {
    match first {
        Some(b'[') => Kind::Array,
        Some(b'{') => Kind::Other("an object"),
        Some(b'"') => Kind::Other("a string"),
        Some(b't' | b'f') => Kind::Other("a boolean"),
        Some(b'n') => Kind::Other("null"),
        _ => Kind::Other("a number"),
    }
}

/// A stack of bits, 64 to a word.
#[derive(Default)]
pub(super) struct BitStack {
    words: Vec<u64>,
    len: usize,
}

impl BitStack {
    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn push(&mut self, bit: bool) {
        let (word, shift) = (self.len / 64, self.len % 64);
        if word == self.words.len() {
            self.words.push(0);
        }
        let mask = 1u64 << shift;
        self.words[word] = if bit {
            self.words[word] | mask
        } else {
            self.words[word] & !mask
        };
        self.len += 1;
    }

    pub(super) fn pop(&mut self) {
        self.len = self.len.saturating_sub(1);
    }

    pub(super) fn top(&self) -> Option<bool> {
        let last = self.len.checked_sub(1)?;
        Some(self.words[last / 64] >> (last % 64) & 1 == 1)
    }
}
