//! `s.api`: an organisation's API spend from the Admin API's cost report. Its buckets
//! are UTC days, so `today` and the month are UTC here (unlike `s.apps`, which are local).

use crate::calendar;
use crate::price::Tokens;
use crate::source::anthropic_admin::COST_FACT;
use crate::store::{ApiTokens, Store, StoreError};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The complete days the daily burn averages over.
pub const BURN_DAYS: i64 = 7;

/// API spend.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Api {
    /// Spent today (the UTC day so far).
    pub today_usd: f64,
    /// Spent this UTC month.
    pub month_usd: f64,
    /// Spent over the last 7 complete UTC days.
    pub last_7d_usd: f64,
    /// Average spend per day over the last 7 complete UTC days.
    pub burn_usd_per_day: f64,
    /// This month's spend: what was spent plus the rest of the month drawn from the last
    /// 28 complete days (the median of those futures).
    pub month_projected_usd: f64,
    /// The 10th percentile of the month's spend.
    pub month_projected_low_usd: f64,
    /// The 90th percentile.
    pub month_projected_high_usd: f64,
    /// Spend per model (or kind of cost, such as `web_search`).
    pub by_model: BTreeMap<String, ApiSpend>,
    /// Spend per workspace id (`default` for the default workspace).
    pub by_workspace: BTreeMap<String, ApiSpend>,
    /// Tokens over the last 24 hours, from the usage report.
    pub tokens_last_24h: Tokens,
    /// How the burn was found.
    pub method: String,
    /// Seconds since the cost report was last read.
    pub age_s: i64,
}

/// One model's or workspace's API spend.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiSpend {
    /// Today (UTC).
    pub today_usd: f64,
    /// This UTC month.
    pub month_usd: f64,
    /// The last 7 complete UTC days.
    pub last_7d_usd: f64,
}

/// `s.api` at `now`; `None` until the cost report has been read once.
pub fn build(store: &Store, account: &str, now: i64) -> Result<Option<Api>, StoreError> {
    let Some((_, read_at)) = store.fact(account, COST_FACT)? else {
        return Ok(None);
    };
    let utc = TimeZone::UTC;
    let today = calendar::start_of_day(now, 0, &utc);
    let week = calendar::start_of_day(now, -BURN_DAYS, &utc);
    let month = calendar::start_of_month(now, &utc);
    let month_end = calendar::start_of_next_month(now, &utc);
    let mut total = ApiSpend::default();
    let (mut by_model, mut by_workspace) = (BTreeMap::new(), BTreeMap::new());
    for (day, cost) in store.api_costs(account, week.min(month), today + 86_400)? {
        let add = |s: &mut ApiSpend| {
            if day >= today {
                s.today_usd += cost.usd;
            }
            if day >= month {
                s.month_usd += cost.usd;
            }
            if (week..today).contains(&day) {
                s.last_7d_usd += cost.usd;
            }
        };
        add(&mut total);
        add(by_model.entry(cost.model.clone()).or_default());
        add(by_workspace.entry(cost.workspace.clone()).or_default());
    }
    let burn = total.last_7d_usd / BURN_DAYS as f64;
    let days_left = (month_end - now) as f64 / 86_400.0;
    let past = past_days(store, account, today, week.min(month))?;
    let mean = total.month_usd + burn * days_left;
    let [projected, low, high] =
        crate::forecast::month_total(&past, total.month_usd, days_left).unwrap_or([mean; 3]);
    Ok(Some(Api {
        today_usd: total.today_usd,
        month_usd: total.month_usd,
        last_7d_usd: total.last_7d_usd,
        burn_usd_per_day: burn,
        month_projected_usd: projected,
        month_projected_low_usd: low,
        month_projected_high_usd: high,
        by_model,
        by_workspace,
        tokens_last_24h: tokens(&store.api_tokens(account, now - 86_400, now + 1)?),
        method: format!(
            "burn: mean of the {BURN_DAYS} complete UTC days before today; month: what was \
             spent plus the days left drawn from the {} complete days before today",
            past.len()
        ),
        age_s: (now - read_at).max(0),
    }))
}

/// The complete UTC days the month's projection draws from.
const PAST_DAYS: i64 = 28;

/// The spend of each complete UTC day before `today` that the cost report covers: from
/// the earlier of the month's start and a week ago (what the source asks for), and from
/// the first stored day before that, up to [`PAST_DAYS`] back. A day without a cost row
/// in that span cost nothing.
fn past_days(
    store: &Store,
    account: &str,
    today: i64,
    asked_from: i64,
) -> Result<Vec<f64>, StoreError> {
    let since = today - PAST_DAYS * 86_400;
    let mut days: BTreeMap<i64, f64> = BTreeMap::new();
    for (day, cost) in store.api_costs(account, since, today)? {
        *days.entry(day).or_default() += cost.usd;
    }
    let first = days
        .keys()
        .next()
        .map_or(asked_from, |&d| d.min(asked_from))
        .max(since);
    Ok((0..(today - first) / 86_400)
        .map(|i| days.get(&(first + i * 86_400)).copied().unwrap_or(0.0))
        .collect())
}

fn tokens(rows: &[ApiTokens]) -> Tokens {
    let mut t = Tokens::default();
    for r in rows {
        t += r.tokens;
    }
    t
}
