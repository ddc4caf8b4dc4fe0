//! Alert instances and silences.

use super::{Store, StoreError};
use crate::vocab::{AlertState, Severity, Transition};
use rusqlite::{OptionalExtension, Row, params};

/// One alert instance, keyed by (rule, key), as stored between cycles.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AlertRow {
    /// The rule's name.
    pub rule: String,
    /// The alert's key within the rule (empty for a rule's single alert).
    pub key: String,
    /// Where it is in its life.
    pub state: AlertState,
    /// When the condition started to hold in this episode, unix seconds.
    pub since: i64,
    /// When it started firing in this episode.
    pub fired_at: Option<i64>,
    /// When it last notified (or would have, had a silence not held it back).
    pub notified_at: Option<i64>,
    /// How many repeats were sent in this episode.
    pub repeats: i64,
    /// Counts the times the condition started to hold; part of each idempotency key.
    pub episode: i64,
    /// A notification a silence holds back.
    pub held: Option<Transition>,
    /// The latest title the rule gave.
    pub title: String,
    /// The latest body.
    pub body: String,
    /// The latest severity.
    pub severity: Severity,
    /// When this row last changed.
    pub updated_at: i64,
}

#[cfg(test)]
impl AlertRow {
    /// An instance for tests: `rule` and `key` in `state` since 0, titled `t`, body `b`.
    pub fn example(rule: &str, key: &str, state: AlertState) -> AlertRow {
        AlertRow {
            rule: rule.into(),
            key: key.into(),
            state,
            since: 0,
            fired_at: None,
            notified_at: None,
            repeats: 0,
            episode: 1,
            held: None,
            title: "t".into(),
            body: "b".into(),
            severity: Severity::Warning,
            updated_at: 0,
        }
    }
}

/// A silence: notifications of a rule (or one key of it) are held back until `until`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SilenceRow {
    /// Its number, to remove it by.
    pub id: i64,
    /// The rule it silences.
    pub rule: String,
    /// The one key it silences; `None` = every key of the rule.
    pub key: Option<String>,
    /// When it ends, unix seconds.
    pub until: i64,
    /// When it was made.
    pub created_at: i64,
}

const ALERT_COLUMNS: &str = "rule, key, state, since, fired_at, notified_at, repeats, episode, held, title, body, severity, updated_at";

fn alert_row(r: &Row) -> rusqlite::Result<AlertRow> {
    Ok(AlertRow {
        rule: r.get(0)?,
        key: r.get(1)?,
        state: r.get(2)?,
        since: r.get(3)?,
        fired_at: r.get(4)?,
        notified_at: r.get(5)?,
        repeats: r.get(6)?,
        episode: r.get(7)?,
        held: r.get(8)?,
        title: r.get(9)?,
        body: r.get(10)?,
        severity: r.get(11)?,
        updated_at: r.get(12)?,
    })
}

impl Store {
    /// Every stored alert instance, by rule and key.
    pub fn alerts(&self) -> Result<Vec<AlertRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ALERT_COLUMNS} FROM alerts ORDER BY rule, key"
            ))
            .map_err(self.err("read alerts"))?;
        let rows = stmt
            .query_map([], alert_row)
            .map_err(self.err("read alerts"))?;
        rows.collect::<Result<_, _>>()
            .map_err(self.err("read alerts"))
    }

    /// Writes an alert instance, replacing the stored one.
    pub(crate) fn put_alert(&self, a: &AlertRow) -> Result<(), StoreError> {
        self.conn
            .prepare_cached(&format!(
                "INSERT OR REPLACE INTO alerts ({ALERT_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            ))
            .and_then(|mut s| {
                s.execute(params![
                    a.rule,
                    a.key,
                    a.state,
                    a.since,
                    a.fired_at,
                    a.notified_at,
                    a.repeats,
                    a.episode,
                    a.held,
                    a.title,
                    a.body,
                    a.severity,
                    a.updated_at
                ])
            })
            .map(|_| ())
            .map_err(self.err("write alert"))
    }

    /// Forgets every instance of a rule (its file is gone).
    pub(crate) fn forget_rule(&self, rule: &str) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM alerts WHERE rule = ?1", [rule])
            .map(|_| ())
            .map_err(self.err("forget rule"))
    }

    /// Adds a silence and returns its number.
    pub(crate) fn add_silence(
        &self,
        rule: &str,
        key: Option<&str>,
        until: i64,
        now: i64,
    ) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT INTO silences (rule, key, until, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![rule, key, until, now],
            )
            .map_err(self.err("add silence"))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Silences still in force at `now`, soonest to end first.
    pub fn silences(&self, now: i64) -> Result<Vec<SilenceRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, rule, key, until, created_at FROM silences WHERE until > ?1
                 ORDER BY until, id",
            )
            .map_err(self.err("read silences"))?;
        let rows = stmt
            .query_map([now], |r| {
                Ok(SilenceRow {
                    id: r.get(0)?,
                    rule: r.get(1)?,
                    key: r.get(2)?,
                    until: r.get(3)?,
                    created_at: r.get(4)?,
                })
            })
            .map_err(self.err("read silences"))?;
        rows.collect::<Result<_, _>>()
            .map_err(self.err("read silences"))
    }

    /// Removes a silence; `false` when there was none with that number.
    pub(crate) fn remove_silence(&self, id: i64) -> Result<bool, StoreError> {
        self.conn
            .execute("DELETE FROM silences WHERE id = ?1", [id])
            .map(|n| n > 0)
            .map_err(self.err("remove silence"))
    }

    /// Whether a silence covers (rule, key) at `now`.
    pub(crate) fn is_silenced(&self, rule: &str, key: &str, now: i64) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached(
                "SELECT 1 FROM silences WHERE rule = ?1 AND (key IS NULL OR key = ?2) AND until > ?3
                 LIMIT 1",
            )
            .and_then(|mut s| s.query_row(params![rule, key, now], |_| Ok(())).optional())
            .map(|found| found.is_some())
            .map_err(self.err("read silences"))
    }

    /// Runs `f` in a transaction that is always rolled back: what it would write is seen
    /// by `f` and then forgotten. `check` uses it to show what a cycle would decide.
    pub(crate) fn rehearse<T>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.conn
            .execute_batch("BEGIN")
            .map_err(self.err("begin rehearsal"))?;
        let result = f(self);
        let _ = self.conn.execute_batch("ROLLBACK");
        result
    }
}
