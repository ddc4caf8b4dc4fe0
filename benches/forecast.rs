//! Forecast accuracy and cost (a bench binary; it prints tables rather than timing one
//! function, which criterion does not do).
//!
//! ```text
//! cargo bench --bench forecast            # the accuracy table and the cost of a cycle
//! cargo bench --bench forecast -- quick   # accuracy only, no rule replay
//! ```
//!
//! Accuracy: six weeks of each of seven kinds of users (`forecast::traces`), seed 1 (the
//! traces the forecaster was tuned on) and seed 2 (held out), scored at every hour from the
//! second day by `forecast::backtest`, for the linear 24-hour projection creditwatch used
//! before and the forecaster now.

use creditwatch::forecast::backtest::{self, History, Scores};
use creditwatch::forecast::traces::{self, Kind};
use creditwatch::forecast::{self, Direction, Question};
use jiff::tz::TimeZone;

fn main() {
    println!(
        "| user | seed | method | MAE 0-6h | 6-12h | 12-24h | 24-48h | no forecast <48h | in 10-90% | hours with a forecast |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for kind in Kind::ALL {
        for seed in [1, 2] {
            let trace = traces::generate(kind, seed);
            let history = History {
                samples: &trace.samples,
                run_outs: &trace.run_outs,
                target: trace.floor,
                direction: Direction::Falling,
            };
            let from = traces::START + 86_400;
            let to = traces::START + traces::DAYS * 86_400;
            let tz = TimeZone::UTC;
            let before = backtest::score(&history, from, to, 3600, |seen, now| {
                backtest::linear_24h(seen, trace.floor, Direction::Falling, now)
            });
            let after = backtest::score(&history, from, to, 3600, |seen, now| {
                forecast::forecast(&Question {
                    samples: seen,
                    direction: Direction::Falling,
                    target: trace.floor,
                    horizon: now + forecast::MAX_AHEAD_S,
                    now,
                    tz: &tz,
                    prior: None,
                })
            });
            let oracle = backtest::score(&history, from, to, 3600, |seen, now| {
                let level = seen.last().map_or(0.0, |s| s.v);
                let at = traces::oracle(&trace, now, level, 7);
                forecast::Forecast {
                    at,
                    earliest: at,
                    latest: at,
                    next_24h: None,
                    per_hour: None,
                    method: String::new(),
                }
            });
            row(kind, seed, "before", &before, false);
            row(kind, seed, "after", &after, true);
            row(kind, seed, "oracle", &oracle, false);
        }
    }
}

fn row(kind: Kind, seed: u64, method: &str, s: &Scores, ranged: bool) {
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
        "| {} | {seed} | {method} | {} | {} | {} | {} | {:.0}% | {coverage} | {:.1}% |",
        kind.name(),
        mae(0),
        mae(1),
        mae(2),
        mae(3),
        all.without_share() * 100.0,
        s.forecast_share() * 100.0
    );
}
