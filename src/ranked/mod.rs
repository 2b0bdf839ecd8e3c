//! The ranking vocabulary type: [`Ranking`], an ordered list of product ids as Fashion.AI
//! ranked them, and its interned form (ids shared per category, for the ranking cache).
//!
//! A bottom-level module: it depends on nothing else in the crate (std and `hashbrown` only),
//! so `ranking` (which fetches and caches rankings) and `rewrite` (which applies them) both
//! import it without depending on each other.

mod ids;
mod intern;

pub use ids::Ranking;
pub(crate) use intern::{Interner, Payment};
