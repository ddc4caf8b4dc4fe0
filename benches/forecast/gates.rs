//! The gates: the hourly question "does it run out before the end of tomorrow?", asked of
//! the median and of the chance as the shipped rule asks it, scored by the run-outs it
//! announced 12 to 72 hours ahead and the episodes that were false; the chance said beside
//! how often it came true; and the sweep of the chance gate's thresholds.

use super::from_to;
use super::traces::Trace;
use creditwatch::calendar::start_of_day;

/// One hour of a backtest: its instant, the median, the chance and the level.
pub type Hour = (i64, Option<i64>, Option<f64>, f64);

/// The chance gate's thresholds: `on=0.6 off=0.3` on the command line, else the shipped
/// rule's.
pub fn thresholds() -> (f64, f64) {
    let arg = |name: &str, default: f64| {
        std::env::args()
            .find_map(|a| a.strip_prefix(name).and_then(|v| v.parse().ok()))
            .unwrap_or(default)
    };
    (arg("on=", 0.6), arg("off=", 0.2))
}

/// The chance of running out before the end of tomorrow, said and seen: the hours (with a
/// balance, and the end of tomorrow inside the trace) by the chance said, and the share of
/// them that did run out by then. A chance is worth its words when the two agree.
pub fn print_chances(kept: &[Vec<(Trace, Vec<Hour>)>; 2]) {
    println!("### The chance of running out before the end of tomorrow: said and seen\n");
    println!("| chance said | forecaster: hours | ran out | oracle: hours | ran out |");
    println!("|---|---|---|---|---|");
    let tally = |kept: &[(Trace, Vec<Hour>)]| {
        let mut bins = [[0usize; 2]; 10];
        for (trace, hours) in kept {
            for &(now, _, chance, level) in hours {
                let deadline = start_of_day(now, 2, &trace.tz);
                let Some(p) = chance.filter(|_| deadline <= trace.end && !at_floor(trace, level))
                else {
                    continue;
                };
                let bin = ((p * 10.0) as usize).min(9);
                bins[bin][0] += 1;
                bins[bin][1] += usize::from(runs_out_between(trace, now, deadline));
            }
        }
        bins
    };
    let (mine, oracle) = (tally(&kept[0]), tally(&kept[1]));
    let cell = |[n, out]: [usize; 2]| match n {
        0 => "- | -".to_owned(),
        n => format!("{n} | {:.0} %", share(out, n)),
    };
    for bin in 0..10 {
        println!(
            "| {:.1}-{:.1} | {} | {} |",
            bin as f64 / 10.0,
            (bin + 1) as f64 / 10.0,
            cell(mine[bin]),
            cell(oracle[bin])
        );
    }
    println!();
}

/// `sweep`: the chance gate at a grid of thresholds, over every trace (for tuning).
pub fn sweep() -> bool {
    std::env::args().any(|a| a == "sweep")
}

/// The chance gate of `method`'s hours at every pair of thresholds on the grid.
pub fn print_sweep(method: &str, swept: &[(Trace, Vec<Hour>)]) {
    println!("### The chance gate's thresholds: the {method}\n");
    println!("| on | off | announced | false episodes | episodes per run-out |");
    println!("|---|---|---|---|---|");
    for on in [0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8] {
        for off in [0.05, 0.1, 0.2, 0.3] {
            let mut sum = [0usize; 5];
            for (trace, hours) in swept {
                let (from, to) = from_to(trace);
                let g = chance_gate(trace, hours, (on, off), from, to);
                for (a, b) in sum.iter_mut().zip(g) {
                    *a += b;
                }
            }
            let [outs, announceable, announced, episodes, false_episodes] = sum;
            println!(
                "| {on} | {off} | {:.0} % | {:.0} % | {:.2} |",
                share(announced, announceable),
                share(false_episodes, episodes),
                episodes as f64 / outs.max(1) as f64
            );
        }
    }
    println!();
}

