//! The last known health of each source.

use super::{Store, StoreError};
use rusqlite::params;

/// A source's health as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HealthRow {
    /// The source's name (`claude_code_logs`, `statusline`, ...).
    pub source: String,
    /// Whether its last attempt worked.
    pub ok: bool,
    /// When it last ran, unix seconds.
    pub last_attempt_at: i64,
    /// When it last worked, unix seconds.
    pub last_success_at: Option<i64>,
    /// What went wrong last time, if anything.
    pub error: Option<String>,
    /// It will not be polled before this time, unix seconds.
    pub backoff_until: Option<i64>,
    /// Since when it has failed at every attempt (the first failed attempt after its last
    /// success, or its first attempt if it never worked); `None` while it works. The store
    /// works this out when an attempt is recorded: what is passed in is not used.
    pub failing_since: Option<i64>,
}

impl Store {
    /// Records the outcome of an attempt; a failure keeps the last success time and the
    /// start of the failures in a row.
    pub(crate) fn record_health(&self, account: &str, row: &HealthRow) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(
                "INSERT INTO source_health
                   (account, source, ok, last_attempt_at, last_success_at, error, backoff_until,
                    failing_since)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, CASE WHEN ?3 THEN NULL ELSE ?4 END)
                 ON CONFLICT(account, source) DO UPDATE SET ok = excluded.ok,
                   last_attempt_at = excluded.last_attempt_at,
                   last_success_at = COALESCE(excluded.last_success_at, source_health.last_success_at),
                   error = excluded.error, backoff_until = excluded.backoff_until,
                   failing_since = CASE WHEN excluded.ok THEN NULL
                     ELSE COALESCE(source_health.failing_since, excluded.last_attempt_at) END",
            )
            .and_then(|mut s| {
                s.execute(params![
                    account,
                    row.source,
                    row.ok,
                    row.last_attempt_at,
                    row.last_success_at,
                    row.error,
                    row.backoff_until
                ])
            })
            .map(|_| ())
            .map_err(self.err("record source health"))
    }

    /// Every source's health for an account, by name.
    pub fn health(&self, account: &str) -> Result<Vec<HealthRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT source, ok, last_attempt_at, last_success_at, error, backoff_until,
                   failing_since FROM source_health WHERE account = ?1 ORDER BY source",
            )
            .map_err(self.err("read source health"))?;
        let rows = stmt
            .query_map([account], |r| {
                Ok(HealthRow {
                    source: r.get(0)?,
                    ok: r.get(1)?,
                    last_attempt_at: r.get(2)?,
                    last_success_at: r.get(3)?,
                    error: r.get(4)?,
                    backoff_until: r.get(5)?,
                    failing_since: r.get(6)?,
                })
            })
            .map_err(self.err("read source health"))?;
        rows.collect::<Result<_, _>>()
            .map_err(self.err("read source health"))
    }
}
