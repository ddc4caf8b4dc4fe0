//! The health of each notification channel: a channel that cannot be reached (no desktop
//! notification service, an SMTP server that is down) backs off as a whole, not message by
//! message, and the state is kept so `status` can show it and a restart does not reset it.

use super::{Store, StoreError};
use crate::vocab::Channel;
use rusqlite::{OptionalExtension, params};

/// A channel that failed at its last attempt.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChannelHealth {
    /// The channel.
    pub channel: Channel,
    /// When its failures in a row began, unix seconds.
    pub failing_since: i64,
    /// Failed attempts in a row.
    pub failures: i64,
    /// No attempt before this time, unix seconds.
    pub next_try_at: i64,
    /// What the last attempt said.
    pub last_error: String,
}

impl Store {
    /// The channel's state, when its last attempt failed.
    pub(crate) fn channel_health(
        &self,
        channel: Channel,
    ) -> Result<Option<ChannelHealth>, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT channel, failing_since, failures, next_try_at, last_error FROM channels
                 WHERE channel = ?1",
            )
            .and_then(|mut s| s.query_row([channel], row).optional())
            .map_err(self.err("read channel health"))
    }

    /// Every channel whose last attempt failed.
    pub(crate) fn channels_failing(&self) -> Result<Vec<ChannelHealth>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT channel, failing_since, failures, next_try_at, last_error FROM channels
                 ORDER BY channel",
            )
            .map_err(self.err("read channel health"))?;
        let rows = stmt
            .query_map([], row)
            .map_err(self.err("read channel health"))?;
        rows.collect::<Result<_, _>>()
            .map_err(self.err("read channel health"))
    }

    /// Records a failed attempt at `now`; the channel is left alone until `next_try_at`.
    pub fn channel_failed(
        &self,
        channel: Channel,
        now: i64,
        next_try_at: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO channels (channel, failing_since, failures, next_try_at, last_error)
                 VALUES (?1, ?2, 1, ?3, ?4)
                 ON CONFLICT(channel) DO UPDATE SET failures = failures + 1,
                   next_try_at = excluded.next_try_at, last_error = excluded.last_error",
            )
            .and_then(|mut s| s.execute(params![channel, now, next_try_at, error]))
            .map(|_| ())
            .map_err(self.err("record channel failure"))
    }

    /// Records that the channel works.
    pub(crate) fn channel_works(&self, channel: Channel) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM channels WHERE channel = ?1")
            .and_then(|mut s| s.execute([channel]))
            .map(|_| ())
            .map_err(self.err("record channel health"))
    }
}

fn row(r: &rusqlite::Row) -> rusqlite::Result<ChannelHealth> {
    Ok(ChannelHealth {
        channel: r.get(0)?,
        failing_since: r.get(1)?,
        failures: r.get(2)?,
        next_try_at: r.get(3)?,
        last_error: r.get(4)?,
    })
}
