use super::*;
use crate::price::{PriceTable, Tokens};

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("nested/dir/creditwatch.db")).unwrap();
    (dir, store)
}

fn row(key: i64, model: &str, output: u64, cost: Option<f64>) -> RequestRow<'_> {
    RequestRow {
        legacy_key: None,
        sidechain: false,
        key,
        account: "default",
        t: 1000,
        app: "claude-code",
        model,
        project: "p",
        session: "s1",
        tokens: Tokens {
            output,
            ..Tokens::default()
        },
        cost_usd: cost,
    }
}

#[test]
fn opens_in_wal_mode_with_the_current_schema_and_reopens() {
    let (dir, store) = open();
    let mode: String = store
        .conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let sync: i64 = store
        .conn
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .unwrap();
    assert_eq!(sync, 2, "FULL");
    store.set_meta("k", "v").unwrap();
    drop(store);
    let again = Store::open(&dir.path().join("nested/dir/creditwatch.db")).unwrap();
    let version: i64 = again
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, migrate::VERSION);
    assert_eq!(again.meta("k").unwrap().as_deref(), Some("v"));
    assert!(again.integrity_ok().unwrap());
}

#[test]
fn a_database_from_a_newer_version_is_refused_not_damaged() {
    let (dir, store) = open();
    store.conn.pragma_update(None, "user_version", 999).unwrap();
    drop(store);
    let path = dir.path().join("nested/dir/creditwatch.db");
    let err = Store::open(&path).err().unwrap().to_string();
    assert!(err.contains("schema version 999"), "{err}");
    assert!(err.contains("creditwatch.db"), "{err}");
}

#[test]
fn upsert_keeps_the_larger_copy() {
    let (_dir, store) = open();
    let mut w = store.writer().unwrap();
    w.upsert(&row(1, "m", 10, Some(1.0))).unwrap();
    w.upsert(&row(1, "m", 5, Some(0.5))).unwrap();
    w.upsert(&row(2, "m", 1, Some(0.1))).unwrap();
    w.upsert(&row(1, "m", 20, Some(2.0))).unwrap();
    w.commit().unwrap();
    let b = store.spend_buckets("default", 0, 2000, 3600).unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].entries, 2);
    assert!((b[0].cost_usd - 2.1).abs() < 1e-12);
    assert_eq!(b[0].tokens.output, 21);
    // Against what is already stored (the database's own conflict rule, not the buffer).
    let mut w = store.writer().unwrap();
    w.upsert(&row(1, "m", 15, Some(9.0))).unwrap();
    w.upsert(&row(2, "m", 3, Some(0.3))).unwrap();
    w.commit().unwrap();
    let b = store.spend_buckets("default", 0, 2000, 3600).unwrap();
    assert!((b[0].cost_usd - 2.3).abs() < 1e-12, "{}", b[0].cost_usd);
    assert_eq!(b[0].tokens.output, 23);
}

