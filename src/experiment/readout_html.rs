//! The readout as an HTML page a merchant can read: the verdict per goal in words, a chart
//! (inline SVG: each arm's conversion rate with its 95 % interval), the numbers, and the
//! sample-ratio check. No script, no external asset.

use std::fmt::Write;

use super::readout::{GoalReport, Readout};
use super::stats::{self, Interval, SrmStatus};

const CSS: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;\
padding:0 1em;color:#222}table{border-collapse:collapse;margin:.5em 0 1.5em}\
td,th{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:right}\
th:first-child,td:first-child{text-align:left}.ok{color:#1a7f37}.warn{color:#9a6700}\
.alert{color:#cf222e;font-weight:bold}.verdict{font-size:1.15em;font-weight:600}\
small{color:#666}";

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn pct(x: f64) -> String {
    format!("{:.2} %", x * 100.0)
}

fn signed_pct(x: f64) -> String {
    format!("{:+.2} %", x * 100.0)
}

fn interval(i: &Interval, f: fn(f64) -> String) -> String {
    format!(
        "{} <small>[{}, {}]</small>",
        f(i.estimate),
        f(i.low),
        f(i.high)
    )
}

pub(super) fn render(r: &Readout) -> String {
    let mut h = String::with_capacity(16 * 1024);
    let title = format!("Experiment {}", esc(&r.experiment));
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>{CSS}</style></head><body><h1>{title}</h1>"
    );
    if !r.on {
        h.push_str(
            "<p>The experiment is off: set <code>[experiment] holdout_percent</code> (or \
                    <code>mode = \"shadow\"</code>) to start it.</p>",
        );
    }
    let _ = write!(
        h,
        "<p>Mode <b>{}</b>, holdout {} % of sessions. This page shows this replica's counts \
         since it started; the fleet's are on the dashboard. Intervals are {} %.</p>",
        r.mode,
        r.holdout_percent,
        (r.confidence * 100.0).round()
    );
    srm_section(&mut h, r);
    arms_section(&mut h, r);
    for goal in &r.goals {
        goal_section(&mut h, r, goal);
    }
    if let Some(s) = &r.shadow {
        let _ = write!(
            h,
            "<h2>Shadow mode</h2><p>Pages served native that the ranking would have \
             reordered: {} of {} ({}); tiles that would have moved: {} of {} ({}).</p>",
            s.counts.pages_moved,
            s.counts.pages,
            s.pages_moved_share.map_or("–".into(), pct),
            s.counts.tiles_moved,
            s.counts.tiles,
            s.tiles_moved_share.map_or("–".into(), pct),
        );
    }
    h.push_str("</body></html>\n");
    h
}

fn srm_section(h: &mut String, r: &Readout) {
    h.push_str("<h2>Sample-ratio check</h2>");
    match &r.srm {
        None => h.push_str("<p>Not computed yet (no sessions, or no holdout).</p>"),
        Some(s) => {
            let (class, words) = match s.status {
                SrmStatus::Ok => ("ok", "the split matches the configuration"),
                SrmStatus::Warn => ("warn", "warning: the split departs from the configuration; no verdict is shown"),
                SrmStatus::Alert => ("alert", "alert: the split departs from the configuration; no verdict is shown until it is explained"),
            };
            let _ = write!(
                h,
                "<p class=\"{class}\">χ² = {:.3} (df {}), p = {:.4}: {words}.</p>",
                s.chi2, s.df, s.p_value
            );
        }
    }
}

fn arms_section(h: &mut String, r: &Readout) {
    h.push_str(
        "<h2>Arms</h2><table><tr><th>arm</th><th>sessions</th><th>share</th>\
         <th>configured</th><th>views personalized</th><th>views native</th>\
         <th>views aborted</th></tr>",
    );
    for a in &r.arms {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            a.arm,
            a.sessions,
            a.observed_share.map_or("–".into(), pct),
            pct(a.expected_share),
            a.views.personalized,
            a.views.native,
            a.views.aborted
        );
    }
    h.push_str("</table>");
}

fn goal_section(h: &mut String, r: &Readout, g: &GoalReport) {
    let _ = write!(
        h,
        "<h2>Goal {} <small>{} {}</small></h2><p class=\"verdict\">{}</p>",
        esc(&g.name),
        esc(&g.method),
        esc(&g.path),
        g.verdict.text()
    );
    h.push_str(&chart(r, g));
    h.push_str(
        "<table><tr><th>arm</th><th>sessions</th><th>converting</th><th>rate</th>\
                <th>events</th><th>revenue</th><th>per session</th></tr>",
    );
    for (a, ga) in r.arms.iter().zip(&g.arms) {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{}</td></tr>",
            a.arm,
            a.sessions,
            ga.converting_sessions,
            ga.conversion_rate.map_or("–".into(), pct),
            ga.events,
            ga.revenue,
            ga.revenue_per_session.map_or("–".into(), |v| format!("{v:.2}"))
        );
    }
    h.push_str("</table>");
    if let Some(c) = &g.conversion {
        let _ = write!(
            h,
            "<p>Uplift in conversion: {} points, relative {}; z = {:.2}, p = {:.4}.</p>",
            interval(&c.absolute, signed_pct),
            c.relative
                .as_ref()
                .map_or("–".into(), |rel| interval(rel, signed_pct)),
            c.z,
            c.p_value
        );
    }
    if let Some(m) = &g.revenue {
        let _ = write!(
            h,
            "<p>Revenue per session: {:.2} against {:.2}; difference {} (Welch's t = {:.2}, \
             df {:.1}, p = {:.4}).</p>",
            m.treatment_mean,
            m.control_mean,
            interval(&m.absolute, |x| format!("{x:+.2}")),
            m.t,
            m.df,
            m.p_value
        );
    }
}

