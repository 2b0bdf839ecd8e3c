//! [`Ranking`]: an ordered list of product ids stored in one buffer, so a cached ranking of a
//! few thousand ids costs a few bytes per id rather than a `String` allocation each.

/// Product ids, best first, as Fashion.AI returned them.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Ranking {
    /// All ids concatenated.
    buf: Box<str>,
    /// End offset in `buf` of each id.
    ends: Box<[u32]>,
}

impl Ranking {
    /// Builds a ranking from ids in order. Ids are kept as given (duplicates included).
    ///
    /// ```
    /// let ranking = reshelf::ranking::Ranking::new(["p3", "p1"]);
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
            buf: buf.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The ids, best first.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        let mut start = 0usize;
        self.ends.iter().map(move |&end| {
            let end = end as usize;
            let id = &self.buf[start..end];
            start = end;
            id
        })
    }

    /// Heap bytes held, for the cache weigher.
    pub fn heap_bytes(&self) -> usize {
        self.buf.len() + self.ends.len() * std::mem::size_of::<u32>()
    }
}

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
        assert_eq!(r.heap_bytes(), 3 + 16);
    }
}
