//! Source `statusline`: plan windows at zero network cost.
//!
//! Claude Code runs its `statusLine` command with a JSON description of the session on
//! stdin. `creditwatch statusline` is that command: it reads the JSON, records the plan
//! windows (`rate_limits`) and the session's cost in the store, and prints one short line.
//! Decoding is tolerant: a missing or mistyped field is unknown, never a failure.

use crate::store::{HealthRow, Sample, Store, StoreError};
use serde_json::Value;

/// The source's name in the snapshot and the store.
pub const NAME: &str = "statusline";

/// A sample equal to the last one is written again only after this long, so a status line
/// refreshed every second does not write every second.
const UNCHANGED_REWRITE_S: i64 = 300;

/// What Claude Code told the status line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Status {
    /// The session.
    pub session_id: Option<String>,
    /// The model id.
    pub model_id: Option<String>,
    /// The model's display name.
    pub model_name: Option<String>,
    /// The session's cost so far, USD.
    pub session_cost_usd: Option<f64>,
    /// Plan windows: name, percent used, reset time (unix seconds).
    pub windows: Vec<Window>,
    /// Values refused as out of their range, each as `field = value (why)`: said in the
    /// source's health, never stored.
    pub refused: Vec<String>,
}

/// The most one session can have cost, USD: more is a broken input, not a session.
pub const MAX_SESSION_COST_USD: f64 = 100_000.0;
/// Reset times outside these years are broken inputs (unix seconds of 2000 and 2200).
const RESETS_RANGE: std::ops::RangeInclusive<i64> = 946_684_800..=7_258_118_400;

/// One plan window from `rate_limits`.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// `five_hour`, `seven_day`, ...
    pub name: String,
    /// Percent used.
    pub used_pct: f64,
    /// When it resets, unix seconds.
    pub resets_at: Option<i64>,
}

/// Decodes the JSON Claude Code pipes in; `None` when it is not a JSON object.
pub fn parse(input: &[u8]) -> Option<Status> {
    let v: Value = serde_json::from_slice(input).ok()?;
    let obj = v.as_object()?;
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let mut refused = Vec::new();
    let mut windows = Vec::new();
    let limits = obj.get("rate_limits").and_then(Value::as_object);
    for (name, w) in limits.into_iter().flatten() {
        if let Some(window) = window(name, w, &mut refused) {
            windows.push(window);
        }
    }
    windows.sort_by_key(|w| window_order(&w.name));
    let cost = obj
        .get("cost")
        .and_then(|c| c.get("total_cost_usd"))
        .and_then(Value::as_f64);
    let session_cost_usd = match cost {
        Some(c) if c.is_finite() && (0.0..=MAX_SESSION_COST_USD).contains(&c) => Some(c),
        Some(c) => {
            refused.push(format!(
                "cost.total_cost_usd = {} (not 0 to {MAX_SESSION_COST_USD})",
                shown(c)
            ));
            None
        }
        None => None,
    };
    Some(Status {
        session_id: text(obj.get("session_id")),
        model_id: text(obj.get("model").and_then(|m| m.get("id"))),
        model_name: text(obj.get("model").and_then(|m| m.get("display_name"))),
        session_cost_usd,
        windows,
        refused,
    })
}

