//! `s.extra_usage` and `s.credits`: the money pools, their burn and when they run out.

use super::burn::{self, Direction};
use crate::store::{Sample, Store, StoreError};
use serde::Serialize;

/// How far back the hourly credit burn looks.
pub const HOURLY_LOOKBACK_S: i64 = 86_400;
/// How far back the daily burns look.
pub const DAILY_LOOKBACK_S: i64 = 7 * 86_400;

/// Pay-as-you-go usage beyond the plan, for the calendar month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExtraUsage {
    /// Whether it is turned on.
    pub enabled: Option<bool>,
    /// Spent this month.
    pub used_usd: Option<f64>,
    /// The monthly cap; `None` when uncapped (or unknown).
    pub limit_usd: Option<f64>,
    /// Left under the cap.
    pub remaining_usd: Option<f64>,
    /// Percent of the cap spent.
    pub used_pct: Option<f64>,
    /// When the month (and the spend) resets, unix seconds.
    pub resets_at: i64,
    /// Spend per day over the last 7 days (resets ignored).
    pub burn_usd_per_day: Option<f64>,
    /// When the cap is reached at this rate; `None` if uncapped or not before the reset.
    pub limit_at: Option<i64>,
    /// Seconds since it was reported.
    pub age_s: i64,
}

/// The prepaid usage-credit balance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Credits {
    /// The balance.
    pub balance_usd: f64,
    /// Its currency (`USD`), when reported.
    pub currency: Option<String>,
    /// Auto-reload settings, when reported.
    pub auto_reload: Option<AutoReload>,
    /// Spend per hour over the last 24 hours (top-ups ignored).
    pub burn_usd_per_hour: Option<f64>,
    /// Spend per day over the last 7 days (top-ups ignored).
    pub burn_usd_per_day: Option<f64>,
    /// When it runs out at the hourly rate: the next auto-reload when that is on, else
    /// an empty balance. `None` when it is not falling.
    pub runs_out_at: Option<i64>,
    /// Hours from now until `runs_out_at`.
    pub runs_out_in_hours: Option<f64>,
    /// What `runs_out_at` means: `"empty"`, or `"reload"` with auto-reload on.
    pub runs_out_means: &'static str,
    /// How the rate and projection were found.
    pub method: Option<String>,
    /// Seconds since the balance was reported.
    pub age_s: i64,
}

/// Auto-reload of the balance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutoReload {
    /// Whether it is on.
    pub enabled: bool,
    /// It reloads when the balance falls below this.
    pub threshold_usd: Option<f64>,
    /// The balance a reload brings it back to.
    pub amount_usd: Option<f64>,
}

fn last(
    store: &Store,
    account: &str,
    metric: &str,
    now: i64,
) -> Result<Option<Sample>, StoreError> {
    Ok(store.last_sample(account, metric, now)?.map(|(s, _)| s))
}

/// `s.extra_usage`, or `None` when no source ever reported it.
pub fn extra_usage(
    store: &Store,
    account: &str,
    now: i64,
    resets_at: i64,
) -> Result<Option<ExtraUsage>, StoreError> {
    let value = |m: &str| last(store, account, m, now);
    let (enabled, used) = (
        value(crate::metric::EXTRA_ENABLED)?,
        value(crate::metric::EXTRA_USED)?,
    );
    let Some(newest) = [enabled, used].into_iter().flatten().map(|s| s.t).max() else {
        return Ok(None);
    };
    let capped = value(crate::metric::EXTRA_CAPPED)?.is_some_and(|s| s.v > 0.0);
    let limit = if capped {
        value(crate::metric::EXTRA_LIMIT)?.map(|s| s.v)
    } else {
        None
    };
    let history = store.samples(
        account,
        crate::metric::EXTRA_USED,
        now - DAILY_LOOKBACK_S,
        now,
    )?;
    let per_day = burn::rate(&history, Direction::Rising).map(|r| r.per_hour * 24.0);
    let used_usd = used.map(|s| s.v);
    let limit_at = match (used, limit, per_day) {
        (Some(u), Some(l), Some(rate)) => {
            burn::reaches(u.v, l, rate / 24.0, u.t, Direction::Rising).filter(|&t| t < resets_at)
        }
        _ => None,
    };
    Ok(Some(ExtraUsage {
        enabled: enabled.map(|s| s.v > 0.0),
        used_usd,
        limit_usd: limit,
        remaining_usd: limit.zip(used_usd).map(|(l, u)| (l - u).max(0.0)),
        used_pct: limit
            .zip(used_usd)
            .filter(|(l, _)| *l > 0.0)
            .map(|(l, u)| u / l * 100.0),
        resets_at,
        burn_usd_per_day: per_day,
        limit_at,
        age_s: (now - newest).max(0),
    }))
}

/// `s.credits`, or `None` when the balance was never reported.
pub fn credits(store: &Store, account: &str, now: i64) -> Result<Option<Credits>, StoreError> {
    let Some(balance) = last(store, account, crate::metric::CREDITS_BALANCE, now)? else {
        return Ok(None);
    };
    let auto_reload = match last(store, account, crate::metric::AUTO_RELOAD_ENABLED, now)? {
        None => None,
        Some(on) => Some(AutoReload {
            enabled: on.v > 0.0,
            threshold_usd: last(store, account, crate::metric::AUTO_RELOAD_THRESHOLD, now)?
                .map(|s| s.v),
            amount_usd: last(store, account, crate::metric::AUTO_RELOAD_TO, now)?.map(|s| s.v),
        }),
    };
    let window =
        |lookback| store.samples(account, crate::metric::CREDITS_BALANCE, now - lookback, now);
    let hourly = burn::rate(&window(HOURLY_LOOKBACK_S)?, Direction::Falling);
    let daily = burn::rate(&window(DAILY_LOOKBACK_S)?, Direction::Falling);
    let reload_at = auto_reload
        .as_ref()
        .filter(|a| a.enabled)
        .and_then(|a| a.threshold_usd);
    let floor = reload_at.unwrap_or(0.0);
    let runs_out_at = hourly
        .as_ref()
        .and_then(|r| burn::reaches(balance.v, floor, r.per_hour, balance.t, Direction::Falling));
    let method = hourly.as_ref().map(|r| {
        let target = match reload_at {
            Some(t) => format!("the auto-reload threshold of {}", crate::format::usd(t)),
            None => "an empty balance".to_string(),
        };
        format!("linear to {target}; {}", r.describe(Direction::Falling))
    });
    Ok(Some(Credits {
        balance_usd: balance.v,
        currency: store
            .fact(account, crate::metric::CREDITS_CURRENCY)?
            .map(|(c, _)| c),
        auto_reload,
        burn_usd_per_hour: hourly.map(|r| r.per_hour),
        burn_usd_per_day: daily.map(|r| r.per_hour * 24.0),
        runs_out_at,
        runs_out_in_hours: runs_out_at.map(|t| ((t - now) as f64 / 3600.0).max(0.0)),
        runs_out_means: if reload_at.is_some() {
            "reload"
        } else {
            "empty"
        },
        method,
        age_s: (now - balance.t).max(0),
    }))
}
