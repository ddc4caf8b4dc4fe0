//! One alert instance's next state, from its stored state and whether its condition holds.
//!
//! inactive -> pending (during `hold`) -> firing -> inactive again when the condition goes
//! away. It notifies on firing, every `repeat_after` while firing, and on resolve when
//! asked. A silence holds a due notification in the row instead of sending it; it is sent
//! when the silence ends if it still applies (a firing alert that still fires, or a resolve
//! the user was told the start of).

use crate::rule::{Alert, Meta};
use crate::store::AlertRow;

/// The state names stored in `alerts.state`.
pub const PENDING: &str = "pending";
/// See [`PENDING`].
pub const FIRING: &str = "firing";
/// See [`PENDING`].
pub const INACTIVE: &str = "inactive";
/// The transition of a notification that announces the end of an alert.
pub const RESOLVED: &str = "resolved";

/// What one step decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The row to store; `None` when there is nothing to remember.
    pub row: Option<AlertRow>,
    /// The notification to send now: `firing`, `repeat-N` or `resolved`.
    pub notify: Option<String>,
}

/// Advances `prev` (the stored row of `rule`/`key`, if any) to `now`, given the alert the
/// rule raised this cycle (`None` = the condition does not hold).
pub fn step(
    prev: Option<AlertRow>,
    seen: Option<&Alert>,
    meta: &Meta,
    silenced: bool,
    now: i64,
) -> Step {
    let prev = prev.map(|row| measured_from(row, now));
    let (mut row, due) = match (prev, seen) {
        (None, None) => {
            return Step {
                row: None,
                notify: None,
            };
        }
        (Some(row), Some(alert)) => holds(row, alert, meta, now),
        (None, Some(alert)) => holds(fresh(alert, now), alert, meta, now),
        (Some(row), None) => ends(row, meta),
    };
    row.updated_at = now;
    if silenced {
        if let Some(t) = due {
            hold_back(&mut row, t, now);
        }
        return Step {
            row: Some(row),
            notify: None,
        };
    }
    // A held notification goes first and stands in for a repeat due at the same time.
    let notify = match (release(&mut row), due) {
        (Some(held), Some(t)) if t != RESOLVED => Some(held),
        (Some(held), None) => Some(held),
        (_, due) => due,
    };
    if notify.as_deref().is_some_and(|t| t != RESOLVED) {
        row.notified_at = Some(now);
    }
    Step {
        row: Some(row),
        notify,
    }
}

/// A row whose times lie after `now` (the clock went back) as if they were now, so a hold
/// or a repeat waits its own length and not the length of the jump as well.
fn measured_from(mut row: AlertRow, now: i64) -> AlertRow {
    row.since = row.since.min(now);
    row.fired_at = row.fired_at.map(|t| t.min(now));
    row.notified_at = row.notified_at.map(|t| t.min(now));
    row
}

fn fresh(alert: &Alert, now: i64) -> AlertRow {
    AlertRow {
        rule: String::new(),
        key: alert.key.clone(),
        state: INACTIVE.into(),
        since: now,
        fired_at: None,
        notified_at: None,
        repeats: 0,
        episode: 0,
        held: None,
        title: alert.title.clone(),
        body: alert.body.clone(),
        severity: alert.severity.as_str().into(),
        updated_at: now,
    }
}

/// The condition holds this cycle.
fn holds(mut row: AlertRow, alert: &Alert, meta: &Meta, now: i64) -> (AlertRow, Option<String>) {
    row.title = alert.title.clone();
    row.body = alert.body.clone();
    row.severity = alert.severity.as_str().into();
    if row.state == INACTIVE {
        row.episode += 1;
        row.since = now;
        row.fired_at = None;
        row.notified_at = None;
        row.repeats = 0;
        row.held = None;
        row.state = PENDING.into();
    }
    if row.state == PENDING {
        if now - row.since < meta.hold_s {
            return (row, None);
        }
        row.state = FIRING.into();
        row.fired_at = Some(now);
        return (row, Some("firing".into()));
    }
    let last = row.notified_at.or(row.fired_at).unwrap_or(row.since);
    match meta.repeat_after_s {
        Some(every) if every > 0 && now - last >= every => {
            row.repeats += 1;
            let t = format!("repeat-{}", row.repeats);
            (row, Some(t))
        }
        _ => (row, None),
    }
}

/// The condition no longer holds.
fn ends(mut row: AlertRow, meta: &Meta) -> (AlertRow, Option<String>) {
    let was_firing = row.state == FIRING;
    row.state = INACTIVE.into();
    if !was_firing {
        row.held = None;
        return (row, None);
    }
    if row.held.as_deref() == Some("firing") {
        // The user never heard it start, so there is nothing to tell them has ended.
        row.held = None;
        return (row, None);
    }
    (row, meta.notify_resolved.then(|| RESOLVED.to_string()))
}

fn hold_back(row: &mut AlertRow, t: String, now: i64) {
    if t == RESOLVED {
        row.held = Some(t);
        return;
    }
    // The repeat clock runs on while silenced, so a repeat is not due every cycle.
    row.notified_at = Some(now);
    if row.held.as_deref() != Some("firing") {
        row.held = Some(t);
    }
}

/// A notification held back by a silence that has ended, if it still applies.
fn release(row: &mut AlertRow) -> Option<String> {
    let held = row.held.take()?;
    let applies = match held.as_str() {
        RESOLVED => row.state == INACTIVE,
        _ => row.state == FIRING,
    };
    applies.then_some(held)
}
