//! Product ids interned per category, so a cached [`Ranking`] holds 2 bytes of index per id
//! instead of the id text: every session's ranking of a category names the same products in
//! another order, so one immutable [`IdTable`] per category serves them all.
//!
//! Tables are immutable once built (readers never lock; a ranking holds an `Arc` to its table).
//! When an answer names ids the category's current table lacks, a new table is built: the old
//! one extended when the new ids are few (catalog churn), else a fresh one from this answer
//! (the catalog changed, or the API answers with ids it never repeats). The registry holds each
//! category's current table weakly, with its hash index: a table lives exactly as long as a
//! ranking refers to it, old generations carry no index, and the last table of a category to
//! go takes the category's slot (and index) with it.
//!
//! Memory stays honest through the [`Ledger`]: every table and index adds its bytes to the
//! ledger's unpaid total when built and takes them back when dropped; each cache entry, when
//! inserted, pays (is weighed for) up to a limit of what is unpaid and gives it back when
//! evicted. So the cache's weighed total plus the unpaid remainder is what the tables and
//! entries really hold, and new entries absorb the tables' cost as old ones leave.
//!
//! Depends on `ids` (the [`Ranking`] it builds) and nothing outside `ranked`.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use hashbrown::{hash_table, DefaultHashBuilder, HashTable};

use super::Ranking;

/// Most ids in one table: indexes are `u16`, and `u16::MAX` marks an id not yet interned.
pub(crate) const MAX_IDS: usize = u16::MAX as usize;
const MISSING: u16 = u16::MAX;
/// An answer extends the category's table when at most 1/`EXTEND_FRACTION` of it is new ids
/// and the table is at most `EXTEND_FRACTION` times the answer; otherwise it starts a fresh
/// table of its own. A copy then costs at most a few times the answer itself, so neither a
/// churning API nor a few new ids per answer against a large table make every answer copy a
/// large table.
const EXTEND_FRACTION: usize = 4;
/// Bytes of a table or index beyond its buffers: the `Arc` block, the struct, the allocator's
/// headers and rounding of its two or three allocations.
const TABLE_OVERHEAD: usize = 96;
/// Bytes of a registry slot beyond its index and category text: its hash-map bucket (with the
/// map's spare capacity) and the `Arc<Index>` block.
const SLOT_OVERHEAD: usize = 128;

/// Bytes held by interned tables and indexes that no cache entry pays for (may go negative
/// for a while: entries still paying for tables that are gone).
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    unpaid: AtomicI64,
}

impl Ledger {
    fn hold(self: &Arc<Self>, bytes: usize) -> Held {
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
        self.unpaid.fetch_add(bytes, Ordering::Relaxed);
        Held {
            bytes,
            ledger: self.clone(),
        }
    }

    /// Takes up to `limit` unpaid bytes, for a new cache entry to be weighed for.
    pub(crate) fn pay(self: &Arc<Self>, limit: usize) -> Option<Payment> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let before = self
            .unpaid
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |unpaid| {
                (unpaid > 0).then(|| unpaid - unpaid.min(limit))
            })
            .ok()?;
        Some(Payment {
            bytes: before.min(limit),
            ledger: self.clone(),
        })
    }

    pub(crate) fn unpaid(&self) -> i64 {
        self.unpaid.load(Ordering::Relaxed)
    }
}

