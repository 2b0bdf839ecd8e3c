//! What a streaming engine has let go of, in order, as the pieces it came in: bytes that pass
//! untouched are handed out as views of the engine's own buffer, not copied again.
//!
//! Each copy of the page costs about as much as a tenth of the HTML engine's parse, so the
//! streams copy a passing byte once (into the buffer lol_html and the scanners read) and no
//! more (BENCHMARKS.md "Streamed listing pages").

use std::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};

/// Pieces ready for the client, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Ready {
    pieces: VecDeque<Bytes>,
}

impl Ready {
    /// Queues `bytes` (nothing when empty).
    pub fn push(&mut self, bytes: Bytes) {
        if !bytes.is_empty() {
            self.pieces.push_back(bytes);
        }
    }

    /// Queues a copy of `bytes`.
    pub fn push_copy(&mut self, bytes: &[u8]) {
        if !bytes.is_empty() {
            self.pieces.push_back(Bytes::copy_from_slice(bytes));
        }
    }

    /// Queues the first `n` bytes of `held` and drops them from it; returns them (a view).
    ///
    /// They are split off without a copy when what stays in `held` is no larger than they
    /// are: while a piece handed out is alive, `held` shares its allocation and its next
    /// growth copies what it holds, and this bounds that copy by the copy it saved. Otherwise
    /// (a large region held behind them) they are copied out and `held` keeps its buffer.
    pub fn take_front(&mut self, held: &mut BytesMut, n: usize) -> Bytes {
        let n = n.min(held.len());
        if n == 0 {
            return Bytes::new();
        }
        let piece = if held.len() - n <= n {
            held.split_to(n).freeze()
        } else {
            let copy = Bytes::copy_from_slice(&held[..n]);
            held.advance(n);
            copy
        };
        self.push(piece.clone());
        piece
    }

    /// The oldest piece, if any.
    pub fn pop(&mut self) -> Option<Bytes> {
        self.pieces.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(ready: &mut Ready) -> Vec<u8> {
        std::iter::from_fn(|| ready.pop()).flatten().collect()
    }

    #[test]
    fn pieces_come_out_in_order_and_whole() {
        let mut ready = Ready::default();
        let mut held = BytesMut::from(&b"abcdefgh"[..]);
        ready.take_front(&mut held, 6); // split: 2 stay
        ready.take_front(&mut held, 0);
        ready.push_copy(b"");
        ready.push(Bytes::from_static(b"XY"));
        held.extend_from_slice(b"0123456789");
        ready.take_front(&mut held, 2); // copied: 10 stay
        assert_eq!(held, &b"0123456789"[..]);
        ready.take_front(&mut held, 99);
        assert!(held.is_empty());
        assert_eq!(drain(&mut ready), b"abcdefXYgh0123456789");
        assert!(ready.pop().is_none());
    }
}
