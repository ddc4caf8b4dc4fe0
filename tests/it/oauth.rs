//! The `claude_oauth` source against a real HTTP server on loopback serving the fixtures:
//! both usage shapes, extra usage, credits and their burn, and `check` end to end.

use crate::support::anthropic::{Harness, NOW, REFRESH, TOKEN, anthropic, fixture};
use crate::support::http::{Answer, Server};

#[test]
fn flat_usage_capped_extra_usage_and_credits_with_auto_reload() {
    let server = Server::start(anthropic("oauth_usage.flat.json", "prepaid_credits.json"));
    let mut h = Harness::new(&server, "credentials.json");
    let outcome = h.poll(NOW);
    assert_eq!(outcome.error, None, "{outcome:?}");
    let s = h.snapshot(NOW);
    assert_eq!(s.plan.name.as_deref(), Some("max"));
    let w = &s.plan.windows;
    assert_eq!(w["five_hour"].used_pct, 43.0);
    assert_eq!(w["seven_day"].used_pct, 61.0);
    assert_eq!(w["seven_day_opus"].used_pct, 12.5);
    assert_eq!(w["five_hour"].source, "claude_oauth");
    let e = s.extra_usage.clone().unwrap();
    assert_eq!(e.enabled, Some(true));
    assert!((e.used_usd.unwrap() - 154.20).abs() < 1e-9);
    assert_eq!(e.limit_usd, Some(200.0));
    assert!((e.remaining_usd.unwrap() - 45.80).abs() < 1e-9);
    assert!((e.used_pct.unwrap() - 77.1).abs() < 1e-9);
    assert_eq!(e.resets_at, 1_796_083_200, "2026-12-01T00:00:00Z");
    let c = s.credits.clone().unwrap();
    assert!((c.balance_usd - 42.13).abs() < 1e-9);
    assert_eq!(c.currency.as_deref(), Some("USD"));
    let a = c.auto_reload.clone().unwrap();
    assert!(a.enabled);
    assert_eq!((a.threshold_usd, a.amount_usd), (Some(10.0), Some(50.0)));
    assert_eq!(c.runs_out_means.as_str(), "reload");
    assert_eq!(c.burn_usd_per_hour, None, "one sample gives no rate");
    assert!(s.sources["claude_oauth"].ok);
    h.check_secrets(&s, &outcome);
}

#[test]
fn limits_list_uncapped_extra_usage_and_a_balance_without_reload() {
    let server = Server::start(anthropic(
        "oauth_usage.limits.json",
        "prepaid_credits.no_reload.json",
    ));
    let mut h = Harness::new(&server, "credentials.json");
    let outcome = h.poll(NOW);
    assert_eq!(outcome.error, None, "{outcome:?}");
    let s = h.snapshot(NOW);
    assert_eq!(s.plan.windows["five_hour"].used_pct, 87.0);
    assert_eq!(s.plan.windows["seven_day"].used_pct, 34.5);
    assert_eq!(s.plan.windows["seven_day_opus"].used_pct, 9.0);
    let e = s.extra_usage.clone().unwrap();
    assert!((e.used_usd.unwrap() - 106.31).abs() < 1e-9);
    assert_eq!(
        (e.limit_usd, e.remaining_usd, e.used_pct, e.limit_at),
        (None, None, None, None)
    );
    let c = s.credits.clone().unwrap();
    assert!((c.balance_usd - 18.75).abs() < 1e-9);
    assert!(!c.auto_reload.clone().unwrap().enabled);
    assert_eq!(c.runs_out_means.as_str(), "empty");
    h.check_secrets(&s, &outcome);
}

#[test]
fn disabled_extra_usage_a_window_not_started_and_the_balance_sentinel() {
    let server = Server::start(anthropic(
        "oauth_usage.disabled.json",
        "prepaid_credits.sentinel.json",
    ));
    let mut h = Harness::new(&server, "credentials.json");
    h.poll(NOW);
    let s = h.snapshot(NOW);
    assert_eq!(s.plan.windows["five_hour"].resets_at, None);
    assert_eq!(s.plan.windows["seven_day_sonnet"].used_pct, 1.0);
    assert_eq!(s.extra_usage.as_ref().unwrap().enabled, Some(false));
    assert_eq!(s.extra_usage.as_ref().unwrap().used_usd, None);
    assert!(s.credits.is_none(), "amount -1 is no balance, not -$0.01");
}

