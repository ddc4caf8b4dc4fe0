//! The example rules against fixture snapshots, and the rule tooling through the real binary.

use creditwatch::rule::{self, Alert, Input, NoHistory, RuleSet};
use jiff::tz::TimeZone;
use std::path::{Path, PathBuf};
use std::process::Command;

const NOW: i64 = 1_795_190_400; // 2026-11-20T16:00:00Z, a Friday

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/snapshots")
        .join(name)
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("rules")
        .join(name)
}

/// Evaluates an example rule against a fixture snapshot, in UTC.
fn fire(rule_file: &str, snapshot: &str) -> Vec<Alert> {
    let source = std::fs::read_to_string(example(rule_file)).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(snapshot)).unwrap()).unwrap();
    let tz = TimeZone::UTC;
    let now = json["now"].as_i64().unwrap();
    let name = rule_file.trim_end_matches(".lua");
    let rule = rule::compile(name, rule_file, &source, &tz, now).unwrap();
    rule::evaluate(&rule, &Input::new(&json, &NoHistory, &tz)).unwrap()
}

fn keys(alerts: &[Alert]) -> Vec<&str> {
    alerts.iter().map(|a| a.key.as_str()).collect()
}

#[test]
fn credits_run_out_tomorrow_tells_when_how_fast_and_which_app() {
    let alerts = fire("credits-run-out-tomorrow.lua", "busy.json");
    assert_eq!(alerts.len(), 1);
    let a = &alerts[0];
    assert_eq!(a.title, "Claude credits run out tomorrow");
    assert!(
        a.body
            .contains("$12.50 left; at $20.00 a day they run out tomorrow at 07:00 (in 15h"),
        "{}",
        a.body
    );
    assert!(
        a.body
            .contains("claude-code burns the most: $4.20 an hour, $18.30 today."),
        "{}",
        a.body
    );
    assert_eq!(a.severity, rule::Severity::Warning);
    assert!(fire("credits-run-out-tomorrow.lua", "calm.json").is_empty());
}

#[test]
fn plan_window_nearly_full_fires_per_window() {
    let alerts = fire("plan-window-nearly-full.lua", "busy.json");
    assert_eq!(keys(&alerts), ["five_hour"]);
    assert_eq!(
        alerts[0].title,
        "Claude five_hour window full today at 17:24"
    );
    assert!(
        alerts[0]
            .body
            .starts_with("72% used, 20% an hour: full in 1h 24m"),
        "{}",
        alerts[0].body
    );
    assert!(fire("plan-window-nearly-full.lua", "calm.json").is_empty());
}

#[test]
fn extra_usage_cap_fires_at_80_percent_or_past_the_uncapped_amount() {
    let capped = fire("extra-usage-cap.lua", "busy.json");
    assert_eq!(capped[0].title, "Extra usage at 85% of its $50.00 cap");
    assert!(capped[0].body.contains("$7.50 left"), "{}", capped[0].body);
    let uncapped = fire("extra-usage-cap.lua", "uncapped.json");
    assert_eq!(
        uncapped[0].title,
        "Uncapped extra usage passed $100.00 this month"
    );
    assert!(fire("extra-usage-cap.lua", "calm.json").is_empty());
}

#[test]
fn app_spend_spike_names_the_app_and_the_factor() {
    let alerts = fire("app-spend-spike.lua", "busy.json");
    assert_eq!(keys(&alerts), ["claude-code"]);
    assert!(
        alerts[0]
            .body
            .starts_with("That is 10.1x its 7-day hourly average of $0.42."),
        "{}",
        alerts[0].body
    );
    assert!(alerts[0].body.contains("claude-opus-4-5"));
    assert!(fire("app-spend-spike.lua", "calm.json").is_empty());
}

#[test]
fn source_unhealthy_reports_expired_sign_in_but_not_the_status_line() {
    let alerts = fire("source-unhealthy.lua", "busy.json");
    assert_eq!(keys(&alerts), ["default/claude_oauth"]);
    assert_eq!(
        alerts[0].title,
        "creditwatch cannot read claude_oauth: its sign-in has expired"
    );
    assert!(fire("source-unhealthy.lua", "calm.json").is_empty());
}

#[test]
fn daily_digest_fires_after_nine_keyed_by_date() {
    let alerts = fire("daily-digest.lua", "busy.json");
    assert_eq!(alerts[0].key, "2026-11-20");
    assert_eq!(alerts[0].title, "Claude spending, Fri 20 Nov");
    assert!(
        alerts[0]
            .body
            .contains("Credits: $12.50, lasting until tomorrow at 07:00."),
        "{}",
        alerts[0].body
    );
    assert!(
        alerts[0].body.contains("claude-code: $18.30 today"),
        "{}",
        alerts[0].body
    );
    assert!(
        fire("daily-digest.lua", "calm.json").is_empty(),
        "06:00 is before the digest"
    );
}

