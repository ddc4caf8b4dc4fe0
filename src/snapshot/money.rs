//! `s.extra_usage` and `s.credits`: the money pools, their burn and when they run out.

use super::advice::{self, TopUp};
use super::burn;
use super::foresee::{Ask, Seer};
use crate::forecast::{self, Direction, Forecast};
use crate::names;
use crate::store::{Sample, Store, StoreError};
use serde::{Deserialize, Serialize};

/// How far back the hourly credit burn looks.
pub const HOURLY_LOOKBACK_S: i64 = 86_400;
/// A rise of the balance smaller than this is rounding, not a top-up.
const TOP_UP_MIN_USD: f64 = 0.005;
/// How far back the daily burns look.
pub const DAILY_LOOKBACK_S: i64 = 7 * 86_400;

/// Pay-as-you-go usage beyond the plan, for the calendar month.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
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
    /// The spend expected over the next 24 hours.
    pub burn_usd_next_24h: Option<f64>,
    /// When the cap is reached (the median forecast); `None` if uncapped or not before the
    /// reset.
    pub limit_at: Option<i64>,
    /// The 10th percentile of when the cap is reached.
    pub limit_earliest: Option<i64>,
    /// The 90th percentile; `None` when not before the reset.
    pub limit_latest: Option<i64>,
    /// The chance (0 to 1) that the cap is reached before the end of tomorrow (local);
    /// `None` when uncapped, or while the forecast is learning.
    pub chance_limit_by_tomorrow: Option<f64>,
    /// The monthly cap the month would need, in nine futures out of ten (what is spent
    /// plus the rest of the month); `None` without a forecast.
    pub cap_needed_usd: Option<f64>,
    /// How the forecast was made, or why there is none.
    pub method: Option<String>,
    /// Seconds since it was reported.
    pub age_s: i64,
}

/// The prepaid usage-credit balance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
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
    /// The spend expected over the next 24 hours: the figure to quote beside the run-out.
    pub burn_usd_next_24h: Option<f64>,
    /// When it runs out (the median forecast): the next auto-reload when that is on, else
    /// an empty balance. Never before now; now when it is already there. `None` when
    /// nothing fell in the last 28 days (`method` says why).
    pub runs_out_at: Option<i64>,
    /// The 10th percentile: it runs out this soon in one future out of ten.
    pub runs_out_earliest: Option<i64>,
    /// The 90th percentile; `None` when one future in ten runs on past five weeks.
    pub runs_out_latest: Option<i64>,
    /// Hours from now until `runs_out_at`.
    pub runs_out_in_hours: Option<f64>,
    /// What `runs_out_at` means: an empty balance, or an auto-reload when that is on.
    pub runs_out_means: RunsOutMeans,
    /// The chance (0 to 1) that it runs out (or reloads) before the end of tomorrow
    /// (local); `None` while the forecast is learning or has nothing to learn from.
    pub chance_out_by_tomorrow: Option<f64>,
    /// How much to add so the balance lasts (above the auto-reload threshold when that is
    /// on), in nine futures out of ten; `None` without a forecast.
    pub topup_usd: Option<TopUp>,
    /// When the balance last rose (a top-up or a reload) in the last 28 days, unix seconds
    /// (the first reading after it).
    pub topped_up_at: Option<i64>,
    /// How the forecast was made, or why there is none.
    pub method: Option<String>,
    /// Seconds since the balance was reported.
    pub age_s: i64,
}

/// What the credits' run-out is: `empty` or `reload` in the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunsOutMeans {
    /// The balance reaches zero.
    #[default]
    Empty,
    /// Auto-reload tops it up at its threshold.
    Reload,
}

impl RunsOutMeans {
    /// Its word in the snapshot.
    pub fn as_str(self) -> &'static str {
        match self {
            RunsOutMeans::Empty => "empty",
            RunsOutMeans::Reload => "reload",
        }
    }
}

