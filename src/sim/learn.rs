//! What the simulator remembers about sessions and users, and the answers it draws from that:
//! the `categoryView` ranking and the `shopTheLook` completion.
//!
//! Memory is a weight per product feature (colour, style, tag; see `catalog::Index`). A
//! `categoryView` adds the category's style and colour mix (each view adds 1 in total, spread by
//! how common each feature is in the category); a viewed product (`shopTheLook`) adds
//! [`PRODUCT_VIEW`] to each of its features. A product's score is its features' weights (the
//! session's, plus half the user's) times the feature's own weight, plus a per-session jitter in
//! 0..1 drawn from a hash of the session id and product id: so two sessions see different
//! orders, the same history gives the same order, and viewed styles and colours rise.
//!
//! Each session also keeps its last [`RECENT`] `categoryView` answers (category, how many
//! products ranked, how many prior events it knew), which [`Brain::session`] shows with the
//! weights, read-only.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::catalog::{self, Catalog};
use super::inspect::{Answer, Learned, SessionState};

/// Weight added to each feature of a product the shopper looked at.
const PRODUCT_VIEW: f64 = 1.5;
/// How much of the user's (cross-session) memory counts next to the session's.
const USER_SHARE: f64 = 0.5;
/// `categoryView` answers kept per session for [`Brain::session`].
pub const RECENT: usize = 6;

/// Who sent an event.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Who<'a> {
    pub session: &'a str,
    pub user: Option<&'a str>,
}

#[derive(Debug, Default, Clone)]
struct Interest {
    events: u32,
    weights: HashMap<String, f64>,
    /// The last answers, oldest first (sessions only); the category as its catalog position,
    /// so a session's log costs a few bytes an answer.
    recent: VecDeque<(u16, usize, u32)>,
}

#[derive(Debug, Default)]
struct Memory {
    sessions: HashMap<String, Interest>,
    users: HashMap<String, Interest>,
    /// Insertion order of keys (true = user), to forget the oldest past the cap.
    order: VecDeque<(bool, String)>,
}

/// Session and user memory, bounded to `cap` entries.
#[derive(Debug)]
pub(crate) struct Brain {
    min_events: u32,
    cap: usize,
    memory: Mutex<Memory>,
}

impl Brain {
    pub fn new(min_events: u32, cap: usize) -> Self {
        Self {
            min_events,
            cap: cap.max(1),
            memory: Mutex::new(Memory::default()),
        }
    }

    /// All of the category's products ranked for this shopper, or nothing while too little is
    /// known (fewer than `min_events` prior events) or the category is unknown. Then learns.
    pub fn category_view(&self, catalog: &Catalog, who: Who<'_>, category: &str) -> Vec<String> {
        // Copies of the (small) weight maps, so ranking a large category does not hold the
        // lock that every other session's events wait for.
        let (session, user) = {
            let memory = self.lock();
            let session = memory.sessions.get(who.session).cloned();
            let user = who.user.and_then(|u| memory.users.get(u)).cloned();
            (session, user)
        };
        let known = session
            .as_ref()
            .map_or(0, |s| s.events)
            .max(user.as_ref().map_or(0, |u| u.events));
        let answer = catalog
            .positions(category)
            .filter(|_| known >= self.min_events)
            .map(|positions| {
                rank(
                    catalog,
                    positions,
                    who.session,
                    session.as_ref(),
                    user.as_ref(),
                )
            })
            .unwrap_or_default();
        let mix = catalog
            .positions(category)
            .map(|positions| category_mix(catalog, positions))
            .unwrap_or_default();
        let mut memory = self.lock();
        memory.learn(who, &mix, self.cap);
        let place = catalog
            .categories()
            .iter()
            .position(|c| c.id == category)
            .and_then(|i| u16::try_from(i).ok());
        if let (Some(place), Some(interest)) = (place, memory.sessions.get_mut(who.session)) {
            if interest.recent.len() == RECENT {
                interest.recent.pop_front();
            }
            interest.recent.push_back((place, answer.len(), known));
        }
        answer
    }

    /// What the brain knows of a session now (`None`: nothing, or forgotten). Changes nothing.
    pub fn session(&self, catalog: &Catalog, session: &str) -> Option<SessionState> {
        let interest = self.lock().sessions.get(session).cloned()?;
        let mut features: Vec<Learned> = interest
            .weights
            .iter()
            .filter_map(|(key, &weight)| {
                Learned::from_key(key, weight, catalog::feature_weight(key))
            })
            .collect();
        features.sort_by(|a, b| {
            b.per_product()
                .total_cmp(&a.per_product())
                .then_with(|| a.value.cmp(&b.value))
        });
        let recent = interest
            .recent
            .iter()
            .filter_map(|&(place, ranked, known)| {
                let category = catalog.categories().get(usize::from(place))?;
                Some(Answer {
                    category: category.id.clone(),
                    ranked,
                    known,
                })
            })
            .collect();
        Some(SessionState {
            events: interest.events,
            min_events: self.min_events,
            features,
            recent,
        })
    }