/// One window of `rate_limits`, when it has a percentage; a value out of its range is
/// refused (and said in `refused`), not stored.
fn window(name: &str, w: &Value, refused: &mut Vec<String>) -> Option<Window> {
    if name.contains('.') {
        return None;
    }
    let used_pct = w.get("used_percentage")?.as_f64()?;
    if !(0.0..=100.0).contains(&used_pct) {
        refused.push(format!(
            "rate_limits.{name}.used_percentage = {} (not 0 to 100)",
            shown(used_pct)
        ));
        return None;
    }
    let resets_at = w.get("resets_at").and_then(|r| {
        r.as_i64()
            .or_else(|| r.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .or_else(|| {
                r.as_str()
                    .and_then(|s| s.parse::<jiff::Timestamp>().ok())
                    .map(jiff::Timestamp::as_second)
            })
    });
    let resets_at = match resets_at {
        Some(t) if !RESETS_RANGE.contains(&t) => {
            refused.push(format!("rate_limits.{name}.resets_at = {t} (not a date)"));
            None
        }
        t => t,
    };
    Some(Window {
        name: name.to_string(),
        used_pct,
        resets_at,
    })
}

/// A number as the user would write it: `1e308`, not 309 digits.
fn shown(x: f64) -> String {
    match x.abs() >= 1e6 {
        true => format!("{x:e}"),
        false => format!("{x}"),
    }
}

fn window_order(name: &str) -> (u8, String) {
    let rank = match name {
        "five_hour" => 0,
        "seven_day" => 1,
        _ => 2,
    };
    (rank, name.to_string())
}

/// The metric a window's level is stored under.
pub(crate) fn used_metric(window: &str) -> String {
    crate::names::window_used(window)
}

/// The metric a window's reset time is stored under.
pub(crate) fn resets_metric(window: &str) -> String {
    crate::names::window_resets(window)
}

/// Records the status at `now` in one transaction; writes nothing when nothing changed
/// recently. Returns whether anything was written.
pub fn record(store: &Store, account: &str, status: &Status, now: i64) -> Result<bool, StoreError> {
    store.atomically(|store| {
        let mut wrote = false;
        for w in &status.windows {
            let metric = used_metric(&w.name);
            let last = store.last_sample(account, &metric, now)?;
            let last_reset = store.last_sample(account, &resets_metric(&w.name), now)?;
            let same = last
                .as_ref()
                .is_some_and(|(s, _)| s.v == w.used_pct && now - s.t < UNCHANGED_REWRITE_S)
                && last_reset.map(|(s, _)| s.v as i64) == w.resets_at;
            if same {
                continue;
            }
            store.record_sample(
                account,
                &metric,
                Sample {
                    t: now,
                    v: w.used_pct,
                },
                NAME,
            )?;
            if let Some(r) = w.resets_at {
                let sample = Sample {
                    t: now,
                    v: r as f64,
                };
                store.record_sample(account, &resets_metric(&w.name), sample, NAME)?;
            }
            wrote = true;
        }
        if let Some(id) = &status.session_id {
            wrote |= store.record_session(
                account,
                id,
                now,
                status.session_cost_usd,
                status.model_id.as_deref(),
            )?;
        }
        let fresh_health = store
            .health(account)?
            .iter()
            .any(|h| h.source == NAME && h.ok && now - h.last_attempt_at < 60);
        let note =
            (!status.refused.is_empty()).then(|| format!("refused {}", status.refused.join("; ")));
        if wrote || !fresh_health || note.is_some() {
            store.record_health(
                account,
                &HealthRow {
                    source: NAME.to_string(),
                    ok: true,
                    last_attempt_at: now,
                    last_success_at: Some(now),
                    error: note,
                    backoff_until: None,
                    failing_since: None,
                },
            )?;
        }
        Ok(wrote)
    })
}

/// Figures from the store that the line shows when they are known.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Extras {
    /// Spend of every app today (local day), USD.
    pub today_usd: Option<f64>,
    /// The prepaid credit balance, USD.
    pub credits_usd: Option<f64>,
    /// When the forecast says the credits run out (or reload).
    pub credits_run_out_at: Option<i64>,
    /// When the forecast says each window is full, for those full before they reset.
    pub full_at: std::collections::BTreeMap<String, i64>,
}

/// The one short line: model, each live window with its time to reset (and how soon it is
/// full, when that comes first), the session's cost, today's spend, and the credit balance
/// with the day it runs out.
pub fn render(status: &Status, extras: &Extras, now: i64, tz: &jiff::tz::TimeZone) -> String {
    use crate::format;
    let mut parts = Vec::new();
    if let Some(name) = status.model_name.as_ref().or(status.model_id.as_ref()) {
        parts.push(name.clone());
    }
    for w in &status.windows {
        if w.resets_at.is_some_and(|r| r <= now) {
            continue; // reset already: the figure is stale
        }
        let label = format::window_short(&w.name);
        let mut part = format!("{label} {}", format::pct(w.used_pct));
        if let Some(r) = w.resets_at {
            part.push_str(&format!(" ↻{}", compact(r - now)));
        }
        if let Some(full) = extras.full_at.get(&w.name) {
            part.push_str(&format!(" full in {}", compact(full - now)));
        }
        parts.push(part);
    }
    if let Some(cost) = status.session_cost_usd {
        parts.push(format!("session {}", format::usd(cost)));
    }
    if let Some(today) = extras.today_usd {
        parts.push(format!("today {}", format::usd(today)));
    }
    if let Some(credits) = extras.credits_usd {
        let mut part = format!("credits {}", format::usd(credits));
        if let Some(out) = extras.credits_run_out_at.filter(|&t| t - now < 7 * 86_400) {
            part.push_str(&format!(" out {}", crate::calendar::day_name(now, out, tz)));
        }
        parts.push(part);
    }
    if parts.is_empty() {
        return "creditwatch".to_string();
    }
    parts.join(" · ")
}

/// A duration without its space, where every character counts: `2h30m`.
fn compact(secs: i64) -> String {
    crate::format::duration(secs).replace(' ', "")
}

#[cfg(test)]
mod tests;
