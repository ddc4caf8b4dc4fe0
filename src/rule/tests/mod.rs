use super::*;
use crate::vocab::Channel;
use jiff::tz::TimeZone;
use std::time::{Duration, Instant};

mod helpers;

const NOW: i64 = 1_795_190_400; // 2026-11-20T16:00:00Z, a Friday

fn snapshot() -> serde_json::Value {
    serde_json::json!({
        "now": NOW,
        "account": "default",
        "plan": {"name": "max", "windows": {}},
        "extra_usage": null,
        "credits": {"balance_usd": 12.5, "burn_usd_per_day": 20.0, "runs_out_at": NOW + 15 * 3600,
                    "runs_out_means": "empty", "auto_reload": null},
        "api": null, "apps": {}, "sources": {}, "accounts": {}
    })
}

fn eval_source(source: &str) -> Result<Vec<Alert>, RuleError> {
    let tz = TimeZone::UTC;
    let rule = compile("r", "r.lua", source, &tz, NOW)?;
    let snap = snapshot();
    let input = Input::new(&snap, &NoHistory, &tz);
    evaluate(&rule, &input)
}

fn check_body(body: &str) -> String {
    format!("return {{ check = function(s)\n{body}\nend }}")
}

const GOOD: &str =
    "return { check = function(s) return { title = 'ok ' .. s.credits.balance_usd } end }";

#[test]
fn a_simple_rule_fires_with_its_title() {
    let alerts = eval_source(GOOD).unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].title, "ok 12.5");
    assert_eq!(alerts[0].severity, Severity::Warning);
    assert_eq!(alerts[0].key, "");
}

/// Each hostile body fails alone, within the budget plus a grace, and a good rule run right
/// after it is unaffected.
#[test]
fn hostile_rules_fail_alone_and_in_time() {
    let table: &[(&str, &str)] = &[
        ("while true do end", "time budget"),
        (
            "for i = 1, 1e9 do pcall(function() while true do end end) end",
            "time budget",
        ),
        (
            "local co = coroutine.create(function() while true do end end) coroutine.resume(co) while true do end",
            "time budget",
        ),
        (
            "return coroutine.wrap(function() while true do end end)()",
            "time budget",
        ),
        ("local x = string.rep('x', 1e9) return nil", "memory limit"),
        // Whichever limit it meets first: on a busy machine the copies can outlast the
        // time budget before they reach the memory cap.
        ("local x = 'x' while true do x = x .. x end", "exceeded"),
        ("local t = {} for i = 1, 1e9 do t[i] = i end", "exceeded"),
        (
            "return string.find(('a'):rep(140), '.-.-.-.-b$')",
            "time budget",
        ),
        ("io.open('/etc/passwd')", "attempt to index nil"),
        ("os.exit(1)", "attempt to call a nil value"),
        (
            "os.execute('touch /tmp/cw-escaped')",
            "attempt to call a nil value",
        ),
        ("require('x')", "attempt to call a nil value"),
        ("loadstring('return 1')()", "attempt to call a nil value"),
        ("getfenv(1).x = 1", "attempt to call a nil value"),
        ("setfenv(1, {})", "attempt to call a nil value"),
        ("debug.traceback()", "attempt to index nil"),
        ("collectgarbage('collect')", "attempt to call a nil value"),
        ("string.upper = function() return 'pwned' end", "readonly"),
        ("getmetatable('').__index = {}", "readonly"),
        ("s.credits.balance_usd = 0", "readonly"),
        ("cw.usd = nil", "readonly"),
        ("error('boom')", "boom"),
        (
            "local function f(n) return f(n + 1) + 1 end return f(1)",
            "stack overflow",
        ),
        (
            "setmetatable(s, { __index = function() return 1 end })",
            "readonly",
        ),
        ("rawset(s, 'now', 0)", "readonly"),
        (
            "for i = 1, 1e9 do pcall(string.rep, 'x', 1e8) end",
            "exceeded",
        ),
    ];
    for (body, expected) in table {
        let started = Instant::now();
        let err = eval_source(&check_body(body)).expect_err(body);
        let took = started.elapsed();
        assert!(err.to_string().contains(expected), "{body}: {err}");
        assert!(err.to_string().starts_with("r.lua"), "{body}: {err}");
        assert!(
            took < sandbox::TIME_BUDGET + Duration::from_millis(400),
            "{body} took {took:?}"
        );
        assert_eq!(
            eval_source(GOOD).unwrap()[0].title,
            "ok 12.5",
            "after {body}"
        );
    }
    assert!(!std::path::Path::new("/tmp/cw-escaped").exists());
}

