//! The notification outbox: what the alert pass decided to send, and how delivery went.
//!
//! A row is `pending` until a sender claims it (`sending`, one more attempt), then `sent`,
//! `retry` (with the time of the next attempt), `dead` (a permanent failure) or `expired`
//! (too old to be worth sending). Claiming is one transaction, so two senders never take
//! the same row; a row left in `sending` by a crash is claimed again on the next start.

use super::{Store, StoreError};
use crate::vocab::{Channel, OutboxState, Scope, Severity, Transition};
use OutboxState::{Dead, Expired, Pending, Retry, Sending, Sent};
use rusqlite::{Row, params};

/// Waiting and not being sent: what a sender may claim or expire.
const QUEUED: [OutboxState; 2] = [Pending, Retry];

/// States as an SQL list (`'pending', 'retry'`), spelled by `vocab` alone. The words are
/// the binary's own constants, never input, so quoting them inline is safe.
fn any_of(states: &[OutboxState]) -> String {
    let quoted: Vec<String> = states.iter().map(|s| format!("'{s}'")).collect();
    quoted.join(", ")
}

/// A notification waiting in (or gone through) the outbox.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OutboxRow {
    /// Its number.
    pub id: i64,
    /// Unique per (rule, key, episode, transition, channel).
    pub idempotency_key: String,
    /// The rule that decided it.
    pub rule: String,
    /// The alert's key.
    pub key: String,
    /// The alert's episode.
    pub episode: i64,
    /// What it announces.
    pub transition: Transition,
    /// Where it goes: `desktop`, `email`, `webhook`.
    pub channel: Channel,
    /// Its title.
    pub title: String,
    /// Its text.
    pub body: String,
    /// How urgent it is.
    pub severity: Severity,
    /// The pool figures at the time of the decision, as JSON.
    pub figures: serde_json::Value,
    /// The metric an email charts over the last 7 days (the rule's `chart`).
    pub chart: Option<String>,
    /// When it was decided.
    pub created_at: i64,
    /// Not delivered before this time (quiet hours).
    pub not_before: i64,
    /// Where it is in the outbox.
    pub state: OutboxState,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// When the next attempt is due, for a row in `retry`.
    pub next_attempt_at: Option<i64>,
    /// The last delivery error.
    pub last_error: Option<String>,
    /// How the alert lasts, for the channels told its span (Alertmanager); `None` for
    /// the others.
    pub lasting: Option<Lasting>,
}

/// How an alert lasts, as Alertmanager is told it: whom it is about, when its episode
/// started, and until when it holds unless it is told again.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Lasting {
    /// The account label: whose pools these are.
    pub account: String,
    /// Whether the alert is the account's or this machine's.
    pub scope: Scope,
    /// When the episode started firing, unix seconds.
    pub starts_at: i64,
    /// Until when it holds, unix seconds: a few cycles ahead while it fires, the time it
    /// ended once resolved.
    pub ends_at: i64,
}

const COLUMNS: &str = "id, idempotency_key, rule, key, episode, transition, channel, title, body,
    severity, figures, created_at, not_before, state, attempts, next_attempt_at, last_error, chart, lasting";

fn row(r: &Row) -> rusqlite::Result<OutboxRow> {
    let figures: String = r.get(10)?;
    Ok(OutboxRow {
        id: r.get(0)?,
        idempotency_key: r.get(1)?,
        rule: r.get(2)?,
        key: r.get(3)?,
        episode: r.get(4)?,
        transition: r.get(5)?,
        channel: r.get(6)?,
        title: r.get(7)?,
        body: r.get(8)?,
        severity: r.get(9)?,
        // A notification is still worth sending without its figures; the loss is logged.
        figures: serde_json::from_str(&figures).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "an outbox row's figures are unreadable; sent without them");
            serde_json::Value::Null
        }),
        created_at: r.get(11)?,
        not_before: r.get(12)?,
        state: r.get(13)?,
        attempts: r.get(14)?,
        next_attempt_at: r.get(15)?,
        last_error: r.get(16)?,
        chart: r.get(17)?,
        lasting: r
            .get::<_, Option<String>>(18)?
            .and_then(|j| serde_json::from_str(&j).ok()),
    })
}

fn lasting_json(n: &OutboxRow) -> Option<String> {
    n.lasting
        .as_ref()
        .and_then(|l| serde_json::to_string(l).ok())
}

/// How a delivery attempt ended, for `Store::settle_delivery`.
#[derive(Debug, Clone, PartialEq)]
pub enum Settled {
    /// Delivered.
    Sent,
    /// Try again at this time.
    Retry(i64, String),
    /// Never try again.
    Dead(String),
}

