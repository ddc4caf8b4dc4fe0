//! Does the plan fit the way the user uses Claude? For a period, what they paid (the
//! plan's price, extra usage, credits), what the same use costs at API prices, and how the
//! windows held: on how many days the 5-hour and the weekly windows hit 100 %, on the plan
//! paid for and, scaled by each plan's multiple of Pro, on the others. Then one verdict:
//! the cheapest way that would have covered the period.
//!
//! ```text
//!  window samples ──▶ each day's peak ──▶ scaled to each plan ──▶ limited days ─┐
//!  extra usage, credits, app spend ──▶ what was paid, the API-equivalent ───────┴▶ verdict
//! ```
//!
//! Everything comes from the store; nothing is guessed. Without window readings, or
//! without knowing which plan is paid for, it says what it can and what it needs.

pub mod offers;
mod usage;
mod verdict;

use crate::calendar;
use crate::config::PlanConfig;
use crate::store::{Store, StoreError};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

pub use usage::Usage;

/// A period needs this many days with window readings before it is judged.
pub const MIN_WINDOW_DAYS: u32 = 7;
/// A window at or above this percent was hit (readings round to whole percents).
pub const FULL_PCT: f64 = 99.5;

/// What one period says of the plan: `s.plan.fit` and each period of `creditwatch plan`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Fit {
    /// `last 30 days`, or a month (`November 2026`).
    pub period: String,
    /// Its start and end, unix seconds.
    pub from: i64,
    /// Its end (exclusive).
    pub to: i64,
    /// The plan paid for (`pro`, `max_5x`, `max_20x`); `None` when not known.
    pub current: Option<String>,
    /// What was paid: the plan's price, extra usage and credits.
    pub paid: Paid,
    /// What the same use cost at API prices (transcripts and command sources).
    pub api_equivalent_usd: f64,
    /// Days in the period, and days with window readings.
    pub days: u32,
    /// Days with window readings.
    pub window_days: u32,
    /// Each plan: its price, its limited days and peaks as the history scaled to it says.
    pub plans: Vec<PlanFit>,
    /// The cheapest way that would have covered the period: a plan's key, `api`, or `None`
    /// when it cannot be said.
    pub best: Option<String>,
    /// What the best would have saved against the plan paid for (negative when it costs
    /// more, because the plan paid for limited too often); `None` when it cannot be said.
    pub saving_usd: Option<f64>,
    /// Days the plan paid for was limited (either window at 100 %).
    pub current_limited_days: Option<u32>,
    /// The verdict in one line.
    pub verdict: String,
}

impl Fit {
    /// Whether anything was read or spent in the period.
    pub(crate) fn has_data(&self) -> bool {
        self.window_days > 0
            || self.api_equivalent_usd > 0.0
            || self.paid.extra_usage_usd.is_some()
            || self.paid.credits_usd.is_some()
    }
}

/// What was paid in a period.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Paid {
    /// The plan's monthly price; `None` when the plan is not known.
    pub plan_usd: Option<f64>,
    /// Extra usage spent; `None` when never read.
    pub extra_usage_usd: Option<f64>,
    /// Credits used (the balance's falls); `None` when never read.
    pub credits_usd: Option<f64>,
    /// The sum of the known parts.
    pub total_usd: f64,
}

/// One plan against a period's history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanFit {
    /// `pro`, `max_5x`, `max_20x`.
    pub key: String,
    /// As people say it.
    pub name: String,
    /// Its monthly price.
    pub usd_per_month: f64,
    /// Its price plus extra usage as spent: what the period would have cost on it.
    pub cost_usd: f64,
    /// Days the 5-hour window would have hit 100 %; `None` without knowing the plan paid
    /// for (nothing to scale from).
    pub five_hour_limited_days: Option<u32>,
    /// Days a weekly window would have hit 100 %.
    pub weekly_limited_days: Option<u32>,
    /// Days either would have.
    pub limited_days: Option<u32>,
    /// The 5-hour window's peak on it, percent.
    pub five_hour_peak_pct: Option<f64>,
    /// The weekly windows' peak on it, percent.
    pub weekly_peak_pct: Option<f64>,
    /// Whether it is the plan paid for.
    pub current: bool,
}

