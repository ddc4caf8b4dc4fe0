//! The page's "Plan fit" section: the verdict of the last 30 days, and each plan's limited
//! days and cost beside what the same use costs at API prices (`creditwatch plan` has the
//! months as well).

use super::svg::escape;
use crate::format::usd;
use crate::snapshot::Account;
use std::fmt::Write as _;

/// The section of one account; nothing when the last 30 days hold nothing to judge from.
pub(super) fn render(out: &mut String, a: &Account) {
    let Some(f) = &a.plan.fit else { return };
    out.push_str("<h3>Plan fit, last 30 days</h3>");
    let _ = write!(out, "<p class=\"figure\">{}</p>", escape(&f.verdict));
    let _ = write!(
        out,
        "<p>Paid {}; the same use at API prices: {} ({} of {} days with window readings).</p>",
        usd(f.paid.total_usd),
        usd(f.api_equivalent_usd),
        f.window_days,
        f.days
    );
    if f.plans.iter().all(|p| p.limited_days.is_none()) {
        return;
    }
    out.push_str(
        "<table class=\"spend\"><thead><tr><th>Plan</th><th>Days limited</th>\
         <th>5-hour peak</th><th>Would cost</th></tr></thead><tbody>",
    );
    for p in &f.plans {
        let name = match p.current {
            true => format!("{} (yours)", p.name),
            false => p.name.clone(),
        };
        let _ = write!(
            out,
            "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&name),
            p.limited_days.map_or("-".into(), |d| d.to_string()),
            p.five_hour_peak_pct
                .map_or("-".into(), |v| format!("{v:.0} %")),
            usd(p.cost_usd)
        );
    }
    out.push_str(
        "</tbody></table><p class=\"note\">Other plans' days are your window history scaled by \
         each plan's multiple of Pro; weekly limits do not scale exactly.</p>",
    );
}
