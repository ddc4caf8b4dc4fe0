//! The accuracy tables: every method at every hour of every trace, and the hourly
//! "before the end of tomorrow" gate on its median.

use super::from_to;
use super::gates::{Hour, chance_gate, gate, print_chances, print_sweep, share, sweep, thresholds};
use super::traces::{self, Kind, Process, Trace};
use creditwatch::forecast::backtest::{self, History, Rolling, Scores};
use creditwatch::forecast::method::Method;
use creditwatch::forecast::{Direction, Forecast};
use creditwatch::snapshot::advice;

/// The methods compared, in table order.
const METHODS: [&str; 6] = [
    "forecaster",
    "profile",
    "average",
    "adjusted",
    "pooled",
    "oracle",
];

/// `fast`: every method but the average (for tuning).
fn fast() -> bool {
    std::env::args().any(|a| a == "fast")
}

/// Whether `kind` is benched: `only=bursty` keeps the kinds whose name holds "bursty".
fn chosen(kind: Kind) -> bool {
    std::env::args()
        .find_map(|a| a.strip_prefix("only=").map(str::to_owned))
        .is_none_or(|only| kind.name().contains(&only))
}

/// What one method did on one trace: its scores, its hourly median gate, and its hourly
/// chance gate (at the [`thresholds`]).
#[derive(Default, Clone)]
struct Done {
    scores: Scores,
    gate: [usize; 5],
    chance_gate: [usize; 5],
    /// Each hour's instant, median and chance.
    hours: Vec<Hour>,
    /// Hours whose 7-day top-up advice, added then, would have lasted the 7 days; hours
    /// with advice and 7 days of trace after them.
    topup: [usize; 2],
}

/// Prints the per-kind and overall tables for `seeds`.
pub fn accuracy(seeds: &[u64]) {
    let process = super::process();
    let made = match process {
        Process::Days => "days made the first way",
        Process::Sessions => "days made the second way, held out (no oracle)",
    };
    println!(
        "## Accuracy, seeds {}-{}, {made}\n",
        seeds[0],
        seeds[seeds.len() - 1]
    );
    let mut all: Vec<Vec<Done>> = vec![Vec::new(); METHODS.len()];
    let mut by_kind = Vec::new();
    // The forecaster's hours and the oracle's, for the chance's table and `sweep`.
    let mut kept: [Vec<(Trace, Vec<Hour>)>; 2] = [Vec::new(), Vec::new()];
    for kind in Kind::ALL.into_iter().filter(|k| chosen(*k)) {
        let mut kind_done = vec![Done::default(); METHODS.len()];
        for &seed in seeds {
            let trace = super::trace(kind, seed);
            for (i, &name) in METHODS.iter().enumerate() {
                // The oracle knows only the first way of making days: on the second it
                // would read each day's level off the trace.
                let skipped =
                    fast() && name == "average" || name == "oracle" && process == Process::Sessions;
                let mut d = match skipped {
                    true => Done::default(),
                    false => run(&trace, name),
                };
                let keep = match name {
                    "forecaster" => Some(0),
                    "oracle" => Some(1),
                    _ => None,
                };
                if let Some(k) = keep {
                    kept[k].push((trace.clone(), std::mem::take(&mut d.hours)));
                }
                add(&mut kind_done[i], &d);
                all[i].push(d);
            }
        }
        by_kind.push((kind.name(), kind_done));
    }
    let total: Vec<Done> = all
        .iter()
        .map(|ds| {
            let mut t = Done::default();
            for d in ds {
                add(&mut t, d);
            }
            t
        })
        .collect();
    println!(
        "| user | method | true 12-24 h (h) | forecast 12-24 h (h) | forecast 24-48 h (h) | before median | in 10-90 % (before it) | gate: announced | false episodes | episodes per run-out | hours with one | chance gate: announced | false episodes | episodes per run-out |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (name, done) in by_kind.iter().chain(std::iter::once(&("all kinds", total))) {
        for (i, d) in done.iter().enumerate() {
            row(name, METHODS[i], d);
        }
        ratios(name, done);
    }
    println!();
    println!("### Top-up advice: the 7-day amount, added at the hour it was advised\n");
    println!("| user | hours judged | lasted the 7 days |");
    println!("|---|---|---|");
    for (name, done) in &by_kind {
        let [lasted, judged] = done[0].topup;
        println!("| {name} | {judged} | {:.0} % |", share(lasted, judged));
    }
    let [lasted, judged] = all[0]
        .iter()
        .fold([0, 0], |a, d| [a[0] + d.topup[0], a[1] + d.topup[1]]);
    println!(
        "| all kinds | {judged} | {:.0} % |\n",
        share(lasted, judged)
    );
    print_chances(&kept);
    if sweep() {
        print_sweep("forecaster", &kept[0]);
        print_sweep("oracle", &kept[1]);
    }
}

