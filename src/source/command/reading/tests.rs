use super::*;

#[test]
fn every_pool_and_an_app() {
    let r = read(
        br#"{
        "plan": {"name": "pro", "windows": {"five_hour": {"used_pct": 40, "resets_at": 1795200000}}},
        "extra_usage": {"enabled": true, "used_usd": 12.5, "limit_usd": null},
        "credits": {"balance_usd": 20, "currency": "USD",
                    "auto_reload": {"enabled": true, "threshold_usd": 5, "amount_usd": 25}},
        "apps": {"cursor": {"spend_usd": {"today": 3.5, "this_month": 41.25},
                            "tokens": {"input": 100, "output": 20}}}
    }"#,
    )
    .unwrap();
    assert_eq!(r.plan_name.as_deref(), Some("pro"));
    assert_eq!(r.usage.windows[0].used_pct, 40.0);
    assert_eq!(r.usage.windows[0].resets_at, Some(1_795_200_000));
    let e = r.usage.extra.unwrap();
    assert_eq!(
        (e.enabled, e.used, e.limit),
        (Some(true), Some(12.5), Cap::Uncapped)
    );
    let b = r.balance.unwrap();
    assert_eq!(b.amount, Some(20.0));
    assert!(matches!(b.auto_reload, Reload::Set(a) if a.reload_to == Some(25.0)));
    assert_eq!(r.apps[0].spend, [("today", 3.5), ("this_month", 41.25)]);
    assert_eq!(r.apps[0].tokens, [("input", 100), ("output", 20)]);
}

#[test]
fn check_json_output_can_be_fed_back() {
    let r = read(
        br#"{"credits": {"balance_usd": 42.13, "currency": "USD", "auto_reload": null,
        "burn_usd_per_hour": 0.5, "burn_usd_per_day": 12, "runs_out_at": 1795300000,
        "runs_out_in_hours": 84.2, "runs_out_means": "empty", "method": "x", "age_s": 3}}"#,
    )
    .unwrap();
    assert_eq!(r.balance.unwrap().auto_reload, Reload::Off);
}

#[test]
fn mistakes_name_the_field() {
    let cases: [(&[u8], &str); 8] = [
        (b"not json", "stdout is not JSON"),
        (b"[1]", "expected an object"),
        (b"{}", "reports no pool and no app"),
        (br#"{"credit": {}}"#, "`credit`: unknown field"),
        (
            br#"{"credits": {"balance": 3}}"#,
            "`credits.balance`: unknown field",
        ),
        (
            br#"{"credits": {"balance_usd": "3"}}"#,
            "`credits.balance_usd`: expected a number",
        ),
        (
            br#"{"plan": {"windows": {"five_hour": {}}}}"#,
            "`plan.windows.five_hour.used_pct`: missing",
        ),
        (
            br#"{"apps": {"cursor": {"tokens": {"input": -1}}}}"#,
            "`apps.cursor.tokens.input`: expected a whole number",
        ),
    ];
    for (out, says) in cases {
        let e = read(out).unwrap_err().to_string();
        assert!(e.contains(says), "{e:?} should say {says:?}");
    }
}
