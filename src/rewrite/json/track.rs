//! The JSON scanner's structure as a resumable walk, for the stream (`stream`): it validates
//! the document as it arrives, token by token with the scanner's own lexer (`lex`), and says
//! where values on the pointer's path start and where the listing array ends. A token cut by
//! the end of what has arrived is read again from its start once more bytes are there.
//!
//! The path rules are the scanner's (`scan::Walk`): a value on the path at the pointer's depth
//! is the target; any later value on the path at that depth or above (a duplicate member)
//! replaces it.

use super::lex::{self, skip_ws, Syntax};
use super::pointer::Token;
use super::scan::{kind, string_value, BitStack, Kind};

/// What the walk expects next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The document's start (a byte order mark may come first).
    Start,
    Value,
    /// A value or, right after `[`, its `]`.
    ValueOrClose,
    /// A member name or, right after `{`, its `}`.
    KeyOrClose,
    Key,
    /// The colon after a member name; whether the member's value lies on the path.
    Colon(bool),
    AfterValue,
}

/// What the walk met.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Event {
    /// Everything up to here was read; more bytes are needed to go on.
    More(usize),
    /// A value on the path at the pointer's depth starts here (`Kind`: what it is).
    Target(usize, Kind),
    /// A value on the path above the pointer's depth starts: it replaces any target so far.
    Reset,
    /// The target array ends here (past its `]`).
    ArrayEnd(usize),
    /// The document is complete and valid.
    Done,
    Invalid(Syntax),
}

/// The walk's state between calls.
pub(super) struct Track {
    expect: Expect,
    stack: BitStack,
    /// As in `scan::Walk`: open containers on the path, the target array counting.
    on_path: usize,
    counters: Vec<usize>,
    /// The next value lies on the path.
    next_on_path: bool,
    /// Where to go on from after an event other than `More`.
    resume: usize,
}

impl Track {
    pub(super) fn new() -> Self {
        Self {
            expect: Expect::Start,
            stack: BitStack::default(),
            on_path: 0,
            counters: Vec::new(),
            next_on_path: true,
            resume: 0,
        }
    }

    /// Walks `b` (the document from offset `base`) from `at` (an offset returned by an
    /// earlier call, or `base`), until the next event; returns it and where to go on from.
    /// `end`: `b` reaches the document's end.
    pub(super) fn next(
        &mut self,
        b: &[u8],
        base: usize,
        at: usize,
        end: bool,
        path: &[Token],
    ) -> (Event, usize) {
        let event = self.walk(b, base, at, end, path);
        let resume = match event {
            Event::More(at) => at,
            _ => self.resume,
        };
        (event, resume)
    }

