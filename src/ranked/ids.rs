//! [`Ranking`]: an ordered list of product ids, stored compactly. A ranking built from an API
//! answer holds 2-byte indexes into its category's shared id table (`intern.rs`); one built
//! with [`Ranking::new`] holds its ids inline in one buffer (4 bytes of offset per id beyond
//! the text), so a cached ranking never costs a `String` allocation per id.
//!
//! Depends on `intern` (the shared tables) and nothing outside `ranked`.

use std::sync::Arc;

use super::intern::IdTable;

/// Product ids, best first, as Fashion.AI returned them.
#[derive(Clone, Default)]
pub struct Ranking {
    repr: Repr,
}

#[derive(Clone)]
enum Repr {
    /// All ids concatenated, and the end offset of each.
    Inline { buf: Box<str>, ends: Box<[u32]> },
    /// Each id as its index in a table shared with the category's other rankings.
    Interned { table: Arc<IdTable>, at: Box<[u16]> },
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Inline {
            buf: "".into(),
            ends: Box::default(),
        }
    }
}

impl Ranking {
    /// Builds a ranking from ids in order, held inline (not shared with other rankings; the
    /// ranking cache interns the API's answers instead). Ids are kept as given (duplicates
    /// included).
    ///
    /// ```
    /// let ranking = reshelf::ranked::Ranking::new(["p3", "p1"]);
    /// assert_eq!(ranking.iter().collect::<Vec<_>>(), ["p3", "p1"]);
    /// assert_eq!(ranking.heap_bytes(), 4 + 2 * 4);
    /// ```
    pub fn new<I, S>(ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        // Collected first so `buf` and `ends` are allocated once, at their exact size: growing
        // them by doubling and shrinking to fit left a hole of up to half their size behind
        // each cached ranking, ~20% more resident memory than the weigher charged
        // (BENCHMARKS.md, "Ranking cache memory"). A `Vec<String>` is collected in place.
        let ids: Vec<S> = ids.into_iter().collect();
        let mut buf = String::with_capacity(ids.iter().map(|id| id.as_ref().len()).sum());
        let mut ends = Vec::with_capacity(ids.len());
        for id in ids {
            buf.push_str(id.as_ref());
            ends.push(u32::try_from(buf.len()).expect("ranking larger than 4 GiB"));
        }
        Self {
            repr: Repr::Inline {
                buf: buf.into_boxed_str(),
                ends: ends.into_boxed_slice(),
            },
        }
    }

    /// A ranking of `table`'s ids at the indexes `at`, in order.
    pub(crate) fn interned(table: Arc<IdTable>, at: Box<[u16]>) -> Self {
        debug_assert!(at.iter().all(|&i| usize::from(i) < table.len()));
        Self {
            repr: Repr::Interned { table, at },
        }
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Inline { ends, .. } => ends.len(),
            Repr::Interned { at, .. } => at.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ids, best first.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        match &self.repr {
            Repr::Inline { buf, ends } => Iter::Inline {
                buf,
                ends: ends.iter(),
                start: 0,
            },
            Repr::Interned { table, at } => Iter::Interned {
                table,
                at: at.iter(),
            },
        }
    }

    /// Heap bytes this ranking holds by itself, for the cache weigher: its ids inline, or its
    /// indexes (the shared table is weighed through the cache's ledger, not here).
    pub fn heap_bytes(&self) -> usize {
        match &self.repr {
            Repr::Inline { buf, ends } => buf.len() + std::mem::size_of_val(&**ends),
            Repr::Interned { at, .. } => std::mem::size_of_val(&**at),
        }
    }

    /// The shared table this ranking indexes, if interned.
    #[cfg(test)]
    pub(crate) fn table(&self) -> Option<&Arc<IdTable>> {
        match &self.repr {
            Repr::Inline { .. } => None,
            Repr::Interned { table, .. } => Some(table),
        }
    }
}

enum Iter<'a> {
    Inline {
        buf: &'a str,
        ends: std::slice::Iter<'a, u32>,
        start: usize,
    },
    Interned {
        table: &'a IdTable,
        at: std::slice::Iter<'a, u16>,
    },
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match self {
            Iter::Inline { buf, ends, start } => {
                let end = *ends.next()? as usize;
                let id = &buf[*start..end];
                *start = end;
                Some(id)
            }
            Iter::Interned { table, at } => at.next().map(|&i| table.get(i)),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match self {
            Iter::Inline { ends, .. } => ends.len(),
            Iter::Interned { at, .. } => at.len(),
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// Equal when they hold the same ids in the same order, however stored.
impl PartialEq for Ranking {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Ranking {}

impl std::fmt::Debug for Ranking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_duplicates() {
        let r = Ranking::new(["b", "a", "", "a"]);
        assert_eq!(r.iter().collect::<Vec<_>>(), ["b", "a", "", "a"]);
        assert_eq!(r.len(), 4);
        assert_eq!(r.iter().len(), 4);
        assert_eq!(r.heap_bytes(), 3 + 16);
        assert!(Ranking::default().is_empty());
        assert_eq!(Ranking::default().iter().count(), 0);
    }
}
