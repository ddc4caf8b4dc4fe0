//! The `command` source with real programs: pools and an app reported as JSON, burn from
//! the recorded history, and every way a command can fail.

use crate::support::anthropic::NOW;
use creditwatch::config::Config;
use creditwatch::snapshot::{self, Snapshot};
use creditwatch::source::{self, Outcome, Source};
use creditwatch::store::Store;
use jiff::tz::TimeZone;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

struct Harness {
    dir: tempfile::TempDir,
    config: Config,
    store: Store,
    sources: Vec<Source>,
}

impl Harness {
    /// One command, `name`, running `script` (a shell script written to a file).
    fn new(name: &str, script: &str, timeout: &str) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let program = dir.path().join(format!("{name}.sh"));
        std::fs::write(&program, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        let text = format!(
            "[sources.claude_code_logs]\nenabled = false\n[sources.claude_oauth]\n\
             enabled = false\n[[sources.command]]\nname = {name:?}\ncommand = [{:?}, \"--json\"]\n\
             interval = \"10m\"\ntimeout = {timeout:?}\n",
            program.display().to_string()
        );
        let config = Config::parse(&dir.path().join("config.toml"), &text).unwrap();
        let store = Store::open(&dir.path().join("creditwatch.db")).unwrap();
        let sources = source::build(&config);
        assert_eq!(sources.len(), 1);
        Harness {
            dir,
            config,
            store,
            sources,
        }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn poll(&mut self, now: i64) -> Outcome {
        self.sources[0].poll(&mut self.store, now).unwrap()
    }

    fn snapshot(&self, now: i64) -> Snapshot {
        snapshot::build(&self.store, &self.config, now, &TimeZone::UTC).unwrap()
    }
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_command_reports_credits_and_an_app_and_its_history_gives_the_burn() {
    // The script prints what the test leaves in two files, as a real tool's state changes.
    let mut h = Harness::new(
        "cursor",
        r#"cd "$(dirname "$0")"; printf '{"credits": {"balance_usd": %s, "currency": "USD", "auto_reload": null}, "apps": {"cursor": {"spend_usd": {"this_month": %s}, "tokens": {"input": 1200, "output": 300}}}}' "$(cat balance)" "$(cat month)""#,
        "10s",
    );
    let steps = [
        (NOW - 7200, "30.00", "10"),
        (NOW - 1800, "27.00", "12"),
        (NOW, "24.00", "15"),
    ];
    for (t, balance, month) in steps {
        write(&h.file("balance"), balance);
        write(&h.file("month"), month);
        let outcome = h.poll(t);
        assert_eq!(outcome.error, None, "{outcome:?}");
        assert!(outcome.summary.contains("app cursor"), "{outcome:?}");
    }
    let s = h.snapshot(NOW);
    let c = s.credits.clone().unwrap();
    assert_eq!(c.balance_usd, 24.0);
    assert_eq!(c.runs_out_means.as_str(), "empty");
    assert!((c.burn_usd_per_hour.unwrap() - 3.0).abs() < 1e-9, "{c:?}");
    // Two hours of history at $3 an hour: $24 lasts about 8 hours, and the range says how
    // little two hours tell.
    let at = c.runs_out_at.unwrap();
    assert!((NOW + 6 * 3600..=NOW + 12 * 3600).contains(&at), "{c:?}");
    assert!(c.runs_out_earliest.unwrap() <= at && c.runs_out_latest.is_none_or(|l| at <= l));
    assert!(c.method.as_deref().unwrap().contains("flat rate"), "{c:?}");
    let app = &s.apps["cursor"];
    assert_eq!(app.spend_usd.this_month, 15.0, "reported");
    // Worked out from the month's rises, counted when they were reported (-30m and now).
    assert_eq!(app.spend_usd.last_hour, 5.0);
    assert_eq!(app.spend_usd.last_24h, 5.0);
    assert_eq!(
        app.spend_usd.today, 5.0,
        "NOW is 16:00 UTC: all three runs are today"
    );
    assert!((app.burn_usd_per_hour - 5.0 / 3.0).abs() < 1e-9);
    assert_eq!((app.tokens.input, app.tokens.output), (1200, 300));
    let health = &s.sources["cursor"];
    assert!(health.ok && !health.stale, "{health:?}");
    // Not again before its interval.
    assert_eq!(h.poll(NOW + 60).summary, "nothing due");
}

#[test]
fn a_failing_command_is_a_health_error_quoting_stderr() {
    let mut h = Harness::new(
        "proxy",
        "echo 'proxy: login expired' >&2; echo 'run proxy login' >&2; exit 2",
        "10s",
    );
    let outcome = h.poll(NOW);
    assert_eq!(
        outcome.error.as_deref(),
        Some("exited with status 2; stderr: proxy: login expired | run proxy login")
    );
    let s = h.snapshot(NOW);
    let health = &s.sources["proxy"];
    assert!(!health.ok);
    assert_eq!(
        health.backoff_until, None,
        "a command is retried on its interval"
    );
    assert!(health.error.as_deref().unwrap().contains("login expired"));
    // Retried on time, not backed off: the next run is due after the interval.
    assert_eq!(h.poll(NOW + 599).summary, "nothing due");
    assert_ne!(h.poll(NOW + 600).summary, "nothing due");
}

#[test]
fn bad_json_names_the_field_and_records_nothing() {
    let mut h = Harness::new("typo", r#"echo '{"credits": {"balance": 12}}'"#, "10s");
    let outcome = h.poll(NOW);
    let error = outcome.error.unwrap();
    assert!(
        error.starts_with("`credits.balance`: unknown field"),
        "{error}"
    );
    assert!(h.snapshot(NOW).credits.is_none());
}

#[test]
fn a_command_that_hangs_is_killed_at_its_timeout() {
    let mut h = Harness::new("stuck", "echo waiting >&2; sleep 300", "1s");
    let outcome = h.poll(NOW);
    assert_eq!(
        outcome.error.as_deref(),
        Some("timed out after 1s and was killed; stderr: waiting")
    );
}

#[test]
fn periods_an_app_does_not_report_never_fall_below_those_it_does() {
    let mut h = Harness::new(
        "proxy",
        r#"echo '{"apps": {"proxy": {"spend_usd": {"today": 2.5, "this_month": 31}}}}'"#,
        "10s",
    );
    assert_eq!(h.poll(NOW).error, None);
    let p = h.snapshot(NOW).apps["proxy"].spend_usd;
    assert_eq!((p.today, p.this_month), (2.5, 31.0), "as reported");
    assert_eq!((p.last_24h, p.last_7d), (2.5, 2.5), "at least today");
    assert_eq!(p.last_hour, 0.0, "no rise seen yet");
    // The next day, yesterday's `today` no longer counts as today.
    assert_eq!(h.snapshot(NOW + 86_400).apps["proxy"].spend_usd.today, 0.0);
}
