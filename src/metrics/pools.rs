//! The pools' gauges, read from the typed snapshot of every account: credits, plan windows,
//! extra usage, API spend, per-app spend and source health. A value the snapshot does not
//! know is left out, never reported as 0.

use super::{Family, names};
use crate::snapshot::Account;
use std::collections::BTreeMap;

/// Every pool family, in the order the page shows them.
pub(super) fn families(accounts: &BTreeMap<String, Account>) -> Vec<Family> {
    let mut all = Vec::new();
    all.extend(credits(accounts));
    all.extend(windows(accounts));
    all.extend(extra_usage(accounts));
    all.extend(api(accounts));
    all.extend(ranges(accounts));
    all.extend(apps(accounts));
    all.extend(sources(accounts));
    all
}

fn credits(accounts: &BTreeMap<String, Account>) -> [Family; 3] {
    let mut balance = Family::new(names::CREDITS_BALANCE_USD);
    let mut burn = Family::new(names::CREDITS_BURN_USD_PER_HOUR);
    let mut out = Family::new(names::CREDITS_RUNS_OUT_AT_SECONDS);
    for (name, acc) in accounts {
        let Some(c) = &acc.credits else { continue };
        let a = [("account", name.as_str())];
        balance.add(&a, Some(c.balance_usd));
        burn.add(&a, c.burn_usd_per_hour);
        out.add(&a, c.runs_out_at.map(|t| t as f64));
    }
    [balance, burn, out]
}

fn windows(accounts: &BTreeMap<String, Account>) -> [Family; 4] {
    let mut used = Family::new(names::PLAN_WINDOW_USED_RATIO);
    let mut burn = Family::new(names::PLAN_WINDOW_BURN_RATIO_PER_HOUR);
    let mut full = Family::new(names::PLAN_WINDOW_FULL_AT_SECONDS);
    let mut reset = Family::new(names::PLAN_WINDOW_RESETS_AT_SECONDS);
    for (name, acc) in accounts {
        for (w, win) in &acc.plan.windows {
            let l = [("account", name.as_str()), ("window", w.as_str())];
            used.add(&l, Some(win.used_pct / 100.0));
            burn.add(&l, win.burn_pct_per_hour.map(|p| p / 100.0));
            full.add(&l, win.full_at.map(|t| t as f64));
            reset.add(&l, win.resets_at.map(|t| t as f64));
        }
    }
    [used, burn, full, reset]
}

fn extra_usage(accounts: &BTreeMap<String, Account>) -> [Family; 4] {
    let mut used = Family::new(names::EXTRA_USAGE_USED_USD);
    let mut limit = Family::new(names::EXTRA_USAGE_LIMIT_USD);
    let mut burn = Family::new(names::EXTRA_USAGE_BURN_USD_PER_DAY);
    let mut at = Family::new(names::EXTRA_USAGE_LIMIT_AT_SECONDS);
    for (name, acc) in accounts {
        let Some(x) = &acc.extra_usage else { continue };
        let a = [("account", name.as_str())];
        used.add(&a, x.used_usd);
        limit.add(&a, x.limit_usd);
        burn.add(&a, x.burn_usd_per_day);
        at.add(&a, x.limit_at.map(|t| t as f64));
    }
    [used, limit, burn, at]
}

fn api(accounts: &BTreeMap<String, Account>) -> [Family; 3] {
    let mut month = Family::new(names::API_MONTH_USD);
    let mut burn = Family::new(names::API_BURN_USD_PER_DAY);
    let mut projected = Family::new(names::API_MONTH_PROJECTED_USD);
    for (name, acc) in accounts {
        let Some(api) = &acc.api else { continue };
        let a = [("account", name.as_str())];
        month.add(&a, Some(api.month_usd));
        burn.add(&a, Some(api.burn_usd_per_day));
        projected.add(&a, Some(api.month_projected_usd));
    }
    [month, burn, projected]
}

fn apps(accounts: &BTreeMap<String, Account>) -> [Family; 2] {
    let mut spend = Family::new(names::APP_SPEND_USD);
    let mut burn = Family::new(names::APP_BURN_USD_PER_HOUR);
    for (name, acc) in accounts {
        for (app, a) in &acc.apps {
            let p = &a.spend_usd;
            let periods = [
                ("last_hour", p.last_hour),
                ("today", p.today),
                ("last_24h", p.last_24h),
                ("last_7d", p.last_7d),
                ("this_month", p.this_month),
            ];
            for (period, usd) in periods {
                let l = [("account", name.as_str()), ("app", app), ("period", period)];
                spend.add(&l, Some(usd));
            }
            let l = [("account", name.as_str()), ("app", app.as_str())];
            burn.add(&l, Some(a.burn_usd_per_hour));
        }
    }
    [spend, burn]
}

fn sources(accounts: &BTreeMap<String, Account>) -> [Family; 2] {
    let mut up = Family::new(names::SOURCE_UP);
    let mut success = Family::new(names::SOURCE_LAST_SUCCESS_SECONDS);
    for (name, acc) in accounts {
        for (source, health) in &acc.sources {
            let l = [("account", name.as_str()), ("source", source.as_str())];
            up.add(&l, Some(f64::from(u8::from(health.ok))));
            success.add(&l, health.last_success_at.map(|t| t as f64));
        }
    }
    [up, success]
}

/// The 10th and 90th percentiles of each forecast (the median is in its pool's family),
/// so a dashboard can draw the range.
fn ranges(accounts: &BTreeMap<String, Account>) -> [Family; 8] {
    let mut f = [
        names::CREDITS_RUNS_OUT_EARLIEST_SECONDS,
        names::CREDITS_RUNS_OUT_LATEST_SECONDS,
        names::PLAN_WINDOW_FULL_EARLIEST_SECONDS,
        names::PLAN_WINDOW_FULL_LATEST_SECONDS,
        names::EXTRA_USAGE_LIMIT_EARLIEST_SECONDS,
        names::EXTRA_USAGE_LIMIT_LATEST_SECONDS,
        names::API_MONTH_PROJECTED_LOW_USD,
        names::API_MONTH_PROJECTED_HIGH_USD,
    ]
    .map(Family::new);
    let t = |v: Option<i64>| v.map(|t| t as f64);
    for (name, acc) in accounts {
        let a = [("account", name.as_str())];
        if let Some(c) = &acc.credits {
            f[0].add(&a, t(c.runs_out_earliest));
            f[1].add(&a, t(c.runs_out_latest));
        }
        for (w, win) in &acc.plan.windows {
            let l = [("account", name.as_str()), ("window", w.as_str())];
            f[2].add(&l, t(win.full_earliest));
            f[3].add(&l, t(win.full_latest));
        }
        if let Some(x) = &acc.extra_usage {
            f[4].add(&a, t(x.limit_earliest));
            f[5].add(&a, t(x.limit_latest));
        }
        if let Some(api) = &acc.api {
            f[6].add(&a, Some(api.month_projected_low_usd));
            f[7].add(&a, Some(api.month_projected_high_usd));
        }
    }
    f
}