#[test]
fn an_uncommitted_writer_leaves_nothing_behind() {
    let (_dir, store) = open();
    {
        let mut w = store.writer().unwrap();
        w.upsert(&row(1, "m", 10, Some(1.0))).unwrap();
        // Dropped without commit, as when a poll fails half way.
    }
    assert!(
        store
            .spend_buckets("default", 0, 2000, 3600)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn atomically_rolls_back_on_error() {
    let (_dir, store) = open();
    let result: Result<(), StoreError> = store.atomically(|s| {
        s.record_sample("default", "m", Sample { t: 1, v: 1.0 }, "test")?;
        Err(StoreError::TooNew {
            path: "x".into(),
            found: 0,
            known: 0,
        })
    });
    assert!(result.is_err());
    assert_eq!(store.last_sample("default", "m", 10).unwrap(), None);
}

#[test]
fn reprice_only_runs_when_prices_change() {
    let (_dir, mut store) = open();
    let prices = PriceTable::bundled();
    let mut w = store.writer().unwrap();
    w.upsert(&row(1, "claude-mystery-9", 1_000_000, None))
        .unwrap();
    w.commit().unwrap();
    assert_eq!(store.reprice(&prices).unwrap(), 0, "nothing to price yet");
    let mut more = prices.clone();
    more.set(
        "claude-mystery-9",
        crate::price::Price {
            rates: [1.0, 1.0, 1.0, 1.0, 3.0],
            long_context: None,
        },
    );
    assert_eq!(store.reprice(&more).unwrap(), 1);
    assert_eq!(store.reprice(&more).unwrap(), 0, "same prices: no work");
    assert_eq!(store.total_spend("default", 0, 2000).unwrap(), 3.0);
}

#[test]
fn health_keeps_the_last_success_across_failures() {
    let (_dir, store) = open();
    let ok = HealthRow {
        source: "s".into(),
        ok: true,
        last_attempt_at: 100,
        last_success_at: Some(100),
        error: None,
        backoff_until: None,
        failing_since: None,
    };
    store.record_health("default", &ok).unwrap();
    let failed = HealthRow {
        ok: false,
        last_attempt_at: 200,
        last_success_at: None,
        error: Some("boom".into()),
        ..ok.clone()
    };
    store.record_health("default", &failed).unwrap();
    let h = &store.health("default").unwrap()[0];
    assert_eq!(
        (h.ok, h.last_attempt_at, h.last_success_at),
        (false, 200, Some(100))
    );
    assert_eq!(h.error.as_deref(), Some("boom"));
    assert_eq!(
        h.failing_since,
        Some(200),
        "failing since the first failure"
    );
    store
        .record_health(
            "default",
            &HealthRow {
                last_attempt_at: 300,
                ..failed.clone()
            },
        )
        .unwrap();
    assert_eq!(store.health("default").unwrap()[0].failing_since, Some(200));
    store
        .record_health(
            "default",
            &HealthRow {
                last_attempt_at: 400,
                ..ok.clone()
            },
        )
        .unwrap();
    assert_eq!(store.health("default").unwrap()[0].failing_since, None);
    // A source that never worked fails from its first attempt.
    store
        .record_health(
            "default",
            &HealthRow {
                source: "never".into(),
                ..failed
            },
        )
        .unwrap();
    let never = store.health("default").unwrap();
    assert_eq!(
        (never[0].source.as_str(), never[0].failing_since),
        ("never", Some(200))
    );
}

#[test]
fn metrics_are_listed_by_prefix_and_suffix_without_reading_every_sample() {
    let (_dir, store) = open();
    store
        .atomically(|s| {
            for (account, metric) in [
                ("default", "app-x.spend"),
                ("default", "app.claude_code.spend_usd.today"),
                ("default", "app.cursor.spend_usd.today"),
                ("default", "app.cursor.tokens.input"),
                ("default", "apple.spend_usd.today"),
                ("default", "app."),
                ("other", "app.zed.spend_usd.today"),
                ("default", "plan.five_hour.used_pct"),
            ] {
                for t in 0..3 {
                    s.record_sample(account, metric, Sample { t, v: 1.0 }, "test")?;
                }
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(
        store.metrics("default", "app.", "").unwrap(),
        [
            "app.claude_code.spend_usd.today",
            "app.cursor.spend_usd.today",
            "app.cursor.tokens.input"
        ]
    );
    assert_eq!(
        store.metrics("default", "app.", ".today").unwrap(),
        [
            "app.claude_code.spend_usd.today",
            "app.cursor.spend_usd.today"
        ]
    );
    assert_eq!(
        store.metrics("default", "plan.", ".used_pct").unwrap(),
        ["plan.five_hour.used_pct"]
    );
    assert_eq!(store.metrics("default", "", "").unwrap().len(), 7);
    assert!(store.metrics("nobody", "app.", "").unwrap().is_empty());
}

#[test]
fn a_removed_silence_number_is_never_given_again() {
    let (_dir, store) = open();
    let first = store
        .add_silence("daily-digest", None, 2_000, 1_000)
        .unwrap();
    assert!(store.remove_silence(first).unwrap());
    let second = store
        .add_silence("daily-digest", None, 2_000, 1_000)
        .unwrap();
    assert!(second > first, "{second} after {first}");
}

#[test]
fn silences_kept_by_an_older_schema_keep_their_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("creditwatch.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE silences (id INTEGER PRIMARY KEY, rule TEXT NOT NULL, key TEXT,
                until INTEGER NOT NULL, created_at INTEGER NOT NULL);
             INSERT INTO silences VALUES (7, 'daily-digest', NULL, 9000000000, 1);
             -- What the later migrations change.
             CREATE TABLE requests (id INTEGER PRIMARY KEY, input, output, cache_read,
                cache_write_5m, cache_write_1h);
             CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE log_files (path TEXT PRIMARY KEY);
             CREATE TABLE outbox (id INTEGER PRIMARY KEY);",
        )
        .unwrap();
        // As if every migration before the silences' one had run.
        conn.pragma_update(None, "user_version", 10).unwrap();
    }
    let store = Store::open(&path).unwrap();
    let kept = store.silences(2).unwrap();
    assert_eq!((kept.len(), kept[0].id), (1, 7));
    assert_eq!(store.add_silence("x", None, 9_000_000_000, 3).unwrap(), 8);
}