/// The binary with `CREDITWATCH_HOME` under `home`; returns (exit code, stdout, stderr).
fn cw(home: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_creditwatch"))
        .args(["--now", &NOW.to_string()])
        .args(args)
        .env("HOME", home)
        .env("CREDITWATCH_HOME", home.join("cw"))
        .env("TZ", "UTC")
        .env_remove("CLAUDE_CONFIG_DIR")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn rules_test_prints_what_it_would_send_as_json() {
    let home = tempfile::tempdir().unwrap();
    let rule = example("credits-run-out-tomorrow.lua");
    let snap = fixture("busy.json");
    let (code, out, err) = cw(
        home.path(),
        &[
            "rules",
            "test",
            rule.to_str().unwrap(),
            "--snapshot",
            snap.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rule"], "credits-run-out-tomorrow");
    assert_eq!(v["fired"], true);
    assert_eq!(v["error"], serde_json::Value::Null);
    assert_eq!(v["alerts"][0]["title"], "Claude credits run out tomorrow");
    assert_eq!(v["alerts"][0]["severity"], "warning");
    assert_eq!(v["alerts"][0]["key"], "");
    let calm = fixture("calm.json");
    let (code, out, _) = cw(
        home.path(),
        &[
            "rules",
            "test",
            rule.to_str().unwrap(),
            "--snapshot",
            calm.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0);
    assert!(out.contains("does not fire"), "{out}");
    let (code, out, _) = cw(
        home.path(),
        &[
            "rules",
            "test",
            rule.to_str().unwrap(),
            "--snapshot",
            snap.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("Would send to email, desktop once it has held for 15m"),
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
    let (code, out, _) = cw(
        home.path(),
        &[
            "rules",
            "test",
            bad.to_str().unwrap(),
            "--snapshot",
            snap.to_str().unwrap(),
            "--json",
        ],
    );
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
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("cw/rules");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("good.lua"),
        "return { description = 'fine', check = function() end }",
    )
    .unwrap();
    std::fs::write(dir.join("syntax.lua"), "return {\n check = function(\n").unwrap();
    std::fs::write(
        dir.join("shape.luau"),
        "return {\n  description = 'x',\n  hold = 'soon',\n  check = function() end }",
    )
    .unwrap();
    std::fs::write(dir.join("_draft.lua"), "this is not lua").unwrap();
    std::fs::write(dir.join("notes.txt"), "not a rule").unwrap();
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
            std::fs::remove_dir_all(p).unwrap()
        } else {
            std::fs::remove_file(p).unwrap()
        }
    }
    let (code, out, _) = cw(home.path(), &["check"]);
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    assert!(out.contains("no rules"), "{out}");
}

#[test]
fn check_lists_what_would_be_sent_and_sends_nothing() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("cw/rules");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("always.lua"),
        "return { channels = {'email'}, check = function(s) return { title = 'hello from ' .. s.account } end }",
    )
    .unwrap();
    std::fs::write(dir.join("broken.lua"), "return {").unwrap();
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
fn silences_are_added_listed_and_removed() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("cw/rules");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("r.lua"), "return { check = function() end }").unwrap();
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
fn a_broken_reload_keeps_the_last_good_version() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.lua");
    std::fs::write(
        &file,
        "return { check = function() return { title = 'v1' } end }",
    )
    .unwrap();
    let tz = TimeZone::UTC;
    let mut rules = RuleSet::load(dir.path(), &tz, NOW);
    std::fs::write(&file, "return { check = function() return { title = 'v2' ").unwrap();
    let reload = rules.reload(&tz, NOW);
    assert_eq!(reload.broken.len(), 1);
    assert!(
        reload.broken[0].to_string().starts_with("r.lua:"),
        "{:?}",
        reload.broken
    );
    let json = serde_json::json!({"now": NOW});
    let input = Input::new(&json, &NoHistory, &tz);
    let evaluations = rules.evaluate(&input);
    assert_eq!(evaluations[0].result.as_ref().unwrap()[0].title, "v1");
    assert_eq!(rules.errors().count(), 1);
    std::fs::write(
        &file,
        "return { check = function() return { title = 'v3' } end }",
    )
    .unwrap();
    let reload = rules.reload(&tz, NOW);
    assert_eq!(reload.changed, ["r.lua"]);
    assert_eq!(rules.errors().count(), 0);
    assert_eq!(
        rules.evaluate(&input)[0].result.as_ref().unwrap()[0].title,
        "v3"
    );
    std::fs::remove_file(&file).unwrap();
    assert_eq!(rules.reload(&tz, NOW).removed, ["r.lua"]);
    assert_eq!(rules.rules().count(), 0);
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
    let (code, out, err) = cw(
        home.path(),
        &[
            "rules",
            "replay",
            rule.to_str().unwrap(),
            "--since",
            "4d",
            "--step",
            "1h",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
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

mod watching {
    use super::*;
    use creditwatch::rule::watch::{DEBOUNCE, Watcher};
    use std::sync::mpsc::Receiver;

    /// A watch whose reloads arrive on a channel.
    fn watch(
        dir: &Path,
        debounce: Duration,
    ) -> Result<Watched, creditwatch::rule::watch::WatchError> {
        let (tx, reloads) = std::sync::mpsc::channel();
        let watcher = creditwatch::rule::watch::watch(dir, debounce, move || {
            let _ = tx.send(());
        })?;
        Ok(Watched {
            _watcher: watcher,
            reloads,
        })
    }

    struct Watched {
        _watcher: Watcher,
        reloads: Receiver<()>,
    }
    use std::io::Write;
    use std::sync::mpsc::RecvTimeoutError;
    use std::time::Duration;

    /// Long enough for any event of the same burst to arrive: no second signal within it
    /// means the burst gave one reload.
    const QUIET: Duration = Duration::from_millis(1500);
    const ARRIVE: Duration = Duration::from_secs(10);

    fn title(rules: &RuleSet) -> String {
        let json = serde_json::json!({"now": NOW});
        let tz = TimeZone::UTC;
        let input = Input::new(&json, &NoHistory, &tz);
        let e = rules.evaluate(&input);
        e[0].result.as_ref().unwrap()[0].title.clone()
    }

    fn rule_text(title: &str) -> String {
        format!("return {{ check = function() return {{ title = '{title}' }} end }}\n")
    }

    #[test]
    fn a_two_part_write_gives_one_reload_with_the_final_content() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.lua");
        std::fs::write(&file, rule_text("v1")).unwrap();
        let tz = TimeZone::UTC;
        let mut rules = RuleSet::load(dir.path(), &tz, NOW);
        let w = watch(dir.path(), DEBOUNCE).unwrap();
        let text = rule_text("v2");
        let (a, b) = text.split_at(20);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&file)
            .unwrap();
        f.write_all(a.as_bytes()).unwrap();
        f.flush().unwrap();
        f.write_all(b.as_bytes()).unwrap();
        drop(f);
        w.reloads.recv_timeout(ARRIVE).expect("one reload");
        assert_eq!(
            w.reloads.recv_timeout(QUIET),
            Err(RecvTimeoutError::Timeout),
            "only one"
        );
        let reload = rules.reload(&tz, NOW);
        assert_eq!(reload.changed, ["r.lua"]);
        assert!(reload.broken.is_empty(), "{:?}", reload.broken);
        assert_eq!(title(&rules), "v2");
        // Reading the files during the reload is not a change.
        assert_eq!(
            w.reloads.recv_timeout(QUIET),
            Err(RecvTimeoutError::Timeout)
        );
    }

    #[test]
    fn save_by_rename_in_a_symlinked_folder_gives_one_reload() {
        let root = tempfile::tempdir().unwrap();
        let real = root.path().join("real");
        std::fs::create_dir(&real).unwrap();
        let link = root.path().join("rules");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        std::fs::write(link.join("r.lua"), rule_text("v1")).unwrap();
        let tz = TimeZone::UTC;
        let mut rules = RuleSet::load(&link, &tz, NOW);
        let w = watch(&link, DEBOUNCE).unwrap();
        // What vim and most editors do: write a new file, then rename it over the old one.
        std::fs::write(link.join(".r.lua.swp"), rule_text("v2")).unwrap();
        std::fs::rename(link.join(".r.lua.swp"), link.join("r.lua")).unwrap();
        w.reloads.recv_timeout(ARRIVE).expect("one reload");
        assert_eq!(
            w.reloads.recv_timeout(QUIET),
            Err(RecvTimeoutError::Timeout),
            "only one"
        );
        rules.reload(&tz, NOW);
        assert_eq!(title(&rules), "v2");
    }

    #[test]
    fn files_that_are_not_rules_do_not_reload() {
        let dir = tempfile::tempdir().unwrap();
        let w = watch(dir.path(), DEBOUNCE).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        std::fs::write(dir.path().join("_draft.lua"), "x").unwrap();
        std::fs::write(dir.path().join("r.lua~"), "x").unwrap();
        assert_eq!(
            w.reloads.recv_timeout(QUIET),
            Err(RecvTimeoutError::Timeout)
        );
        // A rule file does, so the watch is live.
        std::fs::write(dir.path().join("new.lua"), rule_text("n")).unwrap();
        w.reloads
            .recv_timeout(ARRIVE)
            .expect("a reload for a new rule");
    }
}