impl Store {
    /// Adds a notification to the outbox; `false` when one with the same idempotency key is
    /// already there.
    pub fn enqueue(&self, n: &OutboxRow) -> Result<bool, StoreError> {
        self.insert(n, "INSERT OR IGNORE INTO", "", None)
            .map_err(self.err("enqueue notification"))
    }

    /// Tells a lasting alert again (Alertmanager's re-send while it fires): inserts `n`, or
    /// brings the row of its idempotency key up to date. A row waiting to be sent takes the
    /// new content; one sent at or before `sent_by` (or expired) waits to be sent again;
    /// one sent later, being sent or dead is left alone. Returns whether a send is now due.
    pub(crate) fn refresh(&self, n: &OutboxRow, sent_by: i64) -> Result<bool, StoreError> {
        let again = format!("state IN ({})", any_of(&[Sent, Expired]));
        let update = format!(
            " ON CONFLICT(idempotency_key) DO UPDATE SET title = excluded.title,
               body = excluded.body, severity = excluded.severity, figures = excluded.figures,
               created_at = excluded.created_at, not_before = excluded.not_before,
               lasting = excluded.lasting,
               attempts = CASE WHEN {again} THEN 0 ELSE attempts END,
               last_error = CASE WHEN {again} THEN NULL ELSE last_error END,
               state = CASE WHEN {again} THEN {pending} ELSE state END
             WHERE state IN ({open}) OR (state = {sent} AND sent_at <= ?15)",
            pending = any_of(&[Pending]),
            open = any_of(&[Pending, Retry, Expired]),
            sent = any_of(&[Sent]),
        );
        self.insert(n, "INSERT INTO", &update, Some(sent_by))
            .map_err(self.err("refresh notification"))
    }

