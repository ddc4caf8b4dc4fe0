use super::*;

const FIXTURE: &[u8] = include_bytes!("../../../tests/fixtures/claude-code/statusline.json");
const NO_LIMITS: &[u8] =
    include_bytes!("../../../tests/fixtures/claude-code/statusline.no_rate_limits.json");
/// 2026-11-20 18:00 UTC: two hours before the fixture's five-hour window resets.
const NOW: i64 = 1_795_197_600;

#[test]
fn reads_the_fixture() {
    let s = parse(FIXTURE).unwrap();
    assert_eq!(
        s.session_id.as_deref(),
        Some("0f5e2c1a-7d3b-4e59-9a43-1c2b3d4e5f60")
    );
    assert_eq!(s.model_name.as_deref(), Some("Sonnet 4.6"));
    assert_eq!(s.session_cost_usd, Some(3.4172));
    assert_eq!(
        s.windows,
        vec![
            Window {
                name: "five_hour".into(),
                used_pct: 43.0,
                resets_at: Some(1_795_204_800)
            },
            Window {
                name: "seven_day".into(),
                used_pct: 61.5,
                resets_at: Some(1_795_532_400)
            },
        ]
    );
}

#[test]
fn older_versions_send_no_windows() {
    let s = parse(NO_LIMITS).unwrap();
    assert!(s.windows.is_empty());
    assert_eq!(s.session_cost_usd, Some(0.0));
    assert_eq!(
        render(&s, &Extras::default(), NOW, &jiff::tz::TimeZone::UTC),
        "Opus 4.6 · session $0.00"
    );
}

#[test]
fn garbage_is_not_a_status() {
    for input in [
        &b""[..],
        b"not json",
        b"[1,2]",
        b"\xff\xfe",
        b"{\"rate_limits\": 5",
    ] {
        assert_eq!(parse(input), None, "{input:?}");
    }
}

#[test]
fn mistyped_fields_are_unknown_not_fatal() {
    let s = parse(br#"{"model":{"display_name":7},"cost":{"total_cost_usd":"a lot"},"rate_limits":{"five_hour":{"used_percentage":"x"},"seven_day":{"used_percentage":12}}}"#).unwrap();
    assert_eq!(s.model_name, None);
    assert_eq!(s.session_cost_usd, None);
    assert_eq!(s.windows.len(), 1);
    assert_eq!(s.windows[0].resets_at, None);
}

#[test]
fn the_line_shows_windows_resets_spend_and_credits() {
    let s = parse(FIXTURE).unwrap();
    let utc = jiff::tz::TimeZone::UTC;
    let mut extras = Extras {
        today_usd: Some(5.291),
        credits_usd: Some(42.13),
        ..Extras::default()
    };
    assert_eq!(
        render(&s, &extras, NOW, &utc),
        "Sonnet 4.6 · 5h 43% ↻2h · 7d 61.5% ↻3d21h · session $3.42 · today $5.29 · credits $42.13"
    );
    // With the forecasts: the window full before its reset, and the day the credits end.
    extras.full_at.insert("five_hour".into(), NOW + 5400);
    extras.credits_run_out_at = Some(NOW + 86_400);
    assert_eq!(
        render(&s, &extras, NOW, &utc),
        "Sonnet 4.6 · 5h 43% ↻2h full in 1h30m · 7d 61.5% ↻3d21h · session $3.42 · today $5.29 \
         · credits $42.13 out tomorrow"
    );
    // After the five-hour window reset its figure is no longer shown.
    assert!(!render(&s, &extras, 1_795_204_800, &utc).contains("5h"));
}

#[test]
fn recording_writes_windows_once_until_they_change() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    let s = parse(FIXTURE).unwrap();
    assert!(record(&store, "default", &s, NOW).unwrap());
    assert!(
        !record(&store, "default", &s, NOW + 5).unwrap(),
        "unchanged: no write"
    );
    let mut changed = s.clone();
    changed.windows[0].used_pct = 44.0;
    assert!(record(&store, "default", &changed, NOW + 10).unwrap());
    let levels = store
        .samples("default", "plan.five_hour.used_pct", 0, i64::MAX)
        .unwrap();
    assert_eq!(
        levels,
        vec![
            Sample { t: NOW, v: 43.0 },
            Sample {
                t: NOW + 10,
                v: 44.0
            }
        ]
    );
    let resets = store
        .last_sample("default", "plan.five_hour.resets_at", i64::MAX)
        .unwrap();
    assert_eq!(resets.unwrap().0.v, 1_795_204_800.0);
    let health = store.health("default").unwrap();
    assert_eq!(health[0].source, NAME);
    assert_eq!(health[0].last_success_at, Some(NOW + 10));
}
