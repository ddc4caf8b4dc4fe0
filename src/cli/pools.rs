//! The money pools in `creditwatch check`'s report: extra usage, usage credits and API
//! spend.

use crate::format::{duration, pct, usd};
use crate::snapshot::{Api, Credits, ExtraUsage, RunsOutMeans, Snapshot};
use std::fmt::Write as _;

/// Shown until the history spans long enough for a rate.
const NO_HISTORY: &str = "not enough history yet (needs 30 minutes of samples)";

fn or_dash(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| "-".to_string(), f)
}

fn when(s: &Snapshot, at: Option<i64>, never: &str) -> String {
    at.map_or_else(
        || never.to_string(),
        |a| format!("in {}", duration((a - s.now).max(0))),
    )
}

/// The extra usage, credits and API sections (nothing for a pool nobody reported).
pub fn render(s: &Snapshot) -> String {
    let mut out = String::new();
    if let Some(e) = &s.extra_usage {
        out.push_str(&extra_usage(s, e));
    }
    if let Some(c) = &s.credits {
        out.push_str(&credits(s, c));
    }
    if let Some(a) = &s.api {
        out.push_str(&api(a));
    }
    out
}

fn extra_usage(s: &Snapshot, e: &ExtraUsage) -> String {
    if e.enabled == Some(false) {
        return "Extra usage\n  off\n\n".into();
    }
    let cap = e
        .limit_usd
        .map_or("no cap".to_string(), |l| format!("cap {}", usd(l)));
    let mut out = format!(
        "Extra usage\n  spent {} this month ({cap}{}), resets {}\n",
        or_dash(e.used_usd, usd),
        e.used_pct
            .map_or(String::new(), |p| format!(", {} used", pct(p))),
        when(s, Some(e.resets_at), "-"),
    );
    let _ = match e.burn_usd_per_day {
        None => writeln!(out, "  burn: {NO_HISTORY}\n"),
        Some(rate) => writeln!(
            out,
            "  burn {}/day; cap reached {}\n",
            usd(rate),
            if e.limit_usd.is_none() {
                "never (uncapped)".to_string()
            } else {
                when(s, e.limit_at, "not this month at this rate")
            },
        ),
    };
    out
}

fn credits(s: &Snapshot, c: &Credits) -> String {
    let reload = match &c.auto_reload {
        Some(a) if a.enabled => format!(
            ", auto-reload to {} below {}",
            or_dash(a.amount_usd, usd),
            or_dash(a.threshold_usd, usd)
        ),
        Some(_) => ", auto-reload off".to_string(),
        None => String::new(),
    };
    let mut out = format!("Usage credits\n  balance {}{reload}\n", usd(c.balance_usd));
    let what = match c.runs_out_means {
        RunsOutMeans::Reload => "next reload",
        RunsOutMeans::Empty => "runs out",
    };
    let _ = match c.burn_usd_per_hour {
        None => writeln!(out, "  burn: {NO_HISTORY}"),
        Some(rate) => writeln!(
            out,
            "  burn {}/h, {}/day; {what} {}",
            usd(rate),
            or_dash(c.burn_usd_per_day, usd),
            when(
                s,
                c.runs_out_at,
                c.method
                    .as_deref()
                    .and_then(crate::format::learning)
                    .unwrap_or("not at this rate")
            ),
        ),
    };
    if let Some(m) = &c.method {
        let _ = writeln!(out, "  ({m})");
    }
    out + "\n"
}

fn api(a: &Api) -> String {
    let mut out = format!(
        "API spend (Admin API, UTC days)\n  today {}, this month {} (on course for {})\n  \
         burn {}/day ({})\n",
        usd(a.today_usd),
        usd(a.month_usd),
        usd(a.month_projected_usd),
        usd(a.burn_usd_per_day),
        a.method
    );
    let mut models: Vec<_> = a
        .by_model
        .iter()
        .filter(|(_, m)| m.month_usd > 0.0)
        .collect();
    models.sort_by(|x, y| y.1.month_usd.total_cmp(&x.1.month_usd));
    for (model, spend) in models.iter().take(5) {
        let _ = writeln!(out, "  {model}: {} this month", usd(spend.month_usd));
    }
    out + "\n"
}