/// Auto-reload of the balance.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutoReload {
    /// Whether it is on.
    pub enabled: bool,
    /// It reloads when the balance falls below this.
    pub threshold_usd: Option<f64>,
    /// The balance a reload brings it back to.
    pub amount_usd: Option<f64>,
    /// How many reloads the next 30 days are expected to bring (the mean over the
    /// forecast's futures); `None` without a forecast or a reported amount.
    pub reloads_next_30d: Option<f64>,
    /// The balance to reload to so that it would reload about once a week (the threshold
    /// plus a week's median burn); `None` without a forecast.
    pub suggested_reload_to_usd: Option<f64>,
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
    seer: &Seer<'_>,
    store: &Store,
    account: &str,
    now: i64,
    resets_at: i64,
    tz: &jiff::tz::TimeZone,
) -> Result<Option<ExtraUsage>, StoreError> {
    let value = |m: &str| last(store, account, m, now);
    let (enabled, used) = (value(names::EXTRA_ENABLED)?, value(names::EXTRA_USED)?);
    let Some(newest) = [enabled, used].into_iter().flatten().map(|s| s.t).max() else {
        return Ok(None);
    };
    let capped = value(names::EXTRA_CAPPED)?.is_some_and(|s| s.v > 0.0);
    let limit = if capped {
        value(names::EXTRA_LIMIT)?.map(|s| s.v)
    } else {
        None
    };
    let history = seer.samples(names::EXTRA_USED)?;
    let week: Vec<Sample> = history
        .iter()
        .copied()
        .filter(|s| s.t >= now - DAILY_LOOKBACK_S)
        .collect();
    let per_day = burn::rate(&week, Direction::Rising).map(|r| r.per_hour * 24.0);
    // Uncapped: still worth knowing what the next day costs.
    let f = seer.ask(&Ask {
        metric: names::EXTRA_USED,
        samples: &history,
        direction: Direction::Rising,
        target: limit.unwrap_or(f64::INFINITY),
        horizon: resets_at,
        deadline: Some(crate::calendar::start_of_day(now, 2, tz)),
    })?;
    let used_usd = used.map(|s| s.v);
    let before_reset = |t: Option<i64>| t.filter(|&t| t < resets_at && limit.is_some());
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
        burn_usd_next_24h: f.next_24h,
        limit_at: before_reset(f.at),
        limit_earliest: before_reset(f.earliest),
        limit_latest: before_reset(f.latest),
        chance_limit_by_tomorrow: f.chance.filter(|_| limit.is_some()),
        cap_needed_usd: advice::cap_needed(f.futures.as_ref(), used_usd, resets_at),
        method: Some(f.method),
        age_s: (now - newest).max(0),
    }))
}

/// The auto-reload settings last reported, before any advice on them.
fn auto_reload(store: &Store, account: &str, now: i64) -> Result<Option<AutoReload>, StoreError> {
    let Some(on) = last(store, account, names::AUTO_RELOAD_ENABLED, now)? else {
        return Ok(None);
    };
    Ok(Some(AutoReload {
        enabled: on.v > 0.0,
        threshold_usd: last(store, account, names::AUTO_RELOAD_THRESHOLD, now)?.map(|s| s.v),
        amount_usd: last(store, account, names::AUTO_RELOAD_TO, now)?.map(|s| s.v),
        reloads_next_30d: None,
        suggested_reload_to_usd: None,
    }))
}

/// The balance's burn over the last hours and over the last days.
fn rates(history: &[Sample], now: i64) -> (Option<burn::Rate>, Option<burn::Rate>) {
    let window = |lookback: i64| -> Vec<Sample> {
        history
            .iter()
            .copied()
            .filter(|s| s.t >= now - lookback)
            .collect()
    };
    (
        burn::rate(&window(HOURLY_LOOKBACK_S), Direction::Falling),
        burn::rate(&window(DAILY_LOOKBACK_S), Direction::Falling),
    )
}

