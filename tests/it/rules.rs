//! The rule tooling and the rules report through the real binary: `rules check | test |
//! replay`, `silence`, `check`, and the first run's rules folder.

use std::path::{Path, PathBuf};

use crate::support::NOW;

use crate::support::fixtures::{example_rule as example, snapshot as fixture};

/// The binary with `CREDITWATCH_HOME` under `home`; returns (exit code, stdout, stderr).
pub(crate) fn cw(home: &Path, args: &[&str]) -> (i32, String, String) {
    let out = crate::support::bin::command(NOW, home, &home.join("cw"), args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// A home whose rules folder (`cw/rules`) holds `files`, (name, text) each.
fn home_with_rules(files: &[(&str, &str)]) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("cw/rules");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    home
}

/// `creditwatch rules test RULE --snapshot SNAP [--json]`.
pub(crate) fn rules_test(
    home: &Path,
    rule: &Path,
    snap: &Path,
    json: bool,
) -> (i32, String, String) {
    let mut args = vec![
        "rules",
        "test",
        rule.to_str().unwrap(),
        "--snapshot",
        snap.to_str().unwrap(),
    ];
    if json {
        args.push("--json");
    }
    cw(home, &args)
}

#[test]
fn rules_test_prints_what_it_would_send_as_json() {
    let home = tempfile::tempdir().unwrap();
    let rule = example("credits-run-out-tomorrow.lua");
    let snap = fixture("busy.json");
    let (code, out, err) = rules_test(home.path(), &rule, &snap, true);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rule"], "credits-run-out-tomorrow");
    assert_eq!(v["fired"], true);
    assert_eq!(v["error"], serde_json::Value::Null);
    assert_eq!(
        v["alerts"][0]["title"],
        "Claude credits run out tomorrow (very likely)"
    );
    assert_eq!(v["alerts"][0]["severity"], "warning");
    assert_eq!(v["alerts"][0]["key"], "topped up 1795100000");
    let calm = fixture("calm.json");
    let (code, out, _) = rules_test(home.path(), &rule, &calm, false);
    assert_eq!(code, 0);
    assert!(out.contains("does not fire"), "{out}");
    let (code, out, _) = rules_test(home.path(), &rule, &snap, false);
    assert_eq!(code, 0);
    assert!(
        out.contains("Would send to email (which cannot reach you: not configured), desktop")
            && out.contains("once it has held for 15m"),
        "{out}"
    );
    assert!(
        !home.path().join("cw/data/creditwatch.db").exists(),
        "rules test stores nothing"
    );
}

#[test]
fn rules_test_exits_1_when_the_rule_fails() {
    let home = tempfile::tempdir().unwrap();
    let bad = home.path().join("bad.lua");
    std::fs::write(
        &bad,
        "return { check = function(s)\n  return s.credits.nope.x\nend }",
    )
    .unwrap();
    let snap = fixture("busy.json");
    let (code, out, _) = rules_test(home.path(), &bad, &snap, true);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["fired"], false);
    assert!(
        v["error"].as_str().unwrap().starts_with("bad.lua:2: "),
        "{v}"
    );
}

#[test]
fn rules_check_lists_every_broken_file_with_its_line() {
    let home = home_with_rules(&[
        (
            "good.lua",
            "return { description = 'fine', check = function() end }",
        ),
        ("syntax.lua", "return {\n check = function(\n"),
        (
            "shape.luau",
            "return {\n  description = 'x',\n  hold = 'soon',\n  check = function() end }",
        ),
        ("_draft.lua", "this is not lua"),
        ("notes.txt", "not a rule"),
    ]);
    let dir = home.path().join("cw/rules");
    let (code, out, _) = cw(home.path(), &["rules", "check"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("good.lua"), "{out}");
    assert!(out.contains("broken: syntax.lua:3: "), "{out}");
    assert!(out.contains("broken: shape.luau:3: `hold`"), "{out}");
    assert!(
        !out.contains("_draft") && !out.contains("notes.txt"),
        "{out}"
    );
    std::fs::remove_file(dir.join("syntax.lua")).unwrap();
    std::fs::remove_file(dir.join("shape.luau")).unwrap();
    let (code, out, _) = cw(home.path(), &["rules", "check", "--json"]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rules"][0]["rule"], "good");
    assert_eq!(v["errors"].as_array().unwrap().len(), 0);
}

#[test]
fn the_first_run_creates_the_rules_folder_with_the_examples_and_never_again() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("cw/rules");
    let (code, out, err) = cw(home.path(), &["check"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("with the example rules"), "{err}");
    for (name, text) in creditwatch::rule::examples::EXAMPLES {
        assert_eq!(std::fs::read_to_string(dir.join(name)).unwrap(), *text);
    }
    assert!(dir.join("README.md").exists());
    assert!(out.contains("credits-run-out-tomorrow"), "{out}");
    // A folder the user emptied stays empty.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            std::fs::remove_dir_all(p).unwrap();
        } else {
            std::fs::remove_file(p).unwrap();
        }
    }
    let (code, out, _) = cw(home.path(), &["check"]);
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    assert!(out.contains("no rules"), "{out}");
}