    /// The look that completes a product (see [`look`]), then learns the product's features.
    pub fn shop_the_look(&self, catalog: &Catalog, who: Who<'_>, product: &str) -> Vec<String> {
        let answer = look(catalog, product);
        let viewed: Vec<(String, f64)> = catalog
            .position(product)
            .map(|pos| {
                let features = &catalog.index(pos).features;
                features
                    .iter()
                    .map(|(f, _)| (f.clone(), PRODUCT_VIEW))
                    .collect()
            })
            .unwrap_or_default();
        self.lock().learn(who, &viewed, self.cap);
        answer
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Memory> {
        // Weights are plain sums; a panic mid-update loses at most one event's learning.
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Memory {
    fn learn(&mut self, who: Who<'_>, delta: &[(String, f64)], cap: usize) {
        let mut keys = vec![(false, who.session)];
        keys.extend(who.user.map(|u| (true, u)));
        for (is_user, key) in keys {
            let map = if is_user {
                &mut self.users
            } else {
                &mut self.sessions
            };
            let interest = match map.get_mut(key) {
                Some(i) => i,
                None => {
                    self.order.push_back((is_user, key.to_owned()));
                    map.entry(key.to_owned()).or_default()
                }
            };
            interest.events = interest.events.saturating_add(1);
            for (feature, w) in delta {
                *interest.weights.entry(feature.clone()).or_default() += w;
            }
        }
        while self.order.len() > cap {
            let Some((is_user, key)) = self.order.pop_front() else {
                break;
            };
            if is_user {
                self.users.remove(&key);
            } else {
                self.sessions.remove(&key);
            }
        }
    }
}

/// The category's colour and style mix: each feature weighted by its share of the products.
fn category_mix(catalog: &Catalog, positions: &[usize]) -> Vec<(String, f64)> {
    let mut mix: HashMap<&str, f64> = HashMap::new();
    let share = 1.0 / positions.len().max(1) as f64;
    for &pos in positions {
        for (feature, _) in &catalog.index(pos).features {
            if feature.starts_with("k:") || feature.starts_with("s:") {
                *mix.entry(feature).or_default() += share;
            }
        }
    }
    let mut mix: Vec<(String, f64)> = mix.into_iter().map(|(f, w)| (f.to_owned(), w)).collect();
    // Sorted so that float sums happen in the same order every time.
    mix.sort_by(|a, b| a.0.cmp(&b.0));
    mix
}

fn rank(
    catalog: &Catalog,
    positions: &[usize],
    session_id: &str,
    session: Option<&Interest>,
    user: Option<&Interest>,
) -> Vec<String> {
    let weight = |i: Option<&Interest>, f: &str| i.and_then(|i| i.weights.get(f)).copied();
    let mut scored: Vec<(f64, usize)> = positions
        .iter()
        .map(|&pos| {
            let id = &catalog.products()[pos].id;
            let learned: f64 = catalog
                .index(pos)
                .features
                .iter()
                .map(|(f, w)| {
                    w * (weight(session, f).unwrap_or(0.0)
                        + USER_SHARE * weight(user, f).unwrap_or(0.0))
                })
                .sum();
            (learned + unit_hash("rank", session_id, id), pos)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .map(|(_, pos)| catalog.products()[pos].id.clone())
        .collect()
}

/// Products from other categories that complete the look of `product`: the best match of each
/// other category (shared colour and styles count most), then the next best overall, 3 to 6
/// in all (how many is fixed per product). Depends on the product only. Unknown product or
/// out-of-stock matches: left out.
pub(crate) fn look(catalog: &Catalog, product: &str) -> Vec<String> {
    let Some(pos) = catalog.position(product) else {
        return Vec::new();
    };
    let own = &catalog.products()[pos];
    let own_features = &catalog.index(pos).features;
    let affinity = |other: usize| -> f64 {
        let theirs = &catalog.index(other).features;
        own_features
            .iter()
            .filter(|(f, _)| !f.starts_with("c:"))
            .filter_map(|(f, w)| {
                theirs
                    .iter()
                    .find(|(g, _)| g == f)
                    .map(|(_, v)| 2.0 * w * v)
            })
            .sum()
    };
    let mut firsts = Vec::new();
    let mut rest = Vec::new();
    for category in catalog.categories().iter().filter(|c| c.id != own.category) {
        let mut scored: Vec<(f64, usize)> = catalog
            .positions(&category.id)
            .unwrap_or_default()
            .iter()
            .filter(|&&q| catalog.products()[q].in_stock)
            .map(|&q| {
                let jitter = unit_hash("look", &own.id, &catalog.products()[q].id);
                (affinity(q) + jitter, q)
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut scored = scored.into_iter();
        firsts.extend(scored.next());
        rest.extend(scored);
    }
    let by_score = |a: &(f64, usize), b: &(f64, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    firsts.sort_by(by_score);
    rest.sort_by(by_score);
    let want = 3 + (unit_hash("size", &own.id, "") * 4.0) as usize;
    firsts
        .into_iter()
        .chain(rest)
        .take(want.min(6))
        .map(|(_, q)| catalog.products()[q].id.clone())
        .collect()
}

/// A number in 0..1 fixed by the inputs (SHA-256, so it is the same on every platform).
fn unit_hash(domain: &str, a: &str, b: &str) -> f64 {
    let digest = Sha256::new()
        .chain_update(domain)
        .chain_update([0])
        .chain_update(a)
        .chain_update([0])
        .chain_update(b)
        .finalize();
    let mut eight = [0u8; 8];
    eight.copy_from_slice(&digest[..8]);
    // The top 53 bits fill an f64 mantissa exactly.
    (u64::from_be_bytes(eight) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_forgets_oldest_past_cap() {
        let catalog = Catalog::embedded();
        let brain = Brain::new(1, 2);
        let who = |s| Who {
            session: s,
            user: None,
        };
        brain.category_view(&catalog, who("a"), "vestidos");
        brain.category_view(&catalog, who("b"), "vestidos");
        brain.category_view(&catalog, who("c"), "vestidos");
        // "a" was forgotten: it knows nothing again; "c" knows one event.
        assert!(brain
            .category_view(&catalog, who("a"), "vestidos")
            .is_empty());
        assert_eq!(
            brain.category_view(&catalog, who("c"), "vestidos").len(),
            60
        );
    }

    #[test]
    fn session_shows_weights_and_recent_answers_and_learns_nothing() {
        let catalog = Catalog::embedded();
        let brain = Brain::new(2, 10);
        let who = Who {
            session: "s",
            user: None,
        };
        assert!(brain.session(&catalog, "s").is_none());
        for _ in 0..3 {
            brain.category_view(&catalog, who, "vestidos");
        }
        brain.shop_the_look(&catalog, who, "P1001");
        for _ in 0..RECENT - 2 {
            brain.category_view(&catalog, who, "calcas");
        }
        let state = brain.session(&catalog, "s").unwrap();
        assert_eq!(state.events, RECENT as u32 + 2);
        assert_eq!(state.min_events, 2);
        // Empty while it knew fewer than 2 events; the oldest answers went, the newest is last.
        let known: Vec<(usize, u32)> = state.recent.iter().map(|a| (a.ranked, a.known)).collect();
        assert_eq!(known[..3], [(0, 1), (60, 2), (60, 4)]);
        assert_eq!(state.recent.len(), RECENT);
        assert_eq!(state.recent[0].category, "vestidos");
        let last = state.recent.last().unwrap();
        assert_eq!((last.category.as_str(), last.ranked), ("calcas", 60));
        // The viewed product's tags are weighed; the most telling feature comes first.
        assert!(state.features.iter().any(|f| f.kind.label() == "tag"));
        let gains: Vec<f64> = state.features.iter().map(|f| f.per_product()).collect();
        assert!(gains.windows(2).all(|w| w[0] >= w[1]), "{gains:?}");
        // Looking changed nothing: the same state, and the next answer is what it was.
        assert_eq!(brain.session(&catalog, "s"), Some(state));
    }

    #[test]
    fn look_is_three_to_six_from_other_categories() {
        let catalog = Catalog::embedded();
        for p in catalog.products().iter().step_by(7) {
            let ids = look(&catalog, &p.id);
            assert!((3..=6).contains(&ids.len()), "{}: {ids:?}", p.id);
            for id in &ids {
                assert_ne!(catalog.product(id).unwrap().category, p.category);
            }
            assert_eq!(ids, look(&catalog, &p.id));
        }
        assert!(look(&catalog, "no-such-product").is_empty());
    }
}
