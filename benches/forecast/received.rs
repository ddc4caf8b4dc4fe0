//! What a user receives: the shipped `credits-run-out-tomorrow.lua` replayed hourly over
//! each stored trace, before, after, and fed the range of either oracle, and judged against the
//! trace's true run-outs.

use super::{SEEDS, SETS, from_to, stored};
use creditwatch::alert::replay::{self, Event};
use creditwatch::config::Config;
use creditwatch::forecast::Direction;
use creditwatch::forecast::backtest::{self};
use creditwatch::forecast::traces::{self, Kind, Knows, Trace};
use creditwatch::rule;
use jiff::tz::TimeZone;

/// Replays the rule over every trace and prints the table.
pub fn received() {
    println!("## What a user receives (credits-run-out-tomorrow.lua, replayed hourly)\n");
    println!(
        "| user | seed | version | run-outs | announced >= 12 h ahead | alert episodes | false episodes |"
    );
    println!("|---|---|---|---|---|---|---|");
    let config = Config::parse(
        std::path::Path::new("config.toml"),
        "[sources.claude_code_logs]\nenabled = false\n[sources.claude_oauth]\nenabled = false\n",
    )
    .unwrap();
    let tz = TimeZone::UTC;
    let rules = [
        (
            "before",
            include_str!("../fixtures/credits-run-out-tomorrow.before.lua"),
        ),
        (
            "after",
            include_str!("../../rules/credits-run-out-tomorrow.lua"),
        ),
        (
            "after, fed the oracle that knows today",
            include_str!("../../rules/credits-run-out-tomorrow.lua"),
        ),
        (
            "after, fed the oracle that knows today so far",
            include_str!("../../rules/credits-run-out-tomorrow.lua"),
        ),
    ];
    // By set of seeds, by version: run-outs, announced, episodes, false episodes.
    let mut sums = [[[0usize; 4]; 4]; 2];
    for kind in Kind::ALL {
        for seed in SEEDS {
            let set = usize::from(seed == 3);
            let trace = traces::generate(kind, seed);
            let dir = tempfile::tempdir().unwrap();
            let store = stored(&trace, dir.path());
            let (from, to) = from_to();
            for (i, (version, source)) in rules.iter().enumerate() {
                let rule = rule::compile(
                    "credits-run-out-tomorrow",
                    "credits-run-out-tomorrow.lua",
                    source,
                    &tz,
                    from,
                )
                .unwrap();
                let events = replay::run_with(
                    &store,
                    &config,
                    &rule,
                    (from, to, 3600),
                    &tz,
                    |snap, now| match i {
                        0 => before_projection(snap, &trace, now),
                        2 => oracle_projection(snap, &trace, now, Knows::Today),
                        3 => oracle_projection(snap, &trace, now, Knows::SoFar),
                        _ => {}
                    },
                )
                .unwrap();
                let [outs, announced, episodes, false_episodes] =
                    judge(&events, &trace, from, to, &tz);
                println!(
                    "| {} | {seed} | {version} | {outs} | {announced} ({:.0}%) | {episodes} | {false_episodes} ({:.0}%) |",
                    kind.name(),
                    share(announced, outs),
                    share(false_episodes, episodes)
                );
                for (sum, v) in
                    sums[set][i]
                        .iter_mut()
                        .zip([outs, announced, episodes, false_episodes])
                {
                    *sum += v;
                }
            }
        }
    }
    for (set, (name, _)) in SETS.iter().enumerate() {
        for (i, (version, _)) in rules.iter().enumerate() {
            let [outs, announced, episodes, false_episodes] = sums[set][i];
            println!(
                "| all kinds | {name} | {version} | {outs} | {announced} ({:.0}%) | {episodes} | {false_episodes} ({:.0}%) |",
                share(announced, outs),
                share(false_episodes, episodes)
            );
        }
    }
    println!();
}

fn share(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

/// Puts the previous version's projection in the snapshot: the balance divided by the
/// average fall of the last 24 hours (nothing when nothing fell).
fn before_projection(snap: &mut serde_json::Value, trace: &Trace, now: i64) {
    let hi = trace.samples.partition_point(|s| s.t <= now);
    let seen = &trace.samples[..hi];
    let f = backtest::linear_24h(seen, trace.floor, Direction::Falling, now);
    let c = &mut snap["credits"];
    if c.is_object() {
        c["runs_out_at"] = serde_json::json!(f.at);
        c["burn_usd_per_day"] = serde_json::json!(f.next_24h);
        c["runs_out_in_hours"] = serde_json::json!(f.at.map(|t| (t - now) as f64 / 3600.0));
    }
}

/// Puts the oracle's range in the snapshot in place of the forecaster's: what the rule
/// would do with the best forecast there can be.
fn oracle_projection(snap: &mut serde_json::Value, trace: &Trace, now: i64, knows: Knows) {
    let c = &mut snap["credits"];
    let Some(level) = c["balance_usd"].as_f64() else {
        return;
    };
    let [earliest, at, latest] = traces::oracle(trace, now, level, 7, knows);
    c["runs_out_at"] = serde_json::json!(at);
    c["runs_out_earliest"] = serde_json::json!(earliest);
    c["runs_out_latest"] = serde_json::json!(latest);
}

/// Run-outs in the period, those announced 12 to 72 hours ahead, alert episodes, and
/// episodes with no run-out before the end of the next day.
fn judge(events: &[Event], trace: &Trace, from: i64, to: i64, tz: &TimeZone) -> [usize; 4] {
    let outs: Vec<i64> = trace
        .run_outs
        .iter()
        .copied()
        .filter(|&r| r > from + 86_400 && r <= to)
        .collect();
    let told: Vec<i64> = events
        .iter()
        .filter(|e| e.notified && (e.what == "firing" || e.what.starts_with("repeat")))
        .map(|e| e.t)
        .collect();
    let announced = outs
        .iter()
        .filter(|&&r| {
            told.iter()
                .any(|&t| t <= r - 12 * 3600 && t >= r - 72 * 3600)
        })
        .count();
    // An episode is judged by the end of the day after it opened; one opened too near the
    // end of the trace cannot be judged and is left out.
    let starts: Vec<i64> = events
        .iter()
        .filter(|e| e.what == "firing")
        .map(|e| e.t)
        .filter(|&t| creditwatch::calendar::start_of_day(t, 2, tz) <= to)
        .collect();
    let false_episodes = starts
        .iter()
        .filter(|&&t| {
            let end = creditwatch::calendar::start_of_day(t, 2, tz);
            !trace.run_outs.iter().any(|&r| r > t && r <= end)
        })
        .count();
    [outs.len(), announced, starts.len(), false_episodes]
}
