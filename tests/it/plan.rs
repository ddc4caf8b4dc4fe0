//! `creditwatch plan` through the binary, on stores seeded with hand-computed histories:
//! one for each verdict.

use creditwatch::store::{RequestRow, Sample, Store};
use std::path::Path;

/// 2026-11-01 00:00 UTC: the seeded month starts here.
const NOV_1: i64 = 1_793_491_200;

/// A user's 30 days: the plan the sign-in names, each day's 5-hour and weekly peak, and
/// what their use cost at API prices over the 30 days.
struct User {
    plan: (&'static str, Option<&'static str>),
    five_hour: Vec<f64>,
    weekly: f64,
    api_usd: f64,
}

/// A home whose store holds `u`'s November; returns `now`, the start of December.
fn seeded(dir: &Path, u: &User) -> i64 {
    let store = Store::open(&dir.join("data/creditwatch.db")).unwrap();
    store
        .atomically(|s| {
            for (d, &peak) in u.five_hour.iter().enumerate() {
                let noon = NOV_1 + d as i64 * 86_400 + 12 * 3600;
                // A morning reading, the peak, and an evening after the window reset.
                for (t, v) in [
                    (noon - 3 * 3600, peak / 2.0),
                    (noon, peak),
                    (noon + 6 * 3600, 1.0),
                ] {
                    s.record_sample(
                        "default",
                        "plan.five_hour.used_pct",
                        Sample { t, v },
                        "test",
                    )?;
                    s.record_sample(
                        "default",
                        "plan.seven_day.used_pct",
                        Sample { t, v: u.weekly },
                        "test",
                    )?;
                }
            }
            s.set_fact("default", "plan.name", u.plan.0, NOV_1, "test")?;
            if let Some(tier) = u.plan.1 {
                s.set_fact("default", "plan.tier", tier, NOV_1, "test")?;
            }
            Ok(())
        })
        .unwrap();
    let mut w = store.writer().unwrap();
    for d in 0..30 {
        w.upsert(&RequestRow {
            key: d + 1,
            legacy_key: None,
            sidechain: false,
            account: "default",
            t: NOV_1 + d * 86_400 + 15 * 3600,
            app: "claude-code",
            model: "claude-sonnet-4-6",
            project: "/work",
            session: "s",
            tokens: Default::default(),
            cost_usd: Some(u.api_usd / 30.0),
        })
        .unwrap();
    }
    w.commit().unwrap();
    std::fs::write(
        dir.join("config.toml"),
        "[sources.claude_code_logs]\nroots = []\n[sources.claude_oauth]\nenabled = false\n",
    )
    .unwrap();
    NOV_1 + 30 * 86_400
}

/// The last 30 days of `plan --json`, and the text.
fn plan(u: &User) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let now = seeded(dir.path(), u);
    let json = crate::support::bin::succeed(now, dir.path(), &["plan", "--json"]);
    let reports: serde_json::Value = serde_json::from_str(&json).unwrap();
    let text = crate::support::bin::succeed(now, dir.path(), &["plan"]);
    (reports[0].clone(), text)
}