/// Bytes a table or index holds, on the ledger while it lives.
#[derive(Debug)]
struct Held {
    bytes: i64,
    ledger: Arc<Ledger>,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.ledger.unpaid.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

/// Table bytes a cache entry is weighed for; unpaid again when the entry is dropped.
#[derive(Debug)]
pub(crate) struct Payment {
    bytes: i64,
    ledger: Arc<Ledger>,
}

impl Payment {
    pub(crate) fn bytes(&self) -> usize {
        usize::try_from(self.bytes).unwrap_or(0)
    }
}

impl Drop for Payment {
    fn drop(&mut self) {
        self.ledger.unpaid.fetch_add(self.bytes, Ordering::Relaxed);
    }
}

/// One category's ids, each once: the text of all of them and where each ends.
#[derive(Debug)]
pub(crate) struct IdTable {
    buf: Box<str>,
    ends: Box<[u32]>,
    category: Box<str>,
    registry: Weak<Registry>,
    _held: Held,
}

/// The registry's slot for a category goes with the last of the category's tables. A table is
/// never dropped while the registry's lock is held (the registry holds tables only weakly and
/// drops strong references after unlocking), so this lock cannot be taken twice.
impl Drop for IdTable {
    fn drop(&mut self) {
        let Some(registry) = self.registry.upgrade() else {
            return;
        };
        let mut slots = registry.lock().unwrap_or_else(PoisonError::into_inner);
        let dead = match slots.get(&*self.category) {
            Some(slot) if slot.table.strong_count() == 0 => slots.remove(&*self.category),
            _ => None,
        };
        drop(slots);
        drop(dead);
    }
}

impl IdTable {
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The id at `i`.
    pub(crate) fn get(&self, i: u16) -> &str {
        slice(&self.buf, &self.ends, i)
    }
}

/// Bytes of a table's text and offsets (at most: duplicates are stored once).
fn table_bytes(text: usize, ids: usize) -> usize {
    text.saturating_add(ids.saturating_mul(std::mem::size_of::<u32>()))
}

fn slice<'a>(buf: &'a str, ends: &[u32], i: u16) -> &'a str {
    let i = usize::from(i);
    let start = if i == 0 { 0 } else { ends[i - 1] as usize };
    &buf[start..ends[i] as usize]
}

/// Id text → index into the category's current table. Only the registry holds it.
struct Index {
    map: HashTable<u16>,
    _held: Held,
}

/// A table being built, with its index.
struct Builder {
    buf: String,
    ends: Vec<u32>,
    map: HashTable<u16>,
}

impl Builder {
    fn new(ids: usize, bytes: usize) -> Self {
        Self {
            buf: String::with_capacity(bytes),
            ends: Vec::with_capacity(ids),
            map: HashTable::with_capacity(ids),
        }
    }

    /// `table` (indexed by `index`) and room for `ids` more ids of `bytes` in all.
    fn extending(table: &IdTable, index: &Index, ids: usize, bytes: usize, h: &Hasher) -> Self {
        let mut buf = String::with_capacity(table.buf.len() + bytes);
        buf.push_str(&table.buf);
        let mut ends = Vec::with_capacity(table.len() + ids);
        ends.extend_from_slice(&table.ends);
        let mut map = index.map.clone();
        map.reserve(ids, |&i| h.hash_one(slice(&buf, &ends, i)));
        Self { buf, ends, map }
    }

    /// The index of `id`, added if new; `None` when the table is full.
    fn add(&mut self, h: &Hasher, id: &str) -> Option<u16> {
        let (buf, ends) = (&self.buf, &self.ends);
        let entry = self.map.entry(
            h.hash_one(id),
            |&i| slice(buf, ends, i) == id,
            |&i| h.hash_one(slice(buf, ends, i)),
        );
        match entry {
            hash_table::Entry::Occupied(found) => Some(*found.get()),
            hash_table::Entry::Vacant(vacant) => {
                let i = u16::try_from(self.ends.len())
                    .ok()
                    .filter(|&i| i != MISSING)?;
                self.buf.push_str(id);
                self.ends
                    .push(u32::try_from(self.buf.len()).expect("ids of a table under 4 GiB"));
                vacant.insert(i);
                Some(i)
            }
        }
    }

    fn finish(self, interner: &Interner, category: &str) -> (Arc<IdTable>, Arc<Index>) {
        let ledger = &interner.ledger;
        let (buf, ends) = (self.buf.into_boxed_str(), self.ends.into_boxed_slice());
        let table_bytes =
            buf.len() + std::mem::size_of_val(&*ends) + category.len() + TABLE_OVERHEAD;
        let index_bytes = self.map.allocation_size() + category.len() + SLOT_OVERHEAD;
        let table = IdTable {
            buf,
            ends,
            category: category.into(),
            registry: Arc::downgrade(&interner.slots),
            _held: ledger.hold(table_bytes),
        };
        let index = Index {
            map: self.map,
            _held: ledger.hold(index_bytes),
        };
        (Arc::new(table), Arc::new(index))
    }
}

type Hasher = DefaultHashBuilder;

/// A category's current table (weak: the rankings own it) and its index.
struct Slot {
    table: Weak<IdTable>,
    index: Arc<Index>,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot").finish_non_exhaustive()
    }
}