#[test]
fn check_lists_what_would_be_sent_and_sends_nothing() {
    let home = home_with_rules(&[
        (
            "always.lua",
            "return { channels = {'email'}, check = function(s) return { title = 'hello from ' .. s.account } end }",
        ),
        ("broken.lua", "return {"),
    ]);
    for _ in 0..2 {
        let (code, out, err) = cw(home.path(), &["check"]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("Would send"), "{out}");
        assert!(out.contains("hello from default"), "{out}");
        assert!(out.contains("broken.lua:1"), "{out}");
        assert!(!out.contains("Outbox:"), "check enqueues nothing: {out}");
    }
}

#[test]
fn check_says_when_quiet_hours_release_a_notification_with_its_zone() {
    let home = home_with_rules(&[(
        "always.lua",
        "return { channels = {'desktop'}, check = function(s) return { title = 'hello' } end }",
    )]);
    std::fs::write(
        home.path().join("cw/config.toml"),
        "[quiet_hours]\ndesktop = \"15:00-07:00\"\n[sources.claude_oauth]\nenabled = false\n",
    )
    .unwrap();
    // NOW is Friday 16:00 UTC, inside the quiet hours.
    let (code, out, err) = cw(home.path(), &["check"]);
    assert_eq!(code, 0, "{err}");
    let line = out
        .lines()
        .find(|l| l.starts_with("  desktop"))
        .unwrap_or_default();
    assert!(line.ends_with("tomorrow 07:00 UTC (quiet hours)"), "{out}");
}

