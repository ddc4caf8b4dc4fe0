//! Alerts told as they last, for Alertmanager: a firing alert is posted again every
//! `resend` with an end a few resends ahead, and posted with its real end once it stops.
//!
//! Alertmanager takes an alert that is not told again before its `endsAt` to have ended,
//! so the post of an episode is one outbox row that is re-armed while the alert fires
//! (each cycle brings its content up to date; a row sent `resend` ago waits to be sent
//! again), and the end is a row of its own, sent after it. Both go through the outbox like
//! every notification: retried, never lost, in order. The end is told whether or not the
//! rule asks for `notify_resolved` (Alertmanager decides whom to tell). A silenced alert
//! is not told again, so Alertmanager lets it end.

use super::{Applied, Pass, notification};
use crate::rule::Meta;
use crate::store::{AlertRow, Lasting, Store, StoreError};
use crate::vocab::{AlertState, Channel, Transition};

/// The channel told this way.
pub const CHANNEL: Channel = Channel::Alertmanager;

/// How many resends ahead a firing alert's end lies, as Prometheus does: three posts may
/// be lost before Alertmanager takes it to have ended.
const RESENDS_AHEAD: i64 = 4;

/// How lasting alerts are told: whose pools they are, and how often.
#[derive(Debug, Clone, Copy)]
pub struct Resend<'a> {
    /// The `account` label.
    pub account: &'a str,
    /// Seconds between two posts of a firing alert.
    pub every_s: i64,
}

/// Posts (or re-arms the post of) `row` if it fires, or posts its end if it just stopped
/// (`was_firing`). Does nothing when the rule does not name the channel or the channel
/// is off.
pub(super) fn tell(
    store: &Store,
    pass: &Pass,
    meta: &Meta,
    row: &AlertRow,
    was_firing: bool,
    silenced: bool,
    applied: &mut Applied,
) -> Result<(), StoreError> {
    let on = meta.channels.contains(&CHANNEL) && pass.channels.contains(&CHANNEL);
    if !on {
        return Ok(());
    }
    let every = pass.resend.every_s.max(1);
    let lasting = |ends_at| Lasting {
        account: pass.resend.account.to_string(),
        scope: meta.scope,
        starts_at: row.fired_at.unwrap_or(row.since),
        ends_at,
    };
    if row.state == AlertState::Firing && !silenced {
        let mut n = notification(row, meta, Transition::Firing, CHANNEL, pass);
        n.lasting = Some(lasting(pass.now + RESENDS_AHEAD * every));
        if store.refresh(&n, pass.now - every)? {
            applied.enqueued.push(n);
        }
    } else if was_firing && row.state == AlertState::Inactive {
        let mut n = notification(row, meta, Transition::Resolved, CHANNEL, pass);
        // The labels must be the firing alert's for Alertmanager to end that alert.
        n.severity = row.severity;
        n.title.clone_from(&row.title);
        n.lasting = Some(lasting(pass.now));
        if store.enqueue(&n)? {
            applied.enqueued.push(n);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
