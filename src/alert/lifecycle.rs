//! One alert instance's next state, from its stored state and whether its condition holds.
//!
//! inactive -> pending (during `hold`) -> firing -> inactive again when the condition goes
//! away. It notifies on firing, every `repeat_after` while firing, and on resolve when
//! asked. A silence holds a due notification in the row instead of sending it; it is sent
//! when the silence ends if it still applies (a firing alert that still fires, or a resolve
//! the user was told the start of).

use crate::rule::{Alert, Meta};
use crate::store::AlertRow;
use crate::vocab::{AlertState, Transition};

/// What one step decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The row to store; `None` when there is nothing to remember.
    pub row: Option<AlertRow>,
    /// The notification to send now.
    pub notify: Option<Transition>,
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
        (Some(held), Some(t)) if t != Transition::Resolved => Some(held),
        (Some(held), None) => Some(held),
        (_, due) => due,
    };
    if notify.is_some_and(|t| t != Transition::Resolved) {
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
        state: AlertState::Inactive,
        since: now,
        fired_at: None,
        notified_at: None,
        repeats: 0,
        episode: 0,
        held: None,
        title: alert.title.clone(),
        body: alert.body.clone(),
        severity: alert.severity,
        updated_at: now,
    }
}

/// The condition holds this cycle.
fn holds(
    mut row: AlertRow,
    alert: &Alert,
    meta: &Meta,
    now: i64,
) -> (AlertRow, Option<Transition>) {
    row.title.clone_from(&alert.title);
    row.body.clone_from(&alert.body);
    row.severity = alert.severity;
    if row.state == AlertState::Inactive {
        row.episode += 1;
        row.since = now;
        row.fired_at = None;
        row.notified_at = None;
        row.repeats = 0;
        row.held = None;
        row.state = AlertState::Pending;
    }
    if row.state == AlertState::Pending {
        if now - row.since < meta.hold_s {
            return (row, None);
        }
        row.state = AlertState::Firing;
        row.fired_at = Some(now);
        return (row, Some(Transition::Firing));
    }
    let last = row.notified_at.or(row.fired_at).unwrap_or(row.since);
    match meta.repeat_after_s {
        Some(every) if every > 0 && now - last >= every => {
            row.repeats += 1;
            let n = u32::try_from(row.repeats).unwrap_or(u32::MAX);
            (row, Some(Transition::Repeat(n)))
        }
        _ => (row, None),
    }
}

/// The condition no longer holds.
fn ends(mut row: AlertRow, meta: &Meta) -> (AlertRow, Option<Transition>) {
    let was_firing = row.state == AlertState::Firing;
    row.state = AlertState::Inactive;
    if !was_firing {
        row.held = None;
        return (row, None);
    }
    if row.held == Some(Transition::Firing) {
        // The user never heard it start, so there is nothing to tell them has ended.
        row.held = None;
        return (row, None);
    }
    (row, meta.notify_resolved.then_some(Transition::Resolved))
}

fn hold_back(row: &mut AlertRow, t: Transition, now: i64) {
    if t == Transition::Resolved {
        row.held = Some(t);
        return;
    }
    // The repeat clock runs on while silenced, so a repeat is not due every cycle.
    row.notified_at = Some(now);
    if row.held != Some(Transition::Firing) {
        row.held = Some(t);
    }
}

/// A notification held back by a silence that has ended, if it still applies.
fn release(row: &mut AlertRow) -> Option<Transition> {
    let held = row.held.take()?;
    let applies = match held {
        Transition::Resolved => row.state == AlertState::Inactive,
        _ => row.state == AlertState::Firing,
    };
    applies.then_some(held)
}