/// Each category's slot, while one of its tables lives.
type Registry = Mutex<HashMap<Box<str>, Slot>>;

/// The per-category tables of one ranking cache.
pub(crate) struct Interner {
    slots: Arc<Registry>,
    hasher: Hasher,
    ledger: Arc<Ledger>,
    /// Largest table (id text plus offsets, bytes) built; a larger one stays inline, since
    /// one cache entry pays for at most this much of a shared table.
    max_table_bytes: usize,
}

/// Unbounded tables, for tests of the tables alone (the cache bounds them by its payment).
#[cfg(test)]
impl Default for Interner {
    fn default() -> Self {
        Self::with_max_table_bytes(usize::MAX)
    }
}

impl Interner {
    /// An interner whose tables hold at most `max_table_bytes` of ids and offsets.
    pub(crate) fn with_max_table_bytes(max_table_bytes: usize) -> Self {
        Self {
            slots: Arc::default(),
            hasher: Hasher::default(),
            ledger: Arc::default(),
            max_table_bytes,
        }
    }

    pub(crate) fn ledger(&self) -> &Arc<Ledger> {
        &self.ledger
    }

    /// A ranking of `ids` (best first) in `category`, interned; inline when a table cannot
    /// hold its ids (over [`MAX_IDS`] distinct ones).
    pub(crate) fn intern<S: AsRef<str>>(&self, category: &str, ids: &[S]) -> Ranking {
        if ids.is_empty() {
            return Ranking::default();
        }
        let h = &self.hasher;
        let mut at: Vec<u16> = Vec::with_capacity(ids.len());
        if let Some((table, index)) = self.current(category) {
            let (mut missing, mut missing_bytes) = (0usize, 0usize);
            for id in ids {
                let id = id.as_ref();
                let found = index
                    .map
                    .find(h.hash_one(id), |&i| table.get(i) == id)
                    .copied();
                at.push(found.unwrap_or_else(|| {
                    missing += 1;
                    missing_bytes += id.len();
                    MISSING
                }));
            }
            if missing == 0 {
                return Ranking::interned(table, at.into_boxed_slice());
            }
            let extended_bytes =
                table_bytes(table.buf.len() + missing_bytes, table.len() + missing);
            if missing <= table.len() / EXTEND_FRACTION
                && table.len() <= ids.len().saturating_mul(EXTEND_FRACTION)
                && table.len() + missing <= MAX_IDS
                && extended_bytes <= self.max_table_bytes
            {
                let mut b = Builder::extending(&table, &index, missing, missing_bytes, h);
                drop((table, index));
                for (i, id) in at.iter_mut().zip(ids).filter(|(i, _)| **i == MISSING) {
                    *i = b.add(h, id.as_ref()).expect("room was checked");
                }
                return self.publish(category, b, at);
            }
            at.clear();
        }
        let bytes = ids.iter().map(|id| id.as_ref().len()).sum();
        if table_bytes(bytes, ids.len()) > self.max_table_bytes {
            return Ranking::new(ids.iter().map(AsRef::as_ref));
        }
        let mut b = Builder::new(ids.len().min(MAX_IDS), bytes);
        for id in ids {
            match b.add(h, id.as_ref()) {
                Some(i) => at.push(i),
                None => return Ranking::new(ids.iter().map(AsRef::as_ref)),
            }
        }
        self.publish(category, b, at)
    }

    /// The category's current table and index, if its table still lives.
    fn current(&self, category: &str) -> Option<(Arc<IdTable>, Arc<Index>)> {
        let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = slots.get(category)?;
        // A dead table's slot is being removed by its `Drop`.
        let table = slot.table.upgrade()?;
        Some((table, slot.index.clone()))
    }

    /// Makes the built table the category's current one; returns the ranking on it.
    fn publish(&self, category: &str, b: Builder, at: Vec<u16>) -> Ranking {
        let (table, index) = b.finish(self, category);
        let slot = Slot {
            table: Arc::downgrade(&table),
            index,
        };
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let replaced = slots.insert(category.into(), slot);
        drop(slots);
        drop(replaced);
        Ranking::interned(table, at.into_boxed_slice())
    }

    /// Categories with a registry slot.
    #[cfg(test)]
    pub(crate) fn slots(&self) -> usize {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
#[path = "intern_tests.rs"]
mod tests;
