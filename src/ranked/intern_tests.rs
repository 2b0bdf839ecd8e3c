//! Tests of the per-category id tables: what a ranking reads back, what rankings share, and
//! that tables and their bytes on the ledger go when the last ranking referring to them goes.

use super::*;

fn ids(range: std::ops::Range<u32>) -> Vec<String> {
    range.map(|i| format!("{i:013}")).collect()
}

fn listed(r: &Ranking) -> Vec<&str> {
    r.iter().collect()
}

#[test]
fn reads_back_order_duplicates_empty_and_non_ascii_ids() {
    let interner = Interner::default();
    let given = ["b", "a", "", "a", "crème brûlée", "商品-7", "👗", "b"];
    let r = interner.intern("c", &given);
    assert_eq!(listed(&r), given);
    assert_eq!(r.len(), 8);
    assert_eq!(r.iter().len(), 8);
    assert_eq!(r.table().expect("interned").len(), 6, "each id once");
    assert_eq!(r.heap_bytes(), 8 * 2, "2 bytes of index per id");
    assert_eq!(r, Ranking::new(given));
    let none: [&str; 0] = [];
    assert!(interner.intern("c", &none).is_empty());
}

#[test]
fn rankings_of_a_category_share_one_table() {
    let interner = Interner::default();
    let catalog = ids(0..500);
    let a = interner.intern("shoes", &catalog);
    let mut reversed = catalog.clone();
    reversed.reverse();
    let b = interner.intern("shoes", &reversed);
    let subset = interner.intern("shoes", &catalog[100..150]);
    let other = interner.intern("bags", &catalog);
    assert!(Arc::ptr_eq(a.table().unwrap(), b.table().unwrap()));
    assert!(Arc::ptr_eq(a.table().unwrap(), subset.table().unwrap()));
    assert!(!Arc::ptr_eq(a.table().unwrap(), other.table().unwrap()));
    assert_eq!(listed(&b), reversed);
    assert_eq!(listed(&subset), catalog[100..150]);
    assert_eq!(interner.slots(), 2);
}

#[test]
fn few_new_ids_extend_the_table_many_start_a_fresh_one() {
    let interner = Interner::default();
    let old = interner.intern("c", &ids(0..400));
    // 50 new ids of 450: a new generation holding the old ids too.
    let grown = interner.intern("c", &ids(50..500));
    let table = grown.table().unwrap();
    assert!(!Arc::ptr_eq(old.table().unwrap(), table));
    assert_eq!(table.len(), 500);
    assert_eq!(listed(&grown), ids(50..500));
    assert_eq!(listed(&old), ids(0..400), "the old generation still reads");
    // The next answer with the old ids is served from the new generation.
    let again = interner.intern("c", &ids(0..10));
    assert!(Arc::ptr_eq(again.table().unwrap(), table));
    // Mostly new ids: a fresh table of just this answer's ids.
    let fresh = interner.intern("c", &ids(1000..1400));
    assert_eq!(fresh.table().unwrap().len(), 400);
    assert_eq!(listed(&fresh), ids(1000..1400));
}

#[test]
fn over_max_ids_stay_inline() {
    let interner = Interner::default();
    let many: Vec<String> = (0..=MAX_IDS as u32).map(|i| i.to_string()).collect();
    let r = interner.intern("c", &many);
    assert!(r.table().is_none());
    assert_eq!(r.len(), MAX_IDS + 1);
    assert_eq!(r.iter().last(), Some(MAX_IDS.to_string().as_str()));
    assert_eq!(interner.ledger().unpaid(), 0, "no table was kept");
}

#[test]
fn tables_go_with_their_last_ranking_and_leave_nothing_on_the_ledger() {
    let interner = Interner::default();
    let ledger = interner.ledger().clone();
    // An API that answers new random ids every call: every answer gets a fresh table.
    let mut held = Vec::new();
    for call in 0..200u32 {
        held.push(interner.intern("c", &ids(call * 1000..call * 1000 + 300)));
    }
    let tables: Vec<Weak<IdTable>> = held
        .iter()
        .map(|r| Arc::downgrade(r.table().unwrap()))
        .collect();
    assert!(ledger.unpaid() > 200 * 300 * 13, "tables are on the ledger");
    // Keep the newest and the oldest: the newest is the category's current table (its slot
    // holds the index); the oldest lives on without one.
    held.drain(1..199);
    assert_eq!(tables.iter().filter(|t| t.strong_count() > 0).count(), 2);
    assert_eq!(interner.slots(), 1);
    let with_index = ledger.unpaid();
    held.pop();
    assert_eq!(interner.slots(), 0);
    assert!(ledger.unpaid() > 300 * 13 && ledger.unpaid() < with_index / 2);
    assert_eq!(listed(&held[0]), ids(0..300));
    drop(held);
    assert!(tables.iter().all(|t| t.strong_count() == 0));
    assert_eq!(
        interner.slots(),
        0,
        "the category's slot and index went too"
    );
    assert_eq!(ledger.unpaid(), 0);
    // Other categories, each gone when its ranking goes.
    for c in 0..100 {
        drop(interner.intern(&format!("cat-{c}"), &ids(0..50)));
    }
    assert_eq!((interner.slots(), ledger.unpaid()), (0, 0));
}

#[test]
fn payments_take_unpaid_bytes_up_to_a_limit_and_give_them_back() {
    let interner = Interner::default();
    let ledger = interner.ledger().clone();
    let r = interner.intern("c", &ids(0..1000));
    let held = ledger.unpaid();
    // 1000 ids × 13 bytes of text and 4 of offset, and the index.
    assert!(held > 17_000, "{held}");
    let first = ledger.pay(10_000).expect("unpaid bytes");
    assert_eq!(first.bytes(), 10_000);
    let second = ledger.pay(1 << 20).expect("the rest");
    assert_eq!(second.bytes() as i64, held - 10_000);
    assert!(ledger.pay(1 << 20).is_none(), "nothing left to pay");
    drop(first);
    assert_eq!(ledger.unpaid(), 10_000);
    drop(r);
    // The table is gone, `second` still pays for it: the cache is over-charged, not under.
    assert_eq!(ledger.unpaid(), 10_000 - held);
    drop(second);
    assert_eq!(ledger.unpaid(), 0);
}

#[test]
fn a_few_new_ids_against_a_much_larger_table_start_a_fresh_one_instead_of_copying_it() {
    let interner = Interner::default();
    let big = interner.intern("c", &ids(0..5000));
    // 500 known ids plus one never seen: extending would copy all 5,000 ids for one.
    let mut answer = ids(0..500);
    answer.push("new-arrival".into());
    let r = interner.intern("c", &answer);
    assert!(!Arc::ptr_eq(big.table().unwrap(), r.table().unwrap()));
    assert_eq!(r.table().unwrap().len(), 501, "only this answer's ids");
    assert_eq!(listed(&r), answer);
}

#[test]
fn a_table_over_the_size_limit_is_not_built() {
    // 100 ids of 13 bytes + 4 bytes of offset each: 1,700 bytes.
    let interner = Interner::with_max_table_bytes(1_699);
    let r = interner.intern("c", &ids(0..100));
    assert!(r.table().is_none(), "kept inline");
    assert_eq!(listed(&r), ids(0..100));
    assert_eq!(interner.slots(), 0);
    assert_eq!(interner.ledger().unpaid(), 0);
    let fits = Interner::with_max_table_bytes(1_700).intern("c", &ids(0..100));
    assert!(fits.table().is_some());
}
