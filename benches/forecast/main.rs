//! Forecast accuracy and cost (a bench binary: it prints tables rather than timing one
//! function, which criterion does not do).
//!
//! ```text
//! cargo bench --bench forecast            # accuracy, what a user receives, and the cost
//! cargo bench --bench forecast -- quick   # accuracy and cost only, no rule replay
//! cargo bench --bench forecast -- cost    # the cost only
//! cargo bench --bench forecast -- quick after   # the forecaster's rows only (for tuning)
//! ```
//!
//! Accuracy: six weeks of each of seven kinds of users (`forecast::traces`), seeds 1 and 2
//! (the traces the forecaster was tuned on) and seed 3 (held out: not looked at until the
//! method and its constants were fixed), scored at every hour from
//! the second day by `forecast::backtest`, for the linear 24-hour projection creditwatch
//! used before ("before"), the forecaster now ("after"), and two oracles that know the
//! user's true process: one also knows how much today will cost, the other only once
//! today's spending shows (no forecaster can beat that one on average). The
//! forecaster is given the weekly shape of the 28 days before the trace as the transcripts
//! would give it (`traces::prior`), as the daemon does for a Claude Code user.
//!
//! What a user receives: the shipped `credits-run-out-tomorrow.lua` (its hold and repeat
//! included) replayed hourly over the stored trace, before (the rule and projection of the
//! previous version, `benches/fixtures/credits-run-out-tomorrow.before.lua`), after, and
//! the shipped rule fed either oracle's range instead of the forecaster's: what the rule
//! does with the best forecast there can be. The store holds no transcripts, so the replay's
//! forecasts have no transcripts' shape to start from. A run-out counts as announced when a notification went out between 12 and 72 hours
//! before it; an alert episode is false when no run-out follows before the end of the next
//! day (episodes opened too near the end of a trace to be judged are left out).
//!
//! Cost: every pool of one account forecast for one cycle (the snapshot build), with 28
//! days of 5-minute samples for the balance, extra usage and two plan windows; and
//! `creditwatch statusline` end to end on the same samples.

mod received;

use creditwatch::config::Config;

use creditwatch::forecast::backtest::{self, History, Scores};
use creditwatch::forecast::traces::{self, Kind, Knows, Trace};
use creditwatch::forecast::{self, Direction, Forecast, Question};
use creditwatch::store::{Sample, Store};
use jiff::tz::TimeZone;
use std::time::Instant;

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let only_cost = std::env::args().any(|a| a == "cost");
    if !only_cost {
        accuracy();
    }
    if !quick && !only_cost {
        received::received();
    }
    cost();
}

fn from_to() -> (i64, i64) {
    (
        traces::START + 86_400,
        traces::START + traces::DAYS * 86_400,
    )
}