/// How a period is asked about.
pub struct Ask<'a> {
    /// The account.
    pub account: &'a str,
    /// Its name in the report.
    pub period: String,
    /// Its start.
    pub from: i64,
    /// Its end (exclusive).
    pub to: i64,
    /// Local days are days in this zone.
    pub tz: &'a TimeZone,
}

/// The fit of one period from the store.
pub fn fit(store: &Store, config: &PlanConfig, ask: &Ask<'_>) -> Result<Fit, StoreError> {
    let usage = usage::read(store, ask.account, ask.from, ask.to, ask.tz)?;
    let current = current(store, config, ask.account)?;
    Ok(verdict::judge(&usage, config, current, ask))
}

/// `s.plan.fit`: the last 30 days, or `None` when nothing was read or spent in them. Worked
/// out once an hour and kept in the store (it reads 30 days of every window, which would
/// cost each cycle several milliseconds for a figure that moves by the day), and again when
/// `[plan]` changes.
pub fn last_30_days(
    store: &Store,
    config: &PlanConfig,
    account: &str,
    now: i64,
    tz: &TimeZone,
) -> Result<Option<Fit>, StoreError> {
    let stamp = format!("{} {config:?}", now.div_euclid(3600));
    if let Some((json, _)) = store.fact(account, KEPT_FACT)?
        && let Ok(kept) = serde_json::from_str::<Kept>(&json)
        && kept.stamp == stamp
    {
        return Ok(kept.fit);
    }
    let f = fit(
        store,
        config,
        &Ask {
            account,
            period: "last 30 days".into(),
            from: now - 30 * 86_400,
            to: now,
            tz,
        },
    )?;
    let fit = f.has_data().then_some(f);
    if !store.is_read_only() {
        let kept = Kept { stamp, fit };
        let json = serde_json::to_string(&kept).map_err(|e| StoreError::Encode {
            what: "the plan's fit",
            message: e.to_string(),
        })?;
        store.set_fact(account, KEPT_FACT, &json, now, "plan")?;
        return Ok(kept.fit);
    }
    Ok(fit)
}

/// Where the last 30 days' fit is kept, with the hour and the `[plan]` it was made for.
const KEPT_FACT: &str = "plan.fit";

#[derive(Serialize, Deserialize)]
struct Kept {
    stamp: String,
    fit: Option<Fit>,
}

/// The periods `creditwatch plan` shows for `account`: the last 30 days, then each of the
/// last 3 calendar months (before this one) with any readings or spend, looking back a year.
pub fn periods(
    store: &Store,
    config: &PlanConfig,
    account: &str,
    now: i64,
    tz: &TimeZone,
) -> Result<Vec<Fit>, StoreError> {
    let ask = |period: String, from: i64, to: i64| Ask {
        account,
        period,
        from,
        to,
        tz,
    };
    let mut out = vec![fit(
        store,
        config,
        &ask("last 30 days".into(), now - 30 * 86_400, now),
    )?];
    let mut end = calendar::start_of_month(now, tz);
    for _ in 0..12 {
        if out.len() > 3 {
            break;
        }
        let start = calendar::start_of_month(end - 1, tz);
        let name = calendar::zoned(start, tz).strftime("%B %Y").to_string();
        let f = fit(store, config, &ask(name, start, end))?;
        if f.has_data() {
            out.push(f);
        }
        end = start;
    }
    Ok(out)
}

/// The plan paid for: the config's, else the sign-in's; `Err` says why it is not known.
pub fn current(
    store: &Store,
    config: &PlanConfig,
    account: &str,
) -> Result<Result<&'static str, String>, StoreError> {
    if let Some(key) = config.current {
        return Ok(Ok(key));
    }
    let name = store.fact(account, crate::names::PLAN_NAME)?.map(|f| f.0);
    let tier = store.fact(account, crate::names::PLAN_TIER)?.map(|f| f.0);
    Ok(offers::current(name.as_deref(), tier.as_deref()))
}
