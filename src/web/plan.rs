//! The page's "Plan fit" section: the verdict of the last 30 days, and each plan's limited
//! days and cost beside what the same use costs at API prices (`creditwatch plan` has the
//! months as well).

use crate::format::usd;
use crate::snapshot::Account;
use maud::{Markup, html};

/// The section of one account; nothing when the last 30 days hold nothing to judge from.
pub(super) fn render(a: &Account) -> Markup {
    let Some(f) = &a.plan.fit else {
        return html! {};
    };
    let judged = f.plans.iter().any(|p| p.limited_days.is_some());
    html! {
        h3 { "Plan fit, last 30 days" }
        p.figure { (f.verdict) }
        p {
            "Paid " (usd(f.paid.total_usd)) "; the same use at API prices: "
            (usd(f.api_equivalent_usd)) " (" (f.window_days) " of " (f.days)
            " days with window readings)."
        }
        @if judged {
            table.spend {
                thead { tr { th { "Plan" } th { "Days limited" } th { "5-hour peak" } th { "Would cost" } } }
                tbody {
                    @for p in &f.plans {
                        tr {
                            th { (p.name) @if p.current { " (yours)" } }
                            td { (p.limited_days.map_or("-".into(), |d| d.to_string())) }
                            td { (p.five_hour_peak_pct.map_or("-".into(), |v| format!("{v:.0} %"))) }
                            td { (usd(p.cost_usd)) }
                        }
                    }
                }
            }
            p.note {
                "Other plans' days are your window history scaled by each plan's multiple of \
                 Pro; weekly limits do not scale exactly."
            }
        }
    }
}