fn accuracy() {
    println!("## Accuracy\n");
    println!(
        "| user | seed | method | MAE 0-6h | 6-12h | 12-24h | 24-48h | no forecast <48h | in 10-90% | hours with a forecast |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let tz = TimeZone::UTC;
    let mut totals: Vec<(&str, Vec<Scored>)> = vec![
        ("before", vec![]),
        ("after", vec![]),
        (SAME_HOURS, vec![]),
        (ORACLE_TODAY, vec![]),
        (ORACLE_SO_FAR, vec![]),
    ];
    for kind in Kind::ALL {
        for seed in SEEDS {
            let trace = traces::generate(kind, seed);
            let history = History {
                samples: &trace.samples,
                run_outs: &trace.run_outs,
                target: trace.floor,
                direction: Direction::Falling,
            };
            let (from, to) = from_to();
            let skip = std::env::args().any(|a| a == "after");
            let before = if skip {
                Scores::default()
            } else {
                backtest::score(&history, from, to, 3600, |seen, now| {
                    backtest::linear_24h(seen, trace.floor, Direction::Falling, now)
                })
            };
            let after = backtest::score(&history, from, to, 3600, |seen, now| {
                after_forecast(&trace, seen, now, &tz)
            });
            // The same hours as before's, for a like-for-like error: before is silent at
            // the hard hours (after a quiet day), which flatters its mean.
            let same = backtest::score(&history, from, to, 3600, |seen, now| {
                let before = backtest::linear_24h(seen, trace.floor, Direction::Falling, now);
                match before.at {
                    Some(_) => after_forecast(&trace, seen, now, &tz),
                    None => before,
                }
            });
            let oracles = [Knows::Today, Knows::SoFar].map(|knows| match skip {
                true => Scores::default(),
                false => oracle_scores(&history, &trace, knows),
            });
            row(kind.name(), &seed.to_string(), "before", &before, false);
            row(kind.name(), &seed.to_string(), "after", &after, true);
            row(kind.name(), &seed.to_string(), SAME_HOURS, &same, true);
            let [today, so_far] = oracles;
            row(kind.name(), &seed.to_string(), ORACLE_TODAY, &today, true);
            row(kind.name(), &seed.to_string(), ORACLE_SO_FAR, &so_far, true);
            for (i, scores) in [before, after, same, today, so_far].into_iter().enumerate() {
                totals[i].1.push((kind, seed, scores));
            }
        }
    }
    for (set, seeds) in SETS {
        for bursty in [true, false] {
            for (name, all) in &totals {
                let picked: Vec<Scores> = all
                    .iter()
                    .filter(|(k, seed, _)| seeds.contains(seed) && (bursty || *k != Kind::Bursty))
                    .map(|(_, _, s)| s.clone())
                    .collect();
                let user = if bursty {
                    "all kinds"
                } else {
                    "all but bursty"
                };
                let ranged = *name != "before";
                row(user, set, name, &pooled(&picked), ranged);
            }
        }
    }
    println!();
}

/// One trace's scores: its kind, its seed, the scores.
type Scored = (Kind, u64, Scores);

/// Every trace's seed.
const SEEDS: [u64; 3] = [1, 2, 3];
/// The seeds pooled: those tuned on, and the held-out one.
const SETS: [(&str, &[u64]); 2] = [("1+2", &[1, 2]), ("3 (held out)", &[3])];

/// The forecaster scored only at the hours the linear projection had an answer.
const SAME_HOURS: &str = "after, at before's hours";
/// The oracle that knows today's total from its first hour.
const ORACLE_TODAY: &str = "oracle, knows today";
/// The oracle that knows today's total once it shows (see `traces::Knows::SoFar`).
const ORACLE_SO_FAR: &str = "oracle, today so far";

/// The oracle's range at every hour of `trace`, scored.
fn oracle_scores(history: &History<'_>, trace: &Trace, knows: Knows) -> Scores {
    let (from, to) = from_to();
    backtest::score(history, from, to, 3600, |seen, now| {
        let level = seen.last().map_or(0.0, |s| s.v);
        let [earliest, at, latest] = traces::oracle(trace, now, level, 7, knows);
        Forecast {
            at,
            earliest,
            latest,
            next_24h: None,
            per_hour: None,
            method: String::new(),
        }
    })
}

fn after_forecast(trace: &Trace, seen: &[Sample], now: i64, tz: &TimeZone) -> Forecast {
    let prior = traces::prior(trace.kind, trace.seed);
    forecast::forecast(&Question {
        samples: seen,
        direction: Direction::Falling,
        target: trace.floor,
        horizon: now + forecast::MAX_AHEAD_S,
        now,
        tz,
        prior: prior.as_ref(),
    })
}

/// The scores of several runs as one.
fn pooled(all: &[Scores]) -> Scores {
    let mut s = Scores::default();
    for x in all {
        s.hours += x.hours;
        s.with_forecast += x.with_forecast;
        s.run_outs += x.run_outs;
        for (b, xb) in s.buckets.iter_mut().zip(&x.buckets) {
            b.hours += xb.hours;
            b.without += xb.without;
            b.error_h += xb.error_h;
            b.covered += xb.covered;
        }
    }
    s
}

fn row(user: &str, seed: &str, method: &str, s: &Scores, ranged: bool) {
    let mae = |i: usize| {
        s.buckets[i]
            .mae_h()
            .map_or("-".into(), |m| format!("{m:.1}"))
    };
    let all = s.within_48h();
    let coverage = if ranged {
        format!("{:.0}%", all.coverage() * 100.0)
    } else {
        "-".into()
    };
    println!(
        "| {user} | {seed} | {method} | {} | {} | {} | {} | {:.0}% | {coverage} | {:.1}% |",
        mae(0),
        mae(1),
        mae(2),
        mae(3),
        all.without_share() * 100.0,
        s.forecast_share() * 100.0
    );
}

/// A store holding `trace` as creditwatch would have recorded it.
fn stored(trace: &Trace, dir: &std::path::Path) -> Store {
    let store = Store::open(&dir.join("creditwatch.db")).unwrap();
    store
        .atomically(|s| {
            for &sample in &trace.samples {
                s.record_sample("default", "credits.balance_usd", sample, "trace")?;
            }
            if let Some((threshold, to)) = trace.auto_reload {
                let t = trace.samples[0].t;
                for (metric, v) in [
                    ("credits.auto_reload.enabled", 1.0),
                    ("credits.auto_reload.threshold_usd", threshold),
                    ("credits.auto_reload.reload_to_usd", to),
                ] {
                    s.record_sample("default", metric, Sample { t, v }, "trace")?;
                }
            }
            Ok(())
        })
        .unwrap();
    store
}

fn cost() {
    println!("## Cost of one cycle's forecasts\n");
    println!(
        "4 pools (credits, extra usage, 5-hour and 7-day windows), 28 days of 5-minute samples each\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("creditwatch.db")).unwrap();
    let now = traces::START + 28 * 86_400;
    let trace = traces::generate(Kind::Steady, 1);
    store
        .atomically(|s| {
            for step in 0..(28 * 288) {
                let t = traces::START + step * 300;
                let i = trace.samples.partition_point(|x| x.t <= t).max(1) - 1;
                let used = (step % 60) as f64 * 1.6;
                for (metric, v) in [
                    ("credits.balance_usd", trace.samples[i].v),
                    ("extra_usage.used_usd", (step % 8640) as f64 * 0.01),
                    ("plan.five_hour.used_pct", used),
                    (
                        "plan.five_hour.resets_at",
                        (t / 18_000 + 1) as f64 * 18_000.0,
                    ),
                    ("plan.seven_day.used_pct", (step % 2016) as f64 * 0.04),
                    (
                        "plan.seven_day.resets_at",
                        (t / 604_800 + 1) as f64 * 604_800.0,
                    ),
                ] {
                    s.record_sample("default", metric, Sample { t, v }, "bench")?;
                }
            }
            for (metric, v) in [
                ("extra_usage.enabled", 1.0),
                ("extra_usage.capped", 1.0),
                ("extra_usage.limit_usd", 500.0),
            ] {
                s.record_sample("default", metric, Sample { t: now - 60, v }, "bench")?;
            }
            Ok(())
        })
        .unwrap();
    let config = Config::default();
    let tz = TimeZone::get("Europe/Paris").unwrap_or(TimeZone::UTC);
    let mut times = Vec::new();
    for i in 0..200 {
        let t = Instant::now();
        let snap = creditwatch::snapshot::build(&store, &config, now + i * 15, &tz).unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(snap.credits.is_some() && snap.plan.windows.len() == 2);
    }
    report(
        "the whole snapshot (reading the samples from SQLite included)",
        times,
    );
    forecasts_alone(&store, now, &tz);
    drop(store);
    statusline(dir.path(), now);
}

/// `creditwatch statusline` end to end (the process, reading stdin, recording, the windows'
/// and the credits' forecasts, printing) on the same 28 days of samples.
fn statusline(dir: &std::path::Path, now: i64) {
    use std::io::Write;
    let home = dir.join("home");
    std::fs::create_dir_all(home.join("data")).unwrap();
    std::fs::copy(dir.join("creditwatch.db"), home.join("data/creditwatch.db")).unwrap();
    let input = include_bytes!("../../tests/fixtures/claude-code/statusline.json");
    let mut times = Vec::new();
    for _ in 0..60 {
        let t = Instant::now();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_creditwatch"))
            .args(["--now", &now.to_string(), "statusline"])
            .env("CREDITWATCH_HOME", &home)
            .env("HOME", &home)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        assert!(child.wait().unwrap().success());
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    report(
        "creditwatch statusline, end to end with the forecasts",
        times[10..].to_vec(),
    );
}

/// The four pools' forecasts from samples already read: the forecaster's own cost.
fn forecasts_alone(store: &Store, now: i64, tz: &TimeZone) {
    let read = |metric: &str| {
        store
            .samples("default", metric, now - forecast::LOOKBACK_S, now)
            .unwrap()
    };
    let five_hour_reset = (now / 18_000 + 1) * 18_000;
    let seven_day_reset = (now / 604_800 + 1) * 604_800;
    let pools = [
        (
            read("credits.balance_usd"),
            Direction::Falling,
            0.0,
            now + forecast::MAX_AHEAD_S,
        ),
        (
            read("extra_usage.used_usd"),
            Direction::Rising,
            500.0,
            now + 20 * 86_400,
        ),
        (
            read("plan.five_hour.used_pct"),
            Direction::Rising,
            100.0,
            five_hour_reset,
        ),
        (
            read("plan.seven_day.used_pct"),
            Direction::Rising,
            100.0,
            seven_day_reset,
        ),
    ];
    let mut times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        for (samples, direction, target, horizon) in &pools {
            let f = forecast::forecast(&Question {
                samples,
                direction: *direction,
                target: *target,
                horizon: *horizon,
                now,
                tz,
                prior: None,
            });
            std::hint::black_box(f);
        }
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    report("the 4 forecasts alone, from samples in memory", times);
}

fn report(what: &str, mut times: Vec<f64>) {
    times.sort_by(f64::total_cmp);
    println!(
        "{what}: median {:.2} ms, slowest {:.2} ms ({} runs)\n",
        times[times.len() / 2],
        times[times.len() - 1],
        times.len()
    );
}