/// The hourly gate "the median is before the end of tomorrow": run-outs, those that could
/// be announced and those announced 12 to 72 hours ahead by an episode's start (see
/// [`announced`]), episodes, and false episodes (no run-out
/// before the end of the day after the one it started on; episodes too near the end of the
/// trace to judge are left out).
pub fn gate(trace: &Trace, hours: &[Hour], from: i64, to: i64) -> [usize; 5] {
    let tz = &trace.tz;
    let mut starts = Vec::new();
    let mut on = false;
    for &(now, at, _, _) in hours {
        let now_on = at.is_some_and(|at| at < start_of_day(now, 2, tz));
        if now_on && !on {
            starts.push(now);
        }
        on = now_on;
    }
    judge(trace, &starts, from, to)
}

/// The chance gate, as the shipped rule does it: on once the chance of running out before
/// the end of tomorrow reaches the "on" threshold, off only once it falls below "off", the
/// balance is topped up or it is empty (too late to warn).
pub fn chance_gate(
    trace: &Trace,
    hours: &[Hour],
    (on_at, off_below): (f64, f64),
    from: i64,
    to: i64,
) -> [usize; 5] {
    let mut starts = Vec::new();
    let mut on = false;
    let mut level = f64::INFINITY;
    for &(now, _, chance, now_level) in hours {
        // A top-up ends the episode: the next one is about the new balance.
        if now_level > level + 0.005 {
            on = false;
        }
        level = now_level;
        let p = chance.unwrap_or(0.0);
        let empty = at_floor(trace, now_level);
        let now_on = !empty && if on { p >= off_below } else { p >= on_at };
        if now_on && !on {
            starts.push(now);
        }
        on = now_on;
    }
    judge(trace, &starts, from, to)
}

/// The run-outs judged (from the day after `from` to `to`), those with 12 hours of balance
/// before them (no warning 12 hours ahead is possible when a top-up lasts less), and those
/// of them that one of `told` announced 12 to 72 hours ahead.
pub fn announced(trace: &Trace, told: &[i64], from: i64, to: i64) -> (usize, usize, usize) {
    let outs: Vec<i64> = trace
        .run_outs
        .iter()
        .copied()
        .filter(|&r| r > from + 86_400 && r <= to)
        .collect();
    let mut announceable = 0;
    let mut announced = 0;
    for &r in &outs {
        // A notification sent before an earlier run-out, or while the balance was still
        // empty after one, was about that one, not this.
        let since = trace.run_outs.iter().rev().find(|&&o| o < r).copied();
        let about = |t: i64| since.is_none_or(|o| t > o) && !empty_at(trace, t);
        if !about(r - 12 * 3600) {
            continue;
        }
        announceable += 1;
        announced += usize::from(
            told.iter()
                .any(|&t| t <= r - 12 * 3600 && t >= r - 72 * 3600 && about(t)),
        );
    }
    (outs.len(), announceable, announced)
}

/// Whether the balance read at the level at `t` (its last reading by then).
fn empty_at(trace: &Trace, t: i64) -> bool {
    let i = trace.samples.partition_point(|s| s.t <= t);
    i.checked_sub(1)
        .is_some_and(|i| at_floor(trace, trace.samples[i].v))
}

/// Whether a balance of `v` is at the level (empty, or at the reload threshold).
fn at_floor(trace: &Trace, v: f64) -> bool {
    v <= trace.floor + 1e-9
}

/// Run-outs, those announceable, announced, episodes, false episodes, from the episodes'
/// starts.
pub fn judge(trace: &Trace, starts: &[i64], from: i64, to: i64) -> [usize; 5] {
    let tz = &trace.tz;
    let (outs, announceable, announced) = announced(trace, starts, from, to);
    let judged: Vec<i64> = starts
        .iter()
        .copied()
        .filter(|&t| start_of_day(t, 2, tz) <= to)
        .collect();
    let false_episodes = judged
        .iter()
        .filter(|&&t| !runs_out_between(trace, t, start_of_day(t, 2, tz)))
        .count();
    [outs, announceable, announced, judged.len(), false_episodes]
}

/// Whether the balance reached its level after `from` and by `to`.
fn runs_out_between(trace: &Trace, from: i64, to: i64) -> bool {
    trace.run_outs.iter().any(|&r| r > from && r <= to)
}

/// `a` as a percentage of `b` (0 when `b` is).
pub fn share(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * a as f64 / b as f64
    }
}
