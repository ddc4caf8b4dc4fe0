//! The money pools in `creditwatch check`'s report: extra usage, usage credits and API
//! spend.

use crate::format::{duration, pct, usd};
use crate::snapshot::Snapshot;
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

/// The extra usage and credits sections (empty lines when nothing is known).
pub fn render(s: &Snapshot) -> String {
    let mut out = String::new();
    match &s.extra_usage {
        None => {}
        Some(e) if e.enabled == Some(false) => out.push_str("Extra usage\n  off\n\n"),
        Some(e) => {
            let cap = e
                .limit_usd
                .map_or("no cap".to_string(), |l| format!("cap {}", usd(l)));
            let _ = writeln!(
                out,
                "Extra usage\n  spent {} this month ({cap}{}), resets {}",
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
        }
    }
    if let Some(c) = &s.credits {
        let reload = match &c.auto_reload {
            Some(a) if a.enabled => format!(
                ", auto-reload to {} below {}",
                or_dash(a.amount_usd, usd),
                or_dash(a.threshold_usd, usd)
            ),
            Some(_) => ", auto-reload off".to_string(),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "Usage credits\n  balance {}{reload}",
            usd(c.balance_usd)
        );
        let what = if c.runs_out_means == crate::snapshot::RunsOutMeans::Reload {
            "next reload"
        } else {
            "runs out"
        };
        let _ = match c.burn_usd_per_hour {
            None => writeln!(out, "  burn: {NO_HISTORY}"),
            Some(rate) => writeln!(
                out,
                "  burn {}/h, {}/day; {what} {}",
                usd(rate),
                or_dash(c.burn_usd_per_day, usd),
                when(s, c.runs_out_at, "not at this rate"),
            ),
        };
        if let Some(m) = &c.method {
            let _ = writeln!(out, "  ({m})");
        }
        out.push('\n');
    }
    if let Some(a) = &s.api {
        let _ = writeln!(
            out,
            "API spend (Admin API, UTC days)\n  today {}, this month {} (on course for {})\n  \
             burn {}/day ({})",
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
        out.push('\n');
    }
    out
}