/// `s.credits`, or `None` when the balance was never reported.
pub fn credits(
    seer: &Seer<'_>,
    store: &Store,
    account: &str,
    now: i64,
    tz: &jiff::tz::TimeZone,
) -> Result<Option<Credits>, StoreError> {
    let Some(balance) = last(store, account, names::CREDITS_BALANCE, now)? else {
        return Ok(None);
    };
    let auto_reload = auto_reload(store, account, now)?;
    let history = seer.samples(names::CREDITS_BALANCE)?;
    let (hourly, daily) = rates(&history, now);
    let floor = Floor::of(auto_reload.as_ref());
    let f = run_out(
        seer,
        &history,
        floor,
        crate::calendar::start_of_day(now, 2, tz),
    )?;
    let mut auto_reload = auto_reload;
    if let Some(a) = auto_reload.as_mut().filter(|a| a.enabled) {
        (a.reloads_next_30d, a.suggested_reload_to_usd) = advice::reloads(
            f.futures.as_ref(),
            balance.v,
            a.threshold_usd,
            a.amount_usd,
            now,
        );
    }
    let month_end = crate::calendar::start_of_next_month(now, tz);
    Ok(Some(Credits {
        balance_usd: balance.v,
        currency: store
            .fact(account, names::CREDITS_CURRENCY)?
            .map(|(c, _)| c),
        auto_reload,
        burn_usd_per_hour: hourly.map(|r| r.per_hour),
        burn_usd_per_day: daily.map(|r| r.per_hour * 24.0),
        burn_usd_next_24h: f.next_24h,
        runs_out_at: f.at,
        runs_out_earliest: f.earliest,
        runs_out_latest: f.latest,
        runs_out_in_hours: f.at.map(|t| ((t - now) as f64 / 3600.0).max(0.0)),
        runs_out_means: match floor {
            Floor::Empty => RunsOutMeans::Empty,
            Floor::Reload(_) | Floor::ReloadUnknown => RunsOutMeans::Reload,
        },
        chance_out_by_tomorrow: f.chance,
        topup_usd: advice::top_up(
            f.futures.as_ref(),
            balance.v - floor.level(),
            now,
            month_end,
        ),
        topped_up_at: history
            .windows(2)
            .rev()
            .find(|w| w[1].v > w[0].v + TOP_UP_MIN_USD)
            .map(|w| w[1].t),
        method: Some(f.method),
        age_s: (now - balance.t).max(0),
    }))
}

/// The credit balance and when it is foreseen to run out (or reload), as [`credits`] says
/// it, from the forecast the status line keeps ([`Seer::glimpse`]); `None` when no source
/// reported a balance.
pub fn balance_glance(
    seer: &Seer<'_>,
    store: &Store,
    account: &str,
    now: i64,
    tz: &jiff::tz::TimeZone,
) -> Result<Option<(f64, Option<i64>)>, StoreError> {
    let Some(balance) = last(store, account, names::CREDITS_BALANCE, now)? else {
        return Ok(None);
    };
    let floor = Floor::of(auto_reload(store, account, now)?.as_ref());
    if let Floor::ReloadUnknown = floor {
        return Ok(Some((balance.v, None)));
    }
    let range = (
        now + forecast::MAX_AHEAD_S,
        Some(crate::calendar::start_of_day(now, 2, tz)),
    );
    let f = seer.glimpse(
        (names::CREDITS_BALANCE, balance),
        Direction::Falling,
        floor.level(),
        range,
    )?;
    Ok(Some((balance.v, f.at)))
}

/// The level the balance is forecast down to.
#[derive(Clone, Copy)]
enum Floor {
    /// Zero: auto-reload is off.
    Empty,
    /// Auto-reload's threshold: it reloads there.
    Reload(f64),
    /// Auto-reload is on, at a threshold not reported.
    ReloadUnknown,
}

impl Floor {
    /// The floor `auto_reload` sets.
    fn of(auto_reload: Option<&AutoReload>) -> Floor {
        match auto_reload {
            Some(a) if a.enabled => a.threshold_usd.map_or(Floor::ReloadUnknown, Floor::Reload),
            _ => Floor::Empty,
        }
    }

    /// The balance it stands for (zero when not reported: the balance lasts at least that
    /// long).
    fn level(self) -> f64 {
        match self {
            Floor::Reload(threshold) => threshold,
            Floor::Empty | Floor::ReloadUnknown => 0.0,
        }
    }
}

/// When the balance runs out: down to the auto-reload threshold when auto-reload is on,
/// else down to zero.
fn run_out(
    seer: &Seer<'_>,
    history: &[Sample],
    floor: Floor,
    deadline: i64,
) -> Result<Forecast, StoreError> {
    let (level, target) = match floor {
        Floor::ReloadUnknown => {
            return Ok(Forecast::none(
                "auto-reload is on but its threshold is not reported, so the next reload cannot \
                 be foreseen"
                    .into(),
            ));
        }
        Floor::Reload(threshold) => (
            threshold,
            format!(
                "the auto-reload threshold of {}",
                crate::format::usd(threshold)
            ),
        ),
        Floor::Empty => (0.0, "an empty balance".to_string()),
    };
    let f = seer.ask(&Ask {
        metric: names::CREDITS_BALANCE,
        samples: history,
        direction: Direction::Falling,
        target: level,
        horizon: seer.now() + forecast::MAX_AHEAD_S,
        deadline: Some(deadline),
    })?;
    Ok(Forecast {
        method: format!("to {target}: {}", f.method),
        ..f
    })
}
