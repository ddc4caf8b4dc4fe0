//! One delivery pass over the outbox.

use super::{Failure, Notifier};
use crate::store::{OutboxRow, Settled, Store, StoreError};
use std::collections::BTreeMap;

/// A notification older than this is expired, not sent.
pub const MAX_AGE_S: i64 = 24 * 3600;
/// The most rows of one channel sent in one pass.
const BATCH: usize = 20;
/// The first retry waits up to this long...
const BACKOFF_FIRST_S: i64 = 30;
/// ...doubling up to this.
const BACKOFF_MAX_S: i64 = 30 * 60;

/// A claimed row with its chart (for the notifiers that show one).
type Prepared = (OutboxRow, Option<Vec<u8>>);

/// Each attempt of one channel's batch, with how it ended.
type Attempts = (&'static str, Vec<(OutboxRow, Result<(), Failure>)>);

/// The chart of a notification: its metric over the 7 days before it was decided, drawn
/// the same way at every attempt.
fn chart(store: &Store, row: &OutboxRow) -> Result<Option<Vec<u8>>, StoreError> {
    let Some(metric) = &row.chart else {
        return Ok(None);
    };
    let at = row.created_at;
    let series: Vec<(i64, f64)> = store
        .samples(crate::DEFAULT_ACCOUNT, metric, at - 7 * 86_400, at)?
        .into_iter()
        .map(|s| (s.t, s.v))
        .collect();
    let tz = crate::calendar::local_zone();
    Ok(super::chart::for_metric(
        metric,
        &series,
        &row.figures,
        at,
        &tz,
    ))
}

/// The longest wait before retry number `attempts` (1 = after the first failure).
pub fn backoff_cap(attempts: i64) -> i64 {
    let doublings = (attempts - 1).clamp(0, 16) as u32;
    (BACKOFF_FIRST_S << doublings).min(BACKOFF_MAX_S)
}

/// The notifiers and what the daemon remembers between passes: channels whose credentials
/// were refused (until the config is reloaded).
pub struct Delivery {
    notifiers: Vec<Notifier>,
    disabled: BTreeMap<&'static str, String>,
}

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pass {
    /// Notifications delivered.
    pub sent: usize,
    /// Attempts that failed and will be retried.
    pub retried: usize,
    /// Notifications given up on.
    pub dead: usize,
}

impl Delivery {
    /// Delivery through `notifiers`.
    pub fn new(notifiers: Vec<Notifier>) -> Delivery {
        Delivery {
            notifiers,
            disabled: BTreeMap::new(),
        }
    }

    /// Claims what is due at `now`, sends each channel's rows in parallel, and records how
    /// each attempt ended.
    pub fn run(&mut self, store: &Store, now: i64) -> Result<Pass, StoreError> {
        let mut batches: Vec<(&Notifier, Vec<Prepared>)> = Vec::new();
        for n in &self.notifiers {
            if self.disabled.contains_key(n.channel()) {
                continue;
            }
            let rows = store.claim_due(n.channel(), now, MAX_AGE_S, BATCH)?;
            let mut prepared = Vec::with_capacity(rows.len());
            for row in rows {
                let chart = match n.shows_charts() {
                    true => chart(store, &row)?,
                    false => None,
                };
                prepared.push((row, chart));
            }
            if !prepared.is_empty() {
                batches.push((n, prepared));
            }
        }
        let results: Vec<Attempts> = std::thread::scope(|scope| {
            let handles: Vec<_> = batches
                .into_iter()
                .map(|(n, rows)| {
                    scope.spawn(move || {
                        let sent = rows
                            .into_iter()
                            .map(|(r, chart)| {
                                let result = n.deliver(&r, chart.as_deref());
                                (r, result)
                            })
                            .collect();
                        (n.channel(), sent)
                    })
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        let mut pass = Pass::default();
        for (channel, outcomes) in results {
            for (row, result) in outcomes {
                self.settle(store, channel, &row, result, now, &mut pass)?;
            }
        }
        Ok(pass)
    }

    fn settle(
        &mut self,
        store: &Store,
        channel: &'static str,
        row: &OutboxRow,
        result: Result<(), Failure>,
        now: i64,
        pass: &mut Pass,
    ) -> Result<(), StoreError> {
        let settled = match result {
            Ok(()) => {
                pass.sent += 1;
                tracing::info!(
                    channel,
                    rule = row.rule,
                    key = row.key,
                    "sent: {}",
                    row.title
                );
                Settled::Sent
            }
            Err(Failure::Transient(e)) => {
                pass.retried += 1;
                let wait = fastrand::i64(1..=backoff_cap(row.attempts));
                tracing::warn!(
                    channel,
                    "{e}; trying again in {}",
                    crate::format::duration(wait)
                );
                Settled::Retry(now + wait, e)
            }
            Err(Failure::Permanent(e)) => {
                pass.dead += 1;
                tracing::error!(channel, "{e}; not sent: {}", row.title);
                Settled::Dead(e)
            }
            Err(Failure::Refused(e)) => {
                // Not this message's fault: it waits for the channel to work again.
                tracing::error!(
                    channel,
                    "{e}; {channel} is off until the config is reloaded"
                );
                if self.disabled.insert(channel, e.clone()).is_none() {
                    self.tell_elsewhere(store, channel, &e, now)?;
                }
                Settled::Retry(now, e)
            }
        };
        store.settle_delivery(row.id, &settled, now)
    }

    /// Enqueues, once, a notice on another working channel that `channel` is off.
    fn tell_elsewhere(
        &self,
        store: &Store,
        channel: &str,
        error: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let Some(other) = self
            .notifiers
            .iter()
            .map(Notifier::channel)
            .find(|c| *c != channel && !self.disabled.contains_key(c))
        else {
            tracing::error!("no other channel to tell that {channel} is off");
            return Ok(());
        };
        let rule = "creditwatch/channels";
        let transition = format!("disabled-{now}");
        let notice = OutboxRow {
            id: 0,
            idempotency_key: crate::alert::idempotency_key(rule, channel, 0, &transition, other),
            rule: rule.into(),
            key: channel.into(),
            episode: 0,
            transition,
            channel: other.into(),
            title: format!("creditwatch cannot send {channel} notifications"),
            body: format!(
                "{error}\nFix [notify.{channel}] in config.toml, then reload creditwatch (kill -HUP) or restart it; what waits is sent then."
            ),
            severity: "critical".into(),
            figures: serde_json::Value::Null,
            chart: None,
            created_at: now,
            not_before: now,
            state: "pending".into(),
            attempts: 0,
            next_attempt_at: None,
            last_error: None,
        };
        store.enqueue(&notice).map(|_| ())
    }
}
