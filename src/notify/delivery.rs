//! One delivery pass over the outbox.

use super::{Failure, Notifier};
use crate::store::{OutboxRow, Settled, Store, StoreError};
use crate::vocab::Channel;
use std::collections::BTreeMap;
use tokio_util::sync::CancellationToken;

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

mod send;
use send::{Batch, Sender, Sent, fan_out};

/// The chart of a notification: its metric over the 7 days before it was decided, drawn
/// the same way at every attempt.
fn chart(
    store: &Store,
    row: &OutboxRow,
    tz: &jiff::tz::TimeZone,
) -> Result<Option<Vec<u8>>, StoreError> {
    let Some(metric) = &row.chart else {
        return Ok(None);
    };
    let at = row.created_at;
    // The history rules read, so an app's hourly spend can be charted too.
    let series = store.history(crate::DEFAULT_ACCOUNT, metric, at - 7 * 86_400, at)?;
    Ok(super::chart::for_metric(
        metric,
        &series,
        &crate::alert::figures::Figures::read(&row.figures),
        at,
        tz,
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
    disabled: BTreeMap<Channel, String>,
    /// The user's time zone, for the times in creditwatch's own alerts.
    tz: jiff::tz::TimeZone,
}

/// The instant of a pass, and when a row that failed for a while is tried again.
#[derive(Clone, Copy)]
struct When {
    now: i64,
    retry: i64,
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
    /// Channels whose sending crashed, with why; their rows were put back.
    pub crashed: Vec<String>,
    /// Notifications put back unsent because a stop came while they were being sent.
    pub stopped: usize,
}

/// Why claimed rows went back unsent when a stop came in the middle of their send.
const STOPPED: &str = "stopped while sending; sent again at the next start";

impl Delivery {
    /// Delivery through `notifiers`, for a user in `tz` (the times in charts and in
    /// creditwatch's own alerts).
    pub fn new(notifiers: Vec<Notifier>, tz: jiff::tz::TimeZone) -> Delivery {
        Delivery {
            notifiers,
            disabled: BTreeMap::new(),
            tz,
        }
    }

    /// Claims what is due at `now`, sends each channel's rows at the same time, and records
    /// how each attempt ended.
    pub fn run(&mut self, store: &Store, now: i64) -> Result<Pass, StoreError> {
        self.run_until(store, now, &CancellationToken::new())
    }

    /// [`Delivery::run`], cancelled by `stop`: what was being sent goes back to the outbox
    /// (to be sent at the next start), in one transaction, without counting an attempt.
    pub(crate) fn run_until(
        &mut self,
        store: &Store,
        now: i64,
        stop: &CancellationToken,
    ) -> Result<Pass, StoreError> {
        self.pass(store, now, stop, Sender::Notifiers)
    }

    /// [`Delivery::run`] with the sending done by `send`.
    #[cfg(test)]
    fn run_with<F>(&mut self, store: &Store, now: i64, send: &F) -> Result<Pass, StoreError>
    where
        F: Fn(&Notifier, &OutboxRow, Option<&[u8]>) -> Result<(), Failure> + Sync,
    {
        self.pass(store, now, &CancellationToken::new(), Sender::Stand(send))
    }

    fn pass(
        &mut self,
        store: &Store,
        now: i64,
        stop: &CancellationToken,
        sender: Sender<'_>,
    ) -> Result<Pass, StoreError> {
        // Whatever its channel: one that is off, or backing off, claims nothing.
        store.expire_stale(now, MAX_AGE_S)?;
        let batches = self.claim(store, now)?;
        let claimed: Vec<i64> = batches
            .iter()
            .flat_map(|b| b.rows.iter().map(|(r, _)| r.id))
            .collect();
        let sent = crate::http::block_on(async {
            tokio::select! {
                sent = fan_out(batches, sender) => Some(sent),
                () = stop.cancelled() => None,
            }
        });
        let Some(sent) = sent else {
            tracing::info!(notifications = claimed.len(), "{STOPPED}");
            store.atomically(|s| s.release(&claimed, now, STOPPED))?;
            return Ok(Pass {
                stopped: claimed.len(),
                ..Pass::default()
            });
        };
        let mut pass = Pass::default();
        for (channel, outcome) in sent {
            match outcome {
                Sent::Done { tried, untried } => {
                    self.settle_batch(store, channel, tried, untried, now, &mut pass)?;
                }
                Sent::Crashed { rows, why } => {
                    tracing::error!(
                        %channel,
                        error = %why,
                        "sending crashed; its {} notifications will be sent again",
                        rows.len()
                    );
                    let error = format!("the {channel} sender crashed: {why}; sent again");
                    for row in &rows {
                        store.settle_delivery(row.id, &Settled::Retry(now, error.clone()), now)?;
                    }
                    pass.crashed.push(format!("{channel}: {why}"));
                }
            }
        }
        Ok(pass)
    }

    /// The rows due for each working channel; a channel that is backing off is left alone.
    fn claim(&self, store: &Store, now: i64) -> Result<Vec<Batch<'_>>, StoreError> {
        let mut batches = Vec::new();
        for n in &self.notifiers {
            if self.disabled.contains_key(&n.channel()) {
                continue;
            }
            if store
                .channel_health(n.channel())?
                .is_some_and(|h| h.next_try_at > now)
            {
                continue;
            }
            let rows = store.claim_due(n.channel(), now, MAX_AGE_S, BATCH)?;
            let mut prepared = Vec::with_capacity(rows.len());
            for row in rows {
                let chart = match n.shows_charts() {
                    true => chart(store, &row, &self.tz)?,
                    false => None,
                };
                prepared.push((row, chart));
            }
            if !prepared.is_empty() {
                batches.push(Batch {
                    notifier: n,
                    rows: prepared,
                });
            }
        }
        Ok(batches)
    }

    /// Records one channel's batch: each row tried, the channel's health, and the rows not
    /// tried, back to wait for the channel.
    fn settle_batch(
        &mut self,
        store: &Store,
        channel: Channel,
        tried: Vec<(OutboxRow, Result<(), Failure>)>,
        untried: Vec<OutboxRow>,
        now: i64,
        pass: &mut Pass,
    ) -> Result<(), StoreError> {
        let down = tried.iter().find_map(|(_, r)| match r {
            Err(Failure::Transient(e)) => Some(e.clone()),
            _ => None,
        });
        let next_try = if let Some(e) = &down {
            Some(self.channel_down(store, channel, e, now)?)
        } else {
            store.channel_works(channel)?;
            None
        };
        let delivered = tried.iter().any(|(_, r)| r.is_ok());
        for (row, result) in tried {
            let at = When {
                now,
                retry: next_try.unwrap_or(now),
            };
            self.settle(store, channel, &row, result, at, pass)?;
        }
        if delivered {
            self.works_again(store, channel, now)?;
        }
        if !untried.is_empty() {
            let why = down
                .or_else(|| self.disabled.get(&channel).cloned())
                .unwrap_or_default();
            let ids: Vec<i64> = untried.iter().map(|r| r.id).collect();
            store.release(&ids, next_try.unwrap_or(now), &why)?;
        }
        Ok(())
    }

    /// Records that `channel` could not be reached at `now`; returns when to try it next:
    /// 30 s doubling to 30 min, with jitter, however many notifications wait for it.
    fn channel_down(
        &self,
        store: &Store,
        channel: Channel,
        error: &str,
        now: i64,
    ) -> Result<i64, StoreError> {
        let failures = store.channel_health(channel)?.map_or(0, |h| h.failures) + 1;
        let cap = backoff_cap(failures);
        let wait = cap / 2 + fastrand::i64(0..=cap - cap / 2);
        let next_try = now + wait.max(1);
        store.channel_failed(channel, now, next_try, error)?;
        tracing::warn!(
            %channel,
            failures,
            error,
            "trying {channel} again in {}",
            crate::format::duration(next_try - now)
        );
        Ok(next_try)
    }

    fn settle(
        &mut self,
        store: &Store,
        channel: Channel,
        row: &OutboxRow,
        result: Result<(), Failure>,
        at: When,
        pass: &mut Pass,
    ) -> Result<(), StoreError> {
        let settled = match result {
            Ok(()) => {
                pass.sent += 1;
                tracing::info!(
                    %channel,
                    rule = row.rule,
                    key = row.key,
                    "sent: {}",
                    row.title
                );
                Settled::Sent
            }
            Err(Failure::Transient(e)) => {
                pass.retried += 1;
                Settled::Retry(at.retry, e)
            }
            Err(Failure::Permanent(e)) => {
                pass.dead += 1;
                tracing::error!(%channel, error = %e, "not sent: {}", row.title);
                Settled::Dead(e)
            }
            Err(Failure::Refused(e)) => {
                // Not this message's fault: it waits for the channel to work again.
                tracing::error!(
                    %channel,
                    error = %e,
                    "{channel} is off until the config is reloaded"
                );
                if self.disabled.insert(channel, e.clone()).is_none() {
                    self.tell_elsewhere(store, channel, Some(&e), at.now)?;
                }
                Settled::Retry(at.now, e)
            }
        };
        store.settle_delivery(row.id, &settled, at.now)
    }

    /// Raises (`problem`) or resolves (`None`) the alert that `channel` refuses
    /// creditwatch's credentials, told on another working channel.
    fn tell_elsewhere(
        &self,
        store: &Store,
        channel: Channel,
        problem: Option<&str>,
        now: i64,
    ) -> Result<(), StoreError> {
        let Some(other) = self
            .notifiers
            .iter()
            .filter(|n| n.reaches_the_person())
            .map(Notifier::channel)
            .find(|c| *c != channel && !self.disabled.contains_key(c))
        else {
            if problem.is_some() {
                tracing::error!(%channel, "no other channel to tell that it is off");
            }
            return Ok(());
        };
        store
            .atomically(|s| {
                crate::alert::channel_problem(s, channel, problem, other, &self.tz, now)
            })
            .map(|_| ())
    }

    /// Resolves the alert that `channel` was off, if it fires: the channel delivered.
    fn works_again(&self, store: &Store, channel: Channel, now: i64) -> Result<(), StoreError> {
        let off = store.alerts()?.into_iter().any(|a| {
            a.rule == crate::alert::CHANNEL_ERRORS
                && a.key == channel.as_str()
                && a.state == crate::vocab::AlertState::Firing
        });
        match off {
            true => self.tell_elsewhere(store, channel, None, now),
            false => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests;
