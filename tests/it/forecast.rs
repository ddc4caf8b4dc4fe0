//! `creditwatch forecast` and `forecast backtest` with the real binary over a stored
//! history: six weeks of a synthetic weekday user's balance, run down and topped up.

use crate::traces::{self, Kind, Process};
use creditwatch::store::{Sample, Store};
use std::path::Path;

/// A home whose database holds `kind`'s trace; returns the instant after its last sample.
fn home_with(kind: Kind, dir: &Path) -> i64 {
    let trace = traces::generate(kind, 3);
    let store = Store::open(&dir.join("data/creditwatch.db")).unwrap();
    store
        .atomically(|s| {
            for &Sample { t, v } in &trace.samples {
                s.record_sample("default", "credits.balance_usd", Sample { t, v }, "test")?;
            }
            Ok(())
        })
        .unwrap();
    std::fs::write(
        dir.join("config.toml"),
        "[sources.claude_code_logs]\nroots = []\n[sources.claude_oauth]\nenabled = false\n",
    )
    .unwrap();
    trace.samples.last().unwrap().t + 60
}

#[test]
fn forecast_shows_each_pool_with_its_range_and_method() {
    let dir = tempfile::tempdir().unwrap();
    let now = home_with(Kind::Weekday, dir.path());
    let json: serde_json::Value = serde_json::from_str(&crate::support::bin::succeed(
        now,
        dir.path(),
        &["forecast", "--json"],
    ))
    .unwrap();
    let credits = json
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pool"] == "credits")
        .expect("the credits pool");
    let at = credits["at"].as_i64().expect("a forecast");
    assert!(at >= now);
    assert!(credits["earliest"].as_i64().unwrap() <= at);
    assert!(credits["latest"].as_i64().is_none_or(|l| at <= l));
    assert!(credits["next_24h"].as_f64().unwrap() >= 0.0);
    let method = credits["method"].as_str().unwrap();
    assert!(method.starts_with("to an empty balance: "), "{method}");
    assert!(method.contains("chosen on your last"), "{method}");
    assert!(credits["chance"].as_f64().is_some(), "{credits}");
    // The top-up advice: more to last longer, in whole dollars.
    let topup = &credits["topup_usd"];
    let (week, month) = (
        topup["days_7"].as_f64().unwrap(),
        topup["days_30"].as_f64().unwrap(),
    );
    assert!(
        week >= 0.0 && month > week && month.fract() == 0.0,
        "{topup}"
    );
    let text = crate::support::bin::succeed(now, dir.path(), &["forecast"]);
    assert!(
        text.contains("What to do (each figure holds in 9 futures out of 10)")
            && text.contains(&format!(
                "30 days: add {}.",
                creditwatch::format::usd(month)
            )),
        "{text}"
    );
    assert!(
        text.contains("credits") && text.contains("empty ($0.00)"),
        "{text}"
    );
    assert!(
        text.contains("How\n  default credits: to an empty balance"),
        "{text}"
    );
}

#[test]
fn backtest_scores_the_forecast_on_the_users_own_history() {
    let dir = tempfile::tempdir().unwrap();
    let now = home_with(Kind::Steady, dir.path());
    let json: serde_json::Value = serde_json::from_str(&crate::support::bin::succeed(
        now,
        dir.path(),
        &["forecast", "backtest", "--since", "30d", "--json"],
    ))
    .unwrap();
    assert!(json["run_outs"].as_u64().unwrap() >= 5, "{json}");
    let f = &json["forecaster"];
    let hours = f["hours"].as_u64().unwrap();
    assert!(hours > 24 * 20, "{json}");
    // Never silent with burn in the history.
    assert_eq!(f["with_forecast"].as_u64(), Some(hours), "{json}");
    for baseline in ["profile", "average"] {
        assert_eq!(json[baseline]["hours"].as_u64(), Some(hours), "{json}");
    }
    let text =
        crate::support::bin::succeed(now, dir.path(), &["forecast", "backtest", "--since", "30d"]);
    assert!(
        text.starts_with("Backtest of the credits forecast (default)"),
        "{text}"
    );
    assert!(text.contains("hour-of-week profile alone"), "{text}");
}

