//! The Prometheus endpoint: each pool's level, burn rate and projected run-out, per-app
//! spend, source health, alerts and the outbox, in the text exposition format.
//!
//! The daemon renders the page after every cycle from the snapshot it just built (and the
//! store's alert and outbox counts) and [`serve`] hands out the latest page, so a scrape
//! never touches the database or the sources. Every gauge carries an `account` label, so a
//! team can scrape every member's daemon and tell them apart by instance.

mod serve;

pub use serve::{MetricsError, serve};

use crate::store::AlertRow;
use crate::vocab::{AlertState, OutboxState};
use serde_json::Value;
use std::fmt::Write as _;

/// One metric family: its samples with their labels.
struct Family {
    name: &'static str,
    help: &'static str,
    samples: Vec<(Vec<(&'static str, String)>, f64)>,
}

impl Family {
    fn new(name: &'static str, help: &'static str) -> Family {
        Family {
            name,
            help,
            samples: Vec::new(),
        }
    }

    /// Adds a sample when `value` is a number (a null field is left out, not zero).
    fn add(&mut self, labels: &[(&'static str, &str)], value: Option<f64>) {
        if let Some(v) = value.filter(|v| v.is_finite()) {
            let labels = labels.iter().map(|(k, v)| (*k, v.to_string())).collect();
            self.samples.push((labels, v));
        }
    }

    fn write(&self, out: &mut String) {
        if self.samples.is_empty() {
            return;
        }
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} gauge", self.name);
        for (labels, value) in &self.samples {
            out.push_str(self.name);
            if !labels.is_empty() {
                let inner: Vec<String> = labels
                    .iter()
                    .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                    .collect();
                let _ = write!(out, "{{{}}}", inner.join(","));
            }
            let _ = writeln!(out, " {value}");
        }
    }
}

/// Escapes a label value as the text format asks.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn num(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_f64()
}

fn flag(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter()
        .try_fold(v, |v, k| v.get(k))?
        .as_bool()
        .map(|b| f64::from(u8::from(b)))
}

/// What the page is made from besides the snapshot.
pub struct Counts<'a> {
    /// Every alert instance.
    pub alerts: &'a [AlertRow],
    /// Outbox rows by delivery state.
    pub outbox: &'a [(OutboxState, i64)],
    /// When the cycle ran, unix seconds.
    pub now: i64,
}

/// Renders the page from a snapshot (as `check --json` prints it) and the counts.
pub fn render(snapshot: &Value, counts: &Counts) -> String {
    let mut families = pool_families(snapshot);
    families.extend(state_families(counts));
    let mut out = String::new();
    for f in &families {
        f.write(&mut out);
    }
    out
}

fn pool_families(snapshot: &Value) -> Vec<Family> {
    let mut credits = Family::new(
        "creditwatch_credits_balance_usd",
        "Prepaid usage-credit balance, USD.",
    );
    let mut credits_burn = Family::new(
        "creditwatch_credits_burn_usd_per_hour",
        "How fast the credit balance falls, USD per hour.",
    );
    let mut credits_out = Family::new(
        "creditwatch_credits_runs_out_at_seconds",
        "When the credit balance is projected to run out, unix seconds.",
    );
    let mut window = Family::new(
        "creditwatch_plan_window_used_ratio",
        "Share of a plan window used, 0 to 1.",
    );
    let mut window_burn = Family::new(
        "creditwatch_plan_window_burn_ratio_per_hour",
        "How fast a plan window fills, share per hour.",
    );
    let mut window_full = Family::new(
        "creditwatch_plan_window_full_at_seconds",
        "When a plan window is projected to be full, unix seconds.",
    );
    let mut window_reset = Family::new(
        "creditwatch_plan_window_resets_at_seconds",
        "When a plan window resets, unix seconds.",
    );
    let mut extra = Family::new(
        "creditwatch_extra_usage_used_usd",
        "Extra usage spent this month, USD.",
    );
    let mut extra_limit = Family::new(
        "creditwatch_extra_usage_limit_usd",
        "The monthly extra-usage cap, USD.",
    );
    let mut extra_burn = Family::new(
        "creditwatch_extra_usage_burn_usd_per_day",
        "How fast extra usage is spent, USD per day.",
    );
    let mut extra_at = Family::new(
        "creditwatch_extra_usage_limit_at_seconds",
        "When extra usage is projected to reach its cap, unix seconds.",
    );
    let mut api = Family::new("creditwatch_api_month_usd", "API spend this month, USD.");
    let mut api_burn = Family::new(
        "creditwatch_api_burn_usd_per_day",
        "API spend rate, USD per day.",
    );
    let mut api_proj = Family::new(
        "creditwatch_api_month_projected_usd",
        "API spend projected for the whole month, USD.",
    );
    let mut app = Family::new(
        "creditwatch_app_spend_usd",
        "What an app spent over a period, USD.",
    );
    let mut app_burn = Family::new(
        "creditwatch_app_burn_usd_per_hour",
        "An app's spend over the last hour, USD per hour.",
    );
    let mut up = Family::new(
        "creditwatch_source_up",
        "1 when a source's last attempt worked.",
    );
    let mut success = Family::new(
        "creditwatch_source_last_success_seconds",
        "When a source last worked, unix seconds.",
    );
    let accounts = snapshot.get("accounts").and_then(Value::as_object);
    for (name, acc) in accounts.into_iter().flatten() {
        let a = [("account", name.as_str())];
        credits.add(&a, num(acc, &["credits", "balance_usd"]));
        credits_burn.add(&a, num(acc, &["credits", "burn_usd_per_hour"]));
        credits_out.add(&a, num(acc, &["credits", "runs_out_at"]));
        let windows = acc.pointer("/plan/windows").and_then(Value::as_object);
        for (w, win) in windows.into_iter().flatten() {
            let l = [("account", name.as_str()), ("window", w.as_str())];
            window.add(&l, num(win, &["used_pct"]).map(|p| p / 100.0));
            window_burn.add(&l, num(win, &["burn_pct_per_hour"]).map(|p| p / 100.0));
            window_full.add(&l, num(win, &["full_at"]));
            window_reset.add(&l, num(win, &["resets_at"]));
        }
        extra.add(&a, num(acc, &["extra_usage", "used_usd"]));
        extra_limit.add(&a, num(acc, &["extra_usage", "limit_usd"]));
        extra_burn.add(&a, num(acc, &["extra_usage", "burn_usd_per_day"]));
        extra_at.add(&a, num(acc, &["extra_usage", "limit_at"]));
        api.add(&a, num(acc, &["api", "month_usd"]));
        api_burn.add(&a, num(acc, &["api", "burn_usd_per_day"]));
        api_proj.add(&a, num(acc, &["api", "month_projected_usd"]));
        let apps = acc.get("apps").and_then(Value::as_object);
        for (app_name, spend) in apps.into_iter().flatten() {
            for period in ["last_hour", "today", "last_24h", "last_7d", "this_month"] {
                let l = [
                    ("account", name.as_str()),
                    ("app", app_name.as_str()),
                    ("period", period),
                ];
                app.add(&l, num(spend, &["spend_usd", period]));
            }
            let l = [("account", name.as_str()), ("app", app_name.as_str())];
            app_burn.add(&l, num(spend, &["burn_usd_per_hour"]));
        }
        let sources = acc.get("sources").and_then(Value::as_object);
        for (source, health) in sources.into_iter().flatten() {
            let l = [("account", name.as_str()), ("source", source.as_str())];
            up.add(&l, flag(health, &["ok"]));
            success.add(&l, num(health, &["last_success_at"]));
        }
    }
    vec![
        credits,
        credits_burn,
        credits_out,
        window,
        window_burn,
        window_full,
        window_reset,
        extra,
        extra_limit,
        extra_burn,
        extra_at,
        api,
        api_burn,
        api_proj,
        app,
        app_burn,
        up,
        success,
    ]
}

fn state_families(counts: &Counts) -> Vec<Family> {
    let mut alerts = Family::new("creditwatch_alerts", "Alert instances by state.");
    for state in [AlertState::Pending, AlertState::Firing] {
        let n = counts.alerts.iter().filter(|a| a.state == state).count();
        alerts.add(&[("state", state.as_str())], Some(n as f64));
    }
    let mut firing = Family::new(
        "creditwatch_alert_firing",
        "1 for each firing alert, by rule and key.",
    );
    for a in counts
        .alerts
        .iter()
        .filter(|a| a.state == AlertState::Firing)
    {
        let l = [
            ("rule", a.rule.as_str()),
            ("key", a.key.as_str()),
            ("severity", a.severity.as_str()),
        ];
        firing.add(&l, Some(1.0));
    }
    let mut outbox = Family::new(
        "creditwatch_outbox",
        "Notifications in the outbox by delivery state.",
    );
    for state in OutboxState::ALL {
        let n = counts
            .outbox
            .iter()
            .find(|(s, _)| *s == state)
            .map_or(0, |(_, n)| *n);
        outbox.add(&[("state", state.as_str())], Some(n as f64));
    }
    let mut cycle = Family::new(
        "creditwatch_last_cycle_seconds",
        "When the daemon last ran a cycle, unix seconds.",
    );
    cycle.add(&[], Some(counts.now as f64));
    vec![alerts, firing, outbox, cycle]
}

#[cfg(test)]
mod tests;
