use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/anthropic/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(path).unwrap()
}

fn window<'a>(u: &'a Usage, name: &str) -> &'a WindowReading {
    u.windows.iter().find(|w| w.name == name).unwrap()
}

#[test]
fn flat_windows_and_capped_extra_usage_in_cents() {
    let u = usage(&fixture("oauth_usage.flat.json")).unwrap();
    let names: Vec<&str> = u.windows.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["five_hour", "seven_day", "seven_day_opus"]);
    assert_eq!(window(&u, "seven_day").used_pct, 61.0);
    assert_eq!(window(&u, "five_hour").resets_at, Some(1_795_204_800));
    let e = u.extra.unwrap();
    assert_eq!(e.enabled, Some(true));
    assert!((e.used.unwrap() - 154.20).abs() < 1e-9);
    assert_eq!(e.limit, Cap::Usd(200.0));
    assert_eq!(e.currency.as_deref(), Some("USD"));
}

#[test]
fn limits_list_and_uncapped_extra_usage() {
    let u = usage(&fixture("oauth_usage.limits.json")).unwrap();
    assert_eq!(window(&u, "five_hour").used_pct, 87.0);
    assert_eq!(window(&u, "seven_day").used_pct, 34.5);
    assert_eq!(window(&u, "seven_day_opus").used_pct, 9.0);
    assert_eq!(u.windows.len(), 3);
    let e = u.extra.unwrap();
    assert!((e.used.unwrap() - 106.31).abs() < 1e-9);
    assert_eq!(
        e.limit,
        Cap::Uncapped,
        "a null monthly_limit is uncapped, not unknown"
    );
}

#[test]
fn spend_object_when_extra_usage_is_absent() {
    let body = br#"{"spend": {"used": {"amount_minor": "12345", "currency": "EUR", "exponent": 3},
                               "limit": {"amount_minor": 50000, "currency": "EUR", "exponent": 2},
                               "enabled": true}}"#;
    let e = usage(body).unwrap().extra.unwrap();
    assert!((e.used.unwrap() - 12.345).abs() < 1e-9);
    assert_eq!(e.limit, Cap::Usd(500.0));
    assert_eq!(e.currency.as_deref(), Some("EUR"));
}

#[test]
fn disabled_extra_usage_and_a_window_not_started() {
    let u = usage(&fixture("oauth_usage.disabled.json")).unwrap();
    assert_eq!(window(&u, "five_hour").resets_at, None);
    assert_eq!(window(&u, "five_hour").used_pct, 0.0);
    assert_eq!(window(&u, "seven_day_sonnet").used_pct, 1.0);
    let e = u.extra.unwrap();
    assert_eq!(e.enabled, Some(false));
    assert_eq!(e.used, None, "null used_credits is unknown, not 0");
}

#[test]
fn balances_reloads_and_the_sentinel() {
    let b = balance(&fixture("prepaid_credits.json")).unwrap();
    assert!((b.amount.unwrap() - 42.13).abs() < 1e-9);
    let a = match b.auto_reload {
        Reload::Set(a) => a,
        other => panic!("{other:?}"),
    };
    assert!(a.enabled);
    assert_eq!((a.threshold, a.reload_to), (Some(10.0), Some(50.0)));

    let b = balance(&fixture("prepaid_credits.no_reload.json")).unwrap();
    assert!((b.amount.unwrap() - 18.75).abs() < 1e-9);
    assert_eq!(b.auto_reload, Reload::Off);

    let b = balance(&fixture("prepaid_credits.sentinel.json")).unwrap();
    assert_eq!(b.amount, None, "-1 means unknown, not minus one cent");
}

#[test]
fn the_profile_names_the_organisation_and_the_account() {
    let p = profile(&fixture("oauth_profile.json")).unwrap();
    assert_eq!(
        p.organization.as_deref(),
        Some("9c0d2f41-0000-4000-8000-0000000000b2")
    );
    assert_eq!(p.kind.as_deref(), Some("claude_max"));
    assert_eq!(p.email.as_deref(), Some("ana@example.com"));
    let empty = profile(br#"{"account": {"email_address": ""}}"#).unwrap();
    assert_eq!(empty, Profile::default(), "an empty address is no address");
}

#[test]
fn wrong_types_are_unknown_and_garbage_is_an_error() {
    let u = usage(br#"{"five_hour": {"utilization": "lots"}, "seven_day": [1],
                       "extra_usage": {"is_enabled": "yes", "used_credits": {}, "monthly_limit": true}}"#)
    .unwrap();
    assert!(u.windows.is_empty());
    assert_eq!(u.extra, Some(ExtraUsage::default()));
    assert_eq!(
        usage(b"<html><body>Sign in</body></html>"),
        Err(NotJson(" (it is HTML)"))
    );
    assert_eq!(usage(br#"{"five_hour": {"utiliz"#), Err(NotJson("")));
    assert_eq!(usage(b"[1, 2]"), Err(NotJson("")));
    let b = balance(br#"{"amount": "n/a", "auto_reload_settings": 7}"#).unwrap();
    assert_eq!(b, Balance::default());
}
