//! `s.plan.windows[...]`: each live plan window, its burn rate and when it fills.
//!
//! The burn rate is the rise of `used_pct` per hour between the oldest and newest samples
//! of the current window period within the last hour, or over the whole period when the
//! last hour holds less than [`MIN_SPAN_S`] of samples. Samples from before the last reset
//! (a different `resets_at`) never count, so a reset is not read as negative burn. When it
//! fills is the forecaster's: learned from how the user filled the window over the last 28
//! days (its rises; resets ignored), before the window resets.

use super::foresee::{Ask, Seer};
use crate::forecast::Direction;
use crate::source::statusline::resets_metric;
use crate::store::{Sample, Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Full.
const FULL_PCT: f64 = 100.0;
/// Samples must span at least this long to give a burn rate.
pub const MIN_SPAN_S: i64 = 300;
/// The preferred span of samples for the burn rate.
pub const BURN_LOOKBACK_S: i64 = 3600;
/// Two reset times closer than this are the same window period (servers round them).
const SAME_PERIOD_S: f64 = 600.0;

/// One plan window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Window {
    /// Percent used (may exceed 100).
    pub used_pct: f64,
    /// When the window resets, unix seconds; `None` when not started.
    pub resets_at: Option<i64>,
    /// Percent per hour over the last hour of this window period; `None` without enough
    /// samples.
    pub burn_pct_per_hour: Option<f64>,
    /// When it reaches 100 % (the median forecast); `None` if not before it resets. Now
    /// when it is already at 100 % or more.
    pub full_at: Option<i64>,
    /// The 10th percentile of when it reaches 100 %; `None` if not before it resets.
    pub full_earliest: Option<i64>,
    /// The 90th percentile; `None` if not before it resets.
    pub full_latest: Option<i64>,
    /// The chance (0 to 1) that it reaches 100 % before it resets; `None` while the
    /// forecast is learning or has nothing to learn from.
    pub chance_full_before_reset: Option<f64>,
    /// How the forecast was made, or why there is none.
    pub method: String,
    /// The source that reported it.
    pub source: String,
    /// Seconds since it was reported.
    pub age_s: i64,
}

/// Every window whose reset time has not passed.
pub fn build(
    seer: &Seer<'_>,
    store: &Store,
    account: &str,
    now: i64,
) -> Result<BTreeMap<String, Window>, StoreError> {
    let mut windows = BTreeMap::new();
    let (prefix, suffix) = crate::names::window_used_pattern();
    for metric in store.metrics(account, prefix, suffix)? {
        let Some(name) = crate::names::window_of(&metric) else {
            continue;
        };
        if let Some(w) = one(seer, store, account, name, now)? {
            windows.insert(name.to_string(), w);
        }
    }
    Ok(windows)
}

/// The window `name`, if it was reported and has not reset since.
pub fn one(
    seer: &Seer<'_>,
    store: &Store,
    account: &str,
    name: &str,
    now: i64,
) -> Result<Option<Window>, StoreError> {
    let metric = crate::names::window_used(name);
    let Some((last, source, resets_at)) = live(store, account, name, now)? else {
        return Ok(None);
    };
    // Its rises over the last 28 days, every period of it: how this user fills it.
    let history = seer.samples(&metric)?;
    let burn = burn_rate(store, account, name, &history, &last, resets_at, now)?;
    let horizon = resets_at.unwrap_or(now);
    let f = seer.ask(&Ask {
        metric: &metric,
        samples: &history,
        direction: Direction::Rising,
        target: FULL_PCT,
        horizon,
        deadline: Some(horizon),
    })?;
    // Without a reset time nothing says how long the window has to fill, and the forecast
    // would run only to now: no time at all rather than one in the past.
    let before_reset = |t: Option<i64>| t.filter(|&t| resets_at.is_some_and(|r| t < r));
    Ok(Some(Window {
        used_pct: last.v,
        resets_at,
        burn_pct_per_hour: burn,
        full_at: before_reset(f.at),
        full_earliest: before_reset(f.earliest),
        full_latest: before_reset(f.latest),
        chance_full_before_reset: f.chance.filter(|_| resets_at.is_some()),
        method: f.method,
        source,
        age_s: (now - last.t).max(0),
    }))
}

/// When the window `name` is foreseen full before it resets, as [`one`] says it, from the
/// forecast the status line keeps ([`Seer::glimpse`]).
pub fn full_at(
    seer: &Seer<'_>,
    store: &Store,
    account: &str,
    name: &str,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let Some((last, _, Some(resets_at))) = live(store, account, name, now)? else {
        return Ok(None);
    };
    let metric = crate::names::window_used(name);
    let range = (resets_at, Some(resets_at));
    let f = seer.glimpse((&metric, last), Direction::Rising, FULL_PCT, range)?;
    Ok(f.at.filter(|&t| t < resets_at))
}

/// The window's last reading, its source and reset time, if it was reported and has not
/// reset since.
fn live(
    store: &Store,
    account: &str,
    name: &str,
    now: i64,
) -> Result<Option<(Sample, String, Option<i64>)>, StoreError> {
    let metric = crate::names::window_used(name);
    let Some((last, source)) = store.last_sample(account, &metric, now)? else {
        return Ok(None);
    };
    let resets_at = store
        .last_sample(account, &resets_metric(name), now)?
        .filter(|(r, _)| r.t == last.t)
        .map(|(r, _)| r.v as i64);
    // Not live: it has reset since it was reported.
    Ok(resets_at
        .is_none_or(|r| r > now)
        .then_some((last, source, resets_at)))
}

fn burn_rate(
    store: &Store,
    account: &str,
    name: &str,
    history: &[Sample],
    last: &Sample,
    resets_at: Option<i64>,
    now: i64,
) -> Result<Option<f64>, StoreError> {
    let Some(reset) = resets_at else {
        return Ok(None);
    };
    let since = now - 8 * 86_400;
    let resets = store.samples(account, &resets_metric(name), since, now)?;
    let resets: BTreeMap<i64, f64> = resets.into_iter().map(|s| (s.t, s.v)).collect();
    let period: Vec<Sample> = history
        .iter()
        .copied()
        .filter(|s| s.t >= since)
        .filter(|s| {
            resets
                .get(&s.t)
                .is_some_and(|r| (r - reset as f64).abs() < SAME_PERIOD_S)
        })
        .collect();
    let recent: Vec<Sample> = period
        .iter()
        .copied()
        .filter(|s| s.t >= last.t - BURN_LOOKBACK_S)
        .collect();
    let pick = if span(&recent) >= MIN_SPAN_S {
        &recent
    } else {
        &period
    };
    Ok(slope_per_hour(pick))
}

fn span(samples: &[Sample]) -> i64 {
    match (samples.first(), samples.last()) {
        (Some(a), Some(b)) => b.t - a.t,
        _ => 0,
    }
}

fn slope_per_hour(samples: &[Sample]) -> Option<f64> {
    let (first, last) = (samples.first()?, samples.last()?);
    if last.t - first.t < MIN_SPAN_S {
        return None;
    }
    let rate = (last.v - first.v) / ((last.t - first.t) as f64 / 3600.0);
    Some(rate.max(0.0))
}