    fn walk(&mut self, b: &[u8], base: usize, at: usize, end: bool, path: &[Token]) -> Event {
        let n = path.len();
        let mut i = at - base;
        // A failure near the end of what has arrived may be a token cut short (an escape is
        // at most six bytes); it is read again with more.
        let cut = |e: &Syntax| !end && e.offset + 6 > b.len();
        let invalid = |e: Syntax| {
            Event::Invalid(Syntax {
                offset: e.offset + base,
                problem: e.problem,
            })
        };
        loop {
            if self.expect == Expect::Start {
                const BOM: &[u8] = b"\xEF\xBB\xBF";
                if b.len() - i < BOM.len() && BOM.starts_with(&b[i..]) && !end {
                    return Event::More(base + i);
                }
                if b[i..].starts_with(BOM) {
                    i += BOM.len();
                }
                self.expect = Expect::Value;
            }
            i = skip_ws(b, i);
            if i == b.len() && !end {
                return Event::More(base + i);
            }
            match self.expect {
                Expect::Start => {}
                Expect::Value | Expect::ValueOrClose => {
                    if self.expect == Expect::ValueOrClose && b.get(i) == Some(&b']') {
                        self.close();
                        i += 1;
                        self.expect = Expect::AfterValue;
                        continue;
                    }
                    let level = self.stack.len();
                    let on_path = std::mem::take(&mut self.next_on_path);
                    let value_start = i;
                    let token = match b.get(i) {
                        Some(&open @ (b'{' | b'[')) => {
                            let object = open == b'{';
                            self.stack.push(object);
                            if on_path && (level < n || !object) {
                                self.on_path = level + 1;
                                self.counters.push(0);
                            }
                            if object {
                                self.expect = Expect::KeyOrClose;
                            } else {
                                self.expect = Expect::ValueOrClose;
                                self.next_on_path = self.element_on_path(path);
                            }
                            Ok(i + 1)
                        }
                        Some(b'"') => lex::string(b, i).map(|(e, _)| e),
                        Some(b'-' | b'0'..=b'9') => match lex::number(b, i) {
                            Ok(e) if e == b.len() && !end => return self.rewind(on_path, base + i),
                            other => other,
                        },
                        Some(&c @ (b't' | b'f' | b'n')) => {
                            let word: &[u8] = match c {
                                b't' => b"true",
                                b'f' => b"false",
                                _ => b"null",
                            };
                            if b.len() - i < word.len() && word.starts_with(&b[i..]) && !end {
                                return self.rewind(on_path, base + i);
                            }
                            lex::literal(b, i, word)
                        }
                        _ => lex::fail(i, "expected a value"),
                    };
                    i = match token {
                        Ok(next) => next,
                        Err(e) if cut(&e) => return self.rewind(on_path, base + i),
                        Err(e) => return invalid(e),
                    };
                    if !matches!(b[value_start], b'{' | b'[') {
                        self.expect = Expect::AfterValue;
                    }
                    if on_path && level == n {
                        return self.pause(
                            i,
                            base,
                            Event::Target(base + value_start, kind(b.get(value_start))),
                        );
                    }
                    if on_path && level < n {
                        return self.pause(i, base, Event::Reset);
                    }
                }
                Expect::KeyOrClose if b.get(i) == Some(&b'}') => {
                    self.close();
                    i += 1;
                    self.expect = Expect::AfterValue;
                }
                Expect::KeyOrClose | Expect::Key => {
                    if b.get(i) != Some(&b'"') {
                        return invalid(Syntax {
                            offset: i,
                            problem: "expected a member name",
                        });
                    }
                    let (next, escaped) = match lex::string(b, i) {
                        Ok(found) => found,
                        Err(e) if cut(&e) => return Event::More(base + i),
                        Err(e) => return invalid(e),
                    };
                    let depth = self.stack.len();
                    let on_path = depth == self.on_path
                        && depth <= n
                        && key_is(b, i, next, escaped, &path[depth - 1].key);
                    self.expect = Expect::Colon(on_path);
                    i = next;
                }
                Expect::Colon(on_path) => {
                    if b.get(i) != Some(&b':') {
                        return invalid(Syntax {
                            offset: i,
                            problem: "expected a colon",
                        });
                    }
                    i += 1;
                    self.next_on_path = on_path;
                    self.expect = Expect::Value;
                }
                Expect::AfterValue => {
                    let Some(object) = self.stack.top() else {
                        return if i == b.len() {
                            Event::Done
                        } else {
                            invalid(Syntax {
                                offset: i,
                                problem: "trailing characters after the document",
                            })
                        };
                    };
                    match b.get(i) {
                        Some(b',') => {
                            i += 1;
                            if object {
                                self.expect = Expect::Key;
                            } else {
                                let level = self.stack.len();
                                if let Some(counter) = self.counters.get_mut(level - 1) {
                                    *counter += 1;
                                }
                                self.next_on_path = self.element_on_path(path);
                                self.expect = Expect::Value;
                            }
                        }
                        Some(b'}') if object => {
                            self.close();
                            i += 1;
                        }
                        Some(b']') if !object => {
                            let target = self.stack.len() == n + 1 && self.on_path == n + 1;
                            self.close();
                            i += 1;
                            if target {
                                return self.pause(i, base, Event::ArrayEnd(base + i));
                            }
                        }
                        _ => {
                            return invalid(Syntax {
                                offset: i,
                                problem: "expected a comma or the end of the container",
                            })
                        }
                    }
                }
            }
        }
    }

    /// A token cut short: the walk goes on from its start, still on the path if it was.
    fn rewind(&mut self, on_path: bool, at: usize) -> Event {
        self.next_on_path = on_path;
        Event::More(at)
    }

    /// `event`, with the walk to go on from `i` next time.
    fn pause(&mut self, i: usize, base: usize, event: Event) -> Event {
        self.resume = base + i;
        event
    }

    /// Open containers.
    pub(super) fn depth(&self) -> usize {
        self.stack.len()
    }

    fn element_on_path(&self, path: &[Token]) -> bool {
        let depth = self.stack.len();
        depth == self.on_path
            && depth <= path.len()
            && path[depth - 1].index == self.counters.get(depth - 1).copied()
    }

    fn close(&mut self) {
        if self.stack.len() == self.on_path {
            self.on_path -= 1;
            self.counters.pop();
        }
        self.stack.pop();
    }
}

/// Whether the member name spanning `start..end` (quotes included) decodes to `want`.
fn key_is(b: &[u8], start: usize, end: usize, escaped: bool, want: &str) -> bool {
    if escaped {
        string_value(b, start, end, true).is_some_and(|key| key == want)
    } else {
        &b[start + 1..end - 1] == want.as_bytes()
    }
}