#[test]
fn credits_burn_ignores_a_top_up_and_projects_the_run_out() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    // The balance falls $1 per 5-minute poll, with a $50 top-up in the middle.
    let cents = Arc::new(AtomicU64::new(4000));
    let served = cents.clone();
    let base = anthropic("oauth_usage.flat.json", "prepaid_credits.no_reload.json");
    let server = Server::start(move |r| {
        if r.path.ends_with("/prepaid/credits") {
            let c = served.load(Ordering::SeqCst);
            return Answer::json(
                200,
                format!(r#"{{"amount": {c}, "currency": "USD", "auto_reload_settings": null}}"#),
            );
        }
        base(r)
    });
    let mut h = Harness::new(&server, "credentials.json");
    for i in 0..13 {
        if i == 6 {
            cents.fetch_add(5000, Ordering::SeqCst);
        }
        h.poll(NOW + i * 300);
        cents.fetch_sub(100, Ordering::SeqCst);
    }
    let now = NOW + 12 * 300;
    let c = h.snapshot(now).own.credits.unwrap();
    assert!((c.balance_usd - 78.0).abs() < 1e-9, "{c:?}");
    // $11 of falls in the hour (the poll that saw the top-up saw no fall), $78 left.
    assert!((c.burn_usd_per_hour.unwrap() - 11.0).abs() < 1e-9, "{c:?}");
    // $78 at $11 an hour is about 7 hours; an hour of history gives a wide range around it.
    let at = c.runs_out_at.unwrap();
    assert!((now + 6 * 3600..=now + 10 * 3600).contains(&at), "{c:?}");
    assert!((c.runs_out_in_hours.unwrap() - (at - now) as f64 / 3600.0).abs() < 1e-3);
    assert!(c.runs_out_earliest.unwrap() <= at && c.runs_out_latest.is_none_or(|l| at <= l));
    let method = c.method.unwrap();
    assert!(
        method.starts_with("to an empty balance: flat rate"),
        "{method}"
    );
}

#[test]
fn check_finds_claude_codes_credentials_reports_every_pool_and_logs_no_secret() {
    let server = Server::start(anthropic("oauth_usage.flat.json", "prepaid_credits.json"));
    let dir = tempfile::tempdir().unwrap();
    let (home, cw) = (dir.path().join("home"), dir.path().join("cw"));
    std::fs::create_dir_all(home.join(".claude")).unwrap();
    let creds = home.join(".claude/.credentials.json");
    std::fs::write(&creds, fixture("claude-code/credentials.json")).unwrap();
    let before = (
        std::fs::read(&creds).unwrap(),
        std::fs::metadata(&creds).unwrap().modified().unwrap(),
    );
    std::fs::create_dir_all(&cw).unwrap();
    std::fs::write(
        cw.join("config.toml"),
        format!(
            "[sources.claude_oauth]\nbase_url = {:?}\ninterval = \"1m\"\n",
            server.base_url
        ),
    )
    .unwrap();
    let run = |args: &[&str]| crate::support::bin::run(&home, &cw, &[], args, &[TOKEN, REFRESH]);
    let report = run(&["check"]);
    assert!(
        !report.contains("five_hour"),
        "internal keys are not shown:\n{report}"
    );
    for says in [
        "Plan windows (max plan)",
        "5-hour",
        "weekly",
        "Extra usage",
        "spent $154.20",
        "cap $200.00",
        "Usage credits",
        "balance $42.13",
        "auto-reload to $50.00 below $10.00",
    ] {
        assert!(report.contains(says), "{says:?} missing from:\n{report}");
    }
    let json: serde_json::Value = serde_json::from_str(&run(&["check", "--json"])).unwrap();
    assert_eq!(json["credits"]["balance_usd"], 42.13);
    assert_eq!(json["credits"]["runs_out_means"], "reload");
    assert_eq!(json["extra_usage"]["limit_usd"], 200.0);
    assert_eq!(json["plan"]["windows"]["five_hour"]["used_pct"], 43.0);
    assert_eq!(std::fs::read(&creds).unwrap(), before.0);
    assert_eq!(
        std::fs::metadata(&creds).unwrap().modified().unwrap(),
        before.1
    );
}