#[test]
fn every_kind_of_bench_user_runs_out_again_and_again_and_is_the_same_for_a_seed() {
    for kind in Kind::ALL {
        for seed in 1..=20 {
            // Spells of light days, and light days of the week, stretch some of the second
            // way's balances (its top-ups are sized as the first way's).
            for (process, least) in [(Process::Days, 8), (Process::Sessions, 4)] {
                let t = traces::generate_with(kind, seed, process);
                assert!(
                    t.run_outs.len() >= least,
                    "{} seed {seed} {process:?}: {} run-outs",
                    kind.name(),
                    t.run_outs.len()
                );
                assert!(t.samples.windows(2).all(|w| w[0].t < w[1].t));
            }
        }
        // The second way shares the user's habits but not their days.
        let (days, sessions) = (
            traces::generate_with(kind, 1, Process::Days),
            traces::generate_with(kind, 1, Process::Sessions),
        );
        assert_eq!(days.habits.zone, sessions.habits.zone);
        assert_ne!(days.samples, sessions.samples);
        assert_eq!(days.samples, traces::generate(kind, 1).samples);
        assert_eq!(
            traces::generate(kind, 1).samples,
            traces::generate(kind, 1).samples
        );
        assert_ne!(
            traces::generate(kind, 1).samples,
            traces::generate(kind, 2).samples
        );
    }
}

/// A home with no sources but the status line, and no transcripts.
fn fresh_home(dir: &Path) {
    std::fs::write(
        dir.join("config.toml"),
        "[sources.claude_code_logs]\nroots = []\n[sources.claude_oauth]\nenabled = false\n",
    )
    .unwrap();
}

