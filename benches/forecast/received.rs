//! What a user receives: the shipped `credits-run-out-tomorrow.lua` replayed hourly over
//! each stored trace, and judged against the trace's true run-outs.

use super::gates::{announced, judge, share};
use super::traces::{Kind, Trace};
use super::{from_to, stored};
use creditwatch::alert::replay::{self, Event};
use creditwatch::config::Config;
use creditwatch::rule;

/// Replays the rule over every trace of `seeds` and prints the table.
pub fn received(seeds: &[u64]) {
    let step = step();
    let every = match step {
        3600 => "hourly".to_owned(),
        s => format!("every {} minutes", s / 60),
    };
    println!("## What a user receives (credits-run-out-tomorrow.lua, replayed {every})\n");
    println!(
        "| user | version | run-outs | announced 12-72 h ahead | episodes per run-out | false episodes | notifications per run-out |"
    );
    println!("|---|---|---|---|---|---|---|");
    let config = Config::parse(
        std::path::Path::new("config.toml"),
        "[sources.claude_code_logs]\nenabled = false\n[sources.claude_oauth]\nenabled = false\n",
    )
    .unwrap();
    let rules = [(
        "shipped",
        include_str!("../../rules/credits-run-out-tomorrow.lua"),
    )];
    // By version: run-outs, those announceable, announced, episodes, false episodes,
    // notifications.
    let mut total = [[0usize; 6]; 1];
    for kind in Kind::ALL {
        let mut sums = [[0usize; 6]; 1];
        for &seed in seeds {
            let trace = super::trace(kind, seed);
            let dir = tempfile::tempdir().unwrap();
            let store = stored(&trace, dir.path());
            let (from, to) = from_to(&trace);
            for (i, (_, source)) in rules.iter().enumerate() {
                let name = "credits-run-out-tomorrow";
                let file = "credits-run-out-tomorrow.lua";
                let rule = rule::compile(name, file, source, &trace.tz, from).unwrap();
                let events =
                    replay::run(&store, &config, &rule, from, to, step, &trace.tz).unwrap();
                let starts: Vec<i64> = events
                    .iter()
                    .filter(|e| e.what == "firing")
                    .map(|e| e.t)
                    .collect();
                let mut counts = judge_told(&trace, &events, from, to).to_vec();
                counts[3..5].copy_from_slice(&judge(&trace, &starts, from, to)[3..5]);
                for (sum, v) in sums[i].iter_mut().zip(counts) {
                    *sum += v;
                }
            }
        }
        for (i, (version, _)) in rules.iter().enumerate() {
            print_row(kind.name(), version, sums[i]);
            for (t, s) in total[i].iter_mut().zip(sums[i]) {
                *t += s;
            }
        }
    }
    for (i, (version, _)) in rules.iter().enumerate() {
        print_row("all kinds", version, total[i]);
    }
    println!();
}

/// How often the rule is evaluated, seconds: `step=900` on the command line, else hourly.
fn step() -> i64 {
    std::env::args()
        .find_map(|a| a.strip_prefix("step=").and_then(|v| v.parse().ok()))
        .filter(|&s: &i64| s >= 60)
        .unwrap_or(3600)
}

fn print_row(
    user: &str,
    version: &str,
    [
        outs,
        announceable,
        announced,
        episodes,
        false_episodes,
        told,
    ]: [usize; 6],
) {
    println!(
        "| {user} | {version} | {outs} | {announced} of {announceable} ({:.0} %) | {:.2} | {false_episodes} ({:.0} %) | {:.2} |",
        share(announced, announceable),
        episodes as f64 / outs.max(1) as f64,
        share(false_episodes, episodes),
        told as f64 / outs.max(1) as f64,
    );
}

/// Run-outs, those with 12 hours of balance before them, those of them with a notification
/// 12 to 72 hours ahead, (two slots the caller fills), and notifications sent.
fn judge_told(trace: &Trace, events: &[Event], from: i64, to: i64) -> [usize; 6] {
    let told: Vec<i64> = events
        .iter()
        .filter(|e| e.notified && (e.what == "firing" || e.what.starts_with("repeat")))
        .map(|e| e.t)
        .collect();
    let (outs, announceable, announced) = announced(trace, &told, from, to);
    let in_period = told
        .iter()
        .filter(|&&t| t > from + 86_400 && t <= to)
        .count();
    [outs, announceable, announced, 0, 0, in_period]
}