fn limited(fit: &serde_json::Value, key: &str) -> u64 {
    let p = fit["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == key)
        .unwrap();
    p["limited_days"].as_u64().unwrap()
}

#[test]
fn pro_is_enough_for_a_light_user() {
    let (r, text) = plan(&User {
        plan: ("pro", None),
        five_hour: vec![80.0; 30],
        weekly: 40.0,
        api_usd: 150.0,
    });
    assert_eq!(r["current"], "pro");
    let fit = &r["periods"][0];
    assert_eq!(fit["period"], "last 30 days");
    assert_eq!(fit["window_days"], 30);
    assert_eq!(limited(fit, "pro"), 0);
    assert_eq!(fit["best"], "pro");
    assert_eq!(fit["saving_usd"], 0.0);
    assert!((fit["api_equivalent_usd"].as_f64().unwrap() - 150.0).abs() < 0.01);
    let verdict = fit["verdict"].as_str().unwrap();
    assert_eq!(
        verdict,
        "Pro fits: the cheapest that would have done ($20.00; 0 days limited)."
    );
    // November is a calendar month with data: shown after the last 30 days.
    assert_eq!(r["periods"][1]["period"], "November 2026");
    assert!(
        text.contains("you pay for Pro ($20.00/month)") && text.contains(verdict),
        "{text}"
    );
}

#[test]
fn max_5x_would_have_done_for_a_max_20x_user_who_peaks_at_a_quarter() {
    // 28 days at 20 % of Max 20x (80 % of Max 5x) and 2 at 26 % (104 %): two limited days
    // on Max 5x, every day on Pro (x20).
    let mut days = vec![20.0; 28];
    days.extend([26.0, 26.0]);
    let (r, text) = plan(&User {
        plan: ("max", Some("default_claude_max_20x")),
        five_hour: days,
        weekly: 10.0,
        api_usd: 900.0,
    });
    let fit = &r["periods"][0];
    assert_eq!(
        (
            limited(fit, "pro"),
            limited(fit, "max_5x"),
            limited(fit, "max_20x")
        ),
        (30, 2, 0)
    );
    assert_eq!(fit["best"], "max_5x");
    assert_eq!(fit["saving_usd"], 100.0);
    let p5 = &fit["plans"][1];
    assert!(
        (p5["five_hour_peak_pct"].as_f64().unwrap() - 104.0).abs() < 1e-9,
        "{p5}"
    );
    assert_eq!(
        fit["verdict"],
        "Max 5x would have done: $100.00 instead of $200.00; 2 days limited (on Max 20x: 0 days limited)."
    );
    assert!(
        text.contains("Max 20x (yours)") && text.contains("weekly limits do not scale exactly"),
        "{text}"
    );
}

#[test]
fn max_20x_is_needed_when_max_5x_hits_the_limit_on_ten_days() {
    let mut days = vec![60.0; 20];
    days.extend([100.0; 10]);
    let (r, _) = plan(&User {
        plan: ("max", Some("default_claude_max_5x")),
        five_hour: days,
        weekly: 50.0,
        api_usd: 3000.0,
    });
    let fit = &r["periods"][0];
    assert_eq!(fit["current_limited_days"], 10);
    assert_eq!((limited(fit, "max_5x"), limited(fit, "max_20x")), (10, 0));
    assert_eq!(fit["best"], "max_20x");
    assert_eq!(fit["saving_usd"], -100.0);
    assert_eq!(
        fit["verdict"],
        "Max 20x would have done: $200.00 instead of $100.00; 0 days limited (on Max 5x: 10 days limited)."
    );
}

#[test]
fn api_prices_are_cheaper_for_a_user_who_barely_uses_it() {
    let (r, _) = plan(&User {
        plan: ("pro", None),
        five_hour: vec![10.0; 30],
        weekly: 5.0,
        api_usd: 8.0,
    });
    let fit = &r["periods"][0];
    assert_eq!(fit["best"], "api");
    assert_eq!(fit["saving_usd"], 12.0);
    assert_eq!(
        fit["verdict"],
        "API pay-as-you-go would have been cheapest for the use creditwatch sees: $8.00 instead of $20.00."
    );
}

#[test]
fn without_window_history_or_the_plans_size_it_says_what_it_can_and_what_it_needs() {
    // A Max plan whose size the sign-in does not give.
    let (r, text) = plan(&User {
        plan: ("max", None),
        five_hour: vec![30.0; 30],
        weekly: 10.0,
        api_usd: 600.0,
    });
    assert!(r["current"].is_null());
    assert!(
        r["current_unknown"].as_str().unwrap().contains("[plan]"),
        "{r}"
    );
    let fit = &r["periods"][0];
    assert!(fit["best"].is_null() && fit["saving_usd"].is_null());
    assert!(fit["plans"][0]["limited_days"].is_null());
    let verdict = fit["verdict"].as_str().unwrap();
    assert!(
        verdict.starts_with("Not enough to judge the plan: which plan you pay for is not known"),
        "{verdict}"
    );
    assert!(
        verdict.contains("At API prices your use cost $600.00"),
        "{verdict}"
    );
    assert!(text.contains("your plan is not known"), "{text}");

    // A known plan, three days of window readings.
    let (r, _) = plan(&User {
        plan: ("pro", None),
        five_hour: vec![30.0; 3],
        weekly: 10.0,
        api_usd: 50.0,
    });
    let verdict = r["periods"][0]["verdict"].as_str().unwrap();
    assert_eq!(
        verdict,
        "Not enough to judge the plan: 3 days of plan-window readings, and 7 are needed. At API \
         prices your use cost $50.00; you paid $20.00."
    );
}

#[test]
fn the_config_names_the_plan_and_its_prices_and_a_bad_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let now = seeded(
        dir.path(),
        &User {
            plan: ("max", None),
            five_hour: vec![30.0; 30],
            weekly: 10.0,
            api_usd: 600.0,
        },
    );
    let config = dir.path().join("config.toml");
    let base = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{base}[plan]\ncurrent = \"max_5x\"\nlimited_days = 0\n[plan.prices.max_5x]\nusd_per_month = 90\nmultiple = 5\n"),
    )
    .unwrap();
    let json = crate::support::bin::succeed(now, dir.path(), &["plan", "--json"]);
    let r: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(r[0]["current"], "max_5x");
    assert_eq!(r[0]["prices_as_of"], "config");
    assert_eq!(r[0]["limited_days_allowed"], 0);
    // 30 % of Max 5x is 150 % of Pro: Max 5x at $90 is the cheapest that does.
    assert_eq!(
        r[0]["periods"][0]["verdict"],
        "Max 5x fits: the cheapest that would have done ($90.00; 0 days limited)."
    );
    std::fs::write(&config, format!("{base}[plan]\ncurrent = \"max_10x\"\n")).unwrap();
    let out = crate::support::bin::command(now, dir.path(), dir.path(), &["plan"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("config.toml") && err.contains("max_10x"),
        "{err}"
    );
}
