//! Who will hear of an alert, asked as a new user on a machine without a desktop session
//! would: `check`, `rules check`, `status` and `rules test` say which channels of each rule
//! can reach them, why the others cannot, and what to add.
#![cfg(not(target_os = "macos"))] // Notification Center is always there

use creditwatch::vocab::Channel;
use std::path::Path;

/// The binary at the fixtures' morning, with no session bus to find.
fn headless(home: &Path, args: &[&str]) -> (i32, String) {
    let out = crate::support::bin::command(crate::support::NEXT_MORNING, home, home, args)
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .output()
        .unwrap();
    let text = crate::support::bin::said(&out);
    (out.status.code().unwrap_or(-1), text)
}

/// The line of a table that starts with `first`.
fn row<'t>(text: &'t str, first: &str) -> &'t str {
    text.lines()
        .find(|l| l.trim_start().starts_with(&format!("{first} ")))
        .unwrap_or_else(|| panic!("no row {first} in\n{text}"))
        .trim_end()
}

fn config(home: &Path, text: &str) {
    std::fs::write(home.join("config.toml"), text).unwrap();
}

const QUIET: &str =
    "[sources.claude_code_logs]\nroots = []\n[sources.claude_oauth]\nenabled = false\n";

#[test]
fn without_a_desktop_session_every_command_says_nothing_reaches_you_and_how_to_fix_it() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    config(home, QUIET);
    let (code, check) = headless(home, &["check"]);
    assert_eq!(code, 0, "{check}");
    for said in [
        "desktop      cannot reach you: no desktop notification service",
        "email        cannot reach you: not configured: add [notify.email]",
        "Nothing can reach you from this machine: add email or a webhook",
        "smtp_host = \"smtp.example.com\"",
        &format!("The config file: {}", home.join("config.toml").display()),
    ] {
        assert!(check.contains(said), "{said:?} in\n{check}");
    }
    assert!(
        row(&check, "plan-window-nearly-full").ends_with("reaches nobody now: desktop cannot"),
        "{check}"
    );
    let (code, rules) = headless(home, &["rules", "check"]);
    assert_eq!(code, 0, "{rules}");
    assert!(
        rules.contains("reaches nobody now: email, desktop cannot"),
        "{rules}"
    );
    let (_, status) = headless(home, &["status"]);
    assert!(
        status.contains("Rules that reach nobody now: app-spend-spike, credits-run-out-tomorrow"),
        "{status}"
    );
    assert!(status.contains("desktop cannot reach you"), "{status}");
    let snapshot = home.join("now.json");
    let (_, json) = headless(home, &["check", "--json"]);
    std::fs::write(&snapshot, json).unwrap();
    let rule = home.join("always.lua");
    std::fs::write(
        &rule,
        "return { channels = { \"email\" }, check = function(s) return { title = 'hi' } end }\n",
    )
    .unwrap();
    let (_, tested) = headless(
        home,
        &[
            "rules",
            "test",
            rule.to_str().unwrap(),
            "--snapshot",
            snapshot.to_str().unwrap(),
        ],
    );
    assert!(
        tested.contains("Would send to email (which cannot reach you: not configured) at once"),
        "{tested}"
    );
}

#[test]
fn with_email_set_up_the_rules_that_use_it_reach_you() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    config(
        home,
        &format!(
            "{QUIET}[notify.email]\nsmtp_host = \"127.0.0.1\"\nsmtp_port = 2525\ntls = \"none\"\n\
             from = \"cw@example.com\"\nto = [\"ana@example.com\"]\n"
        ),
    );
    let (code, check) = headless(home, &["check"]);
    assert_eq!(code, 0, "{check}");
    assert!(check.contains("email        reaches you"), "{check}");
    assert!(!check.contains("Nothing can reach you"), "{check}");
    assert!(
        row(&check, "credits-run-out-tomorrow")
            .ends_with("reaches you by email only: desktop cannot"),
        "{check}"
    );
}

/// `status` quotes a failing channel's error cut after a whole word.
#[test]
fn status_clips_a_long_channel_error_after_a_whole_word() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    config(home, QUIET);
    let error = "org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.Notifications \
                 was not provided by any .service files, and nothing else on the session bus \
                 answered for it either, so the notification waits";
    let store = creditwatch::store::Store::open(&home.join("data/creditwatch.db")).unwrap();
    let now = crate::support::NEXT_MORNING;
    store
        .channel_failed(Channel::Desktop, now - 600, now + 600, error)
        .unwrap();
    drop(store);
    let (_, status) = headless(home, &["status"]);
    let line = row(&status, "Channel desktop unavailable");
    let quoted = line.split(" waiting: ").nth(1).expect(line);
    assert!(quoted.ends_with('…'), "{line}");
    let kept = quoted.trim_end_matches('…');
    assert!(error.starts_with(kept), "{line}");
    assert_eq!(
        error[kept.len()..].chars().next(),
        Some(' '),
        "cut mid-word: {line}"
    );
}
