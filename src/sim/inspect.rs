//! What the simulator knows about one session, put for people: the features it weighs (with
//! how much a product having each gains), and its last `categoryView` answers. Read-only:
//! looking teaches it nothing. The demo's compare page shows it.

use std::sync::Arc;

use super::server::Shared;

/// What a feature is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureKind {
    Category,
    Colour,
    Style,
    Tag,
}

impl FeatureKind {
    /// `category`, `colour`, `style` or `tag`.
    pub fn label(self) -> &'static str {
        match self {
            FeatureKind::Category => "category",
            FeatureKind::Colour => "colour",
            FeatureKind::Style => "style",
            FeatureKind::Tag => "tag",
        }
    }
}

/// A feature the session's memory weighs.
#[derive(Debug, Clone, PartialEq)]
pub struct Learned {
    pub kind: FeatureKind,
    /// The value as the catalog spells it, folded (`azul`, `casual`).
    pub value: String,
    /// What the session's events added up to for it.
    pub weight: f64,
    /// The feature's own weight in every product that has it (colour and style 1, category
    /// and tag 0.5).
    pub feature_weight: f64,
}

impl Learned {
    /// From a memory key (`k:azul`); `None` for a key of no known kind.
    pub(crate) fn from_key(key: &str, weight: f64, feature_weight: f64) -> Option<Learned> {
        let (kind, value) = key.split_once(':')?;
        let kind = match kind {
            "c" => FeatureKind::Category,
            "k" => FeatureKind::Colour,
            "s" => FeatureKind::Style,
            "t" => FeatureKind::Tag,
            _ => return None,
        };
        Some(Learned {
            kind,
            value: value.to_owned(),
            weight,
            feature_weight,
        })
    }

    /// What a product having the feature gains in this session's ranking (before the
    /// per-session jitter in 0..1 that breaks ties).
    pub fn per_product(&self) -> f64 {
        self.weight * self.feature_weight
    }
}

/// One `categoryView` as the simulator answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub category: String,
    /// Products ranked; 0 is the empty answer.
    pub ranked: usize,
    /// Prior events it knew of the session (or its user) when it answered.
    pub known: u32,
}

/// What the simulator knows of a session.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionState {
    /// Events seen (`categoryView` and `shopTheLook`).
    pub events: u32,
    /// Prior events a session needs before `categoryView` answers a ranking.
    pub min_events: u32,
    /// What it weighs, the most telling first.
    pub features: Vec<Learned>,
    /// The last `categoryView` answers, oldest first (at most `RECENT`, 6).
    pub recent: Vec<Answer>,
}

/// A read-only view of a running simulator's memory; it outlives nothing but itself (the
/// simulator keeps serving or stops as its handle says).
#[derive(Debug, Clone)]
pub struct Inspector {
    pub(crate) shared: Arc<Shared>,
}

impl Inspector {
    /// What the simulator knows of `session` (`None`: nothing yet, or forgotten past
    /// `SimConfig::max_sessions`). The user's cross-session memory is not shown.
    pub fn session(&self, session: &str) -> Option<SessionState> {
        self.shared
            .brain
            .session(&self.shared.config.catalog, session)
    }
}
