//! Numbered schema migrations, applied in order inside one transaction each.

use super::{Store, StoreError};

/// Each entry brings the schema from version `i` to `i + 1`. Append only: never edit a
/// migration that has shipped.
const MIGRATIONS: &[&str] = &[
    // 1: the foundation.
    "CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
     );
     CREATE TABLE samples (
        account TEXT NOT NULL,
        metric TEXT NOT NULL,
        t INTEGER NOT NULL,
        v REAL NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY (account, metric, t)
     ) WITHOUT ROWID;
     CREATE TABLE requests (
        id INTEGER PRIMARY KEY,
        key INTEGER NOT NULL UNIQUE,
        account TEXT NOT NULL,
        t INTEGER NOT NULL,
        app TEXT NOT NULL,
        model TEXT NOT NULL,
        project TEXT NOT NULL,
        input INTEGER NOT NULL,
        output INTEGER NOT NULL,
        cache_read INTEGER NOT NULL,
        cache_write_5m INTEGER NOT NULL,
        cache_write_1h INTEGER NOT NULL,
        total INTEGER NOT NULL,
        cost_usd REAL
     );
     CREATE INDEX requests_by_time ON requests (account, t);
     CREATE TABLE log_files (
        path TEXT PRIMARY KEY,
        dev INTEGER NOT NULL,
        ino INTEGER NOT NULL,
        offset INTEGER NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        head_hash INTEGER NOT NULL,
        head_len INTEGER NOT NULL,
        malformed INTEGER NOT NULL DEFAULT 0
     );
     CREATE TABLE sessions (
        session_id TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        t INTEGER NOT NULL,
        cost_usd REAL,
        model TEXT
     );
     CREATE TABLE source_health (
        account TEXT NOT NULL,
        source TEXT NOT NULL,
        ok INTEGER NOT NULL,
        last_attempt_at INTEGER NOT NULL,
        last_success_at INTEGER,
        error TEXT,
        backoff_until INTEGER,
        PRIMARY KEY (account, source)
     );",
    // 2: network sources: per-endpoint politeness state, and facts that are text.
    "CREATE TABLE endpoints (
        account TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        last_request_at INTEGER NOT NULL,
        backoff_until INTEGER,
        failures INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        PRIMARY KEY (account, endpoint)
     );
     CREATE TABLE facts (
        account TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        t INTEGER NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY (account, key)
     );",
    // 3: the Admin API's reports: cost per UTC day and tokens per hour, by model and
    // workspace. A report replaces the buckets it covers, so late corrections land.
    "CREATE TABLE api_costs (
        account TEXT NOT NULL,
        day INTEGER NOT NULL,
        model TEXT NOT NULL,
        workspace TEXT NOT NULL,
        cost_usd REAL NOT NULL,
        PRIMARY KEY (account, day, model, workspace)
     ) WITHOUT ROWID;
     CREATE TABLE api_tokens (
        account TEXT NOT NULL,
        hour INTEGER NOT NULL,
        model TEXT NOT NULL,
        workspace TEXT NOT NULL,
        input INTEGER NOT NULL,
        output INTEGER NOT NULL,
        cache_read INTEGER NOT NULL,
        cache_write_5m INTEGER NOT NULL,
        cache_write_1h INTEGER NOT NULL,
        web_searches INTEGER NOT NULL,
        PRIMARY KEY (account, hour, model, workspace)
     ) WITHOUT ROWID;",
    // 4: rules. Alert instances keyed by (rule, key), silences, and the notification
    // outbox. Each outbox row is unique by its idempotency key, so a decision replayed
    // after a crash never enqueues twice.
    "CREATE TABLE alerts (
        rule TEXT NOT NULL,
        key TEXT NOT NULL,
        state TEXT NOT NULL,
        since INTEGER NOT NULL,
        fired_at INTEGER,
        notified_at INTEGER,
        repeats INTEGER NOT NULL DEFAULT 0,
        episode INTEGER NOT NULL DEFAULT 0,
        held TEXT,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        severity TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (rule, key)
     ) WITHOUT ROWID;
     CREATE TABLE silences (
        id INTEGER PRIMARY KEY,
        rule TEXT NOT NULL,
        key TEXT,
        until INTEGER NOT NULL,
        created_at INTEGER NOT NULL
     );
     CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        idempotency_key TEXT NOT NULL UNIQUE,
        rule TEXT NOT NULL,
        key TEXT NOT NULL,
        episode INTEGER NOT NULL,
        transition TEXT NOT NULL,
        channel TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        severity TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        not_before INTEGER NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER,
        last_error TEXT,
        sent_at INTEGER
     );
     CREATE INDEX outbox_by_state ON outbox (state, not_before);",
    // 5: delivery. The pool figures at the time of a decision travel with each
    // notification (a webhook sends them, an email draws them).
    "ALTER TABLE outbox ADD COLUMN figures TEXT NOT NULL DEFAULT '{}';",
    // 6: the metric an email charts (a rule's `chart`), if any.
    "ALTER TABLE outbox ADD COLUMN chart TEXT;",
    // 7: a transcript rewritten in place is told by the bytes just before the offset too,
    // not only by its first KiB.
    "ALTER TABLE log_files ADD COLUMN tail_hash INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE log_files ADD COLUMN tail_len INTEGER NOT NULL DEFAULT 0;",
    // 8: since when a source has failed without a success in between (NULL when its last
    // attempt worked), so a source that never worked is seen failing too.
    "ALTER TABLE source_health ADD COLUMN failing_since INTEGER;
     UPDATE source_health SET failing_since = last_attempt_at WHERE ok = 0;",
    // 9: channels that cannot be reached back off as a whole.
    "CREATE TABLE channels (
        channel TEXT PRIMARY KEY,
        failing_since INTEGER NOT NULL,
        failures INTEGER NOT NULL,
        next_try_at INTEGER NOT NULL,
        last_error TEXT NOT NULL
     );",
    // 10: a response with a message id is keyed by its message id alone (a sidechain's
    // replay of a parent's message under a new requestId is the same response). Existing
    // rows move to their new keys when their transcripts are read again, which happens at
    // once: every transcript is read from the start. A copy written in a sidechain is
    // marked, since the parent's copy of a message wins over a sidechain's replay of it.
    // Lines of unknown kinds are counted.
    "ALTER TABLE log_files ADD COLUMN unknown INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE requests ADD COLUMN sidechain INTEGER NOT NULL DEFAULT 0;
     INSERT INTO meta (key, value) SELECT 'legacy_request_keys', '1'
       WHERE EXISTS (SELECT 1 FROM requests);
     DELETE FROM log_files;",
    // 11: a silence's id is never given again once it is removed (AUTOINCREMENT), so
    // `silence remove ID` typed from an old listing cannot remove a newer silence.
    "CREATE TABLE silences_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        rule TEXT NOT NULL,
        key TEXT,
        until INTEGER NOT NULL,
        created_at INTEGER NOT NULL
     );
     INSERT INTO silences_new (id, rule, key, until, created_at)
       SELECT id, rule, key, until, created_at FROM silences;
     DROP TABLE silences;
     ALTER TABLE silences_new RENAME TO silences;",
    // 12: each response's Claude Code session, and its project as the folder the line
    // names (`~/src/api`) rather than the transcript folder's name (`-Users-ana-src-api`).
    // Every transcript is read again at once and fills both in; rows whose transcripts are
    // gone keep no session, and the log source renames their projects once.
    "ALTER TABLE requests ADD COLUMN session TEXT NOT NULL DEFAULT '';
     INSERT INTO meta (key, value) SELECT 'requests_without_session', '1'
       WHERE EXISTS (SELECT 1 FROM requests);
     DELETE FROM log_files;",
    // 13: how an alert lasts, for the channels told its span (Alertmanager): whom it is
    // about, when its episode started and until when it holds, as JSON; NULL for others.
    "ALTER TABLE outbox ADD COLUMN lasting TEXT;",
    // 14: responses with a token count no response can have (a corrupt transcript line,
    // stored before such lines were refused; one past 2^63 was stored as a negative count)
    // made every sum fail or lie. They are malformed lines: removed.
    "DELETE FROM requests
       WHERE input NOT BETWEEN 0 AND 1000000000 OR output NOT BETWEEN 0 AND 1000000000
          OR cache_read NOT BETWEEN 0 AND 1000000000
          OR cache_write_5m NOT BETWEEN 0 AND 1000000000
          OR cache_write_1h NOT BETWEEN 0 AND 1000000000;",
];

/// The schema version this build writes.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

/// Applies every migration the database has not seen yet.
pub(super) fn run(store: &mut Store) -> Result<(), StoreError> {
    let path = store.path.clone();
    let err = |what| {
        let path = path.clone();
        move |source| StoreError::Query { path, what, source }
    };
    let found: i64 = store
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(err("read schema version"))?;
    if found > VERSION {
        return Err(StoreError::TooNew {
            path,
            found,
            known: VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        // Another process (the status line, `check`) may be migrating the same file: take
        // the write lock first, then look again, so each migration is applied once.
        let tx = store
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(err("begin migration"))?;
        let now: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err("read schema version"))?;
        if now > i as i64 {
            continue;
        }
        tx.execute_batch(sql).map_err(err("apply migration"))?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(err("record schema version"))?;
        tx.commit().map_err(err("commit migration"))?;
    }
    Ok(())
}
