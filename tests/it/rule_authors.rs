//! What a rule author reads when something is off: a misspelt field or metric, a rule
//! named instead of a file, the clock moved with `--now`, and where the examples come from.

use crate::rules::{cw, rules_test};
use crate::support::fixtures::snapshot as fixture;
use std::path::Path;

#[test]
fn rules_check_before_the_first_run_says_where_the_examples_come_from() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = cw(dir.path(), &["rules", "check"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("no rules folder yet: the first `creditwatch check` or `creditwatch run` creates it with the example rules"),
        "{out}"
    );
    cw(dir.path(), &["check"]);
    let (_, out, _) = cw(dir.path(), &["rules", "check"]);
    assert!(out.contains("credits-run-out-tomorrow.lua"), "{out}");
}

#[test]
fn rules_test_takes_a_rule_name_and_a_now_to_try_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    cw(dir.path(), &["check"]);
    let snap = fixture("busy.json");
    let digest = Path::new("daily-digest");
    // By name, from the rules folder; at the snapshot's own now (16:00), past 09:00.
    let (code, out, err) = rules_test(dir.path(), digest, &snap, false);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("fires"), "{out}");
    assert!(out.contains("5-hour window: "), "{out}");
    // At 08:00 the digest waits for 09:00.
    let snapshot = snap.to_str().unwrap();
    let at_eight = ["--now", "2026-11-20T08:00:00Z"];
    let args = [
        &["rules", "test", "daily-digest", "--snapshot", snapshot][..],
        &at_eight,
    ]
    .concat();
    let (code, out, _) = cw(dir.path(), &args);
    assert_eq!(code, 0);
    assert!(!out.contains("fires"), "{out}");
    let (code, _, err) = rules_test(dir.path(), Path::new("no-such-rule"), &snap, false);
    assert_ne!(code, 0);
    assert!(
        err.contains("no rule named \"no-such-rule\"") && err.contains("daily-digest"),
        "{err}"
    );
}

#[test]
fn s_history_reads_an_apps_hourly_spend_and_refuses_a_name_it_does_not_know_or_a_misspelt_app() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::tree::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claude-code/logs/home"),
        dir.path(),
    );
    let snap = dir.path().join("now.json");
    let (code, json, err) = cw(dir.path(), &["check", "--json"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(&snap, json).unwrap();
    let rule = |name: &str, metric: &str| {
        let file = dir.path().join(format!("{name}.lua"));
        std::fs::write(
            &file,
            format!(
                "return {{ check = function(s)\n  local total = 0\n  for _, p in s.history({metric:?}, 7 * 86400) do total += p.v end\n  return {{ title = string.format('%.2f', total) }}\nend }}\n"
            ),
        )
        .unwrap();
        file
    };
    let spend = rule("spend", "apps.claude-code.spend_usd");
    let (code, out, err) = rules_test(dir.path(), &spend, &snap, false);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("title: 5.29"),
        "the fixture's claude-code spend:\n{out}"
    );
    let typo = rule("typo", "apps.claude-code.spend_usd.today");
    let (code, out, err) = rules_test(dir.path(), &typo, &snap, false);
    assert_eq!(code, 1, "{out}{err}");
    let said = format!("{out}{err}");
    assert!(
        said.contains("s.history: no metric named \"apps.claude-code.spend_usd.today\"; did you mean apps.claude-code.spend_usd?"),
        "{said}"
    );
    // An underscore for the hyphen: refused with the app it means, not an empty history.
    let underscore = rule("underscore", "apps.claude_code.spend_usd");
    let (code, out, err) = rules_test(dir.path(), &underscore, &snap, false);
    assert_eq!(code, 1, "{out}{err}");
    let said = format!("{out}{err}");
    assert!(
        said.contains(
            "s.history: no app named \"claude_code\"; did you mean apps.claude-code.spend_usd?"
        ),
        "{said}"
    );
    // An app that is simply not there (no spend) has an empty history.
    let absent = rule("absent", "apps.cursor.spend_usd");
    let (code, out, err) = rules_test(dir.path(), &absent, &snap, false);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("title: 0.00"), "{out}");
}

#[test]
fn rules_replay_says_which_clock_its_times_are_on() {
    let dir = tempfile::tempdir().unwrap();
    cw(dir.path(), &["check"]);
    let file = dir.path().join("always.lua");
    std::fs::write(
        &file,
        "return { check = function(s) return { title = 'always' } end }\n",
    )
    .unwrap();
    let (code, out, err) = cw(
        dir.path(),
        &["rules", "replay", file.to_str().unwrap(), "--since", "1h"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("always over the last 1h (times in UTC):"),
        "{out}"
    );
    assert!(out.contains("firing"), "{out}");
}

#[test]
fn a_misspelt_field_is_named_with_the_field_it_was_meant_to_be() {
    let home = tempfile::tempdir().unwrap();
    let rule = home.path().join("typo.lua");
    std::fs::write(
        &rule,
        "return {\n  check = function(s)\n    for name, w in s.plan.windows do\n      if w.used_percent > 50 then\n        return { title = name }\n      end\n    end\n  end,\n}\n",
    )
    .unwrap();
    let (code, out, _) = rules_test(home.path(), &rule, &fixture("busy.json"), false);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "typo failed: typo.lua:4: s.plan.windows.five_hour.used_percent does not exist; did you mean used_pct?\n"
    );
    // A field with no near name: perhaps newer than the saved snapshot, which is said.
    std::fs::write(
        &rule,
        "return { check = function(s) return { title = tostring(s.credits.overdraft_usd) } end }\n",
    )
    .unwrap();
    let (code, out, _) = rules_test(home.path(), &rule, &fixture("busy.json"), false);
    assert_eq!(code, 1);
    assert!(
        out.contains("typo.lua:1: s.credits.overdraft_usd does not exist\n(if the field is new, this snapshot predates it: `creditwatch check --json > "),
        "{out}"
    );
}

/// `rules check` runs each rule once, so a misspelt field is found before the daemon meets
/// it: on the stored history's snapshot, or an empty one before there is any.
#[test]
fn rules_check_runs_each_rule_once_and_names_a_misspelt_field() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::tree::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claude-code/logs/home"),
        dir.path(),
    );
    let (code, _, err) = cw(dir.path(), &["check"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(
        dir.path().join("cw/rules/today.lua"),
        "return { check = function(s)\n  local app = s.apps[\"claude-code\"]\n  \
         if app and app.spend_usd.todya > 100 then return { title = 'a lot' } end\nend }\n",
    )
    .unwrap();
    let (code, out, _) = cw(dir.path(), &["rules", "check"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("broken: today.lua:3:")
            && out.contains("spend_usd.todya does not exist; did you mean today?"),
        "{out}"
    );
    assert!(
        out.contains("Each rule was run once on the snapshot of your stored history"),
        "{out}"
    );
    assert!(
        out.contains("credits-run-out-tomorrow.lua"),
        "the others load: {out}"
    );
}