/// `creditwatch statusline` at `now` fed the status line JSON with these windows' percents.
fn status_line(dir: &Path, now: i64, five_hour: f64, seven_day: f64) -> String {
    use std::io::Write;
    let input = serde_json::json!({
        "session_id": "s1",
        "model": { "id": "claude-sonnet-4-6", "display_name": "Sonnet 4.6" },
        "cost": { "total_cost_usd": 1.0 },
        "rate_limits": {
            "five_hour": { "used_percentage": five_hour, "resets_at": now + 3 * 3600 + 59 * 60 },
            "seven_day": { "used_percentage": seven_day, "resets_at": now + 5 * 86_400 },
        }
    });
    let mut child = crate::support::bin::command(now, dir, dir, &["statusline"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_fresh_install_says_learning_rather_than_a_time_it_cannot_know() {
    let dir = tempfile::tempdir().unwrap();
    fresh_home(dir.path());
    let now = 1_795_197_600;
    // Three status-line readings two seconds apart, the windows creeping up.
    let mut line = String::new();
    for (i, (five, seven)) in [(21.0, 40.0), (21.5, 40.2), (22.0, 40.4)]
        .iter()
        .enumerate()
    {
        line = status_line(dir.path(), now + 2 * i as i64, *five, *seven);
    }
    assert!(line.contains("5h 22%"), "{line}");
    assert!(!line.contains("full in"), "{line}");
    let later = now + 10;
    let json: serde_json::Value = serde_json::from_str(&crate::support::bin::succeed(
        later,
        dir.path(),
        &["check", "--json"],
    ))
    .unwrap();
    for window in ["five_hour", "seven_day"] {
        let w = &json["plan"]["windows"][window];
        assert!(
            w["full_at"].is_null() && w["full_earliest"].is_null(),
            "{w}"
        );
        assert!(w["chance_full_before_reset"].is_null(), "{w}");
        assert!(
            w["method"].as_str().unwrap().starts_with("learning ("),
            "{w}"
        );
    }
    let text = crate::support::bin::succeed(later, dir.path(), &["check"]);
    assert!(text.contains("learning (59m"), "{text}");
    assert!(!text.contains("not before reset"), "{text}");
    let forecast = crate::support::bin::succeed(later, dir.path(), &["forecast"]);
    assert!(forecast.contains("learning"), "{forecast}");
}

#[test]
fn a_balance_that_fell_for_under_a_minute_is_learning_and_the_rule_stays_quiet() {
    let dir = tempfile::tempdir().unwrap();
    fresh_home(dir.path());
    let now = 1_795_197_600;
    let store = Store::open(&dir.path().join("data/creditwatch.db")).unwrap();
    store
        .atomically(|s| {
            for i in 0..4 {
                let sample = Sample {
                    t: now - 45 + 15 * i,
                    v: 20.0 - i as f64,
                };
                s.record_sample("default", "credits.balance_usd", sample, "test")?;
            }
            Ok(())
        })
        .unwrap();
    drop(store);
    let snap = crate::support::bin::succeed(now, dir.path(), &["check", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&snap).unwrap();
    let c = &json["credits"];
    assert!(
        c["runs_out_at"].is_null() && c["chance_out_by_tomorrow"].is_null(),
        "{c}"
    );
    assert!(c["method"].as_str().unwrap().contains("learning ("), "{c}");
    let saved = dir.path().join("snap.json");
    std::fs::write(&saved, &snap).unwrap();
    let rule = crate::support::fixtures::example_rule("credits-run-out-tomorrow.lua");
    let out = crate::support::bin::succeed(
        now,
        dir.path(),
        &[
            "rules",
            "test",
            rule.to_str().unwrap(),
            "--snapshot",
            saved.to_str().unwrap(),
        ],
    );
    assert!(out.contains("does not fire"), "{out}");
}

#[test]
fn two_sources_of_one_window_that_disagree_are_not_a_rise() {
    let dir = tempfile::tempdir().unwrap();
    fresh_home(dir.path());
    let now = 1_795_197_600;
    let resets = (now + 3 * 3600) as f64;
    let store = Store::open(&dir.path().join("data/creditwatch.db")).unwrap();
    // Two hours of the status line saying 61 % and the usage endpoint 60 %, in turn.
    store
        .atomically(|s| {
            for i in 0..240 {
                let t = now - 7200 + 30 * i;
                let (v, source) = match i % 2 {
                    0 => (61.0, "statusline"),
                    _ => (60.0, "claude_oauth"),
                };
                s.record_sample(
                    "default",
                    "plan.five_hour.used_pct",
                    Sample { t, v },
                    source,
                )?;
                let r = Sample { t, v: resets };
                s.record_sample("default", "plan.five_hour.resets_at", r, source)?;
            }
            Ok(())
        })
        .unwrap();
    drop(store);
    let json: serde_json::Value = serde_json::from_str(&crate::support::bin::succeed(
        now,
        dir.path(),
        &["check", "--json"],
    ))
    .unwrap();
    let w = &json["plan"]["windows"]["five_hour"];
    assert!(w["full_at"].is_null(), "{w}");
    assert!(w["chance_full_before_reset"].is_null(), "{w}");
    // Past learning: the series was read, and it did not rise.
    assert!(w["method"].as_str().unwrap().starts_with("no rises"), "{w}");
}

/// A balance that falls by a cent a day is not forecast to run out "before its reset"
/// (credits have none), and a backtest over less than a day says why it scores nothing
/// without printing its range backwards.
#[test]
fn credits_that_last_say_so_and_a_day_long_backtest_reads_forwards() {
    let dir = tempfile::tempdir().unwrap();
    let now = 1_796_000_000;
    let store = Store::open(&dir.path().join("data/creditwatch.db")).unwrap();
    for h in (0..72).rev() {
        let v = 900.0 - 0.01 * (72 - h) as f64 / 24.0;
        let s = Sample {
            t: now - h * 3600,
            v,
        };
        store
            .record_sample("default", "credits.balance_usd", s, "test")
            .unwrap();
    }
    drop(store);
    std::fs::write(
        dir.path().join("config.toml"),
        "[sources.claude_code_logs]\nroots = []\n[sources.claude_oauth]\nenabled = false\n",
    )
    .unwrap();
    let text = crate::support::bin::succeed(now, dir.path(), &["forecast"]);
    assert!(text.contains("not within 35 days"), "{text}");
    assert!(!text.contains("before its reset"), "{text}");
    let backtest =
        crate::support::bin::succeed(now, dir.path(), &["forecast", "backtest", "--since", "1d"]);
    let first = backtest.lines().next().unwrap();
    let day = |t: i64| {
        jiff::Timestamp::from_second(t)
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .strftime("%a %d %b")
            .to_string()
    };
    assert!(
        first.contains(&format!("{} to {}", day(now), day(now))),
        "{first}"
    );
    assert!(backtest.contains("kept to learn from"), "{backtest}");
}
