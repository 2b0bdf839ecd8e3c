//! The readout's statistics, two-sided at 95 %: the two-proportion z-test for conversion
//! rates, Welch's t-test for revenue per session, and the sample-ratio-mismatch χ² test.
//! Distributions come from `statrs`. "Treatment" is the personalized arm, "control" the
//! holdout; uplift is treatment minus control.

use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF, Normal, StudentsT};

/// Two-sided confidence level of every interval.
pub const CONFIDENCE: f64 = 0.95;

/// Sample-ratio mismatch below this p-value: a warning, and no verdict.
pub const SRM_WARN_P: f64 = 0.01;
/// Below this p-value: an alert.
pub const SRM_ALERT_P: f64 = 0.001;

/// An estimate with its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

impl Interval {
    fn around(estimate: f64, half_width: f64) -> Self {
        Interval {
            estimate,
            low: estimate - half_width,
            high: estimate + half_width,
        }
    }

    /// The interval excludes zero.
    pub fn excludes_zero(&self) -> bool {
        self.low > 0.0 || self.high < 0.0
    }
}

/// Conversion in two arms compared.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProportionTest {
    pub treatment_rate: f64,
    pub control_rate: f64,
    /// Treatment rate minus control rate, with the unpooled (Wald) interval.
    pub absolute: Interval,
    /// Absolute uplift over the control rate (delta method on the ratio of the rates);
    /// `None` while the control rate is 0.
    pub relative: Option<Interval>,
    /// z statistic with the pooled standard error (the test of equal rates).
    pub z: f64,
    pub p_value: f64,
}

/// Revenue per session in two arms compared.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanTest {
    pub treatment_mean: f64,
    pub control_mean: f64,
    /// Treatment mean minus control mean, with Welch's interval.
    pub absolute: Interval,
    pub relative: Option<Interval>,
    pub t: f64,
    /// Welch–Satterthwaite degrees of freedom.
    pub df: f64,
    pub p_value: f64,
}

/// One arm's per-session values summarized: count, sum, sum of squares.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Moments {
    pub n: u64,
    pub sum: f64,
    pub sum_squares: f64,
}

impl Moments {
    pub fn mean(&self) -> f64 {
        self.sum / self.n as f64
    }

    /// Sample variance (n − 1 in the denominator), never negative.
    pub fn variance(&self) -> f64 {
        let n = self.n as f64;
        ((self.sum_squares - self.sum * self.sum / n) / (n - 1.0)).max(0.0)
    }
}

/// The 97.5th percentile of the standard normal (1.959963...).
pub fn z_critical() -> f64 {
    standard_normal().inverse_cdf(1.0 - (1.0 - CONFIDENCE) / 2.0)
}

fn standard_normal() -> Normal {
    Normal::new(0.0, 1.0).expect("a valid normal")
}

/// Two-sided p-value of a standard normal statistic.
pub fn normal_p_value(z: f64) -> f64 {
    2.0 * standard_normal().sf(z.abs())
}

/// Compares `x_t` conversions of `n_t` sessions with `x_c` of `n_c`. `None` when an arm has
/// no session or both rates are 0 or 1 (no variance to test against).
pub fn two_proportion(x_t: u64, n_t: u64, x_c: u64, n_c: u64) -> Option<ProportionTest> {
    if n_t == 0 || n_c == 0 || x_t > n_t || x_c > n_c {
        return None;
    }
    let (nt, nc) = (n_t as f64, n_c as f64);
    let (pt, pc) = (x_t as f64 / nt, x_c as f64 / nc);
    let pooled = (x_t + x_c) as f64 / (nt + nc);
    let se0 = (pooled * (1.0 - pooled) * (1.0 / nt + 1.0 / nc)).sqrt();
    if se0 == 0.0 {
        return None;
    }
    let (var_t, var_c) = (pt * (1.0 - pt) / nt, pc * (1.0 - pc) / nc);
    let z = (pt - pc) / se0;
    let crit = z_critical();
    Some(ProportionTest {
        treatment_rate: pt,
        control_rate: pc,
        absolute: Interval::around(pt - pc, crit * (var_t + var_c).sqrt()),
        relative: relative(pt, pc, var_t, var_c, crit),
        z,
        p_value: normal_p_value(z),
    })
}

/// `(t / c − 1)` with the delta-method interval of the ratio `t / c` of two independent
/// estimates whose variances are `var_t` and `var_c`.
fn relative(t: f64, c: f64, var_t: f64, var_c: f64, crit: f64) -> Option<Interval> {
    if c <= 0.0 {
        return None;
    }
    let ratio = t / c;
    let se = (var_t / (c * c) + ratio * ratio * var_c / (c * c)).sqrt();
    Some(Interval::around(ratio - 1.0, crit * se))
}

/// Welch's t-test of the treatment mean against the control mean. `None` with fewer than two
/// sessions in an arm or no variance in either.
pub fn welch(t: Moments, c: Moments) -> Option<MeanTest> {
    if t.n < 2 || c.n < 2 {
        return None;
    }
    let (vt, vc) = (t.variance() / t.n as f64, c.variance() / c.n as f64);
    let se = (vt + vc).sqrt();
    if se == 0.0 {
        return None;
    }
    let df = (vt + vc).powi(2) / (vt * vt / (t.n - 1) as f64 + vc * vc / (c.n - 1) as f64);
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    let crit = dist.inverse_cdf(1.0 - (1.0 - CONFIDENCE) / 2.0);
    let stat = (t.mean() - c.mean()) / se;
    Some(MeanTest {
        treatment_mean: t.mean(),
        control_mean: c.mean(),
        absolute: Interval::around(t.mean() - c.mean(), crit * se),
        relative: relative(t.mean(), c.mean(), vt, vc, crit),
        t: stat,
        df,
        p_value: 2.0 * dist.sf(stat.abs()),
    })
}

/// The sample-ratio check's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SrmStatus {
    Ok,
    /// p < 0.01: the split is suspect; no verdict is shown.
    Warn,
    /// p < 0.001.
    Alert,
}

/// The sample-ratio-mismatch check: Pearson's χ² of the observed sessions per arm against
/// the configured shares.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Srm {
    pub chi2: f64,
    pub df: u32,
    pub p_value: f64,
    pub status: SrmStatus,
}

/// `observed[i]` sessions in arm i, expected in the shares `expected[i]` (summing to 1).
/// `None` before any session, or when an arm is expected to hold no one.
pub fn srm(observed: &[u64], expected: &[f64]) -> Option<Srm> {
    let total: u64 = observed.iter().sum();
    if total == 0 || observed.len() != expected.len() || observed.len() < 2 {
        return None;
    }
    if expected.iter().any(|&e| e <= 0.0) {
        return None;
    }
    let chi2: f64 = observed
        .iter()
        .zip(expected)
        .map(|(&o, &share)| {
            let e = share * total as f64;
            (o as f64 - e).powi(2) / e
        })
        .sum();
    let df = observed.len() as u32 - 1;
    let p_value = ChiSquared::new(f64::from(df)).ok()?.sf(chi2);
    let status = if p_value < SRM_ALERT_P {
        SrmStatus::Alert
    } else if p_value < SRM_WARN_P {
        SrmStatus::Warn
    } else {
        SrmStatus::Ok
    };
    Some(Srm {
        chi2,
        df,
        p_value,
        status,
    })
}
