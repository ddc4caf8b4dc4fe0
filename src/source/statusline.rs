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
}

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
    let mut windows: Vec<Window> = obj
        .get("rate_limits")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(name, w)| {
            let used_pct = w.get("used_percentage")?.as_f64()?;
            let resets_at = w.get("resets_at").and_then(|r| {
                r.as_i64()
                    .or_else(|| r.as_f64().map(|f| f as i64))
                    .or_else(|| {
                        r.as_str()
                            .and_then(|s| s.parse::<jiff::Timestamp>().ok())
                            .map(|t| t.as_second())
                    })
            });
            Some(Window {
                name: name.clone(),
                used_pct,
                resets_at,
            })
        })
        .filter(|w| w.used_pct.is_finite() && w.used_pct >= 0.0 && !w.name.contains('.'))
        .collect();
    windows.sort_by_key(|w| window_order(&w.name));
    Some(Status {
        session_id: text(obj.get("session_id")),
        model_id: text(obj.get("model").and_then(|m| m.get("id"))),
        model_name: text(obj.get("model").and_then(|m| m.get("display_name"))),
        session_cost_usd: obj
            .get("cost")
            .and_then(|c| c.get("total_cost_usd"))
            .and_then(Value::as_f64)
            .filter(|c| c.is_finite() && *c >= 0.0),
        windows,
    })
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
pub fn used_metric(window: &str) -> String {
    crate::metric::window_used(window)
}

/// The metric a window's reset time is stored under.
pub fn resets_metric(window: &str) -> String {
    crate::metric::window_resets(window)
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
        if wrote || !fresh_health {
            store.record_health(
                account,
                &HealthRow {
                    source: NAME.to_string(),
                    ok: true,
                    last_attempt_at: now,
                    last_success_at: Some(now),
                    error: None,
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
