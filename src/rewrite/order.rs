//! The ordering rule shared by both engines.

use hashbrown::HashMap;

use crate::ranked::Ranking;

/// The new order of one listing's items: `result[slot] = index of the item that goes there`.
///
/// `ids[i]` is item i's product id, `None` for an item without one (it stays pinned in its
/// slot). Items the ranking names come first in ranking order (items sharing an id keep their
/// relative order); the rest follow in native order. Ranked ids absent from the page are
/// ignored. Returns the permutation and how many items the ranking named.
///
/// ```
/// use reshelf::{ranked::Ranking, rewrite::ranked_order};
/// // A promo tile without an id sits in slot 1 and stays there.
/// let ids = [Some("a"), None, Some("b"), Some("c")];
/// let (order, ranked) = ranked_order(&ids, &Ranking::new(["c", "zz", "a"]));
/// assert_eq!(order, [3, 1, 0, 2]);
/// assert_eq!(ranked, 2);
/// ```
pub fn ranked_order(ids: &[Option<&str>], ranking: &Ranking) -> (Vec<usize>, usize) {
    const END: usize = usize::MAX;
    // The first item of each id, and for every item the next one with the same id: duplicates
    // without a Vec per id (this table is most of a rewrite's extra memory).
    // hashbrown's default hasher (foldhash, randomly seeded): a listing's few dozen ids are
    // hashed twice per rewrite, and SipHash was a visible share of a small page's rewrite.
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(ids.len());
    let mut next = vec![END; ids.len()];
    for (i, id) in ids.iter().enumerate().rev() {
        if let Some(id) = id {
            if let Some(following) = first.insert(id, i) {
                next[i] = following;
            }
        }
    }
    let mut taken = vec![false; ids.len()];
    let mut sequence = Vec::with_capacity(ids.len());
    for id in ranking.iter() {
        let Some(mut i) = first.remove(id) else {
            continue;
        };
        while i != END {
            taken[i] = true;
            sequence.push(i);
            i = next[i];
        }
        if first.is_empty() {
            break;
        }
    }
    let ranked = sequence.len();
    let movable = || (0..ids.len()).filter(|&i| ids[i].is_some());
    sequence.extend(movable().filter(|&i| !taken[i]));
    let mut order: Vec<usize> = (0..ids.len()).collect();
    for (slot, item) in movable().zip(sequence) {
        order[slot] = item;
    }
    (order, ranked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranked_first_rest_native_pinned_stay() {
        let ids = [Some("a"), None, Some("b"), Some("c"), Some("d")];
        let (order, ranked) = ranked_order(&ids, &Ranking::new(["d", "x", "b"]));
        assert_eq!(order, vec![4, 1, 2, 0, 3]);
        assert_eq!(ranked, 2);
    }

    #[test]
    fn duplicates_keep_relative_order() {
        let ids = [Some("a"), Some("b"), Some("a")];
        let (order, _) = ranked_order(&ids, &Ranking::new(["a"]));
        assert_eq!(order, vec![0, 2, 1]);
    }
}
