//! The experiment's pure parts through the public API: assignment (deterministic, stable
//! across processes, uniform, the configured split, re-drawn by a new name), the readout's
//! statistics against values computed independently, and the sample-ratio check.

use reshelf::experiment::readout::{readout, ArmCounts, Counts, GoalCounts, Verdict};
use reshelf::experiment::stats::{self, Moments, SrmStatus};
use reshelf::experiment::{assign, bucket, Arm, CookieKey, Goal, GoalPattern, Mode, Plan, BUCKETS};

fn close(got: f64, want: f64, tol: f64) {
    assert!((got - want).abs() <= tol, "got {got}, want {want} (±{tol})");
}

// --- assignment -------------------------------------------------------------------------------

/// Buckets computed outside this process and outside Rust, with Python 3's hashlib:
/// `int.from_bytes(hashlib.sha256(b"exp-2026:session-1").digest()[:8], "big") % 10000`.
/// Any replica, build or restart must land on the same values.
#[test]
fn assignment_is_stable_across_processes() {
    assert_eq!(bucket("exp-2026", "session-1"), 9679);
    assert_eq!(bucket("exp-2027", "session-1"), 4768);
    // 9679 is not below 50 × 100 (treatment); 4768 is (holdout).
    assert_eq!(assign("exp-2026", "session-1", 50), Arm::Treatment);
    assert_eq!(assign("exp-2027", "session-1", 50), Arm::Holdout);
}

#[test]
fn assignment_is_deterministic() {
    for i in 0..1000 {
        let s = format!("sess-{i}");
        assert_eq!(assign("n", &s, 10), assign("n", &s, 10));
        assert_eq!(bucket("n", &s), bucket("n", &s));
    }
}

fn sessions(n: usize) -> impl Iterator<Item = String> {
    (0..n).map(|i| format!("s{i:08x}"))
}

/// 100,000 sessions into 100 groups of 100 buckets: Pearson's χ² with 99 degrees of freedom
/// stays below 148.23, its 99.9th percentile (tables; R: `qchisq(0.999, 99)`).
#[test]
fn buckets_are_uniform() {
    let mut groups = [0u64; 100];
    for s in sessions(100_000) {
        let b = bucket("uniformity", &s);
        assert!(b < BUCKETS);
        groups[(b / 100) as usize] += 1;
    }
    let expected = 1000.0;
    let chi2: f64 = groups
        .iter()
        .map(|&o| (o as f64 - expected).powi(2) / expected)
        .sum();
    assert!(chi2 < 148.23, "χ² = {chi2}");
}

/// The share held out matches `holdout_percent` within 4 standard errors of a binomial
/// proportion on 100,000 sessions.
#[test]
fn split_matches_holdout_percent() {
    for percent in [1u32, 5, 10, 50] {
        let held = sessions(100_000)
            .filter(|s| assign("split", s, percent) == Arm::Holdout)
            .count() as f64;
        let p = f64::from(percent) / 100.0;
        let se = (p * (1.0 - p) / 100_000.0).sqrt();
        close(held / 100_000.0, p, 4.0 * se);
    }
}

/// A new name re-draws: with a 50 % holdout, about half the sessions change arm (independent
/// draws disagree with probability 2 × 0.5 × 0.5).
#[test]
fn a_new_name_redraws() {
    let moved = sessions(20_000)
        .filter(|s| assign("first", s, 50) != assign("second", s, 50))
        .count() as f64;
    close(moved / 20_000.0, 0.5, 4.0 * (0.25f64 / 20_000.0).sqrt());
}

// --- statistics -------------------------------------------------------------------------------

/// 1,170 of 9,000 treatment sessions against 110 of 1,000 holdout sessions. Reference values
/// from Python 3's `math` (erfc for the normal tail), with the formulas written out:
/// unpooled SE for the interval, pooled SE for z; z² = 3.2253440366972486 is also what R's
/// `prop.test(c(1170, 110), c(9000, 1000), correct = FALSE)` reports as X-squared.
#[test]
fn two_proportion_z_test() {
    let t = stats::two_proportion(1170, 9000, 110, 1000).unwrap();
    close(t.treatment_rate, 0.13, 1e-12);
    close(t.control_rate, 0.11, 1e-12);
    close(t.absolute.estimate, 0.02, 1e-12);
    close(t.absolute.low, -0.0005998337629055696, 1e-9);
    close(t.absolute.high, 0.040599833762905574, 1e-9);
    close(t.z, 1.795924284789659, 1e-9);
    close(t.p_value, 0.07250655959833507, 1e-9);
    let rel = t.relative.unwrap();
    close(rel.estimate, 0.18181818181818188, 1e-12);
    close(rel.low, -0.03589750257905411, 1e-9);
    close(rel.high, 0.39953386621541787, 1e-9);
    assert!(!t.absolute.excludes_zero());
    close(stats::z_critical(), 1.959963984540054, 1e-9);
}

