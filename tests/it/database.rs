//! The database deleted under the running daemon: the real binary notices at its next
//! cycle, opens a new one (migrated), reads the transcripts into it again, says so in its
//! log and tells the user once.

use crate::support::tree::copy_tree;
use crate::support::wait::wait_for;
use creditwatch::store::Store;
use creditwatch::vocab::Channel;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// A bound on each wait; never reached when all is well.
const LIMIT: Duration = Duration::from_secs(30);
const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/claude-code/logs"
);

#[test]
fn a_database_deleted_under_the_daemon_is_made_again_and_told_once() {
    let dir = tempfile::tempdir().unwrap();
    let (home, cw) = (dir.path().join("home"), dir.path().join("cw"));
    copy_tree(&Path::new(FIXTURES).join("home"), &home);
    std::fs::create_dir_all(&cw).unwrap();
    std::fs::write(
        cw.join("config.toml"),
        "tick = \"1s\"\n[sources.claude_oauth]\nenabled = false\n",
    )
    .unwrap();
    let log = cw.join("daemon.log");
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_creditwatch"))
        .args(["run", "--log", log.to_str().unwrap()])
        .env("CREDITWATCH_HOME", &cw)
        .env("HOME", &home)
        // The desktop is on but has no bus: its notice waits in the outbox.
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("XDG_CONFIG_HOME")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let db = cw.join("data/creditwatch.db");
    let spent = |db: &Path| {
        Store::open_read_only(db)
            .ok()
            .flatten()
            .and_then(|s| s.total_spend("default", i64::MIN, i64::MAX).ok())
    };
    wait_for("the transcripts are read", LIMIT, || {
        spent(&db).is_some_and(|usd| (usd - 7.6106435).abs() < 1e-6)
    });

    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    wait_for("a new database with the transcripts in it", LIMIT, || {
        spent(&db).is_some_and(|usd| (usd - 7.6106435).abs() < 1e-6)
    });
    unsafe { libc::kill(daemon.id() as i32, libc::SIGTERM) };
    assert_eq!(daemon.wait().unwrap().code(), Some(0));

    let written = std::fs::read_to_string(&log).unwrap();
    let said: Vec<&str> = written
        .lines()
        .filter(|l| l.contains("the database was deleted or replaced"))
        .collect();
    assert_eq!(said.len(), 1, "{written}");
    let told: Vec<_> = Store::open(&db)
        .unwrap()
        .outbox_all()
        .unwrap()
        .into_iter()
        .filter(|r| r.rule == "creditwatch/database")
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].channel, Channel::Desktop);
    assert!(
        told[0].body.contains("was deleted or replaced"),
        "{}",
        told[0].body
    );
}