#[test]
fn a_patched_library_does_not_reach_the_next_rule() {
    // In sandbox mode the write fails; even at top level, before `check`.
    let err =
        eval_source("string.upper = function() return 'x' end return { check = function() end }")
            .unwrap_err();
    assert!(err.message.contains("readonly"), "{err}");
    let alerts =
        eval_source("return { check = function() return { title = string.upper('fine') } end }")
            .unwrap();
    assert_eq!(alerts[0].title, "FINE");
}

#[test]
fn errors_point_at_the_file_and_line() {
    let err = eval_source("return {\n check = function(s)\n  local x = nil\n  return x.y\n end }")
        .unwrap_err();
    assert_eq!(err.line, Some(4), "{err}");
    let err = eval_source("return { check = function(s)\n\n  return {{{ end }").unwrap_err();
    assert_eq!(
        (err.file.as_str(), err.line.is_some()),
        ("r.lua", true),
        "{err}"
    );
    let err = eval_source(&check_body("while true do\nend")).unwrap_err();
    assert!(err.line.is_some(), "{err}");
    let err =
        eval_source("return {\n  chanels = {'email'},\n  check = function() end }").unwrap_err();
    assert_eq!(err.line, Some(2), "{err}");
    assert!(err.message.contains("unknown field `chanels`"), "{err}");
}

#[test]
fn a_chart_names_any_history_metric_and_a_wrong_one_is_told() {
    let with_chart = |metric: &str| {
        compile(
            "r",
            "r.lua",
            &format!("return {{ chart = {metric:?}, check = function(s) return nil end }}"),
            &TimeZone::UTC,
            NOW,
        )
    };
    for metric in [
        "credits.balance_usd",
        "plan.five_hour.used_pct",
        "apps.cursor.spend_usd",
    ] {
        let rule = with_chart(metric).unwrap_or_else(|e| panic!("{metric}: {e}"));
        assert_eq!(rule.meta.chart.as_deref(), Some(metric));
    }
    let err = with_chart("credits.balance").unwrap_err();
    assert!(
        err.message
            .contains("`chart`: no metric named \"credits.balance\""),
        "{err}"
    );
}

#[test]
fn wrong_shapes_name_the_field() {
    let long = "x".repeat(201);
    let cases: Vec<(String, &str)> = vec![
        ("return 42".into(), "return a table"),
        (
            "return setmetatable({ check = function() end }, {})".into(),
            "metatable",
        ),
        ("return { check = 1 }".into(), "`check` must be a function"),
        ("return { description = 'x' }".into(), "`check` is missing"),
        (
            "return { channels = 'email', check = function() end }".into(),
            "`channels` must be a list",
        ),
        (
            "return { channels = {'pager'}, check = function() end }".into(),
            "unknown channel",
        ),
        (
            "return { hold = 'soon', check = function() end }".into(),
            "`hold`",
        ),
        (check_body("return 1"), "check returned a number"),
        (check_body("return true"), "check returned a boolean"),
        (
            check_body("return { title = 'a', colour = 'red' }"),
            "colour: unknown field",
        ),
        (
            check_body(&format!("return {{ title = '{long}' }}")),
            "title: 201 characters",
        ),
        (
            check_body("return { title = 'a', body = string.rep('b', 4097) }"),
            "body: 4097 bytes",
        ),
        (
            check_body("return { title = 'a', severity = 'panic' }"),
            "severity",
        ),
        (
            check_body("return setmetatable({ title = 'a' }, {})"),
            "metatable",
        ),
        (check_body("return { { title = 'a' } }"), "[1].key: missing"),
        (
            check_body("return { { key = 'a', title = 'x' }, { key = 'a', title = 'y' } }"),
            "[2].key",
        ),
        (
            check_body("return { { key = 'a', title = 'x' }, 'oops' }"),
            "[2]: expected an alert table",
        ),
        (check_body("return { { key = 'a' } }"), "[1].title: missing"),
    ];
    for (source, expected) in cases {
        let err = eval_source(&source).expect_err(&source);
        assert!(err.to_string().contains(expected), "{source}\n=> {err}");
        assert!(err.to_string().starts_with("r.lua"), "{err}");
    }
}

#[test]
fn keyed_alerts_and_empty_results() {
    let alerts = eval_source(&check_body(
        "return { { key = 'a', title = 'A', severity = 'critical' }, { key = 2, title = 'B', body = 'b' } }",
    ))
    .unwrap();
    assert_eq!(
        alerts.iter().map(|a| a.key.as_str()).collect::<Vec<_>>(),
        ["a", "2"]
    );
    assert_eq!(alerts[0].severity, Severity::Critical);
    assert_eq!(alerts[1].body, "b");
    for empty in ["return nil", "return false", "return {}", ""] {
        assert!(
            eval_source(&check_body(empty)).unwrap().is_empty(),
            "{empty}"
        );
    }
}

