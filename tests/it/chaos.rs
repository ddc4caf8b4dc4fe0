//! Chaos: 50 kill -9 of `creditwatch run` at random moments while it ingests transcripts
//! (the test appends the fixture's lines a slice at a time between the kills) and enqueues
//! notifications (a rule raises a new alert at each start). Afterwards the database passes
//! `PRAGMA integrity_check`, no idempotency key appears twice, nothing once enqueued is
//! gone, every alert that was notified has its notification, and the spend totals equal the
//! fixture's.

use crate::support::http::{Answer, Server};
use crate::support::wait::{cycles_of, wait_for};
use creditwatch::vocab::Channel;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claude-code");
const KILLS: usize = 50;
/// The fixture's responses end on 2026-11-20; the daemon runs just after.
use crate::support::NEXT_MORNING as START;

fn daemon(home: &Path, cw: &Path, now: i64) -> Child {
    crate::support::bin::command(now, home, cw, &["run", "--clock-speed", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Every transcript of the fixture: its path under HOME and its lines, each with its end.
fn transcripts(from: &Path, rel: &Path, out: &mut Vec<(PathBuf, Vec<String>)>) {
    for entry in std::fs::read_dir(from.join(rel)).unwrap().flatten() {
        let rel = rel.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            transcripts(from, &rel, out);
        } else {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            out.push((rel, text.split_inclusive('\n').map(String::from).collect()));
        }
    }
}

/// Writes the first `part`/`of` of every transcript's lines (by appending what is new).
fn reveal(home: &Path, files: &[(PathBuf, Vec<String>)], part: usize, of: usize) {
    use std::io::Write;
    for (rel, lines) in files {
        let path = home.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let had = ((part - 1) * lines.len()).div_ceil(of);
        let has = (part * lines.len()).div_ceil(of);
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        for line in &lines[had..has] {
            f.write_all(line.as_bytes()).unwrap();
        }
    }
}

/// The outbox's idempotency keys and the alerts notified so far.
fn seen(db: &Path) -> (BTreeSet<String>, Vec<(String, String)>) {
    let Ok(store) = creditwatch::store::Store::open(db) else {
        return Default::default();
    };
    let keys = store
        .outbox_all()
        .unwrap()
        .into_iter()
        .map(|r| r.idempotency_key)
        .collect();
    let notified = store
        .alerts()
        .unwrap()
        .into_iter()
        .filter(|a| a.notified_at.is_some())
        .map(|a| (a.rule, a.key))
        .collect();
    (keys, notified)
}

#[test]
fn fifty_kill_9_lose_nothing_and_count_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let cw = dir.path().join("cw");
    let mut files = Vec::new();
    transcripts(
        &Path::new(FIXTURES).join("logs/home"),
        Path::new(""),
        &mut files,
    );
    let hook = Server::start(|_| Answer::json(200, "{}"));
    std::fs::create_dir_all(cw.join("rules")).unwrap();
    std::fs::write(
        cw.join("config.toml"),
        format!(
            "[sources.claude_oauth]\nenabled = false\n[notify.desktop]\nenabled = false\n\
             [notify.webhook]\nurl = \"{}/hook\"\n",
            hook.base_url
        ),
    )
    .unwrap();
    // A new alert at each start (the key is the minute the daemon started in).
    std::fs::write(
        cw.join("rules/each-start.lua"),
        "return { channels = {'webhook'}, check = function(s) \
         return { key = tostring(s.now // 60), title = 'started' } end }",
    )
    .unwrap();
    let db = cw.join("data/creditwatch.db");
    let mut before: BTreeSet<String> = BTreeSet::new();
    for i in 1..=KILLS {
        reveal(&home, &files, i, KILLS);
        let mut child = daemon(&home, &cw, START + 60 * i as i64);
        // The chaos itself: the kill lands at a random moment of the daemon's life (starting,
        // ingesting, evaluating, enqueueing, sending), not after anything in particular.
        std::thread::sleep(Duration::from_millis(fastrand::u64(0..300)));
        child.kill().unwrap();
        child.wait().unwrap();
        let (keys, notified) = seen(&db);
        assert!(
            keys.is_superset(&before),
            "a notification vanished after kill {i}"
        );
        for (rule, key) in notified {
            let expected =
                creditwatch::alert::idempotency_key(&rule, &key, 1, "firing", Channel::Webhook);
            assert!(
                keys.contains(&expected),
                "{rule} [{key}] notified without its row"
            );
        }
        before = keys;
    }

    // One clean run to the end of a cycle, then the checks.
    let mut last = daemon(&home, &cw, START + 60 * (KILLS as i64 + 1));
    let pid = last.id();
    wait_for("a whole cycle", Duration::from_secs(30), || {
        cycles_of(&cw, pid) >= 1
    });
    unsafe { libc::kill(last.id() as i32, libc::SIGTERM) };
    assert_eq!(last.wait().unwrap().code(), Some(0));

    let conn = rusqlite::Connection::open(&db).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let doubled: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM (SELECT idempotency_key FROM outbox GROUP BY idempotency_key HAVING COUNT(*) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(doubled, 0);
    let (keys, _) = seen(&db);
    assert!(keys.is_superset(&before));
    assert!(
        keys.len() > KILLS / 4,
        "notifications were enqueued: {}",
        keys.len()
    );

    let out = crate::support::bin::succeed_in(
        START,
        &home,
        &cw,
        &["spend", "--since", "all", "--utc", "--json"],
    );
    let got: Value = serde_json::from_str(&out).unwrap();
    let expected: Value = serde_json::from_slice(
        &std::fs::read(Path::new(FIXTURES).join("logs/expected.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(got["entries"], expected["entries"]);
    let (a, b) = (
        got["total_usd"].as_f64().unwrap(),
        expected["total_usd"].as_f64().unwrap(),
    );
    assert!((a - b).abs() < 1e-6, "{a} != {b}");
    crate::support::fixtures::assert_tokens(&got["tokens"], &expected["tokens"]);
}
