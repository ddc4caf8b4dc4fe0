//! The pools' gauges, read from the typed snapshot of every account: credits, plan windows,
//! extra usage, API spend, per-app spend and source health. A value the snapshot does not
//! know is left out, never reported as 0.

use super::Family;
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
    let mut balance = Family::new(
        "creditwatch_credits_balance_usd",
        "Prepaid usage-credit balance, USD.",
    );
    let mut burn = Family::new(
        "creditwatch_credits_burn_usd_per_hour",
        "How fast the credit balance falls, USD per hour.",
    );
    let mut out = Family::new(
        "creditwatch_credits_runs_out_at_seconds",
        "When the credit balance is projected to run out, unix seconds.",
    );
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
    let mut used = Family::new(
        "creditwatch_plan_window_used_ratio",
        "Share of a plan window used, 0 to 1.",
    );
    let mut burn = Family::new(
        "creditwatch_plan_window_burn_ratio_per_hour",
        "How fast a plan window fills, share per hour.",
    );
    let mut full = Family::new(
        "creditwatch_plan_window_full_at_seconds",
        "When a plan window is projected to be full, unix seconds.",
    );
    let mut reset = Family::new(
        "creditwatch_plan_window_resets_at_seconds",
        "When a plan window resets, unix seconds.",
    );
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
    let mut used = Family::new(
        "creditwatch_extra_usage_used_usd",
        "Extra usage spent this month, USD.",
    );
    let mut limit = Family::new(
        "creditwatch_extra_usage_limit_usd",
        "The monthly extra-usage cap, USD.",
    );
    let mut burn = Family::new(
        "creditwatch_extra_usage_burn_usd_per_day",
        "How fast extra usage is spent, USD per day.",
    );
    let mut at = Family::new(
        "creditwatch_extra_usage_limit_at_seconds",
        "When extra usage is projected to reach its cap, unix seconds.",
    );
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
    let mut month = Family::new("creditwatch_api_month_usd", "API spend this month, USD.");
    let mut burn = Family::new(
        "creditwatch_api_burn_usd_per_day",
        "API spend rate, USD per day.",
    );
    let mut projected = Family::new(
        "creditwatch_api_month_projected_usd",
        "API spend projected for the whole month, USD.",
    );
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
    let mut spend = Family::new(
        "creditwatch_app_spend_usd",
        "What an app spent over a period, USD.",
    );
    let mut burn = Family::new(
        "creditwatch_app_burn_usd_per_hour",
        "An app's spend over the last hour, USD per hour.",
    );
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
    let mut up = Family::new(
        "creditwatch_source_up",
        "1 when a source's last attempt worked.",
    );
    let mut success = Family::new(
        "creditwatch_source_last_success_seconds",
        "When a source last worked, unix seconds.",
    );
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
        (
            "creditwatch_credits_runs_out_earliest_seconds",
            "Credits run out: 10th percentile of the forecast, unix seconds.",
        ),
        (
            "creditwatch_credits_runs_out_latest_seconds",
            "Credits run out: 90th percentile of the forecast, unix seconds.",
        ),
        (
            "creditwatch_plan_window_full_earliest_seconds",
            "A plan window is full: 10th percentile, unix seconds.",
        ),
        (
            "creditwatch_plan_window_full_latest_seconds",
            "A plan window is full: 90th percentile, unix seconds.",
        ),
        (
            "creditwatch_extra_usage_limit_earliest_seconds",
            "Extra usage reaches its cap: 10th percentile, unix seconds.",
        ),
        (
            "creditwatch_extra_usage_limit_latest_seconds",
            "Extra usage reaches its cap: 90th percentile, unix seconds.",
        ),
        (
            "creditwatch_api_month_projected_low_usd",
            "API spend projected for the month: low end, USD.",
        ),
        (
            "creditwatch_api_month_projected_high_usd",
            "API spend projected for the month: high end, USD.",
        ),
    ]
    .map(|(name, help)| Family::new(name, help));
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