#[test]
fn the_contract_is_read() {
    let tz = TimeZone::UTC;
    let rule = compile(
        "r",
        "r.lua",
        "return { description = 'd', channels = {'email', 'desktop'}, hold = '15m', repeat_after = 3600, notify_resolved = true, check = function() end }",
        &tz,
        NOW,
    )
    .unwrap();
    assert_eq!(
        rule.meta,
        Meta {
            description: "d".into(),
            channels: vec![Channel::Email, Channel::Desktop],
            hold_s: 900,
            repeat_after_s: Some(3600),
            notify_resolved: true,
            chart: None,
            scope: crate::vocab::Scope::Account,
        }
    );
    let plain = compile("r", "r.lua", "return { check = function() end }", &tz, NOW).unwrap();
    assert_eq!(
        (
            plain.meta.channels.clone(),
            plain.meta.hold_s,
            plain.meta.repeat_after_s
        ),
        (vec![Channel::Desktop], 0, None)
    );
}

#[test]
fn the_editor_type_definitions_parse_as_luau() {
    // `declare` is only valid in definition files; as a local it is plain Luau.
    let text =
        include_str!("../../../rules/types/creditwatch.d.luau").replace("declare cw:", "local cw:");
    mlua::Compiler::new()
        .compile(text)
        .expect("types/creditwatch.d.luau parses");
}

#[test]
fn snapshot_strings_arrive_exactly_and_cannot_inject_code() {
    let nasty = "a\"b\\c\n]] .. os.exit() .. [[ é 🦀 \u{0}\t{x}";
    let tz = TimeZone::UTC;
    let mut snap = snapshot();
    snap["sources"] = serde_json::json!({"claude_oauth": {"error": nasty, "ok": false}});
    snap["accounts"] = serde_json::json!({"default": {"sources": snap["sources"].clone(), "credits": snap["credits"].clone()}, "work": {"credits": null}});
    let rule = compile(
        "r",
        "r.lua",
        &check_body(
            "assert(s.accounts.default.credits.balance_usd == s.credits.balance_usd)
             assert(not pcall(function() s.accounts.default.credits.balance_usd = 1 end))
             assert(s.accounts.work.credits == nil)
             return { title = 'x', body = s.sources.claude_oauth.error }",
        ),
        &tz,
        NOW,
    )
    .unwrap();
    let alerts = evaluate(&rule, &Input::new(&snap, &NoHistory, &tz)).unwrap();
    assert_eq!(alerts[0].body, nasty);
}

#[test]
fn a_field_that_does_not_exist_is_named_with_the_nearest_one() {
    let tz = TimeZone::UTC;
    let mut snap = snapshot();
    snap["plan"]["windows"]["five_hour"] =
        serde_json::json!({"used_pct": 43.0, "resets_at": NOW + 3600, "limit_at": null});
    let run = |body: &str| {
        let rule = compile("r", "r.lua", &check_body(body), &tz, NOW).unwrap();
        evaluate(&rule, &Input::new(&snap, &NoHistory, &tz))
    };
    let err =
        run("for name, w in s.plan.windows do\n  if w.used_percent > 50 then return {} end\nend")
            .unwrap_err();
    assert_eq!(err.line, Some(3), "{err}");
    assert_eq!(
        err.message,
        "s.plan.windows.five_hour.used_percent does not exist; did you mean used_pct?"
    );
    let err = run("return { title = tostring(s.credit) }").unwrap_err();
    assert_eq!(
        err.message,
        "s.credit does not exist; did you mean credits?"
    );
    let err = run("return { title = tostring(s.credits.zzzzzzzz) }").unwrap_err();
    assert_eq!(
        err.message, "s.credits.zzzzzzzz does not exist",
        "no field is near it"
    );
    // A field that exists but is unknown now, and a map's missing key, are nil.
    let fine = run(
        "return { title = tostring(s.api) .. tostring(s.credits.auto_reload) .. tostring(s.apps.cursor) .. tostring(s.plan.windows.seven_day) .. tostring(s.plan.windows.five_hour.limit_at) }",
    )
    .unwrap();
    assert_eq!(fine[0].title, "nilnilnilnilnil");
    // The metatable is as read-only as the tables.
    let err = run("getmetatable(s.credits).__index = nil").unwrap_err();
    assert!(err.message.contains("readonly"), "{err}");
}
