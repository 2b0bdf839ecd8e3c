//! Assignment: a session's arm is a pure function of the experiment's name and the session id,
//! so every replica, restart and deploy agrees without shared state. The bucket is the first 8
//! bytes of SHA-256(`name:session`), big-endian, modulo 10,000 (as Statsig hashes a salted
//! unit id into 10,000 buckets); buckets below `holdout_percent × 100` are the holdout.
//! A new name re-draws every session.

use sha2::{Digest, Sha256};

/// Buckets of the assignment hash.
pub const BUCKETS: u64 = 10_000;

/// An arm of the experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arm {
    /// Personalized order (or, in shadow mode, the native page with the reorder counted).
    Treatment,
    /// Native order, `X-Reshelf: native; reason=holdout`.
    Holdout,
}

impl Arm {
    pub const ALL: [Arm; 2] = [Arm::Treatment, Arm::Holdout];

    /// The `arm` metric label.
    pub fn label(self) -> &'static str {
        match self {
            Arm::Treatment => "treatment",
            Arm::Holdout => "holdout",
        }
    }
}

/// The session's bucket, 0 to 9,999.
pub fn bucket(name: &str, session: &str) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update(b":");
    hasher.update(session.as_bytes());
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % BUCKETS
}

/// The session's arm when `holdout_percent` of sessions are held out.
pub fn assign(name: &str, session: &str, holdout_percent: u32) -> Arm {
    if bucket(name, session) < u64::from(holdout_percent) * (BUCKETS / 100) {
        Arm::Holdout
    } else {
        Arm::Treatment
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Computed outside Rust, so a change of hash, byte order or separator fails here:
    /// `int.from_bytes(hashlib.sha256(b"exp-2026:session-1").digest()[:8], "big") % 10000`
    /// in Python 3 gives the first value, with `b"exp-2027:session-1"` the second.
    #[test]
    fn bucket_matches_an_independent_computation() {
        assert_eq!(bucket("exp-2026", "session-1"), KNOWN_2026);
        assert_eq!(bucket("exp-2027", "session-1"), KNOWN_2027);
    }

    const KNOWN_2026: u64 = 9679;
    const KNOWN_2027: u64 = 4768;

    #[test]
    fn zero_percent_holds_no_one_out() {
        for i in 0..1000 {
            assert_eq!(assign("x", &format!("s{i}"), 0), Arm::Treatment);
        }
    }
}
