//! `creditwatch statusline`, the built binary fed Claude Code's status line input: the line
//! it prints, the windows it records (under the right account), and that it prints
//! whatever the input or the store.

use super::cli::{Env, FIXTURES, NOW, piped};
use std::fs;
use std::path::Path;

#[test]
fn statusline_records_windows_and_prints_one_line() {
    let env = Env::new();
    env.run(&["spend"]);
    let input = fs::read(Path::new(FIXTURES).join("statusline.json")).unwrap();
    // 2026-11-20 18:00 UTC, two hours before the five-hour window resets.
    let (out, line) = piped(env.command(&["--now", "1795197600", "statusline"]), &input);
    assert!(out.status.success());
    assert_eq!(line.lines().count(), 1);
    assert!(
        line.starts_with("Sonnet 4.6 · 5h 43% ↻2h · 7d 61.5% ↻3d21h · session $3.42 · today $"),
        "{line}"
    );
    let s = env.json(&["--now", "1795197660", "check", "--json"]);
    assert_eq!(s["plan"]["windows"]["five_hour"]["used_pct"], 43.0);
    assert_eq!(
        s["plan"]["windows"]["seven_day"]["resets_at"],
        1_795_532_400
    );
    assert_eq!(s["plan"]["windows"]["five_hour"]["age_s"], 60);
    assert_eq!(s["sources"]["statusline"]["ok"], true);
}

#[test]
fn statusline_records_under_the_account_of_claude_config_dir() {
    let env = Env::new();
    let work = env.home.join(".claude-work");
    fs::create_dir_all(&env.cw_home).unwrap();
    fs::write(
        env.cw_home.join("config.toml"),
        format!(
            "[sources.claude_oauth]\nenabled = false\n[[accounts]]\nname = \"work\"\n\
             claude_config_dir = {:?}\n",
            work.display().to_string()
        ),
    )
    .unwrap();
    let input = fs::read(Path::new(FIXTURES).join("statusline.json")).unwrap();
    let mut cmd = env.command(&["--now", "1795197600", "statusline"]);
    cmd.env("CLAUDE_CONFIG_DIR", &work);
    let (out, _) = piped(cmd, &input);
    assert!(out.status.success());
    let s = env.json(&["--now", "1795197660", "check", "--json"]);
    let work_windows = &s["accounts"]["work"]["plan"]["windows"];
    assert_eq!(work_windows["five_hour"]["used_pct"], 43.0, "{s}");
    assert_eq!(
        s["plan"]["windows"],
        serde_json::json!({}),
        "not the default's"
    );
}

#[test]
fn statusline_never_fails_on_garbage_or_a_broken_store() {
    let env = Env::new();
    for input in [
        &b""[..],
        b"garbage",
        b"{\"rate_limits\":",
        &[0xff, 0x00, 0x13],
    ] {
        let (out, line) = env.statusline(input);
        assert!(out.status.success());
        assert_eq!(line, "creditwatch: no status input\n");
    }
    // No usable data directory at all: the line still comes from stdin.
    let input = fs::read(Path::new(FIXTURES).join("statusline.no_rate_limits.json")).unwrap();
    let mut cmd = env.command(&["statusline"]);
    cmd.env("CREDITWATCH_HOME", "/dev/null/not-a-dir");
    let (out, line) = piped(cmd, &input);
    assert!(out.status.success());
    assert_eq!(line, "Opus 4.6 · session $0.00\n");
}

#[test]
fn statusline_prints_while_another_process_holds_the_database() {
    let env = Env::new();
    env.run(&["spend"]);
    let db = env.cw_home.join("data/creditwatch.db");
    let holder = hold_write_lock(&db);
    let input = fs::read(Path::new(FIXTURES).join("statusline.json")).unwrap();
    let (out, line) = env.statusline(&input);
    drop(holder);
    assert!(out.status.success());
    // At NOW the five-hour window has reset, so only the weekly one shows.
    assert!(
        line.starts_with("Sonnet 4.6 · 7d 61.5% ↻3d6h · session $3.42 · today $0.00"),
        "{line}"
    );
    // The lock really kept it from writing.
    let s = env.json(&["check", "--json"]);
    assert_eq!(s["plan"]["windows"], serde_json::json!({}));
}

/// Holds the database's write lock from this process (the binary under test is another)
/// until the returned connection is dropped.
fn hold_write_lock(db: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(db).unwrap();
    c.execute_batch("BEGIN EXCLUSIVE").unwrap();
    c
}

#[test]
fn statusline_tells_when_the_credits_run_out() {
    let env = Env::new();
    env.run(&["spend"]);
    // Two days of a balance falling $2 an hour, to $10 at NOW: about five hours left.
    let store = creditwatch::store::Store::open(&env.cw_home.join("data/creditwatch.db")).unwrap();
    store
        .atomically(|s| {
            for h in 0..=48 {
                let t = NOW - (48 - h) * 3600;
                let v = 10.0 + 2.0 * (48 - h) as f64;
                s.record_sample(
                    "default",
                    "credits.balance_usd",
                    creditwatch::store::Sample { t, v },
                    "test",
                )?;
            }
            Ok(())
        })
        .unwrap();
    drop(store);
    let input = fs::read(Path::new(FIXTURES).join("statusline.json")).unwrap();
    let (out, line) = env.statusline(&input);
    assert!(out.status.success());
    assert!(
        line.trim_end().ends_with("credits $10.00 out today"),
        "{line}"
    );
}
