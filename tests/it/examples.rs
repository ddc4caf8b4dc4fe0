//! The example rules in `rules/`, each against fixture snapshots.

use creditwatch::rule::{self, Alert, Input, NoHistory};
use jiff::tz::TimeZone;

use crate::support::fixtures::{example_rule as example, snapshot as fixture};

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
    assert_eq!(a.title, "Claude credits run out tomorrow (very likely)");
    assert_eq!(a.key, "topped up 1795100000");
    let lines: Vec<&str> = a.body.lines().collect();
    assert_eq!(
        lines,
        [
            "$12.50 left; they run out tomorrow at 07:00 UTC (between 03:00 and 12:00), in 15h.",
            "That they run out before the end of tomorrow is very likely (93%).",
            "The next 24 hours are expected to cost $20.00.",
            "To last the next 7 days, add $131.00 (enough in 9 futures out of 10).",
            "claude-code burns them: it spent $22.00 in the last 24 hours, while the balance fell $20.00.",
        ]
    );
    assert_eq!(a.severity, rule::Severity::Warning);
    assert!(fire("credits-run-out-tomorrow.lua", "calm.json").is_empty());
    // An app whose spend explains less than a third of the fall is not named.
    let mut snap: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("busy.json")).unwrap()).unwrap();
    for app in ["claude-code", "cursor"] {
        snap["apps"][app]["spend_usd"]["last_24h"] = serde_json::json!(6.0);
    }
    let tz = TimeZone::UTC;
    let rule = rule::compile(
        "credits-run-out-tomorrow",
        "credits-run-out-tomorrow.lua",
        &std::fs::read_to_string(example("credits-run-out-tomorrow.lua")).unwrap(),
        &tz,
        snap["now"].as_i64().unwrap(),
    )
    .unwrap();
    let quiet = rule::evaluate(&rule, &Input::new(&snap, &NoHistory, &tz)).unwrap();
    assert_eq!(quiet[0].body.lines().count(), 4, "{}", quiet[0].body);
    assert!(!quiet[0].body.contains("burns them"), "{}", quiet[0].body);
    // At 4 in 10 it does not start, but an open alert holds on until under 2 in 10.
    snap["credits"]["chance_out_by_tomorrow"] = serde_json::json!(0.4);
    let input = Input::new(&snap, &NoHistory, &tz);
    assert!(rule::evaluate(&rule, &input).unwrap().is_empty());
    let mut open = rule::Open::new();
    open.entry("credits-run-out-tomorrow".to_string())
        .or_default()
        .insert(
            "topped up 1795100000".into(),
            creditwatch::vocab::AlertState::Firing,
        );
    let held = rule::evaluate(
        &rule,
        &Input::new(&snap, &NoHistory, &tz).with_open(open.clone()),
    )
    .unwrap();
    assert_eq!(held.len(), 1);
    assert!(
        held[0].body.contains("is about 4 in 10 (40%)"),
        "{}",
        held[0].body
    );
    snap["credits"]["chance_out_by_tomorrow"] = serde_json::json!(0.15);
    let input = Input::new(&snap, &NoHistory, &tz).with_open(open.clone());
    assert!(rule::evaluate(&rule, &input).unwrap().is_empty());
    // Once the balance is empty the open alert ends (quietly) rather than being repeated
    // each day until the top-up, and none starts.
    snap["credits"]["chance_out_by_tomorrow"] = serde_json::json!(1.0);
    snap["credits"]["runs_out_at"] = snap["now"].clone();
    let input = Input::new(&snap, &NoHistory, &tz).with_open(open);
    assert!(rule::evaluate(&rule, &input).unwrap().is_empty());
    let input = Input::new(&snap, &NoHistory, &tz);
    assert!(rule::evaluate(&rule, &input).unwrap().is_empty());
}

#[test]
fn plan_window_nearly_full_fires_per_window() {
    let alerts = fire("plan-window-nearly-full.lua", "busy.json");
    assert_eq!(keys(&alerts), ["five_hour"]);
    assert_eq!(
        alerts[0].title,
        "Claude 5-hour window full today at 17:24 UTC"
    );
    assert!(
        alerts[0]
            .body
            .starts_with("72% used: full in 1h 24m (between 17:04 and 17:39); it resets"),
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
    assert!(
        capped[0]
            .body
            .contains("the next 24 hours are expected to cost $3.00"),
        "{}",
        capped[0].body
    );
    assert!(capped[0].body.contains("(between "), "{}", capped[0].body);
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

#[test]
fn plan_fit_monthly_speaks_on_the_first_of_the_month_when_another_plan_saves_or_yours_limits() {
    let source = std::fs::read_to_string(example("plan-fit-monthly.lua")).unwrap();
    let mut snap: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("busy.json")).unwrap()).unwrap();
    let tz = TimeZone::UTC;
    let eval = |snap: &serde_json::Value| {
        let now = snap["now"].as_i64().unwrap();
        let rule = rule::compile(
            "plan-fit-monthly",
            "plan-fit-monthly.lua",
            &source,
            &tz,
            now,
        )
        .unwrap();
        rule::evaluate(&rule, &Input::new(snap, &NoHistory, &tz)).unwrap()
    };
    // Not the first of the month.
    assert!(eval(&snap).is_empty());
    // 2026-12-01 10:00 UTC: Max 5x would have saved $100.
    snap["now"] = serde_json::json!(1_796_119_200);
    let alerts = eval(&snap);
    assert_eq!(alerts.len(), 1);
    let a = &alerts[0];
    assert_eq!(a.key, "2026-12");
    assert_eq!(
        a.title,
        "Claude plan: Max 5x would have saved $100.00 in the last 30 days"
    );
    assert!(
        a.body.starts_with("Max 5x would have done: $142.50"),
        "{}",
        a.body
    );
    assert!(
        a.body
            .contains("Max 20x (yours): limited on 0 of 30 days, would cost $242.50."),
        "{}",
        a.body
    );
    // Before 09:00 it waits.
    snap["now"] = serde_json::json!(1_796_119_200 - 3 * 3600);
    assert!(eval(&snap).is_empty());
    // A plan that fits, cheapest already: nothing; the same plan limiting on 5 days: said.
    snap["now"] = serde_json::json!(1_796_119_200);
    snap["plan"]["fit"]["best"] = serde_json::json!("max_20x");
    snap["plan"]["fit"]["saving_usd"] = serde_json::json!(0);
    assert!(eval(&snap).is_empty());
    snap["plan"]["fit"]["current_limited_days"] = serde_json::json!(5);
    let alerts = eval(&snap);
    assert_eq!(
        alerts[0].title,
        "Claude plan: limited on 5 days in the last 30"
    );
    // Nothing to judge: quiet.
    snap["plan"]["fit"] = serde_json::Value::Null;
    assert!(eval(&snap).is_empty());
}
