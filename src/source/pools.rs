//! Writing pool readings (plan windows, extra usage, the credit balance, the plan name)
//! as samples and facts, one transaction per reading. The metric names here are what the
//! snapshot reads, whichever source reported them.

use crate::source::claude_oauth::decode::{Balance, Cap, Reload, Usage};
use crate::source::statusline::{resets_metric, used_metric};
use crate::store::{Sample, Store, StoreError};

/// Where a reading came from: its account and source.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    /// The account it belongs to.
    pub account: &'a str,
    /// The source that read it.
    pub source: &'a str,
}

fn sample(store: &Store, o: Origin<'_>, metric: &str, t: i64, v: f64) -> Result<(), StoreError> {
    store.record_sample(o.account, metric, Sample { t, v }, o.source)
}

fn flag(on: bool) -> f64 {
    if on { 1.0 } else { 0.0 }
}

/// Records the windows and extra usage; returns a summary.
pub fn usage(store: &Store, o: Origin<'_>, usage: &Usage, now: i64) -> Result<String, StoreError> {
    store.atomically(|store| {
        for w in &usage.windows {
            sample(store, o, &used_metric(&w.name), now, w.used_pct)?;
            if let Some(r) = w.resets_at {
                sample(store, o, &resets_metric(&w.name), now, r as f64)?;
            }
        }
        if let Some(e) = &usage.extra {
            if let Some(on) = e.enabled {
                sample(store, o, crate::names::EXTRA_ENABLED, now, flag(on))?;
            }
            if let Some(used) = e.used {
                sample(store, o, crate::names::EXTRA_USED, now, used)?;
            }
            match e.limit {
                Cap::Unknown => {}
                Cap::Uncapped => sample(store, o, crate::names::EXTRA_CAPPED, now, 0.0)?,
                Cap::Usd(limit) => {
                    sample(store, o, crate::names::EXTRA_CAPPED, now, 1.0)?;
                    sample(store, o, crate::names::EXTRA_LIMIT, now, limit)?;
                }
            }
            if let Some(c) = &e.currency {
                store.set_fact(o.account, crate::names::EXTRA_CURRENCY, c, now, o.source)?;
            }
        }
        Ok(())
    })?;
    let names: Vec<String> = usage
        .windows
        .iter()
        .map(|w| crate::format::window_name(&w.name))
        .collect();
    let extra = if usage.extra.is_some() {
        ", extra usage"
    } else {
        ""
    };
    Ok(format!("windows [{}]{extra}", names.join(", ")))
}

/// Records the prepaid balance and auto-reload; returns a summary.
pub fn balance(store: &Store, o: Origin<'_>, b: &Balance, now: i64) -> Result<String, StoreError> {
    store.atomically(|store| {
        if let Some(v) = b.amount {
            sample(store, o, crate::names::CREDITS_BALANCE, now, v)?;
        }
        if let Some(c) = &b.currency {
            store.set_fact(o.account, crate::names::CREDITS_CURRENCY, c, now, o.source)?;
        }
        match &b.auto_reload {
            Reload::Unknown => {}
            Reload::Off => sample(store, o, crate::names::AUTO_RELOAD_ENABLED, now, 0.0)?,
            Reload::Set(a) => {
                sample(
                    store,
                    o,
                    crate::names::AUTO_RELOAD_ENABLED,
                    now,
                    flag(a.enabled),
                )?;
                if let Some(t) = a.threshold {
                    sample(store, o, crate::names::AUTO_RELOAD_THRESHOLD, now, t)?;
                }
                if let Some(r) = a.reload_to {
                    sample(store, o, crate::names::AUTO_RELOAD_TO, now, r)?;
                }
            }
        }
        Ok(())
    })?;
    Ok(match b.amount {
        Some(v) => format!("credit balance {}", crate::format::usd(v)),
        None => "credit balance unknown".to_string(),
    })
}

/// Records a fact of the plan: its name (`names::PLAN_NAME`: `max`, `pro`, ...) or its
/// rate-limit tier (`names::PLAN_TIER`: `default_claude_max_20x`, ...).
pub(crate) fn plan_fact(
    store: &Store,
    o: Origin<'_>,
    fact: &str,
    value: &str,
    now: i64,
) -> Result<(), StoreError> {
    store.set_fact(o.account, fact, value, now, o.source)
}
