//! `s.apps[...]` for apps a `command` source reports (Cursor, a company proxy, ...).
//!
//! A reported figure counts while its period lasts: `today` until local midnight,
//! `this_month` until the month ends, `last_hour`, `last_24h` and `last_7d` for an hour.
//! A period the command does not report (or reported too long ago) is worked out from
//! the rises of the cumulative figure it does report (`this_month`, else `today`), each
//! rise counted at the time it was reported, so resets never read as negative spend.
//! The burn is those rises over the last 3 hours.

use super::apps::{App, BURN_WINDOW_H};
use crate::calendar;
use crate::price::Tokens;
use crate::source::command::reading::{PERIODS, TOKEN_KINDS};
use crate::source::command::{spend_metric, tokens_metric};
use crate::store::{Sample, Store, StoreError};
use jiff::tz::TimeZone;
use std::collections::{BTreeMap, BTreeSet};

/// Every app a command has reported for `account`, at `now`.
pub fn apps(
    store: &Store,
    account: &str,
    now: i64,
    tz: &TimeZone,
) -> Result<BTreeMap<String, App>, StoreError> {
    let mut apps = BTreeMap::new();
    for name in names(store, account)? {
        if let Some(app) = app(store, account, &name, now, tz)? {
            apps.insert(name, app);
        }
    }
    Ok(apps)
}

/// The apps a command has reported for `account`.
fn names(store: &Store, account: &str) -> Result<BTreeSet<String>, StoreError> {
    Ok(store
        .metrics(account, "app.", "")?
        .iter()
        .filter_map(|m| m["app.".len()..].split('.').next().map(str::to_string))
        .collect())
}

fn app(
    store: &Store,
    account: &str,
    name: &str,
    now: i64,
    tz: &TimeZone,
) -> Result<Option<App>, StoreError> {
    let (day, month) = (
        calendar::start_of_day(now, 0, tz),
        calendar::start_of_month(now, tz),
    );
    // In PERIODS order: where each period starts, and since when a report of it is current.
    let starts = [now - 3600, day, now - 86_400, now - 7 * 86_400, month];
    let current_since = [now - 3600, day, now - 3600, now - 3600, month];
    let counter = cumulative(store, account, name, starts[3].min(month), now)?;
    let mut spend = [0.0; 5];
    let mut reported = [false; 5];
    for (i, period) in PERIODS.iter().enumerate() {
        let sample = store
            .last_sample(account, &spend_metric(name, period), now)?
            .filter(|(s, _)| s.t >= current_since[i]);
        reported[i] = sample.is_some();
        spend[i] = sample.map_or_else(|| rises(&counter, starts[i]), |(s, _)| s.v);
    }
    // A worked-out period is never less than a reported one it contains.
    let [hour, today, day, week, month_] = [0, 1, 2, 3, 4];
    for (outer, inner) in [(day, hour), (day, today), (week, day), (month_, today)] {
        if !reported[outer] {
            spend[outer] = spend[outer].max(spend[inner]);
        }
    }
    let known = reported.contains(&true) || !counter.is_empty();
    let tokens = tokens(store, account, name, month, now)?;
    if !known && tokens.is_none() {
        return Ok(None); // nothing reported this month
    }
    let mut app = App {
        burn_usd_per_hour: rises(&counter, now - BURN_WINDOW_H * 3600) / BURN_WINDOW_H as f64,
        tokens: tokens.unwrap_or_default(),
        ..App::default()
    };
    let p = &mut app.spend_usd;
    (p.last_hour, p.today, p.last_24h, p.last_7d, p.this_month) =
        (spend[0], spend[1], spend[2], spend[3], spend[4]);
    Ok(Some(app))
}

/// What each app a command reports spent from `from` to `to`: the rises of its cumulative
/// figure (for `creditwatch plan`, which compares whole months).
pub fn between(
    store: &Store,
    account: &str,
    from: i64,
    to: i64,
) -> Result<BTreeMap<String, f64>, StoreError> {
    let mut out = BTreeMap::new();
    for name in names(store, account)? {
        let counter = cumulative(store, account, &name, from, to - 1)?;
        if !counter.is_empty() {
            out.insert(name, rises(&counter, from));
        }
    }
    Ok(out)
}

/// The samples of the cumulative figure the command reports, from the last one before
/// `since` (the baseline) to `now`.
fn cumulative(
    store: &Store,
    account: &str,
    name: &str,
    since: i64,
    now: i64,
) -> Result<Vec<Sample>, StoreError> {
    for period in ["this_month", "today"] {
        let metric = spend_metric(name, period);
        let mut samples = store.samples(account, &metric, since, now)?;
        if samples.is_empty() {
            continue;
        }
        if let Some((before, _)) = store.last_sample(account, &metric, since - 1)? {
            samples.insert(0, before);
        }
        return Ok(samples);
    }
    Ok(Vec::new())
}

/// What the figure rose by after `since` (falls are resets, not refunds).
fn rises(samples: &[Sample], since: i64) -> f64 {
    samples
        .windows(2)
        .filter(|w| w[1].t > since)
        .map(|w| (w[1].v - w[0].v).max(0.0))
        .sum()
}

fn tokens(
    store: &Store,
    account: &str,
    name: &str,
    month: i64,
    now: i64,
) -> Result<Option<Tokens>, StoreError> {
    let mut t = Tokens::default();
    let mut cache_write = None;
    let mut any = false;
    for kind in TOKEN_KINDS {
        let Some((s, _)) = store
            .last_sample(account, &tokens_metric(name, kind), now)?
            .filter(|(s, _)| s.t >= month)
        else {
            continue;
        };
        any = true;
        let n = s.v.max(0.0) as u64;
        match kind {
            "input" => t.input = n,
            "output" => t.output = n,
            "cache_read" => t.cache_read = n,
            "cache_write" => cache_write = Some(n),
            "cache_write_5m" => t.cache_write_5m = n,
            _ => t.cache_write_1h = n,
        }
    }
    // Cache writes reported without their lengths count as 5-minute writes.
    if let Some(n) = cache_write.filter(|_| t.cache_write() == 0) {
        t.cache_write_5m = n;
    }
    Ok(any.then_some(t))
}
