//! The problem collector of the validation pass: [`Problem`] (one problem, named by its key),
//! `Problems` (every problem found so far, in the order of the file's sections), and the
//! small value checks several sections share (`positive`, `in_range`).
//!
//! The bottom of `config`: it depends on nothing else in the crate.

/// One problem found in the config, named by its key (`origin.url`, `pages[1].tiles`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key as in the file, with `[i]` for array entries (0-based): `pages[1].tiles`.
    pub key: String,
    /// What is wrong, for an operator.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// The problems found so far, in the order of the file's sections.
#[derive(Debug, Default)]
pub(super) struct Problems(Vec<Problem>);

impl Problems {
    /// Starts from problems found before validation (unknown keys).
    pub(super) fn from_vec(found: Vec<Problem>) -> Self {
        Self(found)
    }

    pub(super) fn add(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            key: key.into(),
            message: message.into(),
        });
    }

    /// True when a problem is already recorded for exactly `key` (to avoid saying it twice).
    pub(super) fn has(&self, key: &str) -> bool {
        self.0.iter().any(|p| p.key == key)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn into_vec(self) -> Vec<Problem> {
        self.0
    }

    /// `Some(value)` when no problem was added since `before` problems were counted.
    pub(super) fn unless_new<T>(&self, before: usize, value: T) -> Option<T> {
        (self.0.len() == before).then_some(value)
    }

    pub(super) fn count(&self) -> usize {
        self.0.len()
    }
}

/// Records a problem for `key` when `value` is 0.
pub(super) fn positive(value: u64, key: &str, p: &mut Problems) {
    if value == 0 {
        p.add(key, "must be at least 1");
    }
}

/// Records a problem for `key` when `value` lies outside `range`.
pub(super) fn in_range(
    value: u64,
    range: std::ops::RangeInclusive<u64>,
    key: &str,
    p: &mut Problems,
) {
    if !range.contains(&value) {
        p.add(
            key,
            format!(
                "{value} is out of range {}..={}",
                range.start(),
                range.end()
            ),
        );
    }
}