#[test]
fn silences_are_added_listed_and_removed() {
    let home = home_with_rules(&[("r.lua", "return { check = function() end }")]);
    let (code, _, err) = cw(home.path(), &["silence", "nope", "--for", "8h"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no rule named \"nope\"") && err.contains("rules: r"),
        "{err}"
    );
    let (code, out, err) = cw(
        home.path(),
        &["silence", "r", "--key", "cursor", "--for", "8h"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Silenced r [cursor] for 8h"), "{out}");
    let (_, out, _) = cw(home.path(), &["silence", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["rule"], "r");
    assert_eq!(v[0]["key"], "cursor");
    assert_eq!(v[0]["until"], NOW + 8 * 3600);
    let id = v[0]["id"].as_i64().unwrap().to_string();
    let (code, _, _) = cw(home.path(), &["silence", "remove", &id]);
    assert_eq!(code, 0);
    let (_, out, _) = cw(home.path(), &["silence", "list"]);
    assert!(out.contains("No silences."), "{out}");
    let (code, _, err) = cw(home.path(), &["silence", "remove", &id]);
    assert_eq!(code, 1);
    assert!(err.contains(&format!("no silence {id}")), "{err}");
}

#[test]
fn replay_lists_when_the_rule_would_have_fired_and_resolved() {
    let home = tempfile::tempdir().unwrap();
    let store =
        creditwatch::store::Store::open(&home.path().join("cw/data/creditwatch.db")).unwrap();
    // Falls $0.50 an hour for four days, then a top-up to $100 a day ago.
    for h in 0..=96 {
        let t = NOW - 4 * 86_400 + h * 3600;
        let v = if t < NOW - 86_400 {
            40.0 - 0.5 * h as f64
        } else {
            100.0
        };
        let s = creditwatch::store::Sample { t, v };
        store
            .record_sample("default", "credits.balance_usd", s, "claude_oauth")
            .unwrap();
    }
    drop(store);
    let rule = example("credits-run-out-tomorrow.lua");
    let (out, v) = replay_json(home.path(), &rule, "4d");
    let events: Vec<(i64, String)> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["t"].as_i64().unwrap(),
                e["what"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let whats: Vec<&str> = events.iter().map(|(_, w)| w.as_str()).collect();
    assert_eq!(whats.first(), Some(&"firing"), "{out}");
    assert_eq!(whats.last(), Some(&"resolved"), "{out}");
    let fired = events[0].0;
    let resolved = events.last().unwrap().0;
    assert!(
        fired < NOW - 86_400 && resolved >= NOW - 86_400,
        "{events:?}"
    );
    let (code, text, _) = cw(
        home.path(),
        &[
            "rules",
            "replay",
            rule.to_str().unwrap(),
            "--since",
            "4d",
            "--step",
            "1h",
        ],
    );
    assert_eq!(code, 0);
    assert!(
        text.contains("firing") && text.contains("Claude credits run out"),
        "{text}"
    );
}

/// `calm.json` at `NOW` with its `claude_oauth` source (in both the top level and the
/// account) replaced by `health`, written to `home`.
fn with_oauth_health(home: &Path, health: serde_json::Value) -> PathBuf {
    let mut snap: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("calm.json")).unwrap()).unwrap();
    snap["now"] = serde_json::json!(NOW);
    snap["sources"]["claude_oauth"] = health.clone();
    snap["accounts"]["default"]["sources"]["claude_oauth"] = health;
    let path = home.join("snapshot.json");
    std::fs::write(&path, snap.to_string()).unwrap();
    path
}

#[test]
fn source_unhealthy_sees_a_source_that_never_worked_and_rate_limits_by_their_length() {
    let home = tempfile::tempdir().unwrap();
    let rule = example("source-unhealthy.lua");
    let never = |failing_for: i64, error: &str| {
        serde_json::json!({
            "ok": false, "stale": true, "age_s": null, "last_success_at": null,
            "error": error, "backoff_until": null, "failing_since": NOW - failing_for,
        })
    };
    let title = |health| {
        let snap = with_oauth_health(home.path(), health);
        let (code, out, err) = rules_test(home.path(), &rule, &snap, true);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["alerts"][0]["title"].as_str().map(str::to_string)
    };
    let refused = "usage: http://127.0.0.1:9/api/oauth/usage: Connection refused";
    assert_eq!(
        title(never(3600, refused)).as_deref(),
        Some("creditwatch cannot read claude_oauth: it has never worked (failing for 1h)")
    );
    assert_eq!(
        title(never(600, refused)),
        None,
        "10 minutes is not yet a problem"
    );
    let limited = "usage: HTTP 429: Rate limited; next try at 2026-11-20T16:05:00Z";
    assert_eq!(
        title(never(60, limited)),
        None,
        "a fresh rate limit passes on its own"
    );
    assert_eq!(
        title(never(3 * 3600, limited)).as_deref(),
        Some("creditwatch cannot read claude_oauth: it has been rate limited for 3h")
    );
    // Rate limited after working: measured from the first failure, not the last success.
    let mut after = never(30 * 60, limited);
    after["age_s"] = serde_json::json!(40 * 86_400);
    after["last_success_at"] = serde_json::json!(NOW - 40 * 86_400);
    assert_eq!(title(after), None);
}

#[test]
fn replay_tells_a_rule_its_alert_is_open_so_it_can_hold_on() {
    let home = tempfile::tempdir().unwrap();
    let store =
        creditwatch::store::Store::open(&home.path().join("cw/data/creditwatch.db")).unwrap();
    // Hour by hour: $40, $29 (under $30: starts), $33 (under $35: holds on), $36 (over).
    for (h, v) in [40.0, 29.0, 33.0, 36.0].into_iter().enumerate() {
        let t = NOW - 3 * 3600 + h as i64 * 3600;
        let s = creditwatch::store::Sample { t, v };
        store
            .record_sample("default", "credits.balance_usd", s, "claude_oauth")
            .unwrap();
    }
    drop(store);
    let rule = home.path().join("low.lua");
    std::fs::write(
        &rule,
        r"return {
  notify_resolved = true,
  check = function(s, open)
    local limit = if open() then 35 else 30
    if s.credits and s.credits.balance_usd < limit then
      return { title = `low: {cw.usd(s.credits.balance_usd)}` }
    end
  end,
}",
    )
    .unwrap();
    let (out, v) = replay_json(home.path(), &rule, "3h");
    let events: Vec<(i64, &str)> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["t"].as_i64().unwrap(), e["what"].as_str().unwrap()))
        .collect();
    assert_eq!(
        events,
        [(NOW - 2 * 3600, "firing"), (NOW, "resolved")],
        "{out}"
    );
}

/// `rules replay RULE --since SINCE --step 1h --json` in `home`: its output and as JSON.
fn replay_json(home: &Path, rule: &Path, since: &str) -> (String, serde_json::Value) {
    let args = [
        "rules",
        "replay",
        rule.to_str().unwrap(),
        "--since",
        since,
        "--step",
        "1h",
        "--json",
    ];
    let (code, out, err) = cw(home, &args);
    assert_eq!(code, 0, "{err}");
    let v = serde_json::from_str(&out).unwrap();
    (out, v)
}