/// Each arm's conversion rate as a bar with its 95 % (Wald) interval as a whisker.
fn chart(r: &Readout, g: &GoalReport) -> String {
    const W: f64 = 520.0;
    const BAR: f64 = 34.0;
    const LEFT: f64 = 110.0;
    let z = stats::z_critical();
    let rows: Vec<(&str, f64, f64, f64)> = r
        .arms
        .iter()
        .zip(&g.arms)
        .filter_map(|(a, ga)| {
            let p = ga.conversion_rate?;
            let half = z * (p * (1.0 - p) / a.sessions as f64).sqrt();
            Some((a.arm, p, (p - half).max(0.0), (p + half).min(1.0)))
        })
        .collect();
    let top = rows.iter().map(|r| r.3).fold(0.0_f64, f64::max).max(0.001) * 1.15;
    let x = |v: f64| LEFT + v / top * (W - LEFT - 70.0);
    let height = 20.0 + rows.len() as f64 * (BAR + 14.0);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{height}\" \
         role=\"img\" aria-label=\"conversion rate per arm, goal {}\">",
        esc(&g.name)
    );
    for (i, (arm, p, lo, hi)) in rows.iter().enumerate() {
        let y = 10.0 + i as f64 * (BAR + 14.0);
        let fill = if *arm == "treatment" {
            "#2f6fde"
        } else {
            "#9aa4b2"
        };
        let mid = y + BAR / 2.0;
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"13\">{arm}</text>\
             <rect x=\"{LEFT}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{BAR}\" fill=\"{fill}\"/>\
             <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{mid:.1}\" y2=\"{mid:.1}\" stroke=\"#111\" stroke-width=\"2\"/>\
             <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#111\" stroke-width=\"2\"/>\
             <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#111\" stroke-width=\"2\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\">{}</text>",
            mid + 4.0,
            x(*p) - LEFT,
            x(*lo),
            x(*hi),
            x(*lo),
            x(*lo),
            mid - 7.0,
            mid + 7.0,
            x(*hi),
            x(*hi),
            mid - 7.0,
            mid + 7.0,
            x(*hi) + 6.0,
            mid + 4.0,
            pct(*p)
        );
    }
    s.push_str("</svg>");
    s
}
