//! Turning decoded answers into samples and facts, one transaction per answer.

use super::NAME;
use super::decode::{Balance, Usage};
use crate::source::statusline::{resets_metric, used_metric};
use crate::store::{Sample, Store, StoreError};

/// The fact that holds the organisation id.
pub const ORG_FACT: &str = "organization.uuid";

fn sample(store: &Store, account: &str, metric: &str, t: i64, v: f64) -> Result<(), StoreError> {
    store.record_sample(account, metric, Sample { t, v }, NAME)
}

fn flag(on: bool) -> f64 {
    if on { 1.0 } else { 0.0 }
}

/// Records the windows and extra usage; returns a summary.
pub fn usage(store: &Store, account: &str, usage: &Usage, now: i64) -> Result<String, StoreError> {
    store.atomically(|store| {
        for w in &usage.windows {
            sample(store, account, &used_metric(&w.name), now, w.used_pct)?;
            if let Some(r) = w.resets_at {
                sample(store, account, &resets_metric(&w.name), now, r as f64)?;
            }
        }
        if let Some(e) = &usage.extra {
            if let Some(on) = e.enabled {
                sample(store, account, "extra_usage.enabled", now, flag(on))?;
            }
            if let Some(used) = e.used {
                sample(store, account, "extra_usage.used_usd", now, used)?;
            }
            if let Some(limit) = e.limit {
                sample(
                    store,
                    account,
                    "extra_usage.capped",
                    now,
                    flag(limit.is_some()),
                )?;
                if let Some(l) = limit {
                    sample(store, account, "extra_usage.limit_usd", now, l)?;
                }
            }
            if let Some(c) = &e.currency {
                store.set_fact(account, "extra_usage.currency", c, now, NAME)?;
            }
        }
        Ok(())
    })?;
    let names: Vec<&str> = usage.windows.iter().map(|w| w.name.as_str()).collect();
    let extra = if usage.extra.is_some() {
        ", extra usage"
    } else {
        ""
    };
    Ok(format!("windows [{}]{extra}", names.join(", ")))
}

/// Records the prepaid balance and auto-reload; returns a summary.
pub fn balance(store: &Store, account: &str, b: &Balance, now: i64) -> Result<String, StoreError> {
    store.atomically(|store| {
        if let Some(v) = b.amount {
            sample(store, account, "credits.balance_usd", now, v)?;
        }
        if let Some(c) = &b.currency {
            store.set_fact(account, "credits.currency", c, now, NAME)?;
        }
        match &b.auto_reload {
            None => {}
            Some(None) => sample(store, account, "credits.auto_reload.enabled", now, 0.0)?,
            Some(Some(a)) => {
                sample(
                    store,
                    account,
                    "credits.auto_reload.enabled",
                    now,
                    flag(a.enabled),
                )?;
                if let Some(t) = a.threshold {
                    sample(store, account, "credits.auto_reload.threshold_usd", now, t)?;
                }
                if let Some(r) = a.reload_to {
                    sample(store, account, "credits.auto_reload.reload_to_usd", now, r)?;
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

/// Records the plan name (`max`, `pro`, ...).
pub fn plan_name(store: &Store, account: &str, plan: &str, now: i64) -> Result<(), StoreError> {
    store.set_fact(account, "plan.name", plan, now, NAME)
}

/// Records the organisation and, when the credentials did not name the plan, its kind.
pub fn organization(
    store: &Store,
    account: &str,
    org: &str,
    kind: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    store.set_fact(account, ORG_FACT, org, now, NAME)?;
    if let Some(kind) = kind
        && store.fact(account, "plan.name")?.is_none()
    {
        let plan = kind.strip_prefix("claude_").unwrap_or(kind);
        store.set_fact(account, "plan.name", plan, now, NAME)?;
    }
    Ok(())
}
