//! The helpers a rule is given: `cw.*` in the user's zone and with nil, `s.history`, and
//! `os.time` / `os.date` on the evaluation's clock.

use super::{NOW, check_body, eval_source, snapshot};
use crate::rule::*;
use jiff::tz::TimeZone;

/// The title a rule whose check body is `body` gives at NOW in Paris.
fn title_in_paris(body: &str) -> String {
    let tz = TimeZone::get("Europe/Paris").unwrap();
    let rule = compile("r", "r.lua", &check_body(body), &tz, NOW).unwrap();
    let snap = snapshot();
    let alerts = evaluate(&rule, &Input::new(&snap, &NoHistory, &tz)).unwrap();
    alerts[0].title.clone()
}

#[test]
fn helpers_use_the_local_zone() {
    // 16:00 UTC is 17:00 in Paris; the end of tomorrow there is 2026-11-22T00:00+01:00.
    assert_eq!(
        title_in_paris(
            "return { title = table.concat({ cw.usd(12.5), cw.pct(84.25), cw.duration(5400), cw.time(s.now), cw.day_name(s.now + 86400), cw.day_name(s.now + 3 * 86400), tostring(cw.end_of_day(s.now, 1)), cw.local_time(s.now).day_name, tostring(cw.seconds('1h30m')), cw.usd(nil) }, '|') }",
        ),
        "$12.50|84.3%|1h 30m|17:00|tomorrow|Monday|1795302000|Friday|5400|unknown"
    );
}

#[test]
fn every_helper_takes_nil_where_a_field_may_be_nil() {
    assert_eq!(
        title_in_paris(
            "local x = s.credits.auto_reload; return { title = table.concat({ cw.usd(x), cw.pct(x), cw.duration(x), cw.time(x), cw.date(x), cw.day_name(x), cw.when(x), cw.window_name(x), cw.zone(x), tostring(cw.seconds(x)), tostring(cw.end_of_day(x) == cw.end_of_day(s.now)), tostring(cw.start_of_day(x, 1) == cw.start_of_day(s.now, 1)), cw.local_time(x).day_name }, '|') }",
        ),
        "unknown|unknown|unknown|unknown|unknown|unknown|unknown|unknown|CET|nil|true|true|Friday"
    );
}

struct Fixed;
impl History for Fixed {
    fn samples(
        &self,
        account: &str,
        metric: &str,
        since: i64,
        until: i64,
    ) -> Result<Vec<(i64, f64)>, crate::store::StoreError> {
        assert_eq!(
            (account, metric, until),
            ("default", "credits.balance_usd", NOW)
        );
        Ok(vec![(since, 30.0), (until, 12.5)])
    }
}

#[test]
fn history_reads_samples_up_to_now() {
    let tz = TimeZone::UTC;
    let rule = compile(
        "r",
        "r.lua",
        &check_body("local h = s.history('credits.balance_usd', 3600) return { title = `{#h} {h[1].t} {h[1].v} {h[2].v}` }"),
        &tz,
        NOW,
    )
    .unwrap();
    let snap = snapshot();
    let alerts = evaluate(&rule, &Input::new(&snap, &Fixed, &tz)).unwrap();
    assert_eq!(alerts[0].title, format!("2 {} 30 12.5", NOW - 3600));
}

#[test]
fn os_time_and_os_date_read_the_evaluations_clock_and_os_clock_points_to_s_now() {
    let title = |body: &str| eval_source(&check_body(body)).unwrap()[0].title.clone();
    assert_eq!(
        title("return { title = tostring(os.time()) .. ' ' .. os.date('!%Y-%m-%d %H:%M') }"),
        format!("{NOW} 2026-11-20 16:00")
    );
    // With a table or a time of its own, each works as in Luau.
    assert_eq!(
        title("return { title = os.date('!%H:%M', 0) .. ' ' .. tostring(os.difftime(10, 4)) }"),
        "00:00 6"
    );
    let err = eval_source(&check_body("local t = os.clock()\nreturn nil")).unwrap_err();
    assert_eq!(err.line, Some(2), "{err}");
    assert!(
        err.message.contains("os.clock() reads the real clock"),
        "{err}"
    );
    assert!(err.message.contains("use s.now"), "{err}");
    // At load time too: a rule's top level sees the same clock.
    let top = "local loaded = os.time()\nreturn { check = function(s) return { title = tostring(loaded == s.now) } end }";
    assert_eq!(eval_source(top).unwrap()[0].title, "true");
}
