//! [`Verdict`]: what a listing page or a same-origin endpoint answer gave the shopper, told
//! one way everywhere: the `X-Reshelf` header (and trailer) value, and the `outcome` and
//! `reason` labels of the metrics. See the README, "What a listing response looks like after
//! reshelf".

use std::sync::{Arc, OnceLock};

use http::header::{HeaderName, HeaderValue};

/// The response header (and trailer) that tells whether a page was personalized.
pub const X_RESHELF: HeaderName = HeaderName::from_static("x-reshelf");

/// Whether the shopper got the personalized order, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Personalized,
    Native(Reason),
}

/// Why a page kept its native order: the `reason` of `X-Reshelf` and of the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Fashion.AI answered an empty ranking.
    Empty,
    /// The ranking was not decided within the budget.
    Timeout,
    /// The ranking call failed, or the body could not be decoded.
    Error,
    /// The circuit breaker kept the page from waiting.
    BreakerOpen,
    /// The listing body is larger than `origin.max_rewrite_bytes`.
    TooLarge,
    /// The origin did not answer 200.
    OriginStatus,
    /// Not a listing body: another content type or coding, or no tiles found.
    NotListing,
    /// A crawler: native page, no event.
    Bot,
    /// The session is in the experiment's holdout arm: native page, event still sent.
    Holdout,
    /// Shadow mode: native page, the reorder only counted.
    Shadow,
}

impl Reason {
    /// The label in `X-Reshelf` and in the metrics.
    pub fn label(self) -> &'static str {
        match self {
            Reason::Empty => "empty",
            Reason::Timeout => "timeout",
            Reason::Error => "error",
            Reason::BreakerOpen => "breaker-open",
            Reason::TooLarge => "too-large",
            Reason::OriginStatus => "origin-status",
            Reason::NotListing => "not-listing",
            Reason::Bot => "bot",
            Reason::Holdout => "holdout",
            Reason::Shadow => "shadow",
        }
    }
}

impl Verdict {
    /// The `X-Reshelf` value: `personalized` or `native; reason=R`.
    pub fn header_value(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Verdict::Personalized => "personalized",
            Verdict::Native(Reason::Empty) => "native; reason=empty",
            Verdict::Native(Reason::Timeout) => "native; reason=timeout",
            Verdict::Native(Reason::Error) => "native; reason=error",
            Verdict::Native(Reason::BreakerOpen) => "native; reason=breaker-open",
            Verdict::Native(Reason::TooLarge) => "native; reason=too-large",
            Verdict::Native(Reason::OriginStatus) => "native; reason=origin-status",
            Verdict::Native(Reason::NotListing) => "native; reason=not-listing",
            Verdict::Native(Reason::Bot) => "native; reason=bot",
            Verdict::Native(Reason::Holdout) => "native; reason=holdout",
            Verdict::Native(Reason::Shadow) => "native; reason=shadow",
        })
    }

    /// The `outcome` metric label: `personalized` or `native`.
    pub fn outcome_label(self) -> &'static str {
        match self {
            Verdict::Personalized => "personalized",
            Verdict::Native(_) => "native",
        }
    }

    /// The `reason` metric label: `none` when personalized.
    pub fn reason_label(self) -> &'static str {
        match self {
            Verdict::Personalized => "none",
            Verdict::Native(reason) => reason.label(),
        }
    }
}

/// A response's verdict once it is known: at once for a buffered page, when the body ends
/// for a streamed one. It travels in the response's extensions to the access log.
#[derive(Debug, Clone, Default)]
pub struct VerdictCell(Arc<OnceLock<Verdict>>);

impl VerdictCell {
    /// Records the verdict; a second call changes nothing.
    pub fn set(&self, verdict: Verdict) {
        let _ = self.0.set(verdict);
    }

    /// The verdict, if the response has one yet.
    pub fn get(&self) -> Option<Verdict> {
        self.0.get().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_spell_the_reason_labels() {
        let reasons = [
            Reason::Empty,
            Reason::Timeout,
            Reason::Error,
            Reason::BreakerOpen,
            Reason::TooLarge,
            Reason::OriginStatus,
            Reason::NotListing,
            Reason::Bot,
            Reason::Holdout,
            Reason::Shadow,
        ];
        for reason in reasons {
            let value = Verdict::Native(reason).header_value();
            assert_eq!(value, format!("native; reason={}", reason.label()).as_str());
        }
        assert_eq!(Verdict::Personalized.header_value(), "personalized");
    }
}