/// Per-session revenue of 16 treatment and 12 holdout sessions (written below). Reference
/// values from Python 3 with mpmath 1.3: Welch's t and Welch–Satterthwaite df from the sample
/// variances; the p-value from the t distribution's tail as a regularized incomplete beta
/// (`0.5 * betainc(df/2, 1/2, 0, df/(df+t²), regularized=True)`, doubled); the critical
/// value by root finding on the same tail.
#[test]
fn welch_t_test_of_revenue_per_session() {
    let treatment = [
        0.0, 0.0, 25.5, 0.0, 40.0, 0.0, 0.0, 12.0, 0.0, 0.0, 0.0, 80.0, 0.0, 0.0, 19.9, 0.0,
    ];
    let control = [0.0, 0.0, 0.0, 12.0, 0.0, 0.0, 0.0, 0.0, 25.5, 0.0, 0.0, 0.0];
    let moments = |v: &[f64]| Moments {
        n: v.len() as u64,
        sum: v.iter().sum(),
        sum_squares: v.iter().map(|x| x * x).sum(),
    };
    let w = stats::welch(moments(&treatment), moments(&control)).unwrap();
    close(w.treatment_mean, 11.0875, 1e-12);
    close(w.control_mean, 3.125, 1e-12);
    close(w.t, 1.3415741822229645, 1e-9);
    close(w.df, 19.76552690646999, 1e-9);
    close(w.p_value, 0.194_945_604_719_278_8, 1e-7);
    // diff ± t(0.975, df) × SE with t(0.975, df) = 2.08755093315653905.
    close(w.absolute.low, -4.427515047633355, 1e-6);
    close(w.absolute.high, 20.352515047633354, 1e-6);
}

/// Sessions per arm against a 90/10 split; reference χ² by hand and p = erfc(√(χ²/2)) (the
/// χ² tail with one degree of freedom) in Python 3's `math`.
#[test]
fn sample_ratio_mismatch() {
    let cases = [
        (
            [9200, 800],
            44.44444444444444,
            2.6167849372106007e-11,
            SrmStatus::Alert,
        ),
        (
            [9080, 920],
            7.111111111111112,
            0.007660761135179472,
            SrmStatus::Warn,
        ),
        ([9060, 940], 4.0, 0.045500263896358396, SrmStatus::Ok),
    ];
    for (observed, chi2, p, status) in cases {
        let srm = stats::srm(&observed, &[0.9, 0.1]).unwrap();
        close(srm.chi2, chi2, 1e-9);
        close(srm.p_value, p, 1e-12f64.max(p * 1e-6));
        assert_eq!(srm.status, status, "{observed:?}");
        assert_eq!(srm.df, 1);
    }
    assert!(stats::srm(&[0, 0], &[0.9, 0.1]).is_none());
}

// --- the readout --------------------------------------------------------------------------------

fn plan(percent: u32) -> Plan {
    Plan {
        name: "readout".into(),
        holdout_percent: percent,
        mode: Mode::Live,
        cookie: "reshelf_exp".into(),
        key: Some(CookieKey::new(vec![7; 32])),
        goals: vec![Goal {
            name: "cart".into(),
            method: http::Method::POST,
            path: GoalPattern::parse("/cart/add").unwrap(),
            value_header: None,
        }],
    }
}

fn counts(t: (u64, u64), h: (u64, u64)) -> Counts {
    let arm = |(sessions, converted): (u64, u64)| ArmCounts {
        sessions,
        goals: vec![GoalCounts {
            sessions: converted,
            events: converted * 2,
            ..GoalCounts::default()
        }],
        ..ArmCounts::default()
    };
    Counts {
        treatment: arm(t),
        holdout: arm(h),
        ..Counts::default()
    }
}

#[test]
fn readout_gives_a_verdict_when_the_split_holds() {
    let r = readout(&plan(10), &counts((9000, 1350), (1000, 100)));
    assert_eq!(r.srm.unwrap().status, SrmStatus::Ok);
    assert_eq!(r.goals[0].verdict, Verdict::Uplift);
    let r = readout(&plan(10), &counts((9000, 1170), (1000, 110)));
    assert_eq!(r.goals[0].verdict, Verdict::NoSignificantDifference);
    let r = readout(&plan(10), &counts((0, 0), (0, 0)));
    assert_eq!(r.goals[0].verdict, Verdict::NotEnoughData);
}

/// The same strong uplift on a skewed split (9,200 / 800 against 90 / 10): the check fails
/// and no verdict is given.
#[test]
fn srm_withholds_the_verdict_on_a_skewed_split() {
    let r = readout(&plan(10), &counts((9200, 1380), (800, 80)));
    assert_eq!(r.srm.unwrap().status, SrmStatus::Alert);
    assert_eq!(r.goals[0].verdict, Verdict::WithheldSrm);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["srm"]["status"], "alert");
    assert_eq!(json["goals"][0]["verdict"], "withheld-srm");
    let html = r.to_html();
    assert!(html.contains("no verdict"), "{html}");
    assert!(html.contains("<svg"), "the chart is inline");
    assert!(!html.contains("src=\"http"), "no external asset");
}
