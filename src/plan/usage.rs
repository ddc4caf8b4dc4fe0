//! What one period's stored history says was used: each local day's peak of the 5-hour
//! window and of the weekly windows, what extra usage and the credit balance spent, and
//! what every app's use would have cost at API prices.

use crate::calendar;
use crate::names;
use crate::store::{Sample, Store, StoreError};
use jiff::tz::TimeZone;
use std::collections::BTreeMap;

/// Peaks are read in buckets this long: every time zone's offset is a multiple of it, so a
/// bucket never straddles a local midnight.
const BUCKET_S: i64 = 900;

/// What a period used.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    /// Each local day (its start) with window readings, and its peaks.
    pub days: BTreeMap<i64, Peaks>,
    /// What extra usage rose by (resets ignored); `None` when never read in the period.
    pub extra_usd: Option<f64>,
    /// What the credit balance fell by (top-ups ignored); `None` when never read.
    pub credits_usd: Option<f64>,
    /// What every app's use cost at API prices: the transcripts, and the apps a command
    /// reports (which replace the transcripts' figure for an app of the same name).
    pub api_usd: f64,
}

/// One day's peaks, percent; `None` when that window was not read that day.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Peaks {
    /// The 5-hour window's.
    pub five_hour: Option<f64>,
    /// The highest weekly window's.
    pub weekly: Option<f64>,
}

/// What `account` used from `from` to `to` (local days in `tz`).
pub fn read(
    store: &Store,
    account: &str,
    from: i64,
    to: i64,
    tz: &TimeZone,
) -> Result<Usage, StoreError> {
    let mut usage = Usage::default();
    let (prefix, suffix) = names::window_used_pattern();
    for name in store.metrics(account, prefix, suffix)? {
        let window = &name[prefix.len()..name.len() - suffix.len()];
        let weekly = match window {
            "five_hour" => false,
            w if w.starts_with("seven_day") => true,
            _ => continue,
        };
        let mut day = (i64::MIN, i64::MIN);
        for p in store.peaks(account, &name, from, to - 1, BUCKET_S)? {
            // One time-zone lookup per day, not per bucket.
            if p.t >= day.1 || p.t < day.0 {
                let start = calendar::start_of_day(p.t, 0, tz);
                day = (start, calendar::start_of_day(p.t, 1, tz));
            }
            let entry = usage.days.entry(day.0).or_default();
            let slot = match weekly {
                true => &mut entry.weekly,
                false => &mut entry.five_hour,
            };
            *slot = Some(slot.map_or(p.v, |v: f64| v.max(p.v)));
        }
    }
    usage.extra_usd = moved(store, account, names::EXTRA_USED, from, to, 1.0)?;
    usage.credits_usd = moved(store, account, names::CREDITS_BALANCE, from, to, -1.0)?;
    usage.api_usd = api_equivalent(store, account, from, to)?;
    Ok(usage)
}

/// How far a level moved in `sign`'s direction from `from` to `to` (from the last reading
/// before it), the other way's moves ignored; `None` without a reading in the period.
fn moved(
    store: &Store,
    account: &str,
    metric: &str,
    from: i64,
    to: i64,
    sign: f64,
) -> Result<Option<f64>, StoreError> {
    let mut samples = store.samples(account, metric, from, to - 1)?;
    if samples.is_empty() {
        return Ok(None);
    }
    if let Some((before, _)) = store.last_sample(account, metric, from - 1)? {
        samples.insert(0, before);
    }
    Ok(Some(
        samples
            .windows(2)
            .map(|w: &[Sample]| (sign * (w[1].v - w[0].v)).max(0.0))
            .sum(),
    ))
}

/// The transcripts' spend per app plus what commands reported, an app a command reports
/// counted once.
fn api_equivalent(store: &Store, account: &str, from: i64, to: i64) -> Result<f64, StoreError> {
    let reported = crate::snapshot::reported_between(store, account, from, to)?;
    let transcripts: f64 = store
        .spend_buckets(account, from, to - 1, (to - from).max(1))?
        .iter()
        .filter(|b| !reported.contains_key(&b.app))
        .map(|b| b.cost_usd)
        .sum();
    Ok(transcripts + reported.values().sum::<f64>())
}