/// Whether the 7-day top-up advised at `now` would have lasted the 7 days: what the user
/// wanted to spend in them is no more than the balance above its floor plus the advice.
/// `None` without advice or without 7 days of trace after `now`.
fn topup_lasted(trace: &Trace, f: &Forecast, level: f64, now: i64) -> Option<bool> {
    let gap = level - trace.floor;
    let month_end = creditwatch::calendar::start_of_next_month(now, &trace.tz);
    let advice = advice::top_up(f.futures.as_ref(), gap, now, month_end)?;
    let wanted = trace.demand_between(now, now + 7 * 86_400)?;
    Some(wanted <= gap + advice.days_7)
}

fn add(into: &mut Done, d: &Done) {
    into.scores.add(&d.scores);
    for (a, b) in into.topup.iter_mut().zip(d.topup) {
        *a += b;
    }
    for (a, b) in into.gate.iter_mut().zip(d.gate) {
        *a += b;
    }
    for (a, b) in into.chance_gate.iter_mut().zip(d.chance_gate) {
        *a += b;
    }
}

/// One method over one trace.
fn run(trace: &Trace, method: &str) -> Done {
    let history = History {
        samples: &trace.samples,
        run_outs: &trace.run_outs,
        target: trace.floor,
        direction: Direction::Falling,
    };
    let (from, to) = from_to(trace);
    // `noprior`: no transcripts' week, as the rule replay (whose store holds none) sees it.
    let prior = match std::env::args().any(|a| a == "noprior") {
        true => None,
        false => traces::prior(trace),
    };
    let mut rolling = Rolling::new(&trace.samples, Direction::Falling, trace.floor, &trace.tz);
    rolling.prior = prior.as_ref();
    rolling.force = match method {
        "profile" => Some(Method::Profile),
        "average" => Some(Method::Average),
        "adjusted" => Some(Method::Adjusted),
        "pooled" => Some(Method::Pooled),
        _ => None,
    };
    let mut hours: Vec<Hour> = Vec::new();
    let mut topup = [0, 0];
    let scores = backtest::score(&history, from, to, 3600, |seen, now| {
        let level = seen.last().map_or(0.0, |s| s.v);
        let f = match (method, seen.last()) {
            ("oracle", Some(last)) => {
                traces::oracle::forecast(trace, last.t, level - trace.floor, now)
            }
            _ => rolling.at(seen, now),
        };
        hours.push((now, f.at, f.chance, level));
        let lasted = (method == "forecaster")
            .then(|| topup_lasted(trace, &f, level, now))
            .flatten();
        if let Some(lasted) = lasted {
            topup[0] += usize::from(lasted);
            topup[1] += 1;
        }
        f
    });
    Done {
        topup,
        gate: gate(trace, &hours, from, to),
        chance_gate: chance_gate(trace, &hours, thresholds(), from, to),
        scores,
        hours,
    }
}

fn row(user: &str, method: &str, d: &Done) {
    let s = &d.scores;
    // A method left out of this run (`fast`, or the oracle on the second way's days).
    if s.hours == 0 {
        return;
    }
    let mae = |b: &backtest::Bucket| b.mae_h().map_or("-".into(), |m| format!("{m:.1}"));
    let [outs, announceable, announced, episodes, false_episodes] = d.gate;
    let [c_outs, c_announceable, c_announced, c_episodes, c_false] = d.chance_gate;
    println!(
        "| {user} | {method} | {} | {} | {} | {:.0} % | {:.0} % ({:.0} % before) | {:.0} % | {:.0} % | {:.2} | {:.1} % | {:.0} % | {:.0} % | {:.2} |",
        mae(&s.buckets[2]),
        mae(&s.by_forecast[2]),
        mae(&s.by_forecast[3]),
        s.before_median_share() * 100.0,
        s.within_48h().coverage() * 100.0,
        s.within_48h().early_share() * 100.0,
        share(announced, announceable),
        share(false_episodes, episodes),
        episodes as f64 / outs.max(1) as f64,
        s.forecast_share() * 100.0,
        share(c_announced, c_announceable),
        share(c_false, c_episodes),
        c_episodes as f64 / c_outs.max(1) as f64,
    );
}

/// The forecaster's errors as a ratio of the better baseline's, per bucket.
fn ratios(user: &str, done: &[Done]) {
    let err = |d: &Done, true_h: bool, i: usize| {
        let b = if true_h {
            &d.scores.buckets[i]
        } else {
            &d.scores.by_forecast[i]
        };
        b.mae_h().unwrap_or(f64::NAN)
    };
    let ratio = |true_h: bool, i: usize| {
        let best = err(&done[1], true_h, i).min(err(&done[2], true_h, i));
        format!("{:.2}", err(&done[0], true_h, i) / best)
    };
    println!(
        "| {user} | forecaster / best baseline | {} | {} | {} | | | | | | | | | |",
        ratio(true, 2),
        ratio(false, 2),
        ratio(false, 3)
    );
}