    /// Writes `n` with `verb` (`INSERT OR IGNORE INTO`, ...) and `conflict` after it, whose
    /// `?15` is `extra`; whether a row was written.
    fn insert(
        &self,
        n: &OutboxRow,
        verb: &str,
        conflict: &str,
        extra: Option<i64>,
    ) -> rusqlite::Result<bool> {
        let (figures, lasting) = (n.figures.to_string(), lasting_json(n));
        let mut values: Vec<&dyn rusqlite::ToSql> = vec![
            &n.idempotency_key,
            &n.rule,
            &n.key,
            &n.episode,
            &n.transition,
            &n.channel,
            &n.title,
            &n.body,
            &n.severity,
            &figures,
            &n.created_at,
            &n.not_before,
            &n.chart,
            &lasting,
        ];
        if let Some(extra) = &extra {
            values.push(extra);
        }
        let sql = format!(
            "{verb} outbox (idempotency_key, rule, key, episode, transition, channel, title,
               body, severity, figures, created_at, not_before, chart, lasting)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14){conflict}"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        stmt.execute(values.as_slice()).map(|written| written > 0)
    }

    /// Outbox rows not yet delivered or given up on, oldest first.
    pub fn outbox_backlog(&self) -> Result<Vec<OutboxRow>, StoreError> {
        let waiting = format!("state IN ({})", any_of(&OutboxState::WAITING));
        self.outbox_where(&waiting, [])
    }

    /// Expires every waiting row older than `max_age`, whatever its channel, so a row for a
    /// channel that is off does not wait for ever; returns how many.
    pub(crate) fn expire_stale(&self, now: i64, max_age: i64) -> Result<usize, StoreError> {
        self.conn
            .execute(
                &format!(
                    "UPDATE outbox SET state = {}, last_error = ?2 WHERE state IN ({}) \
                     AND created_at < ?1",
                    any_of(&[Expired]),
                    any_of(&QUEUED)
                ),
                params![
                    now - max_age,
                    "older than 24h, not sent (is its channel on in the config?)"
                ],
            )
            .map_err(self.err("expire notifications"))
    }

    /// How many rows are in each delivery state.
    pub fn outbox_counts(&self) -> Result<Vec<(OutboxState, i64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT state, COUNT(*) FROM outbox GROUP BY state ORDER BY state")
            .map_err(self.err("count notifications"))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.err("count notifications"))?;
        rows.collect::<Result<_, _>>()
            .map_err(self.err("count notifications"))
    }

    /// Rows that went dead or expired since `since`, newest first.
    pub fn outbox_failed(&self, since: i64) -> Result<Vec<OutboxRow>, StoreError> {
        let failed = format!(
            "state IN ({}) AND created_at >= ?1 ORDER BY id DESC",
            any_of(&[Dead, Expired])
        );
        self.outbox_where(&failed, [since])
    }

    /// Every row with this idempotency key's prefix... or all rows, for tests and `outbox`.
    pub fn outbox_all(&self) -> Result<Vec<OutboxRow>, StoreError> {
        self.outbox_where("1", [])
    }

    fn outbox_where<P: rusqlite::Params>(
        &self,
        filter: &str,
        p: P,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let order = if filter.contains("ORDER BY") {
            ""
        } else {
            " ORDER BY id"
        };
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM outbox WHERE {filter}{order}"
            ))
            .map_err(self.err("read outbox"))?;
        let rows = stmt.query_map(p, row).map_err(self.err("read outbox"))?;
        rows.collect::<Result<_, _>>()
            .map_err(self.err("read outbox"))
    }

    /// Claims the rows of `channel` due at `now` (at most `limit`): each goes to `sending`
    /// with one more attempt. Rows older than `max_age` expire instead.
    pub fn claim_due(
        &self,
        channel: Channel,
        now: i64,
        max_age: i64,
        limit: usize,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        self.atomically(|s| {
            s.conn
                .execute(
                    &format!(
                        "UPDATE outbox SET state = {}, last_error = ?3 \
                         WHERE channel = ?1 AND state IN ({}) AND created_at < ?2",
                        any_of(&[Expired]),
                        any_of(&QUEUED)
                    ),
                    params![channel, now - max_age, "older than 24h, not sent"],
                )
                .map_err(s.err("expire notifications"))?;
            let due = s.outbox_where(
                &format!(
                    "channel = ?1 AND not_before <= ?2 AND (state = {} \
                     OR (state = {} AND next_attempt_at <= ?2)) ORDER BY id LIMIT ?3",
                    any_of(&[Pending]),
                    any_of(&[Retry])
                ),
                params![channel, now, limit as i64],
            )?;
            for r in &due {
                s.conn
                    .execute(
                        "UPDATE outbox SET state = ?2, attempts = attempts + 1 WHERE id = ?1",
                        params![r.id, Sending],
                    )
                    .map_err(s.err("claim notification"))?;
            }
            Ok(due
                .into_iter()
                .map(|r| OutboxRow {
                    state: OutboxState::Sending,
                    attempts: r.attempts + 1,
                    ..r
                })
                .collect())
        })
    }

    /// Records how an attempt on a claimed row ended.
    pub(crate) fn settle_delivery(
        &self,
        id: i64,
        how: &Settled,
        now: i64,
    ) -> Result<(), StoreError> {
        let (state, next, error, sent_at) = match how {
            Settled::Sent => (OutboxState::Sent, None, None, Some(now)),
            Settled::Retry(at, e) => (OutboxState::Retry, Some(*at), Some(e.as_str()), None),
            Settled::Dead(e) => (OutboxState::Dead, None, Some(e.as_str()), None),
        };
        self.conn
            .execute(
                "UPDATE outbox SET state = ?2, next_attempt_at = ?3, last_error = COALESCE(?4, last_error),
                   sent_at = ?5 WHERE id = ?1",
                params![id, state, next, error, sent_at],
            )
            .map(|_| ())
            .map_err(self.err("settle notification"))
    }

    /// Puts claimed rows that were not tried (their channel failed on an earlier one) back
    /// to wait until `at`, without counting an attempt.
    pub fn release(&self, ids: &[i64], at: i64, error: &str) -> Result<(), StoreError> {
        for id in ids {
            self.conn
                .prepare_cached(
                    "UPDATE outbox SET state = ?4, attempts = MAX(attempts - 1, 0),
                       next_attempt_at = ?2, last_error = ?3 WHERE id = ?1 AND state = ?5",
                )
                .and_then(|mut s| s.execute(params![id, at, error, Retry, Sending]))
                .map_err(self.err("release notification"))?;
        }
        Ok(())
    }

    /// Puts rows a crash left in `sending` back to be sent again; returns them (each may
    /// have been delivered already, so a resend can be a duplicate).
    pub fn requeue_sending(&self, now: i64) -> Result<Vec<OutboxRow>, StoreError> {
        self.atomically(|s| {
            let rows = s.outbox_where("state = ?1", [Sending])?;
            s.conn
                .execute(
                    "UPDATE outbox SET state = ?2, next_attempt_at = ?1, last_error = ?4
                     WHERE state = ?3",
                    params![now, Retry, Sending, "interrupted while sending; sent again"],
                )
                .map_err(s.err("requeue notifications"))?;
            Ok(rows)
        })
    }
}
