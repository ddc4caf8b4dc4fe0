//! `creditwatch forecast` and `forecast backtest` with the real binary over a stored
//! history: six weeks of a synthetic weekday user's balance, run down and topped up.

use crate::traces::{self, Kind};
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
    let text = crate::support::bin::succeed(now, dir.path(), &["forecast"]);
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
fn every_kind_of_bench_user_runs_out_eight_times_or_more_and_is_the_same_for_a_seed() {
    for kind in Kind::ALL {
        for seed in 1..=20 {
            let t = traces::generate(kind, seed);
            assert!(
                t.run_outs.len() >= 8,
                "{} seed {seed}: {} run-outs",
                kind.name(),
                t.run_outs.len()
            );
            assert!(t.samples.windows(2).all(|w| w[0].t < w[1].t));
        }
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
